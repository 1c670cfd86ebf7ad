//! Dojo's lifecycle rules, checked before a call is sent: each refusal names
//! the rule it applies.

use std::fmt;

use dojo_payments_types::{Currency, Money};

/// A lifecycle rule of Dojo's (the payment-intents reference) that forbids
/// a call; the SDK refuses it before sending anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleRule {
    /// Only `Manual` payment intents are captured by the merchant.
    CaptureNeedsManualMode,
    /// Captures together never exceed what was authorized.
    CaptureExceedsAuthorized {
        /// What is still authorized and not captured.
        remaining: Money,
        /// What was asked.
        requested: Money,
    },
    /// A `Manual` payment intent may be reversed while `Authorized`, within
    /// 7 days of the payment.
    ManualReversalAfterSevenDays,
    /// An `Auto` payment intent may be reversed once `Captured`, on the
    /// calendar day (UTC) of the payment only.
    AutoReversalAfterTheDay,
    /// A payment captured in `Manual` mode can only be refunded.
    ReversalAfterManualCapture,
    /// Refunds together never exceed what was captured.
    RefundExceedsCaptured {
        /// What is captured and not yet refunded.
        refundable: Money,
        /// What was asked.
        requested: Money,
    },
    /// An amount must be in the payment intent's currency.
    CurrencyMismatch {
        /// The payment intent's currency.
        expected: Currency,
        /// The amount's.
        given: Currency,
    },
    /// An amount must be more than zero.
    AmountNotPositive,
    /// The payment intent's config does not allow changing its amount.
    CustomAmountNotAllowed,
    /// The payment intent's config does not allow tips.
    TipsNotAllowed,
    /// Only a payment intent created for a setup intent is charged.
    ChargeNeedsSetupIntent,
    /// A setup intent is charged for its full intended amount, which this
    /// one does not state.
    NoIntendedAmount,
}

impl fmt::Display for LifecycleRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CaptureNeedsManualMode => {
                f.write_str("only a Manual payment intent can be captured (Auto ones capture themselves)")
            }
            Self::CaptureExceedsAuthorized { remaining, requested } => write!(
                f,
                "captures may not exceed the authorized amount: {remaining} remains, {requested} asked"
            ),
            Self::ManualReversalAfterSevenDays => f.write_str(
                "a Manual payment intent can be reversed within 7 days of the payment only; refund it instead",
            ),
            Self::AutoReversalAfterTheDay => f.write_str(
                "an Auto payment intent can be reversed on the calendar day of the payment only; refund it instead",
            ),
            Self::ReversalAfterManualCapture => {
                f.write_str("a payment captured in Manual mode can only be refunded, not reversed")
            }
            Self::RefundExceedsCaptured { refundable, requested } => write!(
                f,
                "refunds may not exceed what was captured: {refundable} is refundable, {requested} asked"
            ),
            Self::CurrencyMismatch { expected, given } => write!(
                f,
                "the amount is in {given}, the payment intent in {expected}"
            ),
            Self::AmountNotPositive => f.write_str("the amount must be more than zero"),
            Self::CustomAmountNotAllowed => {
                f.write_str("the payment intent's config does not allow a custom amount")
            }
            Self::TipsNotAllowed => f.write_str("the payment intent's config does not allow tips"),
            Self::ChargeNeedsSetupIntent => {
                f.write_str("only a payment intent created with a setupIntentId can be charged")
            }
            Self::NoIntendedAmount => f.write_str(
                "a setup intent is charged for its full intended amount, and this one has none",
            ),
        }
    }
}
