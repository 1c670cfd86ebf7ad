//! What the emulator's tests share: an emulator with a manual clock, a raw
//! client on it, and short ways to make intents.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use dojo_payments_api::api::{self, types};
#[allow(unused_imports)] // each test uses some of them
pub use dojo_payments_emulator::testkit::{declined_card, gbp, good_card};
use dojo_payments_emulator::{Emulator, WebhookRetryPolicy};
use dojo_payments_types::{PaymentIntentId, SetupIntentId};
use serde_json::json;

/// A Monday, 10:00 UTC: far from midnight, so "same day" rules are clear.
pub fn start_of_test() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

/// An emulator with a manual clock, seeded ids and quick webhook retries,
/// and a raw client of its api host.
pub async fn emulator() -> (Emulator, api::Client) {
    let emulator = Emulator::builder()
        .seed(42)
        .manual_clock(start_of_test())
        .webhook_retries(WebhookRetryPolicy {
            attempts: 3,
            first_backoff: std::time::Duration::from_millis(20),
        })
        .start()
        .await
        .unwrap();
    let client = api::Client::from_key_at(emulator.api_url(), &emulator.api_key()).unwrap();
    (emulator, client)
}

/// `CreatePaymentIntentRequest` from JSON.
pub fn intent_request(value: serde_json::Value) -> types::CreatePaymentIntentRequest {
    serde_json::from_value(value).unwrap()
}

/// Creates a payment intent of `minor` GBP with `capture_mode`, amounts
/// changeable.
pub async fn create_intent(
    client: &api::Client,
    minor: i64,
    capture_mode: &str,
) -> PaymentIntentId {
    let request = intent_request(json!({
        "amount": {"value": minor, "currencyCode": "GBP"},
        "reference": "Order 7",
        "captureMode": capture_mode,
        "config": {"payment": {"customAmountAllowed": true, "tipsAllowed": true}},
    }));
    let intent = client
        .payment_intents_create_payment_intent(&request)
        .await
        .unwrap();
    intent.id.clone().unwrap()
}

/// The status of payment intent `id`, as text.
pub async fn status(client: &api::Client, id: &PaymentIntentId) -> String {
    let intent = client.payment_intents_get(id, Some(true)).await.unwrap();
    intent.status.as_ref().unwrap().to_string()
}

/// The setup intent's status, as text.
pub async fn setup_status(client: &api::Client, id: &SetupIntentId) -> String {
    let setup = client.setup_intents_get_by_id(id).await.unwrap();
    setup.status.as_ref().unwrap().to_string()
}

/// A `CreateSetupIntentRequest` for 10.00 GBP.
pub fn setup_request() -> types::CreateSetupIntentRequest {
    serde_json::from_value(json!({
        "reference": "Booking 4",
        "merchantInitiatedTransactionType": "NoShow",
        "terms": "A no-show costs the booking fee.",
        "intendedAmount": {"value": 1000, "currencyCode": "GBP"},
    }))
    .unwrap()
}

/// A raw client's result as a table cell compares it: `Ok`, or the HTTP
/// status of the refusal.
pub fn outcome<T, E: std::fmt::Debug>(
    result: &Result<T, dojo_payments_api::Error<E>>,
) -> Result<(), u16> {
    result.as_ref().map(|_| ()).map_err(|_| http_status(result))
}

/// A refusal of the emulator's Rust API (checkout, expiry), in the tables'
/// terms: the customer-side actions are refused as 400 when the state does
/// not allow them, 404 when the intent does not exist.
pub fn refusal_code(refusal: &dojo_payments_emulator::Refusal) -> u16 {
    match refusal {
        dojo_payments_emulator::Refusal::NotFound { .. } => 404,
        _ => 400,
    }
}

/// Creates a payment intent of `minor` GBP charging setup intent `setup_id`.
pub async fn intent_for_setup(
    client: &api::Client,
    setup_id: &SetupIntentId,
    minor: i64,
) -> PaymentIntentId {
    let request = intent_request(json!({
        "amount": {"value": minor, "currencyCode": "GBP"},
        "reference": "Charge",
        "setupIntentId": setup_id,
    }));
    let intent = client
        .payment_intents_create_payment_intent(&request)
        .await
        .unwrap();
    intent.into_inner().id.unwrap()
}

/// The HTTP status of a raw client's result (200 for success).
pub fn http_status<T, E: std::fmt::Debug>(result: &Result<T, dojo_payments_api::Error<E>>) -> u16 {
    match result {
        Ok(_) => 200,
        Err(error) => error.status().map_or(0, |s| s.as_u16()),
    }
}

// The cells of the transition tables (`transitions.rs`, `setup_transitions.rs`).

/// `Ok(status after)` or `Err(HTTP status of the refusal)`.
pub type Expect = Result<&'static str, u16>;

/// Notes a cell of a table whose outcome differs from the table's.
pub fn check(
    failures: &mut Vec<String>,
    cell: String,
    expected: Expect,
    actual: Result<String, u16>,
) {
    let expected = expected.map(str::to_owned);
    if actual != expected {
        failures.push(format!("{cell}: expected {expected:?}, got {actual:?}"));
    }
}
