//! Phone order (staff): Dojo's tokenization guide. The card details staff
//! type are checked into the SDK's card types, sent once to the PCI host
//! as a setup intent, and charged; the shop never stores, logs or shows
//! them again (they are not even put back into the form after an error).

use askama::Template;
use axum::extract::State;
use dojo_payments::api_types::MerchantInitiatedTransactionType;
use dojo_payments::lifecycle::AnySetupIntent;
use dojo_payments::resources::Card;
use dojo_payments::types::{
    CardExpiry, CardNumber, CardholderName, Currency, Cvv, InvalidValue, Money,
};
use serde::Deserialize;

use super::shop::checked_email;
use super::{AppState, Page, render};
use crate::order::OrderKind;
use crate::store::NewOrder;

#[derive(Template)]
#[template(path = "phone.html")]
struct PhonePage<'a> {
    error: Option<String>,
    email: &'a str,
    description: &'a str,
    amount: &'a str,
}

/// `GET /staff/phone`.
pub async fn form() -> Page {
    render(&PhonePage {
        error: None,
        email: "",
        description: "",
        amount: "",
    })
}

/// What staff type. `Debug` is written by hand: the card fields never
/// print.
#[derive(Deserialize)]
pub struct PhoneForm {
    email: String,
    description: String,
    amount: String,
    card_number: String,
    expiry: String,
    cvv: String,
    name: String,
}

/// The card fields are wiped when the request is done with them (the SDK's
/// card types, made from them, wipe their own copies).
impl Drop for PhoneForm {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for field in [
            &mut self.card_number,
            &mut self.expiry,
            &mut self.cvv,
            &mut self.name,
        ] {
            field.zeroize();
        }
    }
}

impl std::fmt::Debug for PhoneForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneForm")
            .field("email", &self.email)
            .field("description", &self.description)
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

/// `POST /staff/phone`: tokenize the card, charge it, and show the order.
pub async fn charge(
    State(state): State<AppState>,
    axum::Form(form): axum::Form<PhoneForm>,
) -> Page {
    let checked = check(&form);
    let (email, amount, card) = match checked {
        Ok(checked) => checked,
        Err(invalid) => {
            return render(&PhonePage {
                error: Some(format!("{}: {}", invalid.field(), invalid.rule())),
                email: &form.email,
                description: &form.description,
                amount: &form.amount,
            });
        }
    };
    let description = form.description.trim();
    let order = state
        .db
        .insert_order(&NewOrder {
            kind: OrderKind::Phone,
            reference: None,
            email,
            description: if description.is_empty() {
                "Phone order"
            } else {
                description
            },
            amount,
            manual_capture: false,
        })
        .await?;
    let terms = format!("Charged once, {amount}, for phone order {}.", order.id);
    let tokenized = state
        .dojo
        .setup_intents()
        .tokenize(
            &order.id,
            terms,
            MerchantInitiatedTransactionType::Unscheduled,
            card,
        )
        .intended_amount(amount)
        .authorized()
        .await?;
    let AnySetupIntent::Authorized(setup) = tokenized else {
        return render(&PhonePage {
            error: Some(format!(
                "The card was not authorized ({:?}): try another.",
                tokenized.status()
            )),
            email,
            description,
            amount: &form.amount,
        });
    };
    super::admin::charge_for_order(&state, &setup, &order).await
}

/// The form's values, typed; the first broken rule otherwise.
fn check(form: &PhoneForm) -> Result<(&str, Money, Card), InvalidValue> {
    let email = checked_email(&form.email)?;
    let amount = Money::parse_decimal(form.amount.trim(), Currency::GBP)
        .map_err(|e| e.in_field("amount"))?;
    if amount.minor_units() <= 0 {
        return Err(InvalidValue::new("amount", "must be more than zero"));
    }
    let card = Card {
        number: CardNumber::new(form.card_number.as_str())?,
        expiry: form
            .expiry
            .parse::<CardExpiry>()
            .map_err(|e| e.in_field("expiry"))?,
        cvv: Cvv::new(form.cvv.as_str())?,
        holder: CardholderName::new(form.name.as_str())?,
    };
    Ok((email, amount, card))
}
