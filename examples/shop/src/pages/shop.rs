//! Buy, and save the card: Dojo's save-card guide as a customer walks it.
//! The customer is sent to Dojo's checkout and back to the order page,
//! which shows the order pending until a webhook says it is paid.

use askama::Template;
use axum::extract::{Path, Query, State};
use dojo_payments::api_types::{CaptureMode, PaymentMethod};
use dojo_payments::types::{CustomerId, InvalidValue, PaymentMethodId};
use serde::Deserialize;

use super::{AppState, Chrome, Page, PageError, render, to_checkout};
use crate::auth::{Account, Visitor};
use crate::catalog::{self, PRODUCTS, Product};
use crate::defences::{CHECKOUTS, ClientIp, bot_check};
use crate::order::{Order, OrderKind, OrderStatus};
use crate::store::{EventRecord, NewOrder};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    chrome: Chrome,
    products: &'static [Product],
}

/// `GET /`: what is on sale.
pub async fn home(visitor: Visitor) -> Page {
    render(&Home {
        chrome: Chrome::plain(&visitor).await,
        products: &PRODUCTS,
    })
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    chrome: Chrome,
    product: Product,
}

/// `GET /buy/{product}`: the product; a guest gives the email to buy it
/// with.
pub async fn product(visitor: Visitor, Path(slug): Path<String>) -> Page {
    let product = catalog::product(&slug).ok_or(PageError::NotFound("product"))?;
    render(&ProductPage {
        chrome: Chrome::with_forms(&visitor).await?,
        product,
    })
}

/// The buy form.
#[derive(Debug, Deserialize)]
pub struct BuyForm {
    /// A guest's email (a signed-in customer's is their account's).
    email: Option<String>,
    /// A saved card to preselect at checkout ("buy again" on *my cards*).
    saved_card: Option<String>,
    /// A bot check's answer ([`crate::defences::BotCheck`]).
    bot_answer: Option<String>,
}

/// `POST /buy/{product}`: an order, a payment intent for it, and the
/// customer sent to Dojo's checkout. A signed-in customer's intent names
/// their Dojo customer and offers their saved cards (and to save this
/// one); a guest pays by card, saving nothing. Ten checkouts in ten
/// minutes from one address or account, then 429.
pub async fn buy(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<BuyForm>,
) -> Page {
    let product = catalog::product(&slug).ok_or(PageError::NotFound("product"))?;
    let checkout = Checkout::admit(
        &state,
        &visitor,
        ip,
        form.bot_answer.as_deref(),
        form.email.as_deref(),
    )
    .await?;
    let (account, email) = (&checkout.account, &checkout.email);
    let order = state
        .db
        .insert_order(&NewOrder {
            kind: OrderKind::Purchase,
            reference: None,
            email,
            description: product.name,
            amount: product.price(),
            manual_capture: product.manual_capture,
            owner: &visitor.owner().await?,
        })
        .await?;
    let path = format!("/orders/{}", order.id);
    let back = state.public_url.page(&path)?;
    let canceled = state.public_url.page(&format!("{path}?canceled=true"))?;
    let mut create = state
        .dojo
        .payment_intents()
        .create(product.price(), &order.id)
        .description(product.name)
        .capture_mode(if product.manual_capture {
            CaptureMode::Manual
        } else {
            CaptureMode::Auto
        })
        .redirect_url(back)
        .cancel_url(canceled);
    match account {
        Some(account) => {
            let customer = customer_for(&state, account).await?;
            let secret = state.dojo.customers().create_secret(&customer).await?;
            create = create
                .customer(&customer)
                .customer_secret(&secret)
                .payment_methods([PaymentMethod::Card, PaymentMethod::SavedCard]);
            let saved_card = form.saved_card.as_deref().filter(|c| !c.is_empty());
            if let Some(card) = saved_card.map(PaymentMethodId::from_wire) {
                // Dojo's checkout offers only the intent's customer's cards.
                create = create.saved_card(&card);
            }
        }
        None => create = create.payment_methods([PaymentMethod::Card]),
    }
    let intent = create.created().await?;
    state.db.attach_intent(&order.id, intent.id()).await?;
    to_checkout(&state.dojo.checkout_link(intent.id()))
}

/// A checkout let through: past the bot check and [`CHECKOUTS`] (counted
/// by address and account, in the same step as the check), with the
/// buyer's email (their account's, or the guest's, checked). Buying and
/// booking both start with it.
pub(crate) struct Checkout {
    /// The buyer's account, when signed in.
    pub account: Option<Account>,
    /// Where the receipt and order links go.
    pub email: String,
}

impl Checkout {
    /// Lets `visitor` at `ip` check out, or refuses with the reason.
    pub(crate) async fn admit(
        state: &AppState,
        visitor: &Visitor,
        ip: ClientIp,
        bot_answer: Option<&str>,
        guest_email: Option<&str>,
    ) -> Result<Self, PageError> {
        bot_check(state, bot_answer, ip).await?;
        let account = visitor.account().await;
        let owner = account.as_ref().map(Account::owner);
        CHECKOUTS
            .take(&state.db, ip, owner.as_deref())
            .await?
            .keep();
        let email = match &account {
            Some(account) => account.email.clone(),
            None => checked_email(guest_email.unwrap_or_default())?.to_owned(),
        };
        Ok(Self { account, email })
    }
}

/// `email`, if it looks like one: no control characters (a CR/LF would
/// end a header line wherever it is sent) nor spaces inside.
pub(crate) fn checked_email(email: &str) -> Result<&str, InvalidValue> {
    let email = email.trim();
    let (local, domain) = email.split_once('@').unwrap_or_default();
    let odd = |c: char| c.is_control() || c.is_whitespace();
    if local.is_empty() || !domain.contains('.') || email.len() > 200 || email.contains(odd) {
        return Err(InvalidValue::new(
            "email",
            "must be an email address (name@example.com)",
        ));
    }
    Ok(email)
}

/// The Dojo customer of `account`: its own, or found or created at Dojo
/// once (never one per payment: their saved cards would be scattered).
pub(crate) async fn customer_for(
    state: &AppState,
    account: &Account,
) -> Result<CustomerId, PageError> {
    if let Some(id) = &account.customer_id {
        return Ok(id.clone());
    }
    let customer = state
        .dojo
        .customers()
        .find_or_create_by_email(&account.email, None)
        .await?;
    // Another request may have attached one first: the one kept wins.
    let kept = state.db.attach_customer(&account.id, &customer.id).await?;
    Ok(kept.unwrap_or(customer.id))
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    chrome: Chrome,
    order: Order,
    canceled: bool,
    checkout: Option<String>,
    events: Vec<EventRecord>,
}

impl OrderPage {
    fn pending(&self) -> bool {
        self.order.status == OrderStatus::Pending
    }
}

/// The order page's query: `canceled=true` when Dojo's checkout sent the
/// customer back from "Cancel".
#[derive(Debug, Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    canceled: bool,
}

/// `GET /orders/{id}`: where Dojo's checkout sends the customer back;
/// only its owner sees it (another's order is a 404, as a missing one).
pub async fn order(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<OrderQuery>,
) -> Page {
    let order = owned_order(&state, &visitor, &id).await?;
    let events = state.db.events(&id).await?;
    let checkout = order
        .payment_intent_id
        .as_ref()
        .map(|pi| state.dojo.checkout_link(pi));
    render(&OrderPage {
        chrome: Chrome::plain(&visitor).await,
        canceled: query.canceled && order.status == OrderStatus::Pending,
        order,
        checkout,
        events,
    })
}

/// Order `id`, if `visitor` owns it.
async fn owned_order(state: &AppState, visitor: &Visitor, id: &str) -> Result<Order, PageError> {
    let order = state.db.order(id).await?;
    let owner = visitor.owner().await?;
    order
        .filter(|order| order.owner == owner)
        .ok_or(PageError::NotFound("order"))
}

#[cfg(test)]
mod tests {
    use super::checked_email;

    #[test]
    fn an_email_needs_a_name_and_a_domain() {
        assert_eq!(
            checked_email(" ada@example.com ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "ada@",
            "ada@example.com\r\nBcc: eve@example.com",
            "ada\u{0}@example.com",
            "ada lovelace@example.com",
        ] {
            let error = checked_email(bad).unwrap_err();
            assert_eq!(error.field(), "email", "{bad:?}");
        }
    }
}
