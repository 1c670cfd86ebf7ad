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
//! Read any intent as [`AnyPaymentIntent`] / [`AnySetupIntent`] and `match`
//! on it; create one with the builders' `.created()`.

pub mod payment_intent;
mod rules;
pub mod setup_intent;

pub use payment_intent::{
    AnyPaymentIntent, Authorized, Canceled, Captured, Created, PaymentIntent, Refunded, Reversed,
};
pub use rules::LifecycleRule;
pub use setup_intent::{AnySetupIntent, Charged, SetupIntent};
