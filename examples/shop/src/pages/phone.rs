//! Phone order (staff): Dojo's tokenization guide. The card details staff
//! type are checked into the SDK's card types, sent once to the PCI host
//! as a setup intent, and charged; the shop never stores, logs or shows
//! them again (they are not even put back into the form after an error).
//!
//! Staff only. Each form carries a token fixed when it was shown to the
//! staff member's session: the order is named by it (`ord_ph_<token>`),
//! so the same form sent twice, or clicked twice at once, is one order
//! and one charge. Five declined cards in 15 minutes from one address or
//! staff account, and the next is refused (429) before the card is sent
//! anywhere. Every order is audited: who, when, the card's last four
//! digits, the outcome; never the number or the CVV.

use askama::Template;
use axum::extract::{Path, State};
use dojo_payments::api_types::MerchantInitiatedTransactionType;
use dojo_payments::journal::EntryState;
use dojo_payments::lifecycle::setup_intent::AnySetupIntent;
use dojo_payments::resources::Card;
use dojo_payments::types::{
    CardExpiry, CardNumber, CardholderName, Currency, Cvv, InvalidValue, Money,
};
use serde::Deserialize;

use super::shop::checked_email;
use super::{AppState, Chrome, Page, PageError, render, see_other};
use crate::auth::{Account, Staff, Visitor};
use crate::defences::{ClientIp, PHONE_FAILURES, bot_check};
use crate::order::{Order, OrderKind};
use crate::store::{NewOrder, PhoneAudit};

/// The purpose a phone form's token is issued for.
const PURPOSE: &str = "phone";

#[derive(Template)]
#[template(path = "phone.html")]
struct PhonePage<'a> {
    chrome: Chrome,
    token: String,
    error: Option<String>,
    email: &'a str,
    description: &'a str,
    amount: &'a str,
}

/// The form, with a fresh token, and what to show in it again.
async fn phone_page(visitor: &Visitor, error: Option<String>, form: Option<&PhoneForm>) -> Page {
    render(&PhonePage {
        chrome: Chrome::with_forms(visitor).await?,
        token: visitor.issue_form_token(PURPOSE).await?,
        error,
        email: form.map_or("", |f| f.email.as_str()),
        description: form.map_or("", |f| f.description.as_str()),
        amount: form.map_or("", |f| f.amount.as_str()),
    })
}

/// `GET /staff/phone`.
pub async fn form(Staff(_): Staff, visitor: Visitor) -> Page {
    phone_page(&visitor, None, None).await
}

/// What staff type. `Debug` is written by hand: the card fields never
/// print.
#[derive(Deserialize)]
pub struct PhoneForm {
    token: String,
    email: String,
    description: String,
    amount: String,
    card_number: String,
    expiry: String,
    cvv: String,
    name: String,
    bot_answer: Option<String>,
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

/// `POST /staff/phone`: tokenize the card, charge it, and show the order;
/// the same form again shows the first order.
pub async fn charge(
    State(state): State<AppState>,
    Staff(staff): Staff,
    visitor: Visitor,
    ip: ClientIp,
    axum::Form(form): axum::Form<PhoneForm>,
) -> Page {
    if !visitor.form_token_issued(&form.token, PURPOSE).await? {
        return Err(PageError::Forbidden(
            "this form was not shown to you: reload it",
        ));
    }
    let id = format!("ord_ph_{}", form.token);
    if state.db.order(&id).await?.is_some() {
        // Sent again (a double click, a reload): the first one's order.
        return see_other(&format!("/staff/orders/{id}"));
    }
    // Held while the card is tried; kept if it is declined.
    let attempt = PHONE_FAILURES
        .take(&state.db, ip, Some(&staff.owner()))
        .await?;
    bot_check(&state, form.bot_answer.as_deref(), ip).await?;
    let (email, amount, card) = match check(&form) {
        Ok(checked) => checked,
        Err(invalid) => {
            let error = format!("{}: {}", invalid.field(), invalid.rule());
            return phone_page(&visitor, Some(error), Some(&form)).await;
        }
    };
    let description = match form.description.trim() {
        "" => "Phone order",
        description => description,
    };
    let new = NewOrder {
        kind: OrderKind::Phone,
        reference: None,
        email,
        description,
        amount,
        manual_capture: false,
        owner: &staff.owner(),
    };
    let (order, made) = state.db.claim_order(&id, &new).await?;
    if !made {
        // The same form, sent at the same moment, got here first.
        return see_other(&format!("/staff/orders/{id}"));
    }
    let last4 = last_four(&form.card_number);
    audit(&state, &staff, &order, &last4, "pending").await?;
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
        .await;
    let setup = match tokenized {
        Ok(AnySetupIntent::Authorized(setup)) => setup,
        declined => {
            attempt.keep();
            state.db.cancel_pending_order(&order.id).await?;
            let why = match declined {
                Ok(other) => {
                    state.db.phone_outcome(&order.id, "declined").await?;
                    format!(
                        "The card was not authorized ({:?}): try another.",
                        other.status()
                    )
                }
                Err(error) => {
                    state.db.phone_outcome(&order.id, "refused").await?;
                    format!("Dojo refused the card: {error}")
                }
            };
            return phone_page(&visitor, Some(why), Some(&form)).await;
        }
    };
    let charged = super::admin::charge_for_order(&state, &setup, &order).await?;
    let outcome = match charged {
        EntryState::Applied { .. } => "charged",
        EntryState::NotApplied { .. } => "not charged",
        EntryState::Open => "not confirmed",
    };
    state.db.phone_outcome(&order.id, outcome).await?;
    see_other(&format!("/staff/orders/{}", order.id))
}

/// The card as it may be shown: its last four digits.
fn last_four(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

async fn audit(
    state: &AppState,
    staff: &Account,
    order: &Order,
    last4: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    state
        .db
        .audit_phone_order(&PhoneAudit {
            order_id: order.id.clone(),
            staff_account: staff.email.clone(),
            at: String::new(),
            email: order.email.clone(),
            card_last4: last4.to_owned(),
            amount: order.amount,
            outcome: outcome.to_owned(),
        })
        .await
}

#[derive(Template)]
#[template(path = "phone_order.html")]
struct PhoneOrderPage {
    chrome: Chrome,
    order: Order,
    audit: Option<PhoneAudit>,
}

impl PhoneOrderPage {
    /// Waiting for Dojo's webhook: the page refreshes itself.
    fn pending(&self) -> bool {
        self.order.status == crate::order::OrderStatus::Pending
            && self
                .audit
                .as_ref()
                .is_some_and(|a| a.outcome != "declined" && a.outcome != "refused")
    }
}

/// `GET /staff/orders/{id}`: a phone order and how it went (staff).
pub async fn order(
    State(state): State<AppState>,
    Staff(_): Staff,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Page {
    let order = state
        .db
        .order(&id)
        .await?
        .filter(|order| order.kind == OrderKind::Phone)
        .ok_or(PageError::NotFound("phone order"))?;
    render(&PhoneOrderPage {
        chrome: Chrome::plain(&visitor).await,
        audit: state.db.phone_audit(&id).await?,
        order,
    })
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
