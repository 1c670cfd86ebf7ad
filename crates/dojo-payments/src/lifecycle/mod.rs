//! Payment and setup intents as types: what a value can do depends on its
//! state, and Dojo's rules (the payment-intents reference) are checked
//! before anything is sent.
//!
//! ```text
//! PaymentIntent<Created> ──customer pays──▶ <Authorized> (Manual) ──capture (Σ ≤ authorized)──▶ <Captured>
//!      │   set_amount, set_tips                 └──reverse (≤ 7 days)──▶ <Reversed>
//!      │   charge (setupIntentId) ──────────────────────────────────────▶ <Captured>
//!      ├──customer pays (Auto)──▶ <Captured> ──refund (Σ ≤ captured)──▶ <Refunded> ──refund──▶ …
//!      │                              └──reverse (Auto, same day)──▶ <Reversed>
//!      └──cancel──▶ <Canceled>
//!
//! SetupIntent<Created> ──customer adds a card──▶ <Authorized> ──charge (once, full amount)──▶ <Completed>
//!      ├──cancel──▶ <Canceled>                         └──close──▶ <Closed>
//!      └──(time)──▶ <Expired> | <CardExpired>
//! ```
//!
//! Each kind of intent is a module, one level down, with its type and its
//! states: [`payment_intent`] (`PaymentIntent<Authorized>`, …) and
//! [`setup_intent`] (`SetupIntent<Authorized>`, …); both have a `Created`
//! and an `Authorized`, so a state is named by its module:
//!
//! ```
//! use dojo_payments::lifecycle::payment_intent::{self, PaymentIntent};
//! use dojo_payments::lifecycle::setup_intent::{self, SetupIntent};
//!
//! fn both(_: PaymentIntent<payment_intent::Authorized>, _: SetupIntent<setup_intent::Authorized>) {}
//! ```
//!
//! Read any intent as [`payment_intent::AnyPaymentIntent`] /
//! [`setup_intent::AnySetupIntent`] and `match` on it; create one with the
//! builders' `.created()`.

pub mod payment_intent;
pub(crate) mod rules;
pub mod setup_intent;

pub use rules::LifecycleRule;

// Short paths inside the crate only; users name these by their module (one
// path per item).
pub(crate) use payment_intent::{AnyPaymentIntent, Created, PaymentIntent};
pub(crate) use setup_intent::{AnySetupIntent, SetupIntent};
