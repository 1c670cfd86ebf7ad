//! My cards: the cards the signed-in customer saved, read with their
//! customer secret (the customer-owned endpoints take it instead of the
//! API key); pay again with one preselected at checkout, or delete one.
//! Only their own: a card of another's is a 404.

use askama::Template;
use axum::extract::State;
use dojo_payments::resources::SavedCard;
use serde::Deserialize;

use super::{AppState, Chrome, Page, PageError, render, see_other};
use crate::auth::{Account, SignedIn, Visitor};
use crate::catalog::{PRODUCTS, Product};

#[derive(Template)]
#[template(path = "cards.html")]
struct CardsPage {
    chrome: Chrome,
    email: String,
    cards: Vec<SavedCard>,
    products: &'static [Product],
}

/// The cards `account` saved (none before its first purchase).
async fn cards_of(state: &AppState, account: &Account) -> Result<Vec<SavedCard>, PageError> {
    let Some(customer) = &account.customer_id else {
        return Ok(Vec::new());
    };
    let customers = state.dojo.customers();
    let secret = customers.create_secret(customer).await?;
    Ok(customers.payment_methods(customer, &secret).await?)
}

/// `GET /cards`.
pub async fn list(
    State(state): State<AppState>,
    SignedIn(account): SignedIn,
    visitor: Visitor,
) -> Page {
    render(&CardsPage {
        chrome: Chrome::with_forms(&visitor).await?,
        cards: cards_of(&state, &account).await?,
        email: account.email,
        products: &PRODUCTS,
    })
}

/// The delete form.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    card: String,
}

/// `POST /cards/delete`: deletes one of the customer's saved cards, with
/// their secret.
pub async fn delete(
    State(state): State<AppState>,
    SignedIn(account): SignedIn,
    axum::Form(form): axum::Form<DeleteForm>,
) -> Page {
    let theirs = cards_of(&state, &account).await?;
    let card = theirs
        .into_iter()
        .find(|card| card.id.as_str() == form.card)
        .ok_or(PageError::NotFound("card"))?;
    let customer = account
        .customer_id
        .as_ref()
        .ok_or(PageError::NotFound("card"))?;
    let customers = state.dojo.customers();
    let secret = customers.create_secret(customer).await?;
    customers
        .delete_payment_method(customer, &card.id, &secret)
        .await?;
    see_other("/cards")
}
