//! What has moved on a payment intent, and whether one movement took
//! effect: the one place both are decided. The lifecycle's rules
//! (captures ≤ authorized, refunds ≤ captured), `settled()`, the
//! settlement of a resource call that failed ambiguously, and the
//! journal's reconciliation all ask here.
//!
//! A capture is recognised by the captures that were not there before (by
//! id), never by an equal amount: another capture of the same amount,
//! made meanwhile by someone else, is not this one.
//!
//! ```
//! use dojo_payments::api_types::{CaptureDetails, PaymentIntent};
//! use dojo_payments::settlement::{Before, Movement, applied};
//! use dojo_payments::types::{Currency, Money};
//!
//! let capture = |id: &str, amount| CaptureDetails {
//!     id: Some(id.parse().unwrap()),
//!     amount: Some(amount),
//!     ..Default::default()
//! };
//! let before = PaymentIntent { captures: Some(vec![capture("cp_1", 400)]), ..Default::default() };
//! let after = PaymentIntent {
//!     captures: Some(vec![capture("cp_1", 400), capture("cp_2", 400)]),
//!     ..Default::default()
//! };
//! let ours = Movement::Capture { amount: Money::new(400, Currency::GBP) };
//! assert_eq!(applied(&ours, &Before::of(&before), &after), Some(true));  // cp_2 is new
//! assert_eq!(applied(&ours, &Before::of(&after), &after), Some(false)); // nothing new
//! ```

use dojo_payments_api::api::types::{self, CaptureMode, PaymentIntentStatus};
use dojo_payments_types::{CaptureId, Money, Open};

use crate::IdempotencyKey;

/// A money-moving call, with what it needs to be sent again (a refund's
/// key) or recognised afterwards (the amount).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Movement {
    /// Capture `amount` of a `Manual` payment intent.
    Capture {
        /// How much.
        amount: Money,
    },
    /// Charge a payment intent made for an authorized setup intent.
    Charge,
    /// Reverse an authorization (or a same-day automatic capture).
    Reverse,
    /// Cancel a payment intent not yet paid.
    Cancel,
    /// Refund `amount`, always with `key`, so that sending it again is safe.
    Refund {
        /// How much.
        amount: Money,
        /// The idempotency key of every attempt, across crashes.
        key: IdempotencyKey,
    },
}

impl Movement {
    /// The name stored (`capture`, `charge`, `reverse`, `cancel`, `refund`).
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Capture { .. } => "capture",
            Self::Charge => "charge",
            Self::Reverse => "reverse",
            Self::Cancel => "cancel",
            Self::Refund { .. } => "refund",
        }
    }

    /// The amount moved, for a capture or a refund.
    pub fn amount(&self) -> Option<Money> {
        match self {
            Self::Capture { amount } | Self::Refund { amount, .. } => Some(*amount),
            _ => None,
        }
    }

    /// The idempotency key, for a refund.
    pub fn key(&self) -> Option<&IdempotencyKey> {
        match self {
            Self::Refund { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The movement stored as `operation`, `amount` and `key`; `None` if
    /// they do not make one (a refund without a key, a capture without an
    /// amount, an unknown operation).
    pub fn from_parts(
        operation: &str,
        amount: Option<Money>,
        key: Option<IdempotencyKey>,
    ) -> Option<Self> {
        Some(match (operation, amount, key) {
            ("capture", Some(amount), None) => Self::Capture { amount },
            ("charge", None, None) => Self::Charge,
            ("reverse", None, None) => Self::Reverse,
            ("cancel", None, None) => Self::Cancel,
            ("refund", Some(amount), Some(key)) => Self::Refund { amount, key },
            _ => return None,
        })
    }

    /// Whether `other` is the same call (a refund's key aside: the first
    /// entry's key is the one that counts).
    pub(crate) fn same_call(&self, other: &Self) -> bool {
        self.operation() == other.operation() && self.amount() == other.amount()
    }
}

/// What a payment intent was before a movement: what a read afterwards is
/// compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    /// Its status, as Dojo reported it.
    pub status: Option<Open<PaymentIntentStatus>>,
    /// The ids of its captures; `None` when they were not recorded (a
    /// journal entry written before they were), and a capture then cannot
    /// be recognised.
    pub captures: Option<Vec<CaptureId>>,
}

impl Before {
    /// The snapshot of `intent`; a capture Dojo sent without an id leaves
    /// the captures unrecorded (none can then be told apart).
    pub fn of(intent: &types::PaymentIntent) -> Self {
        let captures = intent
            .captures
            .iter()
            .flatten()
            .map(|c| c.id.clone())
            .collect();
        Self {
            status: intent.status.clone(),
            captures,
        }
    }
}

/// Whether `movement` shows in `after`, the payment intent as read after
/// it, compared with `before`: `Some(true)` it took effect, `Some(false)`
/// it has not (as of this read), `None` the read does not tell (another
/// change, a capture of another amount, or a refund, which is settled by
/// sending it again with its key instead).
pub fn applied(movement: &Movement, before: &Before, after: &types::PaymentIntent) -> Option<bool> {
    let moved_to = |targets: &[PaymentIntentStatus]| match &after.status {
        Some(Open::Known(status)) if targets.contains(status) => Some(true),
        status if *status == before.status => Some(false),
        _ => None,
    };
    match movement {
        Movement::Capture { amount } => new_capture(before, after, *amount),
        Movement::Charge => moved_to(&[
            PaymentIntentStatus::Captured,
            PaymentIntentStatus::Authorized,
        ]),
        Movement::Reverse => moved_to(&[PaymentIntentStatus::Reversed]),
        Movement::Cancel => moved_to(&[PaymentIntentStatus::Canceled]),
        Movement::Refund { .. } => None,
    }
}

/// Whether a capture of `amount` is among the captures `after` has and
/// `before` had not.
fn new_capture(before: &Before, after: &types::PaymentIntent, amount: Money) -> Option<bool> {
    let known = before.captures.as_ref()?;
    let mut new = Vec::new();
    for capture in after.captures.iter().flatten() {
        let id = capture.id.as_ref()?;
        if !known.contains(id) {
            new.push(capture);
        }
    }
    match new.as_slice() {
        [] => Some(false),
        [one] if one.amount == Some(amount.minor_units()) => Some(true),
        _ => None,
    }
}

/// Minor units captured so far of `data`: the sum of a `Manual` intent's
/// captures, the whole of a captured `Auto` one. `None` when it cannot be
/// known: a capture without an amount, or a sum that overflows.
pub(crate) fn captured_minor(data: &types::PaymentIntent) -> Option<i64> {
    match data.capture_mode {
        Some(Open::Known(CaptureMode::Manual)) => data
            .captures
            .iter()
            .flatten()
            .try_fold(0i64, |sum, c| sum.checked_add(c.amount?)),
        _ => match data.status {
            Some(Open::Known(PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded)) => {
                total(data).map(|t| t.minor_units())
            }
            _ => Some(0),
        },
    }
}

/// What the customer pays for `data` (amount and tips: `totalAmount`, or
/// `amount` where Dojo sent no total), when Dojo says.
pub(crate) fn total(data: &types::PaymentIntent) -> Option<Money> {
    data.total_amount.or(data.amount)
}

/// Minor units refunded so far of `data` (Dojo's `refundedAmount`).
pub(crate) fn refunded_minor(data: &types::PaymentIntent) -> i64 {
    data.refunded_amount.unwrap_or(0)
}

/// How much of a payment intent has moved: captured, and refunded of that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Captured so far (all captures of a `Manual` intent; the total of a
    /// captured `Auto` one; zero before).
    pub captured: Money,
    /// Refunded so far (Dojo's `refundedAmount`).
    pub refunded: Money,
}

/// The money of `data` captured and refunded so far, in its currency;
/// `None` when Dojo sent no amount, or a capture without one.
pub(crate) fn settled(data: &types::PaymentIntent) -> Option<Settled> {
    let currency = total(data)?.currency();
    Some(Settled {
        captured: Money::new(captured_minor(data)?, currency),
        refunded: Money::new(refunded_minor(data), currency),
    })
}
