//! One journal entry: a money-moving call, written before it is sent.

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types;
use dojo_payments_types::{Money, PaymentIntentId};

use crate::IdempotencyKey;

/// The money-moving call an entry is for, with what it needs to be sent
/// again (a refund's key) or settled by a read (the amount).
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

/// What the payment intent was before the call: what a read afterwards is
/// compared with, to settle a call whose answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    /// Its status, as Dojo named it.
    pub status: Option<String>,
    /// Minor units captured so far.
    pub captured: i64,
}

impl Before {
    /// The snapshot of `intent`.
    pub fn of(intent: &types::PaymentIntent) -> Self {
        Self {
            status: intent.status.as_ref().map(ToString::to_string),
            captured: crate::lifecycle::payment_intent::captured_minor(intent).unwrap_or(0),
        }
    }
}

/// Where an entry stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryState {
    /// Written before sending, not yet settled: the call may or may not
    /// have been made. `Journal::reconcile` settles it.
    Open,
    /// The money moved (Dojo answered, or a read shows it).
    Applied {
        /// What Dojo named it, when it said (a refund id).
        detail: Option<String>,
    },
    /// The money did not move (Dojo refused, nothing was sent, or a read
    /// shows the intent unchanged).
    NotApplied {
        /// Why.
        reason: String,
    },
}

impl EntryState {
    /// Whether the entry is still open.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open)
    }

    /// The name stored (`open`, `applied`, `not_applied`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Applied { .. } => "applied",
            Self::NotApplied { .. } => "not_applied",
        }
    }

    /// The detail or reason stored with it.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Open => None,
            Self::Applied { detail } => detail.as_deref(),
            Self::NotApplied { reason } => Some(reason),
        }
    }

    /// The state stored as `name` and `detail`.
    pub fn from_parts(name: &str, detail: Option<String>) -> Option<Self> {
        Some(match name {
            "open" => Self::Open,
            "applied" => Self::Applied { detail },
            "not_applied" => Self::NotApplied {
                reason: detail.unwrap_or_default(),
            },
            _ => return None,
        })
    }
}

/// A money-moving call, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The caller's unique name for it (`order-42/refund-1`): the same name
    /// is the same call, made at most once.
    pub name: String,
    /// What it does.
    pub movement: Movement,
    /// The payment intent it moves money on.
    pub payment_intent: PaymentIntentId,
    /// The intent before the call.
    pub before: Before,
    /// Where it stands.
    pub state: EntryState,
    /// When it was written.
    pub opened_at: DateTime<Utc>,
}
