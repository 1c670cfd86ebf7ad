//! The domain of the Dojo payments API: money in minor units, ISO 4217
//! currencies, ISO 3166-1 countries, timestamps, card expiry, API versions,
//! typed ids, secrets and card data that never print, the names of webhook
//! events, the webhook signature scheme, and the URLs customers and webhooks
//! are sent to (https, or http on loopback).
//!
//! This is the bottom layer of the SDK: the generated raw client
//! (`dojo-payments-api`) and the ergonomic client (`dojo-payments`) both speak these types, so
//! there is one [`Money`] in the whole workspace.
//!
//! ```
//! use dojo_payments_types::{ApiKey, Currency, Money, Timestamp};
//!
//! // Amounts are integer minor units; decimals parse exactly or not at all.
//! let amount = Money::parse_decimal("10.00", Currency::GBP)?;
//! assert_eq!(serde_json::to_string(&amount)?, r#"{"value":1000,"currencyCode":"GBP"}"#);
//!
//! // Dojo's "unset" sentinel is not year 1.
//! let expiry: Timestamp = serde_json::from_str(r#""0001-01-01T00:00:00Z""#)?;
//! assert_eq!(expiry.instant(), None);
//!
//! // Secrets never print.
//! let key = ApiKey::new("sk_sandbox_0123456789abcdef")?;
//! assert_eq!(format!("{key:?}"), "ApiKey(Sandbox, …cdef)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every fallible constructor returns [`InvalidValue`], which names the field
//! and the rule. Decoding is lenient wherever Dojo may send something new (an
//! unknown currency or country code, an id with an unexpected prefix): what
//! the server says is kept, never rejected.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod api_version;
mod card;
mod card_expiry;
mod country;
mod currency;
mod error;
mod https_url;
mod ids;
mod location;
mod money;
mod open;
mod partner_id;
mod secrets;
mod text;
mod timestamp;
mod webhook_event;
mod webhook_signature;
pub mod wire_names;

pub use api_version::ApiVersion;
pub use card::{CardNumber, CardholderName, Cvv};
pub use card_expiry::CardExpiry;
pub use country::CountryCode;
pub use currency::Currency;
pub use error::InvalidValue;
pub use https_url::HttpsUrl;
pub use ids::{
    AccountId, CaptureId, CustomerId, PaymentIntentId, PaymentMethodId, RefundId, ReversalId,
    SetupIntentId, TerminalId, TerminalSessionId, WebhookEventId, WebhookSecretId,
    WebhookSubscriptionId,
};
pub use location::LocationId;
pub use money::{Money, MoneyArithmeticError};
pub use open::Open;
pub use partner_id::{MAX_PARTNER_ID_CHARS, check_partner_id};
pub use secrets::{ApiKey, ClientSessionSecret, CustomerSecret, Environment, WebhookSecret};
pub use timestamp::Timestamp;
pub use webhook_event::WebhookEventName;
pub use webhook_signature::{SignatureError, WebhookSignature};

/// This crate's version: what the generated code's `x-rust-type` marks
/// require of it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The crate's README, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
