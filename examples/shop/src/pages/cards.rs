//! My cards: the cards a customer saved, read with their customer secret
//! (the customer-owned endpoints take it instead of the API key); pay
//! again with one preselected at checkout, or delete one.

use askama::Template;
use axum::extract::{Query, State};
use dojo_payments::resources::SavedCard;
use dojo_payments::types::PaymentMethodId;
use serde::Deserialize;

use super::shop::checked_email;
use super::{AppState, Page, render, see_other, with_query};
use crate::catalog::{PRODUCTS, Product};

#[derive(Template)]
#[template(path = "cards.html")]
struct CardsPage {
    email: Option<String>,
    cards: Vec<SavedCard>,
    products: &'static [Product],
}

/// `GET /cards?email=`: the form, or the cards of `email`.
#[derive(Debug, Deserialize)]
pub struct CardsQuery {
    email: Option<String>,
}

/// `GET /cards`.
pub async fn list(State(state): State<AppState>, Query(query): Query<CardsQuery>) -> Page {
    let Some(email) = query.email.as_deref().filter(|e| !e.is_empty()) else {
        return render(&CardsPage {
            email: None,
            cards: Vec::new(),
            products: &PRODUCTS,
        });
    };
    let email = checked_email(email)?;
    // A real shop would know who is signed in; the sample trusts the email.
    let cards = match state.db.customer_id(email).await? {
        Some(customer) => {
            let secret = state.dojo.customers().create_secret(&customer).await?;
            state
                .dojo
                .customers()
                .payment_methods(&customer, &secret)
                .await?
        }
        None => Vec::new(),
    };
    render(&CardsPage {
        email: Some(email.to_owned()),
        cards,
        products: &PRODUCTS,
    })
}

/// The delete form.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    email: String,
    card: String,
}

/// `POST /cards/delete`: deletes one saved card, with the customer secret.
pub async fn delete(
    State(state): State<AppState>,
    axum::Form(form): axum::Form<DeleteForm>,
) -> Page {
    let email = checked_email(&form.email)?;
    if let Some(customer) = state.db.customer_id(email).await? {
        let secret = state.dojo.customers().create_secret(&customer).await?;
        let card = PaymentMethodId::from_wire(form.card);
        state
            .dojo
            .customers()
            .delete_payment_method(&customer, &card, &secret)
            .await?;
    }
    see_other(&with_query("/cards", &[("email", email)]))
}
