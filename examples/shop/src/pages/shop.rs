//! Buy, and save the card: Dojo's save-card guide as a customer walks it.
//! The customer is sent to Dojo's checkout and back to the order page,
//! which shows the order pending until a webhook says it is paid.

use askama::Template;
use axum::extract::{Path, Query, State};
use dojo_payments::api_types::{CaptureMode, PaymentMethod};
use dojo_payments::types::{CustomerId, InvalidValue, PaymentMethodId};
use serde::Deserialize;

use super::{AppState, Page, PageError, render, see_other};
use crate::catalog::{self, PRODUCTS, Product};
use crate::order::{Order, OrderKind, OrderStatus};
use crate::store::{EventRecord, NewOrder};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    products: &'static [Product],
}

/// `GET /`: what is on sale.
pub async fn home() -> Page {
    render(&Home {
        products: &PRODUCTS,
    })
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    product: Product,
}

/// `GET /buy/{product}`: the product, and the email to buy it with.
pub async fn product(Path(slug): Path<String>) -> Page {
    let product = catalog::product(&slug).ok_or(PageError::NotFound("product"))?;
    render(&ProductPage { product })
}

/// The buy form.
#[derive(Debug, Deserialize)]
pub struct BuyForm {
    email: String,
    /// A saved card to preselect at checkout ("buy again" on *my cards*).
    saved_card: Option<String>,
}

/// `POST /buy/{product}`: an order, a payment intent for it offering saved
/// cards, and the customer sent to Dojo's checkout.
pub async fn buy(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<BuyForm>,
) -> Page {
    let product = catalog::product(&slug).ok_or(PageError::NotFound("product"))?;
    let email = checked_email(&form.email)?;
    let customer = customer_for(&state, email).await?;
    let secret = state.dojo.customers().create_secret(&customer).await?;
    let order = state
        .db
        .insert_order(&NewOrder {
            kind: OrderKind::Purchase,
            reference: None,
            email,
            description: product.name,
            amount: product.price(),
            manual_capture: product.manual_capture,
        })
        .await?;
    let back = format!("{}/orders/{}", state.base_url, order.id);
    let mut create = state
        .dojo
        .payment_intents()
        .create(product.price(), &order.id)
        .description(product.name)
        .customer(&customer)
        .customer_secret(&secret)
        .payment_methods([PaymentMethod::Card, PaymentMethod::SavedCard])
        .capture_mode(if product.manual_capture {
            CaptureMode::Manual
        } else {
            CaptureMode::Auto
        })
        .redirect_url(&back)
        .cancel_url(format!("{back}?canceled=true"));
    let saved_card = form
        .saved_card
        .filter(|c| !c.is_empty())
        .map(PaymentMethodId::from_wire);
    if let Some(card) = &saved_card {
        create = create.saved_card(card);
    }
    let intent = create.created().await?;
    state.db.attach_intent(&order.id, intent.id()).await?;
    see_other(&state.dojo.checkout_link(intent.id()))
}

/// `email`, if it looks like one.
pub(crate) fn checked_email(email: &str) -> Result<&str, InvalidValue> {
    let email = email.trim();
    let (local, domain) = email.split_once('@').unwrap_or_default();
    if local.is_empty() || !domain.contains('.') || email.len() > 200 {
        return Err(InvalidValue::new(
            "email",
            "must be an email address (name@example.com)",
        ));
    }
    Ok(email)
}

/// The Dojo customer of `email`: remembered, or found or created at Dojo
/// once (never one per payment: their saved cards would be scattered).
pub(crate) async fn customer_for(state: &AppState, email: &str) -> Result<CustomerId, PageError> {
    if let Some(id) = state.db.customer_id(email).await? {
        return Ok(id);
    }
    let customer = state
        .dojo
        .customers()
        .find_or_create_by_email(email, None)
        .await?;
    state.db.remember_customer(email, &customer.id).await?;
    // Another request may have remembered one first: use the one stored.
    Ok(state.db.customer_id(email).await?.unwrap_or(customer.id))
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
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

/// `GET /orders/{id}`: where Dojo's checkout sends the customer back.
pub async fn order(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<OrderQuery>,
) -> Page {
    let order = state
        .db
        .order(&id)
        .await?
        .ok_or(PageError::NotFound("order"))?;
    let events = state.db.events(&id).await?;
    let checkout = order
        .payment_intent_id
        .as_ref()
        .map(|pi| state.dojo.checkout_link(pi));
    render(&OrderPage {
        canceled: query.canceled && order.status == OrderStatus::Pending,
        order,
        checkout,
        events,
    })
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
        for bad in ["", "ada", "@example.com", "ada@example", "ada@"] {
            let error = checked_email(bad).unwrap_err();
            assert_eq!(error.field(), "email", "{bad:?}");
        }
    }
}
