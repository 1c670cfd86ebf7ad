//! Dojo's lifecycle rules, checked before a call is sent: each refusal names
//! the rule it applies.

use std::fmt;

use dojo_payments_api::api::types;
use dojo_payments_types::{Currency, Money};

use crate::Dojo;
use crate::error::{Error, Invalid};
use crate::settlement;

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

/// The call `operation` of `dojo`'s location refused before sending, for
/// `rule`: the one way a broken rule becomes the crate's error, for the
/// lifecycle, the counter and the journal alike.
pub(crate) fn refuse(dojo: &Dojo, operation: &'static str, rule: LifecycleRule) -> Error {
    Error::invalid(operation, Invalid::Lifecycle(rule)).made_for(dojo.location_id())
}

/// An amount moved on a payment intent whose currency is `expected`: more
/// than zero, in that currency. The one place this rule is decided, for
/// captures, tips and refunds alike.
pub(crate) fn amount_allowed(expected: Currency, amount: Money) -> Result<(), LifecycleRule> {
    if amount.minor_units() <= 0 {
        return Err(LifecycleRule::AmountNotPositive);
    }
    if amount.currency() != expected {
        return Err(LifecycleRule::CurrencyMismatch {
            expected,
            given: amount.currency(),
        });
    }
    Ok(())
}

/// Whether `amount` can be refunded of `intent` as read: the amount rule,
/// then no more than it shows captured and not yet refunded. The one place
/// the refund rule is decided: a payment intent's own refund, a matched
/// refund at a terminal and the journal's all ask here.
///
/// When what was captured cannot be known from the read (a capture without
/// an amount, or no amount at all), the bound is Dojo's to apply: a refund
/// refused for a guess would leave the customer unpaid, one Dojo refuses
/// moves nothing.
pub(crate) fn refund_allowed(
    intent: &types::PaymentIntent,
    amount: Money,
) -> Result<(), LifecycleRule> {
    let total = settlement::total(intent);
    amount_allowed(total.map_or(amount.currency(), |t| t.currency()), amount)?;
    if let (Some(_), Some(captured)) = (total, settlement::captured_minor(intent)) {
        let refunded = settlement::refunded_minor(intent);
        let refundable = Money::new(captured.saturating_sub(refunded).max(0), amount.currency());
        if amount.minor_units() > refundable.minor_units() {
            return Err(LifecycleRule::RefundExceedsCaptured {
                refundable,
                requested: amount,
            });
        }
    }
    Ok(())
}

/// Whether `amount` can be captured of `intent` as read: the amount rule,
/// a `Manual` intent (Dojo's default, when the read says none, is `Auto`),
/// then no more than is authorized and not yet captured, when the read
/// shows what was captured. The one place the capture rule is decided: the
/// lifecycle's capture and the journal's ask here.
pub(crate) fn capture_allowed(
    intent: &types::PaymentIntent,
    amount: Money,
) -> Result<(), LifecycleRule> {
    let total = settlement::total(intent);
    amount_allowed(total.map_or(amount.currency(), |t| t.currency()), amount)?;
    if intent.capture_mode != Some(dojo_payments_types::Open::Known(types::CaptureMode::Manual)) {
        return Err(LifecycleRule::CaptureNeedsManualMode);
    }
    if let (Some(total), Some(captured)) = (total, settlement::captured_minor(intent)) {
        let remaining = Money::new(
            total.minor_units().saturating_sub(captured),
            total.currency(),
        );
        if amount.minor_units() > remaining.minor_units() {
            return Err(LifecycleRule::CaptureExceedsAuthorized {
                remaining,
                requested: amount,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A payment intent as read: `mode`, `status`, a total of 1,000 GBP
    /// pence, `captures` (a `Manual` one's, `None` for an amount left
    /// out) and `refunded`.
    fn read(
        mode: &str,
        status: &str,
        captures: &[Option<i64>],
        refunded: i64,
    ) -> types::PaymentIntent {
        let captures: Vec<_> = captures
            .iter()
            .enumerate()
            .map(|(n, amount)| match amount {
                Some(a) => serde_json::json!({"captureId": format!("cp_{n}"), "amount": a}),
                None => serde_json::json!({"captureId": format!("cp_{n}")}),
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": "pi_sandbox_1", "captureMode": mode, "status": status,
            "amount": {"value": 1000, "currencyCode": "GBP"},
            "captures": captures, "refundedAmount": refunded,
        }))
        .expect("decodes")
    }

    fn gbp(pence: i64) -> Money {
        Money::new(pence, Currency::GBP)
    }

    #[test]
    fn a_refund_is_bounded_by_what_the_read_shows_captured_and_not_refunded() {
        let auto = read("Auto", "Captured", &[], 300);
        assert_eq!(refund_allowed(&auto, gbp(700)), Ok(()));
        assert_eq!(
            refund_allowed(&auto, gbp(701)),
            Err(LifecycleRule::RefundExceedsCaptured {
                refundable: gbp(700),
                requested: gbp(701)
            })
        );
        let manual = read("Manual", "Captured", &[Some(200), Some(100)], 0);
        assert_eq!(refund_allowed(&manual, gbp(300)), Ok(()));
        assert!(refund_allowed(&manual, gbp(301)).is_err());
        // Nothing captured yet: nothing to refund.
        let authorized = read("Manual", "Authorized", &[], 0);
        assert!(refund_allowed(&authorized, gbp(1)).is_err());
    }

    #[test]
    fn a_capture_whose_amount_is_left_out_leaves_the_bound_to_dojo() {
        let unknown = read("Manual", "Captured", &[Some(200), None], 0);
        assert_eq!(refund_allowed(&unknown, gbp(1000)), Ok(()));
        // The amount rule still holds.
        assert_eq!(
            refund_allowed(&unknown, gbp(0)),
            Err(LifecycleRule::AmountNotPositive)
        );
        assert_eq!(
            refund_allowed(&unknown, Money::new(5, Currency::EUR)),
            Err(LifecycleRule::CurrencyMismatch {
                expected: Currency::GBP,
                given: Currency::EUR
            })
        );
    }

    #[test]
    fn a_capture_is_of_a_manual_intent_within_what_is_left_authorized() {
        let manual = read("Manual", "Authorized", &[Some(300)], 0);
        assert_eq!(capture_allowed(&manual, gbp(700)), Ok(()));
        assert_eq!(
            capture_allowed(&manual, gbp(701)),
            Err(LifecycleRule::CaptureExceedsAuthorized {
                remaining: gbp(700),
                requested: gbp(701)
            })
        );
        assert_eq!(
            capture_allowed(&manual, Money::new(5, Currency::EUR)),
            Err(LifecycleRule::CurrencyMismatch {
                expected: Currency::GBP,
                given: Currency::EUR
            })
        );
        assert_eq!(
            capture_allowed(&manual, gbp(0)),
            Err(LifecycleRule::AmountNotPositive)
        );
        let auto = read("Auto", "Authorized", &[], 0);
        assert_eq!(
            capture_allowed(&auto, gbp(1)),
            Err(LifecycleRule::CaptureNeedsManualMode)
        );
    }

    proptest! {
        /// Whatever the read shows, a refund allowed is more than zero, in
        /// the intent's currency, and within captured less refunded when
        /// that is known; and every such refund is allowed.
        #[test]
        fn the_refund_rule_allows_exactly_what_is_left(
            captures in proptest::collection::vec(0i64..2_000, 0..4),
            refunded in 0i64..3_000,
            amount in -10i64..5_000,
            euro in any::<bool>(),
        ) {
            let captures: Vec<_> = captures.into_iter().map(Some).collect();
            let intent = read("Manual", "Captured", &captures, refunded);
            let currency = if euro { Currency::EUR } else { Currency::GBP };
            let left = captures.iter().flatten().sum::<i64>() - refunded;
            let allowed = refund_allowed(&intent, Money::new(amount, currency)).is_ok();
            prop_assert_eq!(allowed, amount > 0 && !euro && amount <= left);
        }
    }
}
