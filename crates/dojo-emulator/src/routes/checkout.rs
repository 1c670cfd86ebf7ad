//! The checkout page a `paymentLink` opens: a plain HTML form that pays a
//! payment intent (or authorizes a setup intent) with a card, optionally
//! saving it, exactly as the Rust API and `/_emulator` controls do.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use dojo_types::{CardExpiry, CardNumber};
use serde::Deserialize;

use super::AppState;
use crate::App;
use crate::cards::{Card, CardOutcome};
use crate::problem::Problem;

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

async fn page(State(app): AppState, Path(id): Path<String>) -> Response {
    let summary = app.commit(|store, _| {
        if let Some(intent) = store.payment_intents.get(&id) {
            let customer = intent.request.customer.as_ref();
            let saved = customer
                .and_then(|c| c.id.as_ref())
                .and_then(|cid| store.customers.get(cid.as_str()))
                .map(|c| c.saved_cards.clone())
                .unwrap_or_default();
            let preselect = customer.and_then(|c| c.saved_card_id.clone());
            let options: String = saved
                .iter()
                .map(|card| {
                    let checked = if preselect.as_ref().map(|p| p.as_str()) == Some(card.id.as_str()) { " checked" } else { "" };
                    format!(
                        r#"<label><input type="radio" name="saved_card" value="{}"{checked}> {} {}</label><br>"#,
                        escape(&card.id),
                        card.card.scheme(),
                        escape(&card.card.masked())
                    )
                })
                .collect();
            Ok(format!(
                "<p>Pay <strong>{}</strong> for {} ({})</p>{options}",
                intent.amount,
                escape(&intent.reference),
                intent.status
            ))
        } else if let Some(setup) = store.setup_intents.get(&id) {
            Ok(format!(
                "<p>Save a card: {}</p><p>{}</p>",
                escape(&setup.request.reference),
                escape(&setup.request.terms)
            ))
        } else {
            Err(Problem::not_found("payment or setup intent", &id))
        }
    });
    match summary {
        Ok(summary) => Html(format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Dojo emulator checkout</title></head>
<body><h1>Checkout</h1>{summary}
<form method="post">
<label>Card number <input name="card_number" value="5200 0000 0000 1005"></label><br>
<label>Expiry (MM/YY) <input name="expiry" value="12/30"></label><br>
<label>CVV <input name="cvv" value="123"></label><br>
<label><input type="checkbox" name="save_card" value="on"> Save card for future use</label><br>
<button type="submit">Pay</button>
</form></body></html>"#
        ))
        .into_response(),
        Err(problem) => problem.into_response(),
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
    Path(id): Path<String>,
    Form(form): Form<CheckoutForm>,
) -> Response {
    let outcome = app.commit(|store, now| {
        if let Some(method) = &form.saved_card {
            return crate::checkout::pay_with_saved(store, now, &id, method);
        }
        let number = CardNumber::new(form.card_number.clone().unwrap_or_default())
            .map_err(|e| Problem::field("CardNumber", e.to_string()))?;
        let expiry: CardExpiry =
            form.expiry.as_deref().unwrap_or_default().parse().map_err(
                |e: dojo_types::InvalidValue| Problem::field("ExpiryDate", e.to_string()),
            )?;
        let card = Card { number, expiry };
        if store.setup_intents.contains_key(&id) {
            crate::checkout::authorize(store, now, &id, card)
        } else {
            crate::checkout::pay(store, now, &id, card, form.save_card.is_some())
        }
    });
    let message = match outcome {
        Ok(CardOutcome::Approved) => "Payment successful".to_owned(),
        Ok(CardOutcome::Declined) => "Card declined".to_owned(),
        Ok(CardOutcome::Expired) => "Card expired".to_owned(),
        Err(problem) => return problem.into_response(),
    };
    Html(format!(
        "<!doctype html><html><body><h1>{message}</h1></body></html>"
    ))
    .into_response()
}
