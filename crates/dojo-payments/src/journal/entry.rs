//! One journal entry: a money-moving call, written before it is sent.

use chrono::{DateTime, Utc};
use dojo_payments_types::{LocationId, PaymentIntentId};

use crate::settlement::{Before, Movement};
use crate::{Delivery, Outcome};

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

    /// Where an entry stands after its call failed with `error`, the first
    /// time it was sent: the error's one classification
    /// ([`crate::Error::delivery`]). Nothing moved closes it `NotApplied`;
    /// `Applied` closes it `Applied`; anything else leaves it open. (A
    /// resend's failure is not judged here: it says nothing of the
    /// attempts before it.)
    pub(crate) fn of_error(error: &crate::Error) -> Self {
        match error.delivery() {
            Delivery::Applied => Self::Applied { detail: None },
            delivery if delivery.moved_nothing() => Self::NotApplied {
                reason: error.to_string(),
            },
            _ => Self::Open,
        }
    }

    /// Where reads leave an entry ([`crate::settlement`]'s one judgement),
    /// and, while it is open, why.
    pub(crate) fn of(outcome: &Outcome) -> (Self, String) {
        match outcome {
            Outcome::Applied(_) => (Self::Applied { detail: None }, String::new()),
            Outcome::NotApplied(after) => (
                Self::NotApplied {
                    reason: format!(
                        "reads after the in-flight window, the read lag apart, show the payment intent without it ({})",
                        after
                            .status
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                },
                String::new(),
            ),
            Outcome::Unknown(why) => (Self::Open, why.to_string()),
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
    /// The payment intent it moves money on (empty for an unlinked refund
    /// at a terminal, which has none).
    pub payment_intent: PaymentIntentId,
    /// The location whose key it is sent, and settled, with.
    pub location: LocationId,
    /// The intent before the call.
    pub before: Before,
    /// Where it stands.
    pub state: EntryState,
    /// When it was written, by the store's clock ([`super::JournalStore::now`]):
    /// the one clock every instance's in-flight window is measured by.
    pub opened_at: DateTime<Utc>,
}
