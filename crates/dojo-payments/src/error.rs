//! `dojo_payments::Error`: one enum to `match` on, which always says what is known of
//! whether the request reached Dojo, and never prints a secret.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use dojo_payments_api::{InvalidPayload, Violations};
use dojo_payments_types::{InvalidValue, LocationId};

use crate::IdempotencyKey;
pub use crate::proof::Delivery;
use crate::retry::Attempt;
use crate::settlement::Unsettled;

mod advice;

pub use advice::{CustomerReason, ErrorKind, RetryAdvice};

/// What the SDK knew of a call when it failed, besides its operation: the
/// location it was made for, and how long Dojo asked to wait
/// (`Retry-After`). Carried by the errors the send path makes
/// ([`Error::InvalidRequest`], [`Error::Api`], [`Error::Transport`],
/// [`Error::Decode`], [`Error::Timeout`],
/// [`Error::EarlierAttemptMaybeApplied`]); read it through
/// [`Error::location`], [`Error::retry_after`] and [`Error::retry_advice`].
/// It holds no secret: a location is the name you gave it, never its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorContext {
    /// The location (its key's account) the call was made for.
    pub location: Option<LocationId>,
    /// Dojo's `Retry-After`, when its answer carried one.
    pub retry_after: Option<Duration>,
}

impl ErrorContext {
    /// The context of a call made for `location`.
    pub(crate) fn at(location: &LocationId) -> Box<Self> {
        Box::new(Self {
            location: Some(location.clone()),
            retry_after: None,
        })
    }

    /// A context that knows only Dojo's `Retry-After` (the send path adds
    /// the rest, [`Error::sent_by`]).
    pub(crate) fn retry_after(retry_after: Option<Duration>) -> Box<Self> {
        Box::new(Self {
            retry_after,
            ..Self::default()
        })
    }
}

/// ` (location soho)`, or nothing when the location is not known.
fn at(context: &ErrorContext) -> String {
    context
        .location
        .as_ref()
        .map_or_else(String::new, |location| format!(" (location {location})"))
}

/// For a money-moving call that failed ambiguously (sent, and no answer
/// that proves what happened): what reads of the payment intent showed
/// ([`crate::settlement`] decides what proves what).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The change was made: the payment intent, as read afterwards, shows it.
    Applied(Box<dojo_payments_api::api::types::PaymentIntent>),
    /// The change was not made: two reads, made once the call could no
    /// longer be in flight and the read lag apart, lack it (the last read
    /// is kept). A call's own immediate read never says this: only
    /// [`crate::settlement::Unsettled::settle`] and the journal do.
    NotApplied(Box<dojo_payments_api::api::types::PaymentIntent>),
    /// Not known: settle it later ([`Error::unsettled`], or the journal),
    /// never by sending it again now.
    Unknown(Undetermined),
}

/// Why reads did not settle an ambiguous call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Undetermined {
    /// The payment intent could not be read.
    ReadFailed,
    /// The read shows a change that is not (only) this call's: another
    /// capture, another status, the refunded amount grown by another sum.
    ReadDoesNotTell,
    /// The read does not show the change, but the request may still be in
    /// flight at Dojo: it may yet land.
    MayBeInFlight,
    /// The read lacks a field the judgement depends on (`captures`).
    FieldMissing(&'static str),
    /// Nothing was recorded of the payment intent before the call to
    /// compare a read with.
    NoSnapshot,
    /// One read lacks the change, but reads may lag: a second, later one
    /// did not confirm it.
    NotConfirmed,
}

impl fmt::Display for Undetermined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReadFailed => f.write_str("the payment intent could not be read"),
            Self::ReadDoesNotTell => {
                f.write_str("the payment intent changed otherwise, so a read does not tell")
            }
            Self::MayBeInFlight => {
                f.write_str("not applied yet, but the request may still be in flight at Dojo")
            }
            Self::FieldMissing(field) => {
                write!(f, "the payment intent was read without its {field}")
            }
            Self::NoSnapshot => {
                f.write_str("nothing was recorded of the payment intent before the call")
            }
            Self::NotConfirmed => {
                f.write_str("a read lacks it, but reads may lag and a later one did not confirm it")
            }
        }
    }
}

impl Undetermined {
    /// Why, in words.
    pub fn reason(self) -> String {
        self.to_string()
    }
}

impl Outcome {
    fn describe(&self) -> String {
        match self {
            Self::Applied(_) => "a read of the payment intent shows it was applied".to_owned(),
            Self::NotApplied(_) => "reads of the payment intent show it was not applied".to_owned(),
            Self::Unknown(why) => format!(
                "whether it was applied is unknown ({why}): settle it later \
                 (Error::unsettled, or a journal), do not send it again now"
            ),
        }
    }

    /// What the outcome proves.
    pub fn delivery(&self) -> Delivery {
        match self {
            Self::Applied(_) => Delivery::Applied,
            Self::NotApplied(_) => Delivery::NotApplied,
            Self::Unknown(_) => Delivery::MaybeApplied,
        }
    }
}

/// What Dojo answered, or a read right after showed, where a call's type
/// promised something else ([`Error::UnexpectedAnswer`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Found {
    /// The payment intent, in another state than the one expected.
    PaymentIntent {
        /// As Dojo answered it, or as read.
        intent: Box<crate::lifecycle::AnyPaymentIntent>,
        /// The state the call's type promises.
        expected: dojo_payments_api::api::types::PaymentIntentStatus,
    },
    /// The setup intent, in another state than the one expected.
    SetupIntent {
        /// As Dojo answered it, or as read.
        intent: Box<crate::lifecycle::AnySetupIntent>,
        /// The state the call's type promises.
        expected: dojo_payments_api::api::types::SetupIntentStatus,
    },
    /// An answer without a part Dojo always sends (`a customer id`).
    Missing(&'static str),
    /// The read that was to show the new state failed.
    Unread(Box<Error>),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PaymentIntent { intent, expected } => write!(
                f,
                "Dojo reports the payment intent as {}, not {expected}",
                status_text(intent.status())
            ),
            Self::SetupIntent { intent, expected } => write!(
                f,
                "Dojo reports the setup intent as {}, not {expected}",
                status_text(intent.status())
            ),
            Self::Missing(what) => write!(f, "its answer has no {what}"),
            Self::Unread(error) => write!(f, "the new state could not be read ({error})"),
        }
    }
}

fn status_text(status: Option<&impl fmt::Display>) -> String {
    status.map_or_else(|| "without a status".to_owned(), ToString::to_string)
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
/// known of whether the call took effect, and never less than the truth:
/// `NotSent` only when the request never left, `Refused` only for a
/// refusal Dojo's document lists ([`crate::proof`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Refused before sending: nothing reached Dojo.
    #[error("{operation}: invalid request: {reason}{}", at(context))]
    InvalidRequest {
        /// The operation (Dojo's operation id, in snake case).
        operation: &'static str,
        /// Every reason.
        reason: Invalid,
        /// The location it was to be sent for (when refused by the send
        /// path's check; a rule checked on an intent alone knows none).
        context: Box<ErrorContext>,
    },
    /// Dojo refused the call. What it was is typed by [`Error::kind`]
    /// (a 404 is [`ErrorKind::NotFound`]: no such object for this
    /// location's key).
    #[error("{operation}: Dojo answered {error}{}", at(context))]
    Api {
        /// The operation.
        operation: &'static str,
        /// Dojo's answer (boxed: errors should be small to return).
        error: Box<ApiError>,
        /// The idempotency key the call carried ([`Error::idempotency_key`]).
        idempotency_key: Option<IdempotencyKey>,
        /// The location it was made for, Dojo's `Retry-After`.
        context: Box<ErrorContext>,
    },
    /// No answer: the connection could not be made (the request never
    /// left: [`Delivery::NotSent`]), or it broke after the request was
    /// written ([`Delivery::MaybeApplied`]).
    #[error(
        "{operation}: {} ({}){}",
        transport_summary(source),
        if *never_left { "NotSent" } else { "MaybeApplied" },
        at(context)
    )]
    Transport {
        /// The operation.
        operation: &'static str,
        /// Whether the request certainly never left (no connection was
        /// made, or it could not be built).
        never_left: bool,
        /// What the HTTP client said.
        #[source]
        source: reqwest::Error,
        /// The idempotency key the call carried ([`Error::idempotency_key`]).
        idempotency_key: Option<IdempotencyKey>,
        /// The location it was made for.
        context: Box<ErrorContext>,
    },
    /// An answer whose body did not decode as Dojo's document says.
    #[error("{operation}: {}{}", describe_payload(payload), at(context))]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The answer, with its body redacted when printed (boxed: it holds
        /// the headers and body, and errors should be small to return).
        payload: Box<InvalidPayload>,
        /// The idempotency key the call carried ([`Error::idempotency_key`]).
        idempotency_key: Option<IdempotencyKey>,
        /// The location it was made for, Dojo's `Retry-After`.
        context: Box<ErrorContext>,
    },
    /// Dojo answered success, but without what proves the change was made
    /// (`missing`: the created object's id, the state it leads to): it may
    /// or may not have been ([`Delivery::MaybeApplied`]). A keyed call is
    /// settled by sending it again with its key; any other by reads.
    #[error(
        "{operation}: Dojo answered success without its {missing} (MaybeApplied){}",
        at(context)
    )]
    Unproven {
        /// The operation.
        operation: &'static str,
        /// What the answer lacks.
        missing: &'static str,
        /// The idempotency key the call carried ([`Error::idempotency_key`]).
        idempotency_key: Option<IdempotencyKey>,
        /// The location it was made for.
        context: Box<ErrorContext>,
    },
    /// The caller's deadline passed before an answer came: the request may
    /// have reached Dojo ([`Delivery::MaybeApplied`]).
    #[error(
        "{operation}: no answer within {after:?} (MaybeApplied){}",
        at(context)
    )]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// The time allowed.
        after: Duration,
        /// The idempotency key the call carried ([`Error::idempotency_key`]).
        idempotency_key: Option<IdempotencyKey>,
        /// The location it was made for.
        context: Box<ErrorContext>,
    },
    /// A call retried after an attempt that may have taken effect (its
    /// answer was lost, or was no proof) failed on a later attempt, with
    /// `last` (a 503, a refused connection, a refusal): the earlier attempt
    /// may have taken effect all the same. A refund retried with the same
    /// idempotency key settles it.
    #[error(
        "{operation}: {}; an earlier attempt may have taken effect{}",
        without_operation(last),
        at(context)
    )]
    EarlierAttemptMaybeApplied {
        /// The operation.
        operation: &'static str,
        /// How the last attempt failed.
        #[source]
        last: Box<Error>,
        /// The idempotency key every attempt carried ([`Error::idempotency_key`]).
        idempotency_key: Option<IdempotencyKey>,
        /// The location it was made for.
        context: Box<ErrorContext>,
    },
    /// A money-moving call without an idempotency key failed after the
    /// request was sent, with no answer that proves what happened; the SDK
    /// read the payment intent to find out instead of guessing.
    #[error("{operation}: {}; {}", without_operation(cause), outcome.describe())]
    Interrupted {
        /// The operation.
        operation: &'static str,
        /// What the read showed.
        outcome: Outcome,
        /// The failure that made the call ambiguous.
        #[source]
        cause: Box<Error>,
        /// What it takes to settle it later ([`Error::unsettled`]).
        unsettled: Box<Unsettled>,
    },
    /// Dojo did what was asked (it answered success), but its answer, or a
    /// read right after it, is not what the call's type promises: the
    /// payment intent in another state, a part missing, or the read failed.
    /// The call took effect: do not send it again.
    #[error("{operation}: Dojo did it, but {found}{}", at(context))]
    UnexpectedAnswer {
        /// The operation that took effect.
        operation: &'static str,
        /// What was found instead.
        found: Found,
        /// The location it was made for.
        context: Box<ErrorContext>,
    },
    /// An idempotency key was reused, in this client, for a different
    /// request: Dojo would answer with the first request's result.
    #[error(
        "{operation}: idempotency key {key} was already used for a different request on this \
         payment intent; Dojo would return the first result instead of doing this one: use a new key{}",
        at(context)
    )]
    IdempotencyKeyReused {
        /// The operation.
        operation: &'static str,
        /// The key.
        key: IdempotencyKey,
        /// The location it was made for.
        context: Box<ErrorContext>,
    },
    /// A paginated search returned a cursor it had returned before: following
    /// it would loop forever.
    #[error(
        "{operation}: Dojo returned the cursor {cursor:?} twice; stopped paging{}",
        at(context)
    )]
    PaginationLoop {
        /// The operation.
        operation: &'static str,
        /// The repeated cursor.
        cursor: String,
        /// The location it was made for.
        context: Box<ErrorContext>,
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
    /// What is known of whether the call took effect at Dojo: the one
    /// classification of [`crate::proof`].
    pub fn delivery(&self) -> Delivery {
        match self {
            Self::Interrupted { outcome, .. } => outcome.delivery(),
            Self::UnexpectedAnswer { .. } => Delivery::Applied,
            Self::EarlierAttemptMaybeApplied { .. } | Self::Unproven { .. } => {
                Delivery::MaybeApplied
            }
            other => crate::proof::classify(other.operation(), other.attempt()),
        }
    }

    /// How the attempt that failed ended, as far as the transport tells.
    pub(crate) fn attempt(&self) -> Attempt {
        match self {
            Self::InvalidRequest { .. }
            | Self::IdempotencyKeyReused { .. }
            | Self::PaginationLoop { .. } => Attempt::NotSent,
            Self::Api { error, .. } => Attempt::Answered(error.status),
            Self::Decode { payload, .. } => payload
                .status()
                .map_or(Attempt::Unanswered, |s| Attempt::Answered(s.as_u16())),
            Self::Transport { never_left, .. } if *never_left => Attempt::NotSent,
            Self::Interrupted { cause, .. } => cause.attempt(),
            Self::UnexpectedAnswer { .. } | Self::Unproven { .. } => Attempt::Answered(200),
            Self::Transport { .. }
            | Self::Timeout { .. }
            | Self::EarlierAttemptMaybeApplied { .. } => Attempt::Unanswered,
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
            | Self::UnexpectedAnswer { operation, .. }
            | Self::EarlierAttemptMaybeApplied { operation, .. }
            | Self::Unproven { operation, .. }
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
            Self::EarlierAttemptMaybeApplied { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Dojo's answer, for an [`Error::Api`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }

    /// The idempotency key the call was sent with, when it had one (a
    /// refund's: yours, or the one the SDK made). After a
    /// [`Delivery::MaybeApplied`] refund, send the same refund again with
    /// it: Dojo makes one refund per key, so the money moves once.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        match self {
            Self::Api {
                idempotency_key, ..
            }
            | Self::Transport {
                idempotency_key, ..
            }
            | Self::Decode {
                idempotency_key, ..
            }
            | Self::Timeout {
                idempotency_key, ..
            }
            | Self::Unproven {
                idempotency_key, ..
            } => idempotency_key.as_ref(),
            Self::EarlierAttemptMaybeApplied {
                idempotency_key,
                last,
                ..
            } => idempotency_key.as_ref().or_else(|| last.idempotency_key()),
            Self::Interrupted { cause, .. } => cause.idempotency_key(),
            Self::IdempotencyKeyReused { key, .. } => Some(key),
            Self::InvalidRequest { .. }
            | Self::UnexpectedAnswer { .. }
            | Self::PaginationLoop { .. } => None,
        }
    }

    /// For a movement without a key whose outcome is unknown (a capture, a
    /// charge, a reversal, a cancel): what it takes to settle it later,
    /// [`Unsettled::settle`], which waits until the call can no longer be
    /// in flight and reads the payment intent twice.
    pub fn unsettled(&self) -> Option<&Unsettled> {
        match self {
            Self::Interrupted {
                outcome: Outcome::Unknown(_),
                unsettled,
                ..
            } => Some(unsettled),
            _ => None,
        }
    }

    /// What the SDK knew of the call when it failed ([`ErrorContext`]):
    /// this error's own, or, for an error that wraps the failure that made
    /// it ([`Error::Interrupted`], [`Found::Unread`]), that failure's.
    pub fn context(&self) -> Option<&ErrorContext> {
        match self {
            Self::InvalidRequest { context, .. }
            | Self::Api { context, .. }
            | Self::Transport { context, .. }
            | Self::Decode { context, .. }
            | Self::Timeout { context, .. }
            | Self::EarlierAttemptMaybeApplied { context, .. }
            | Self::Unproven { context, .. }
            | Self::UnexpectedAnswer { context, .. }
            | Self::IdempotencyKeyReused { context, .. }
            | Self::PaginationLoop { context, .. } => Some(context),
            Self::Interrupted { cause, .. } => cause.context(),
        }
    }

    /// The location the call was made for (the name given to its key, as
    /// [`crate::Dojo::location_id`]): a 404 from one location is about an
    /// object of another. Every error a client's call returns names it:
    /// the send path's, its check's refusals, and those its resources and
    /// lifecycles make (a rule checked on an intent, a key reused, a
    /// success without its proof, a search that loops). `None` only for an
    /// error made by hand.
    pub fn location(&self) -> Option<&LocationId> {
        let own = self.context().and_then(|c| c.location.as_ref());
        match self {
            Self::EarlierAttemptMaybeApplied { last, .. } => own.or_else(|| last.location()),
            Self::UnexpectedAnswer {
                found: Found::Unread(read),
                ..
            } => own.or_else(|| read.location()),
            _ => own,
        }
    }

    /// How long Dojo asked to wait before the call is sent again (its
    /// `Retry-After`, as seconds or a date), when the answer that ended
    /// the call carried one. [`Error::retry_advice`] says whether to.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::EarlierAttemptMaybeApplied { last, .. } => last.retry_after(),
            Self::UnexpectedAnswer {
                found: Found::Unread(read),
                ..
            } => read.retry_after(),
            _ => self.context().and_then(|c| c.retry_after),
        }
    }

    /// This error, made by a call for `location`: the send path's stamp
    /// on every error it returns, its check's refusals included.
    pub(crate) fn made_for(mut self, location: &LocationId) -> Self {
        self.stamp(location);
        self
    }

    fn stamp(&mut self, location: &LocationId) {
        match self {
            Self::InvalidRequest { context, .. }
            | Self::Api { context, .. }
            | Self::Transport { context, .. }
            | Self::Decode { context, .. }
            | Self::Timeout { context, .. }
            | Self::EarlierAttemptMaybeApplied { context, .. }
            | Self::Unproven { context, .. }
            | Self::UnexpectedAnswer { context, .. }
            | Self::IdempotencyKeyReused { context, .. }
            | Self::PaginationLoop { context, .. } => {
                context.location = Some(location.clone());
            }
            Self::Interrupted { cause, .. } => cause.stamp(location),
        }
    }

    /// This error, naming `key` as the idempotency key its call carried.
    pub(crate) fn keyed(mut self, key: &IdempotencyKey) -> Self {
        match &mut self {
            Self::Api {
                idempotency_key, ..
            }
            | Self::Transport {
                idempotency_key, ..
            }
            | Self::Decode {
                idempotency_key, ..
            }
            | Self::Timeout {
                idempotency_key, ..
            }
            | Self::Unproven {
                idempotency_key, ..
            }
            | Self::EarlierAttemptMaybeApplied {
                idempotency_key, ..
            } => *idempotency_key = Some(key.clone()),
            _ => {}
        }
        self
    }

    pub(crate) fn invalid(operation: &'static str, reason: Invalid) -> Self {
        Self::InvalidRequest {
            operation,
            reason,
            context: Box::default(),
        }
    }

    /// `operation` took effect, and the read of what followed failed with
    /// `read`: whatever `read` says, the call is done.
    pub(crate) fn unread(operation: &'static str, read: Error) -> Self {
        Self::UnexpectedAnswer {
            operation,
            found: Found::Unread(Box::new(read)),
            context: Box::default(),
        }
    }
}

/// The SDK's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
