//! Why the store refuses a change, in the domain's words. The store knows
//! nothing of HTTP: `problem.rs` decides which status each reason is, per
//! the document's list of statuses for the operation.

use std::fmt;

/// What a caller asked of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The customer pays a payment intent at checkout.
    Pay,
    /// `DELETE /payment-intents/{id}`.
    Cancel,
    /// A capture of a manual payment intent.
    Capture,
    /// A reversal (void).
    Reverse,
    /// A refund.
    Refund,
    /// A change of amount or tips before payment.
    ChangeAmount,
    /// A merchant-initiated charge of a saved card (setup intent).
    Charge,
    /// The customer adds a card to a setup intent.
    Authorize,
    /// `DELETE /setup-intents/{id}`.
    Delete,
    /// A setup intent expires.
    Expire,
    /// A terminal session is told to cancel or to take a signature.
    UpdateTerminalSession,
    /// A webhook subscription or secret is added.
    Subscribe,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such resource.
    NotFound {
        /// The kind of resource (`"payment intent"`).
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The resource's state does not allow `action` now.
    State {
        /// What was asked.
        action: Action,
        /// Why not, naming the resource and its state.
        detail: String,
    },
    /// The resource was not created to allow this (its `config`).
    NotConfigured {
        /// Which setting is missing.
        detail: String,
    },
    /// A value breaks a rule.
    Field {
        /// Dojo's name of the field (`TipsAmount`, `Amount.CurrencyCode`).
        field: String,
        /// The rule, in a sentence.
        message: String,
    },
}

impl Refusal {
    /// `what` `id` does not exist.
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            id: id.into(),
        }
    }

    /// The state does not allow `action`.
    pub fn state(action: Action, detail: impl Into<String>) -> Self {
        Self::State {
            action,
            detail: detail.into(),
        }
    }

    /// `field` breaks a rule.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound { what, id } => write!(f, "{what} {id} was not found"),
            Self::State { detail, .. } | Self::NotConfigured { detail } => f.write_str(detail),
            Self::Field { field, message } => write!(f, "{field}: {message}"),
        }
    }
}

impl std::error::Error for Refusal {}

/// What the store's changes return.
pub type Outcome<T> = Result<T, Refusal>;
