//! The checkout page a `paymentLink` opens: a plain HTML form that pays a
//! payment intent (or authorizes a setup intent) with a card, optionally
//! saving it, exactly as the Rust API and `/_emulator` controls do.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{AppState, PathParam};
use crate::app::App;
use crate::cards::{Card, CardOutcome};
use crate::problem::Problem;
use crate::store::Store;
use crate::store::refusal::Refusal;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/checkout/{id}", get(page).post(submit))
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the page says is being paid for, and the saved cards to offer.
fn summary(store: &Store, id: &str) -> Result<String, Refusal> {
    if let Ok(intent) = store.find_payment_intent(id) {
        let customer = intent.request.customer.as_ref();
        let saved = customer
            .and_then(|c| c.id.as_ref())
            .and_then(|cid| store.customers.get(cid))
            .map(|c| c.saved_cards.clone())
            .unwrap_or_default();
        let preselect = customer.and_then(|c| c.saved_card_id.as_ref());
        let options: String = saved
            .iter()
            .map(|card| {
                let checked = if preselect == Some(&card.id) { " checked" } else { "" };
                format!(
                    r#"<label><input type="radio" name="saved_card" value="{}"{checked}> {} {}</label><br>"#,
                    escape(card.id.as_str()),
                    card.card.scheme(),
                    escape(&card.card.masked())
                )
            })
            .collect();
        return Ok(format!(
            "<p>Pay <strong>{}</strong> for {} ({})</p>{options}",
            intent.amount,
            escape(&intent.request.reference),
            intent.status()
        ));
    }
    let setup = store
        .find_setup_intent(id)
        .map_err(|_| Refusal::not_found("payment or setup intent", id))?;
    Ok(format!(
        "<p>Save a card: {}</p><p>{}</p>",
        escape(&setup.request.reference),
        escape(&setup.request.terms)
    ))
}

async fn page(State(app): AppState, PathParam(id): PathParam<String>) -> Response {
    let (month, year) = Card::TEST_EXPIRY;
    match app.read(|store| summary(store, &id)) {
        Ok(summary) => Html(format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Dojo emulator checkout</title></head>
<body><h1>Checkout</h1>{summary}
<form method="post">
<label>Card number <input name="card_number" value="5200 0000 0000 1005"></label><br>
<label>Expiry (MM/YY) <input name="expiry" value="{month:02}/{:02}"></label><br>
<label>CVV <input name="cvv" value="123"></label><br>
<label><input type="checkbox" name="save_card" value="on"> Save card for future use</label><br>
<button type="submit">Pay</button>
</form></body></html>"#,
            year % 100
        ))
        .into_response(),
        Err(refusal) => Problem::from(refusal).into_response(),
    }
}

#[derive(Deserialize)]
struct CheckoutForm {
    card_number: Option<String>,
    expiry: Option<String>,
    save_card: Option<String>,
    saved_card: Option<String>,
}

async fn submit(
    State(app): AppState,
    PathParam(id): PathParam<String>,
    Form(form): Form<CheckoutForm>,
) -> Response {
    let outcome = app.commit(|store, now| {
        if let Some(method) = &form.saved_card {
            return store.pay_with_saved(&id, method, now);
        }
        let number = form.card_number.as_deref().unwrap_or_default();
        let card = Card::parse(number, form.expiry.as_deref())?;
        if store.find_setup_intent(&id).is_ok() {
            store.authorize(&id, card, now)
        } else {
            store.pay(&id, card, form.save_card.is_some(), now)
        }
    });
    let message = match outcome {
        Ok(CardOutcome::Approved) => "Payment successful",
        Ok(CardOutcome::Declined) => "Card declined",
        Ok(CardOutcome::Expired) => "Card expired",
        Err(refusal) => return Problem::from(refusal).into_response(),
    };
    Html(format!(
        "<!doctype html><html><body><h1>{message}</h1></body></html>"
    ))
    .into_response()
}
