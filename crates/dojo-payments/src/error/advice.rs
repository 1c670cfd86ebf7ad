//! The error's other two answers, beside [`Error::delivery`] (did money
//! move?): [`Error::retry_advice`] (should it be sent again, and when?) and
//! [`Error::customer_reason`] (what may the customer be told?), with
//! [`Error::kind`], what Dojo's answer was, typed.
//!
//! Each is derived from the facts the SDK already decides by, never from
//! facts of its own: what the money is ([`crate::proof`], through
//! `delivery`), whether another attempt could end otherwise
//! ([`crate::retry`]'s list, the one [`crate::retry::decide`] retries on),
//! whether the call may be sent again (its idempotency, or its key), and
//! Dojo's `Retry-After`.

use std::fmt;
use std::time::Duration;

use dojo_payments_api::operations;

use super::{Error, Outcome};
use crate::IdempotencyKey;
use crate::proof::Delivery;
use crate::retry::{self, Idempotency};

/// Whether a failed call should be sent again, and when
/// ([`Error::retry_advice`]). It never advises sending again what could move
/// money twice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAdvice {
    /// Send it again now (with a back-off of your own if you loop): it never
    /// left, nothing moved, or it cannot repeat its effect, and another
    /// attempt may well end otherwise (a lost answer, a 5xx).
    Now,
    /// Send it again once this long has passed: Dojo's `Retry-After` (a
    /// 429, a 503), not yet passed when the SDK gave up.
    After(Duration),
    /// It may have been made (a refund whose answer was lost): send the
    /// same request again with this key, after `after` when Dojo asked for
    /// a wait. Dojo makes one refund per key, so the resend settles it
    /// either way and moves the money at most once. Never with a new key.
    SameKey {
        /// The key every attempt carried: yours, or the one the SDK made.
        key: IdempotencyKey,
        /// Dojo's `Retry-After`, when it sent one.
        after: Option<Duration>,
    },
    /// It may have been made and, without a key, sending it again could
    /// make it twice: settle it first. A capture, charge, reversal or
    /// cancel: [`Error::unsettled`]`.settle(&dojo)` (or a journal), which
    /// waits until it can no longer be in flight and reads the payment
    /// intent; anything else (a creation): a read or a search for it.
    SettleFirst,
    /// Do not send it again: it was done ([`Delivery::Applied`]: check
    /// [`Error::delivery`]), or it would be refused again (the request is
    /// invalid, not allowed, not found, the key not accepted): change
    /// something first.
    Never,
}

/// What happened, typed: the part of Dojo's answer (or of its absence) a
/// caller matches on instead of a status code ([`Error::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The SDK refused it before sending: invalid, against a lifecycle
    /// rule, or an idempotency key reused for another request.
    Invalid,
    /// Dojo refused the request as made (400, 405, 422, another 4xx).
    Rejected,
    /// Dojo refused the key (401), or the key may not do this (403).
    Unauthorized,
    /// No such object for this location's key (404): mistyped, deleted,
    /// or another location's ([`Error::location`] names the one asked).
    NotFound,
    /// The object's state does not allow it now (409): already captured,
    /// reversed, or a conflicting change.
    Conflict,
    /// The card was not charged: a payment was declined (402), or Dojo
    /// refused a merchant-initiated charge of a saved card (its document's
    /// 403 for the charge).
    Declined,
    /// Too many requests (429): [`Error::retry_after`] says how long to
    /// wait.
    RateLimited,
    /// Dojo, or a gateway before it, failed (5xx).
    Unavailable,
    /// No answer: no connection, one that broke, or the deadline passed.
    NoAnswer,
    /// An answer otherwise than Dojo's document says (a body that does not
    /// decode, a success without its proof or in another state, a status
    /// no refusal, a paginated search that loops).
    Unexpected,
}

/// What a customer may be told of a failed call ([`Error::customer_reason`]):
/// safe to show, never Dojo's developer text, an id, or a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CustomerReason {
    /// It went through after all: nothing to do again.
    Completed,
    /// Whether it went through is still being confirmed: do not pay (or
    /// ask) again.
    Confirming,
    /// The card was declined: try another card.
    Declined,
    /// A temporary problem: try again in a moment.
    TryAgainLater,
    /// The payment (or what was asked for) could not be found.
    NotFound,
    /// It cannot be done as it stands: contact the merchant.
    ContactMerchant,
}

impl CustomerReason {
    /// A sentence for the customer, in English (match on the reason for
    /// your own words or language).
    pub fn message(self) -> &'static str {
        match self {
            Self::Completed => "This has gone through: there is no need to try again.",
            Self::Confirming => {
                "We are confirming whether this went through. Please do not pay again: \
                 we will let you know shortly."
            }
            Self::Declined => "Your payment was declined. Please try another card.",
            Self::TryAgainLater => {
                "We could not reach our payment provider. Please try again in a moment."
            }
            Self::NotFound => "We could not find that payment. Please check it, or contact us.",
            Self::ContactMerchant => "We could not complete this. Please contact us.",
        }
    }
}

impl fmt::Display for CustomerReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl ErrorKind {
    /// The kind of Dojo's answer `status` to `operation`.
    fn of_status(operation: &str, status: u16) -> Self {
        match status {
            402 => Self::Declined,
            403 if refuses_a_charge(operation) => Self::Declined,
            401 | 403 => Self::Unauthorized,
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::RateLimited,
            400..=499 => Self::Rejected,
            500..=599 => Self::Unavailable,
            _ => Self::Unexpected,
        }
    }
}

/// Whether `operation` is the merchant-initiated charge of a saved card,
/// whose 403 Dojo's document lists as its refusal to charge it (the
/// setup intent is not, or no longer, chargeable).
fn refuses_a_charge(operation: &str) -> bool {
    operation == operations::PAYMENT_INTENTS_CHARGE_PAYMENT_INTENT.id
}

impl Error {
    /// What happened, typed ([`ErrorKind`]): a 404 is
    /// [`ErrorKind::NotFound`], a 429 [`ErrorKind::RateLimited`], whichever
    /// variant carries it. An error that wraps the failure that made it
    /// ([`Error::Interrupted`], [`Error::EarlierAttemptMaybeApplied`]) is of
    /// that failure's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidRequest { .. } | Self::IdempotencyKeyReused { .. } => ErrorKind::Invalid,
            Self::Api {
                operation, error, ..
            } => ErrorKind::of_status(operation, error.status),
            // A refusal whose body did not decode is still that refusal.
            Self::Decode {
                operation, payload, ..
            } => match payload.status().map(|s| s.as_u16()) {
                Some(status @ 400..=599) => ErrorKind::of_status(operation, status),
                _ => ErrorKind::Unexpected,
            },
            Self::Transport { .. } | Self::Timeout { .. } => ErrorKind::NoAnswer,
            Self::EarlierAttemptMaybeApplied { last, .. } => last.kind(),
            Self::Interrupted { cause, .. } => cause.kind(),
            Self::Unproven { .. } | Self::UnexpectedAnswer { .. } | Self::PaginationLoop { .. } => {
                ErrorKind::Unexpected
            }
        }
    }

    /// Whether Dojo has no such object for the location the call was made
    /// for ([`ErrorKind::NotFound`]).
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// Whether, and when, to send the call again, consistent with
    /// [`Error::delivery`] and with the SDK's own retry policy
    /// ([`crate::retry::decide`], which has already made the retries it
    /// allows): [`RetryAdvice::Never`] once it took effect or would be
    /// refused again; [`RetryAdvice::SameKey`] for a keyed call (a refund)
    /// that may have been made; [`RetryAdvice::SettleFirst`] for one
    /// without a key; otherwise [`RetryAdvice::Now`], or
    /// [`RetryAdvice::After`] Dojo's `Retry-After`, when another attempt
    /// may end otherwise.
    pub fn retry_advice(&self) -> RetryAdvice {
        match self {
            // Refused before sending: the same request is refused again.
            Self::InvalidRequest { .. }
            | Self::IdempotencyKeyReused { .. }
            | Self::PaginationLoop { .. } => RetryAdvice::Never,
            Self::Interrupted {
                outcome: Outcome::Unknown(_),
                ..
            } => RetryAdvice::SettleFirst,
            Self::Interrupted {
                outcome: Outcome::NotApplied(_),
                cause,
                ..
            } => wait(cause.retry_after()),
            _ => self.advice_by_delivery(),
        }
    }

    /// The advice from what is known of the money, the attempt that ended
    /// the call, and whether the call may be sent again.
    fn advice_by_delivery(&self) -> RetryAdvice {
        let transient = retry::transient(self.attempt());
        match self.delivery() {
            Delivery::Applied => RetryAdvice::Never,
            Delivery::MaybeApplied => match self.idempotency_key() {
                Some(key) => RetryAdvice::SameKey {
                    key: key.clone(),
                    after: self.retry_after().filter(|wait| !wait.is_zero()),
                },
                None if self.idempotency() == Idempotency::NotIdempotent => {
                    RetryAdvice::SettleFirst
                }
                None if transient => wait(self.retry_after()),
                None => RetryAdvice::Never,
            },
            Delivery::NotSent | Delivery::Refused | Delivery::NotApplied if transient => {
                wait(self.retry_after())
            }
            Delivery::NotSent | Delivery::Refused | Delivery::NotApplied => RetryAdvice::Never,
        }
    }

    /// Whether sending the call again could repeat its effect: a key makes
    /// it idempotent; otherwise as the generated operation table says (the
    /// one the send path retries by), and "could" for an operation it does
    /// not know.
    fn idempotency(&self) -> Idempotency {
        if self.idempotency_key().is_some() {
            return Idempotency::Idempotent;
        }
        operations::find(self.operation()).map_or(Idempotency::NotIdempotent, Idempotency::of)
    }

    /// Whether the operation only reads, as the generated table says.
    fn reads(&self) -> bool {
        operations::find(self.operation()).is_some_and(|op| op.reads())
    }

    /// What a customer may be told ([`CustomerReason`]), from the other
    /// answers: a call to be sent again is a temporary problem; one to be
    /// settled is being confirmed; one that took effect went through; one
    /// that will not succeed as it stands is declined, not found, or for
    /// the merchant to look into. Never Dojo's developer text.
    pub fn customer_reason(&self) -> CustomerReason {
        match self.retry_advice() {
            RetryAdvice::Now | RetryAdvice::After(_) => CustomerReason::TryAgainLater,
            RetryAdvice::SameKey { .. } | RetryAdvice::SettleFirst => CustomerReason::Confirming,
            RetryAdvice::Never => match (self.delivery(), self.kind()) {
                // A read read back otherwise than expected made nothing
                // go through: there is nothing to tell as done.
                (Delivery::Applied, _) if !self.reads() => CustomerReason::Completed,
                (_, ErrorKind::Declined) => CustomerReason::Declined,
                (_, ErrorKind::NotFound) => CustomerReason::NotFound,
                _ => CustomerReason::ContactMerchant,
            },
        }
    }

    /// [`Error::customer_reason`] as a sentence safe to show a customer.
    pub fn customer_message(&self) -> &'static str {
        self.customer_reason().message()
    }
}

/// Send it again after `retry_after` (Dojo's), or now.
fn wait(retry_after: Option<Duration>) -> RetryAdvice {
    match retry_after {
        Some(after) if !after.is_zero() => RetryAdvice::After(after),
        _ => RetryAdvice::Now,
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use dojo_payments_types::{LocationId, PaymentIntentId};

    use super::*;
    use crate::error::{ApiError, ErrorContext, Found, Invalid, Undetermined};
    use crate::retry::{Attempt, Decision, GiveUp, RetryPolicy, Situation, decide};
    use crate::settlement::{Before, Movement, Unsettled};

    const CAPTURE: &str = operations::CAPTURES_CREATE.id;
    const REFUND: &str = operations::REFUNDS_CREATE.id;
    const READ: &str = operations::PAYMENT_INTENTS_GET.id;
    const CHARGE: &str = operations::PAYMENT_INTENTS_CHARGE_PAYMENT_INTENT.id;
    const SEARCH: &str = operations::PAYMENT_INTENTS_SEARCH.id;

    fn key() -> IdempotencyKey {
        IdempotencyKey::new("order-42-refund-1").unwrap()
    }

    fn soho() -> LocationId {
        "soho".parse().unwrap()
    }

    fn context(retry_after: Option<Duration>) -> Box<ErrorContext> {
        Box::new(ErrorContext {
            location: Some(soho()),
            retry_after,
        })
    }

    fn api(operation: &'static str, status: u16, retry_after: Option<u64>) -> Error {
        let error = Error::Api {
            operation,
            error: Box::new(ApiError {
                status,
                title: Some("Dojo's title".into()),
                detail: Some("Dojo's developer text".into()),
                errors: Default::default(),
                trace_id: Some("00-trace".into()),
            }),
            idempotency_key: None,
            context: context(retry_after.map(Duration::from_secs)),
        };
        if operation == REFUND {
            error.keyed(&key())
        } else {
            error
        }
    }

    fn transport(never_left: bool) -> Error {
        // A client with the SDK's TLS stack; a request it cannot build.
        let client = dojo_payments_api::http_client_builder()
            .unwrap()
            .build()
            .unwrap();
        let source = client.get("not a url").build().unwrap_err();
        Error::Transport {
            operation: READ,
            never_left,
            source,
            idempotency_key: None,
            context: context(None),
        }
    }

    fn interrupted(outcome: Outcome) -> Error {
        let intent = dojo_payments_api::api::types::PaymentIntent::default();
        Error::Interrupted {
            operation: CAPTURE,
            outcome,
            cause: Box::new(api(CAPTURE, 503, Some(2))),
            unsettled: Box::new(Unsettled {
                payment_intent: PaymentIntentId::new("pi_sandbox_1").unwrap(),
                movement: Movement::Reverse,
                before: Before::of(&intent),
                sent_at: Instant::now(),
            }),
        }
    }

    /// One error of every variant (but `Decode`, whose payload only the raw
    /// layer makes: `tests/readme_errors.rs` meets one from the emulator),
    /// named by an exhaustive match, so a new variant fails to compile
    /// here until it has its row.
    fn every_variant() -> Vec<(&'static str, Error, RetryAdvice, CustomerReason)> {
        let intent = || Box::new(dojo_payments_api::api::types::PaymentIntent::default());
        let rows = vec![
            (
                Error::invalid(CAPTURE, Invalid::Rule("no".into())),
                RetryAdvice::Never,
                CustomerReason::ContactMerchant,
            ),
            (
                api(READ, 404, None),
                RetryAdvice::Never,
                CustomerReason::NotFound,
            ),
            (
                transport(true),
                RetryAdvice::Now,
                CustomerReason::TryAgainLater,
            ),
            (
                Error::Timeout {
                    operation: CAPTURE,
                    after: Duration::from_secs(60),
                    idempotency_key: None,
                    context: context(None),
                },
                RetryAdvice::SettleFirst,
                CustomerReason::Confirming,
            ),
            (
                Error::Unproven {
                    operation: REFUND,
                    missing: "refund id",
                    idempotency_key: Some(key()),
                    context: context(None),
                },
                RetryAdvice::SameKey {
                    key: key(),
                    after: None,
                },
                CustomerReason::Confirming,
            ),
            (
                Error::EarlierAttemptMaybeApplied {
                    operation: REFUND,
                    last: Box::new(api(REFUND, 429, Some(3))),
                    idempotency_key: Some(key()),
                    context: context(None),
                },
                RetryAdvice::SameKey {
                    key: key(),
                    after: Some(Duration::from_secs(3)),
                },
                CustomerReason::Confirming,
            ),
            (
                interrupted(Outcome::Applied(intent())),
                RetryAdvice::Never,
                CustomerReason::Completed,
            ),
            (
                interrupted(Outcome::NotApplied(intent())),
                RetryAdvice::After(Duration::from_secs(2)),
                CustomerReason::TryAgainLater,
            ),
            (
                interrupted(Outcome::Unknown(Undetermined::MayBeInFlight)),
                RetryAdvice::SettleFirst,
                CustomerReason::Confirming,
            ),
            (
                Error::UnexpectedAnswer {
                    operation: CAPTURE,
                    found: Found::Missing("a capture id"),
                    context: context(None),
                },
                RetryAdvice::Never,
                CustomerReason::Completed,
            ),
            (
                Error::UnexpectedAnswer {
                    operation: READ,
                    found: Found::Missing("a status"),
                    context: context(None),
                },
                RetryAdvice::Never,
                CustomerReason::ContactMerchant,
            ),
            (
                Error::IdempotencyKeyReused {
                    operation: REFUND,
                    key: key(),
                    context: context(None),
                },
                RetryAdvice::Never,
                CustomerReason::ContactMerchant,
            ),
            (
                Error::PaginationLoop {
                    operation: SEARCH,
                    cursor: "same".into(),
                    context: context(None),
                },
                RetryAdvice::Never,
                CustomerReason::ContactMerchant,
            ),
        ];
        rows.into_iter()
            .map(|(error, advice, reason)| {
                let name = match &error {
                    Error::InvalidRequest { .. } => "InvalidRequest",
                    Error::Api { .. } => "Api",
                    Error::Transport { .. } => "Transport",
                    Error::Decode { .. } => "Decode",
                    Error::Unproven { .. } => "Unproven",
                    Error::Timeout { .. } => "Timeout",
                    Error::EarlierAttemptMaybeApplied { .. } => "EarlierAttemptMaybeApplied",
                    Error::Interrupted { .. } => "Interrupted",
                    Error::UnexpectedAnswer { .. } => "UnexpectedAnswer",
                    Error::IdempotencyKeyReused { .. } => "IdempotencyKeyReused",
                    Error::PaginationLoop { .. } => "PaginationLoop",
                };
                (name, error, advice, reason)
            })
            .collect()
    }

    #[test]
    fn every_variant_has_an_advice_and_a_customer_message_without_dojo_s_text() {
        let rows = every_variant();
        let mut names: Vec<_> = rows.iter().map(|(name, ..)| *name).collect();
        names.dedup();
        assert_eq!(names.len(), 10, "every variant but Decode: {names:?}");
        for (name, error, advice, reason) in rows {
            assert_eq!(error.retry_advice(), advice, "{name}: {error}");
            assert_eq!(error.customer_reason(), reason, "{name}: {error}");
            let message = error.customer_message();
            for dojo_s in ["Dojo's", "developer", "trace", "soho", error.operation()] {
                assert!(!message.contains(dojo_s), "{name}: {message}");
            }
            assert!(!error.to_string().contains('\n'), "{name}: one line");
        }
    }

    #[test]
    fn the_location_is_named_in_display_and_through_wrapping_errors() {
        let error = api(READ, 503, None);
        assert_eq!(error.location(), Some(&soho()));
        assert!(error.to_string().ends_with(" (location soho)"), "{error}");
        let interrupted = interrupted(Outcome::Unknown(Undetermined::ReadFailed));
        assert_eq!(interrupted.location(), Some(&soho()));
        assert_eq!(interrupted.retry_after(), Some(Duration::from_secs(2)));
        let unread = Error::unread(CAPTURE, api(READ, 500, None));
        assert_eq!(unread.location(), Some(&soho()));
        let before_sending = Error::invalid(CAPTURE, Invalid::Rule("no".into()));
        assert_eq!(before_sending.location(), None);
        assert!(!before_sending.to_string().contains("location"));
    }

    #[test]
    fn kinds_by_status() {
        for (operation, status, kind) in [
            (READ, 400, ErrorKind::Rejected),
            (READ, 401, ErrorKind::Unauthorized),
            (READ, 403, ErrorKind::Unauthorized),
            (CHARGE, 403, ErrorKind::Declined),
            (CAPTURE, 402, ErrorKind::Declined),
            (READ, 404, ErrorKind::NotFound),
            (CAPTURE, 409, ErrorKind::Conflict),
            (READ, 422, ErrorKind::Rejected),
            (READ, 429, ErrorKind::RateLimited),
            (READ, 500, ErrorKind::Unavailable),
            (READ, 503, ErrorKind::Unavailable),
            (READ, 302, ErrorKind::Unexpected),
        ] {
            let error = api(operation, status, None);
            assert_eq!(error.kind(), kind, "{error}");
            assert_eq!(error.is_not_found(), kind == ErrorKind::NotFound);
        }
    }

    /// The advice never contradicts the SDK's own retry policy: what
    /// `decide` would send again (given attempts and time) is advised again,
    /// with Dojo's wait; what `decide` will not send again for fear of
    /// repeating its effect is never advised `Now` or `After`.
    #[test]
    fn the_advice_agrees_with_retry_decide() {
        let policy = RetryPolicy {
            max_attempts: u32::MAX,
            max_retry_after: Duration::MAX,
            ..RetryPolicy::default()
        };
        for operation in [READ, CAPTURE, REFUND, CHARGE] {
            for status in [
                400, 401, 403, 404, 409, 418, 422, 429, 500, 501, 502, 503, 504,
            ] {
                for retry_after in [None, Some(5)] {
                    let error = api(operation, status, retry_after);
                    let situation = Situation {
                        idempotency: error.idempotency(),
                        attempt: 1,
                        outcome: Attempt::Answered(status),
                        retry_after: error.retry_after(),
                        time_left: Duration::from_secs(3600),
                        jitter: 0.5,
                    };
                    let advice = error.retry_advice();
                    let row = format!("{operation} {status} {retry_after:?}: {advice:?}");
                    match decide(&policy, &situation) {
                        Decision::RetryAfter(_) => match (&advice, retry_after) {
                            (RetryAdvice::SameKey { after, .. }, _) => {
                                assert_eq!(*after, error.retry_after(), "{row}")
                            }
                            (RetryAdvice::After(wait), Some(seconds)) => {
                                assert_eq!(wait.as_secs(), seconds, "{row}")
                            }
                            (RetryAdvice::Now, None) => {}
                            _ => panic!("decide retries, the advice is {row}"),
                        },
                        Decision::GiveUp(GiveUp::NotRetryable) => {
                            let moved_nothing = error.delivery().moved_nothing();
                            match advice {
                                RetryAdvice::Never | RetryAdvice::SettleFirst => {}
                                RetryAdvice::SameKey { .. } => {
                                    assert!(!moved_nothing, "{row}")
                                }
                                // Only a refusal the document lists, which
                                // moved nothing, is sent again when decide
                                // would not (a 429 it documented).
                                _ => assert!(moved_nothing, "{row}"),
                            }
                        }
                        other => panic!("{other:?} for {row}"),
                    }
                }
            }
        }
    }
}
