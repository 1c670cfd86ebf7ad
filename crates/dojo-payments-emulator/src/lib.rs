//! A stateful Dojo on loopback: both hosts, the state machines of Dojo's
//! guides, a simulated customer at checkout, signed webhooks, and faults on
//! demand. The ground every flow test of the SDK stands on, and a tool for
//! your own CI.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use dojo_payments_emulator::cards::APPROVED_MASTERCARD;
//! use dojo_payments_emulator::{Card, Emulator};
//!
//! let emulator = Emulator::start().await?;
//! let client = dojo_payments_api::api::Client::from_key_at(emulator.api_url(), &emulator.api_key())?;
//!
//! let body = serde_json::from_value(serde_json::json!({
//!     "amount": {"value": 1000, "currencyCode": "GBP"},
//!     "reference": "Order 1",
//! }))?;
//! let intent = client.payment_intents_create_payment_intent(&body).await?;
//! let id = intent.id.clone().unwrap();
//!
//! // The customer pays at checkout with a test card.
//! emulator.pay(&id, &Card::test(APPROVED_MASTERCARD)?, false)?;
//! let paid = client.payment_intents_get(&id, None).await?;
//! assert_eq!(paid.status.as_ref().unwrap().to_string(), "Captured");
//! # Ok(()) }
//! ```
//!
//! What it does, by resource:
//!
//! - **Payment intents**: Auto (Created → Captured → Reversed | Refunded) and
//!   Manual (Created → Authorized → Captured, partially and repeatedly →
//!   Refunded; Authorized → Reversed); cancel while Created; refunds
//!   cumulative and idempotent by `idempotencyKey`; the reversal windows; the
//!   7-day auto-reversal; amount and tips changes when the config allows.
//! - **Setup intents**: Created → Authorized | Expired | CardExpired |
//!   Canceled; Authorized → Closed; charged once through a payment intent →
//!   Completed. Tokenization on the PCI host authorizes at once.
//! - **Customers**: CRUD and search, short-lived `cs_` secrets, cards saved
//!   at checkout, `savedCardId` preselection.
//! - **Webhooks**: subscriptions, secrets, signed deliveries with retries.
//! - **Terminals and terminal sessions** (Pay at Counter): each location's
//!   terminals (Available, Offline, InUse; `auto` ones play the customer),
//!   sessions that move as Dojo's do (InitiateRequested → Initiated →
//!   Captured | Authorized | Declined | Expired; cancel; signature
//!   verification, accepted after 80 s unanswered) with the terminal's
//!   notifications, driven by [`Emulator::terminal`].
//! - **EPOS**: simpler, but valid answers.
//!
//! Test cards are in [`cards::TEST_CARDS`], each also named
//! ([`cards::APPROVED_MASTERCARD`], …). The `testkit` feature adds
//! `testkit`: the helpers tests share (`good_card`, `gbp`, `pay`).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod accounts;
mod app;
pub mod cards;
mod clock;
mod delivery;
mod emulator;
mod faults;
mod ids;
mod problem;
mod routes;
mod server;
mod store;
mod terminal;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use accounts::{LocationRefused, MAX_LOCATIONS};
pub use cards::{Card, CardOutcome, TestCard};
pub use clock::ClockError;
pub use delivery::{DeliveryAttempt, WebhookRetryPolicy, WebhookSignatures};
pub use emulator::{API_KEY, API_VERSION, Emulator, EmulatorBuilder, PCI_VERSION};
pub use faults::{BadAnswer, Fault, FaultError, Omitted, Route, UnknownRoute};
pub use store::counter::{CardProblem, Presentation, TerminalOutcome};
pub use store::refusal::{Action, Refusal};
pub use terminal::{EmulatedTerminal, MAX_TERMINAL_ID_CHARS, NewTerminal};

/// The crate's README, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
