//! The checkout page a `paymentLink` opens: a plain HTML form that pays a
//! payment intent (or authorizes a setup intent) with a card, optionally
//! saving it, exactly as the Rust API and `/_emulator` controls do.
//!
//! Like Dojo's hosted checkout, it sends the customer back to the intent's
//! `config.redirectUrl` (303) once the card is approved, and its "Cancel"
//! goes to `config.cancelUrl`; a declined or expired card is shown on the
//! page, with the form, so that the customer can try another. "Save card
//! for future use" is offered only where the intent allows `SavedCard`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use dojo_payments_api::api::types;
use serde::Deserialize;

use super::{AppState, PathParam};
use crate::app::App;
use crate::cards::{Card, CardOutcome};
use crate::problem::Problem;
use crate::store::Store;
use crate::store::payment_intent::PaymentIntentRecord;
use crate::store::refusal::Refusal;
use crate::store::setup_intent::SetupIntentRecord;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/checkout/{id}", get(page).post(submit))
}

/// The page's look: plain, so that a screenshot reads like a checkout.
const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f5f9;color:#1d2433}\
main{max-width:26rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:.6rem;box-shadow:0 1px 4px #0002}\
.banner{font-size:.8rem;color:#7a5d00;background:#fff6d6;padding:.3rem .5rem;border-radius:.3rem}\
label{display:block;margin:.7rem 0}input:not([type]){display:block;box-sizing:border-box;width:100%;font:inherit;padding:.35rem;margin-top:.2rem}\
fieldset{border:1px solid #d8dce6;border-radius:.4rem}\
button{font:inherit;width:100%;padding:.6rem;margin-top:.8rem;background:#0a5cd5;color:#fff;border:0;border-radius:.3rem}\
[role=alert]{background:#fbeeee;border-left:4px solid #c03030;padding:.5rem .7rem}";

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What a checkout link opens: one lookup decides which, for every part of
/// the page.
enum Opened<'a> {
    Payment(&'a PaymentIntentRecord),
    Setup(&'a SetupIntentRecord),
}

impl<'a> Opened<'a> {
    fn find(store: &'a Store, id: &str) -> Result<Self, Refusal> {
        if let Ok(intent) = store.find_payment_intent(id) {
            return Ok(Self::Payment(intent));
        }
        store
            .find_setup_intent(id)
            .map(Self::Setup)
            .map_err(|_| Refusal::not_found("payment or setup intent", id))
    }

    /// The intent's `config`: where the customer goes after an approved
    /// card (`redirectUrl`) and on "Cancel" (`cancelUrl`).
    fn config(&self) -> Option<&'a types::PaymentIntentConfigRequest> {
        match self {
            Self::Payment(intent) => intent.request.config.as_ref(),
            Self::Setup(setup) => setup.request.config.as_ref(),
        }
    }

    /// Whether the page offers "Save card for future use": only for a
    /// payment intent of a customer that allows `SavedCard`, as Dojo's
    /// checkout does.
    fn offers_saving(&self) -> bool {
        matches!(self, Self::Payment(intent) if intent.allows_saving())
    }

    /// What the page says is being paid for, and the saved cards to offer.
    fn summary(&self, store: &Store) -> String {
        let intent = match self {
            Self::Payment(intent) => intent,
            Self::Setup(setup) => {
                return format!(
                    "<p>Save a card: {}</p><p>{}</p>",
                    escape(&setup.request.reference),
                    escape(&setup.request.terms)
                );
            }
        };
        let customer = intent.request.customer.as_ref();
        let saved = customer
            .and_then(|c| c.id.as_ref())
            .and_then(|cid| store.find_customer(cid.as_str()).ok())
            .map(|c| c.saved_cards.clone())
            .unwrap_or_default();
        let preselect = customer.and_then(|c| c.saved_card_id.as_ref());
        let checked = |yes: bool| if yes { " checked" } else { "" };
        let options: String = saved
            .iter()
            .map(|card| {
                format!(
                    r#"<label><input type="radio" name="saved_card" value="{}"{}> Saved card {} {}</label>"#,
                    escape(card.id.as_str()),
                    checked(preselect == Some(&card.id)),
                    card.card.scheme(),
                    escape(&card.card.masked())
                )
            })
            .collect();
        // The saved cards and "a new card" are one choice, so a preselected
        // saved card never hides the card the customer types instead.
        let choice = if saved.is_empty() {
            String::new()
        } else {
            let new_card = checked(!saved.iter().any(|c| Some(&c.id) == preselect));
            format!(
                r#"<fieldset><legend>Pay with</legend>{options}<label><input type="radio" name="saved_card" value=""{new_card}> A new card</label></fieldset>"#
            )
        };
        format!(
            "<p>Pay <strong>{}</strong> for {} ({})</p>{choice}",
            intent.amount,
            escape(&intent.request.reference),
            intent.status()
        )
    }
}

async fn page(State(app): AppState, PathParam(id): PathParam<String>) -> Response {
    render(&app, &id, None)
}

/// The page, with `error` (a declined card) shown above the form.
fn render(app: &App, id: &str, error: Option<&str>) -> Response {
    let (month, year) = Card::TEST_EXPIRY;
    let found = app.read(|store| {
        let opened = Opened::find(store, id)?;
        let cancel = opened
            .config()
            .and_then(|c| c.cancel_url.clone())
            .filter(|url| sendable(url));
        Ok::<_, Refusal>((opened.summary(store), cancel, opened.offers_saving()))
    });
    let (summary, cancel, offer_saving) = match found {
        Ok(found) => found,
        Err(refusal) => return Problem::from(refusal).into_response(),
    };
    let error = error.map_or_else(String::new, |error| {
        format!(
            r#"<p role="alert">{}: try another card.</p>"#,
            escape(error)
        )
    });
    let save = if offer_saving {
        r#"<label><input type="checkbox" name="save_card" value="on"> Save card for future use</label>"#
    } else {
        ""
    };
    let cancel = cancel.map_or_else(String::new, |url| {
        format!(r#"<p><a href="{}">Cancel</a></p>"#, escape(&url))
    });
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout · Dojo emulator</title>
<style>{STYLE}</style></head>
<body><main><p class="banner">Dojo emulator: test cards only</p><h1>Checkout</h1>{summary}{error}
<form method="post">
<label>Card number <input name="card_number" value="5200 0000 0000 1005" autocomplete="off"></label>
<label>Expiry (MM/YY) <input name="expiry" value="{month:02}/{:02}"></label>
<label>CVV <input name="cvv" value="123"></label>
{save}
<button type="submit">Pay</button>
</form>{cancel}</main></body></html>"#,
        year % 100
    ))
    .into_response()
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
        if let Some(method) = form.saved_card.as_deref().filter(|m| !m.is_empty()) {
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
    match outcome {
        Ok(CardOutcome::Approved) => {
            let redirect = app.read(|store| {
                Opened::find(store, &id)
                    .ok()
                    .and_then(|opened| opened.config()?.redirect_url.clone())
                    .filter(|url| sendable(url))
            });
            // Checked as a header value here: axum's `Redirect::to` would
            // panic on one that is not (the URL was checked when the intent
            // was created, so this is a second line of defence).
            match redirect.and_then(|url| HeaderValue::try_from(url).ok()) {
                Some(location) => {
                    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
                }
                None => {
                    Html("<!doctype html><html><body><h1>Payment successful</h1></body></html>")
                        .into_response()
                }
            }
        }
        Ok(CardOutcome::Declined) => render(&app, &id, Some("Card declined")),
        Ok(CardOutcome::Expired) => render(&app, &id, Some("Card expired")),
        Err(refusal) => Problem::from(refusal).into_response(),
    }
}

/// Whether the customer may be sent to `url`: https, or http to this
/// machine (creation refuses anything else; a second line of defence, so
/// that no `javascript:` link is ever rendered or followed).
fn sendable(url: &str) -> bool {
    dojo_payments_types::HttpsUrl::new(url).is_ok()
}
