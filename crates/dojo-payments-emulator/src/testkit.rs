//! What tests share (the `testkit` feature): the test cards by name, and the
//! short helpers every suite on the emulator writes otherwise.
//!
//! ```toml
//! [dev-dependencies]
//! dojo-payments-emulator = { version = "0.1", default-features = false, features = ["testkit"] }
//! ```
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use dojo_payments_emulator::Emulator;
//! use dojo_payments_emulator::testkit::{gbp, good_card, pay, APPROVED_MASTERCARD};
//!
//! assert_eq!(good_card().number.expose(), APPROVED_MASTERCARD);
//! assert_eq!(gbp(1050).to_string(), "10.50 GBP");
//!
//! let emulator = Emulator::start().await?;
//! let client = dojo_payments_api::api::Client::from_key_at(emulator.api_url(), &emulator.api_key())?;
//! let body = serde_json::from_value(serde_json::json!({
//!     "amount": gbp(1000),
//!     "reference": "Order 1",
//! }))?;
//! let id = client.payment_intents_create_payment_intent(&body).await?.into_inner().id.unwrap();
//! pay(&emulator, &id); // the customer pays at checkout with `good_card()`
//! # Ok(()) }
//! ```

use dojo_payments_types::{Currency, Money, PaymentIntentId};

pub use crate::cards::{
    APPROVED_MASTERCARD, APPROVED_VISA, DECLINED_MASTERCARD, DECLINED_VISA, SAVED_VISA, TEST_CARDS,
};
use crate::{Card, CardOutcome, Emulator};

/// `minor` pence: `Money` in GBP, the currency of Dojo's guides.
pub fn gbp(minor: i64) -> Money {
    Money::new(minor, Currency::GBP)
}

/// Dojo's sandbox Mastercard that is always approved
/// ([`APPROVED_MASTERCARD`]), expiring at [`Card::TEST_EXPIRY`].
pub fn good_card() -> Card {
    card(APPROVED_MASTERCARD)
}

/// The emulator's Visa that is always declined ([`DECLINED_VISA`]).
pub fn declined_card() -> Card {
    card(DECLINED_VISA)
}

/// The customer pays payment intent `id` at checkout with [`good_card`],
/// not saving it; panics (this is for tests) unless it is approved.
#[track_caller]
pub fn pay(emulator: &Emulator, id: &PaymentIntentId) {
    match emulator.pay(id, &good_card(), false) {
        Ok(CardOutcome::Approved) => {}
        other => panic!("paying {id} with the approved test card: {other:?}"),
    }
}

/// The test card numbered `number` (one of [`TEST_CARDS`]).
fn card(number: &str) -> Card {
    Card::test(number).unwrap_or_else(|e| panic!("test card {number}: {e}"))
}
