//! The Dojo payments SDK for Rust: take card payments, save customers' cards
//! and charge them later, correct with money and safe with secrets.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = dojo_payments_emulator::Emulator::start().await?;
//! # let dojo = dojo_payments::Dojo::builder(emulator.api_key()).endpoints(emulator.endpoints()).build()?;
//! use dojo_payments::types::{Currency, Money};
//! use dojo_payments::api_types::CaptureMode;
//!
//! // let dojo = dojo_payments::Dojo::from_env()?;   // DOJO_API_KEY=sk_sandbox_…
//! let intent = dojo
//!     .payment_intents()
//!     .create(Money::parse_decimal("80.00", Currency::GBP)?, "Hotel deposit")
//!     .capture_mode(CaptureMode::Manual)
//!     .send()
//!     .await?;
//! # emulator.pay(intent.id.as_ref().unwrap(), &dojo_payments_emulator::Card::test("5200000000001005")?, false)?;
//! # let intent = dojo.payment_intents().get(intent.id.as_ref().unwrap()).await?;
//! // …the customer pays at intent.payment_link; later, capture part of it:
//! let capture = dojo
//!     .payment_intents()
//!     .capture(&intent, Money::parse_decimal("50.00", Currency::GBP)?)
//!     .await?;
//! println!("captured: {:?}", capture.capture_id);
//! # Ok(()) }
//! ```
//!
//! What every call does:
//! - **checks the request** against Dojo's document before sending
//!   ([`Error::InvalidRequest`] names every field and rule);
//! - **retries** what is safe to retry ([`RetryPolicy`]): idempotent calls
//!   on 429/500/502/503/504, timeouts and dropped connections, honouring
//!   `Retry-After`; a call that could move money twice is sent again only
//!   when it certainly never left;
//! - **says what is known** of the money when it fails, never less than
//!   the truth ([`Error::delivery`], one classification: [`Delivery`]): only a
//!   request that never left, or a refusal Dojo's document lists, says
//!   nothing moved; for a capture, charge, reversal or cancel whose answer
//!   proved nothing, a read of the payment intent ([`Error::Interrupted`]
//!   with [`Outcome`]), which says "not applied" only once Dojo was done;
//! - **traces** each call (`dojo.call`, `dojo.attempt`, `dojo.http` spans:
//!   operation, attempt, status, latency, trace id; never a secret).
//!
//! Payment and setup intents can also be handled as types whose methods are
//! the transitions Dojo allows ([`lifecycle`]): `PaymentIntent<Authorized>`
//! has `capture`, `PaymentIntent<Created>` does not.
//!
//! The three flows of Dojo's guides, each a runnable example in the
//! repository (`cargo run -p dojo-payments --example <name>`, against the
//! embedded emulator):
//! - **save a card at checkout, then pay with it** (`save_card`): a
//!   customer ([`resources::Customers`]), a payment intent offering
//!   `SavedCard`, the customer secret for the checkout;
//! - **a setup intent, charged later** (`setup_intent_charge`): consent
//!   with terms and an intended amount, then a merchant-initiated charge
//!   ([`lifecycle::setup_intent::SetupIntent`], whose `charge` exists only once
//!   `Authorized`);
//! - **tokenization** (`tokenization`): card details typed by staff go to
//!   the PCI host once ([`resources::Tokenize`]), and every follow-up
//!   to `api.dojo.tech`.
//!
//! Receiving the results: [`webhook`] verifies Dojo's signatures (with an
//! axum extractor behind the `axum` feature). The TLS stack is a choice of
//! features: `rustls-ring` (default), `rustls-aws-lc`, `native-tls`
//! ([`raw::tls`]).
//!
//! The layers below are here too: [`types`] (money, ids, secrets) and
//! [`raw`] (the generated client of every operation, the escape hatch).

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod call;
mod client;
pub mod counter;
mod error;
mod idempotency;
pub mod journal;
pub mod lifecycle;
pub mod location;
mod metrics;
mod pages;
// Public for the workspace's tests only (`tests/proof_table.rs` and the
// doctests table-test `classify`); not part of the API: its one public item
// is `Delivery`, at the root.
#[doc(hidden)]
pub mod proof;
pub mod resources;
// Public for the workspace's tests only (`tests/retry_table.rs` table-tests
// the pure `decide`); not part of the API: its one public item is
// `RetryPolicy`, at the root.
#[doc(hidden)]
pub mod retry;
pub mod settlement;
pub mod webhook;

pub use client::{
    CHECKOUT_BASE_URL, CheckoutIntentId, ConfigError, Dojo, DojoBuilder, Reloaded, SiteError, Sites,
};
pub use dojo_payments_api::Endpoints;
pub use error::{
    ApiError, CustomerReason, Error, ErrorContext, ErrorKind, Found, Invalid, Outcome, Result,
    RetryAdvice, Undetermined,
};
pub use idempotency::IdempotencyKey;
pub use journal::StoreError;
pub use location::{Location, Locations, LocationsError};
pub use proof::Delivery;
pub use retry::RetryPolicy;
pub use settlement::SettlementPolicy;

/// The raw client, generated from Dojo's document.
pub use dojo_payments_api as raw;
/// The request and response types of Dojo's API, as generated.
pub use dojo_payments_api::api::types as api_types;
/// The domain: money, currencies, ids, secrets.
pub use dojo_payments_types as types;

/// The repository's README, compiled as a doctest so its example cannot
/// drift from the code.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
