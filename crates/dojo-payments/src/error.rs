//! `dojo_payments::Error`: one enum to `match` on, which always says what is known of
//! whether the request reached Dojo, and never prints a secret.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use dojo_payments_api::{InvalidPayload, Violations};
use dojo_payments_types::InvalidValue;

/// What is known of whether a failed request reached Dojo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// It certainly did not: it was refused before sending, or no connection
    /// was made. Nothing can have happened.
    NotSent,
    /// It may have: the connection failed or the deadline passed after the
    /// request was written. Dojo may have acted on it.
    MaybeSent,
    /// Dojo answered (with an error status, or a body that did not decode).
    Answered,
}

/// For a money-moving call that failed ambiguously (no answer after the
/// request may have been sent): what a read of the payment intent showed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The change was made: the payment intent, as read afterwards, shows it.
    Applied(Box<dojo_payments_api::api::types::PaymentIntent>),
    /// The change was not made: the payment intent is as it was.
    NotApplied(Box<dojo_payments_api::api::types::PaymentIntent>),
    /// The payment intent could not be read, or its state does not tell:
    /// check it before acting again.
    Unknown,
}

impl Outcome {
    fn describe(&self) -> &'static str {
        match self {
            Self::Applied(_) => "a read of the payment intent shows it was applied",
            Self::NotApplied(_) => "a read of the payment intent shows it was not applied",
            Self::Unknown => "whether it was applied is unknown: read the payment intent",
        }
    }
}

/// Dojo's answer to a call it refused: the status and its problem document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The problem's title, when Dojo gave one.
    pub title: Option<String>,
    /// The problem's detail, when Dojo gave one.
    pub detail: Option<String>,
    /// Field errors, by Dojo's field name (`Amount.Value`).
    pub errors: BTreeMap<String, Vec<String>>,
    /// Dojo's trace id, to quote to Dojo's support.
    pub trace_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(title) = &self.title {
            write!(f, " {title}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        for (field, messages) in &self.errors {
            write!(f, " [{field}: {}]", messages.join(" "))?;
        }
        if let Some(trace_id) = &self.trace_id {
            write!(f, " (trace {trace_id})")?;
        }
        Ok(())
    }
}

/// Why a request was refused before it was sent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Invalid {
    /// The request breaks constraints of Dojo's document.
    Constraints(Violations),
    /// A value was rejected by its domain type (an id, a key, an amount).
    Value(InvalidValue),
    /// A rule of Dojo's lifecycle forbids the call in the current state.
    Lifecycle(crate::lifecycle::LifecycleRule),
    /// Anything else the SDK refused before sending, described.
    Rule(String),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Constraints(violations) => write!(f, "{violations}"),
            Self::Value(value) => write!(f, "{value}"),
            Self::Lifecycle(rule) => write!(f, "{rule}"),
            Self::Rule(rule) => f.write_str(rule),
        }
    }
}

/// What went wrong with a call to Dojo.
///
/// `Display` is one line naming the operation; no variant ever holds or
/// prints a key, a secret or card data. [`Error::delivery`] says what is
/// known of whether the request reached Dojo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Refused before sending: nothing reached Dojo.
    #[error("{operation}: invalid request: {reason}")]
    InvalidRequest {
        /// The operation (Dojo's operation id, in snake case).
        operation: &'static str,
        /// Every reason.
        reason: Invalid,
    },
    /// Dojo refused the call.
    #[error("{operation}: Dojo answered {error}")]
    Api {
        /// The operation.
        operation: &'static str,
        /// Dojo's answer.
        error: ApiError,
    },
    /// No answer: the connection failed, or broke.
    #[error("{operation}: {} ({delivery:?})", transport_summary(source))]
    Transport {
        /// The operation.
        operation: &'static str,
        /// Whether the request may have reached Dojo.
        delivery: Delivery,
        /// What the HTTP client said.
        #[source]
        source: reqwest::Error,
    },
    /// An answer whose body did not decode as Dojo's document says.
    #[error("{operation}: {}", describe_payload(payload))]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The answer, with its body redacted when printed (boxed: it holds
        /// the headers and body, and errors should be small to return).
        payload: Box<InvalidPayload>,
    },
    /// The caller's deadline passed before an answer came.
    #[error("{operation}: no answer within {after:?} ({delivery:?})")]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// Whether the request may have reached Dojo.
        delivery: Delivery,
        /// The time allowed.
        after: Duration,
    },
    /// A call retried after an attempt that may have reached Dojo (its
    /// answer was lost) failed on a later attempt, with `last` (a 503, a
    /// refused connection): the earlier attempt may have taken effect. A
    /// refund retried with the same idempotency key settles it.
    #[error(
        "{operation}: {}; an earlier attempt may have reached Dojo",
        without_operation(last)
    )]
    EarlierAttemptMaybeSent {
        /// The operation.
        operation: &'static str,
        /// How the last attempt failed.
        #[source]
        last: Box<Error>,
    },
    /// A money-moving call without an idempotency key failed after the
    /// request may have been sent; the SDK read the payment intent to find
    /// out what happened instead of guessing.
    #[error("{operation}: {}; {}", without_operation(cause), outcome.describe())]
    Interrupted {
        /// The operation.
        operation: &'static str,
        /// What the read showed.
        outcome: Outcome,
        /// The failure that made the call ambiguous.
        #[source]
        cause: Box<Error>,
    },
    /// An idempotency key was reused, in this client, for a different
    /// request: Dojo would answer with the first request's result.
    #[error(
        "{operation}: idempotency key {key:?} was already used for a different request on this \
         payment intent; Dojo would return the first result instead of doing this one: use a new key"
    )]
    IdempotencyKeyReused {
        /// The operation.
        operation: &'static str,
        /// The key.
        key: String,
    },
    /// A paginated search returned a cursor it had returned before: following
    /// it would loop forever.
    #[error("{operation}: Dojo returned the cursor {cursor:?} twice; stopped paging")]
    PaginationLoop {
        /// The operation.
        operation: &'static str,
        /// The repeated cursor.
        cursor: String,
    },
}

/// The cause's message without its own `operation: ` prefix, which the
/// ambiguous call's message already starts with (`captures_create: the
/// connection failed …; applied`, not `captures_create: captures_create: …`).
fn without_operation(cause: &Error) -> String {
    let text = cause.to_string();
    let prefix = format!("{}: ", cause.operation());
    match text.strip_prefix(&prefix) {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

fn transport_summary(error: &reqwest::Error) -> &'static str {
    if error.is_connect() {
        "could not connect"
    } else if error.is_timeout() {
        "timed out waiting for an answer"
    } else if error.is_body() || error.is_decode() {
        "the answer broke off"
    } else {
        "the connection failed"
    }
}

fn describe_payload(payload: &InvalidPayload) -> String {
    match payload.status() {
        Some(status) => format!("answer {status} did not decode: {}", payload.reason()),
        None => format!("answer did not decode: {}", payload.reason()),
    }
}

impl Error {
    /// What is known of whether the request reached Dojo.
    pub fn delivery(&self) -> Delivery {
        match self {
            Self::InvalidRequest { .. }
            | Self::IdempotencyKeyReused { .. }
            | Self::PaginationLoop { .. } => Delivery::NotSent,
            Self::Api { .. } | Self::Decode { .. } => Delivery::Answered,
            Self::Transport { delivery, .. } | Self::Timeout { delivery, .. } => *delivery,
            Self::Interrupted { .. } | Self::EarlierAttemptMaybeSent { .. } => Delivery::MaybeSent,
        }
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::InvalidRequest { operation, .. }
            | Self::Api { operation, .. }
            | Self::Transport { operation, .. }
            | Self::Decode { operation, .. }
            | Self::Timeout { operation, .. }
            | Self::Interrupted { operation, .. }
            | Self::EarlierAttemptMaybeSent { operation, .. }
            | Self::IdempotencyKeyReused { operation, .. }
            | Self::PaginationLoop { operation, .. } => operation,
        }
    }

    /// The HTTP status of Dojo's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { error, .. } => Some(error.status),
            Self::Decode { payload, .. } => payload.status().map(|s| s.as_u16()),
            Self::Interrupted { cause, .. } => cause.status(),
            _ => None,
        }
    }

    /// Dojo's answer, for an [`Error::Api`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    pub(crate) fn invalid(operation: &'static str, reason: Invalid) -> Self {
        Self::InvalidRequest { operation, reason }
    }
}

/// The SDK's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
