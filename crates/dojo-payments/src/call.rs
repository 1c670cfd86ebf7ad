//! Sending one call: the check against Dojo's document, the deadline,
//! retries, tracing, and the raw layer's errors turned into
//! `dojo_payments::Error`.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use dojo_payments_api::ResponseValue;
use dojo_payments_api::api::types;
use dojo_payments_api::operations::Refused;
use futures_util::future::Either;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tracing::Instrument;

use crate::Dojo;
use crate::error::{ApiError, Delivery, Error, ErrorContext, Invalid};
use crate::retry::{self, Decision, Idempotency, RetryPolicy, Situation};

/// One of Dojo's operations: the generated constant (`dojo_payments_api::
/// operations::CAPTURES_CREATE`), never an id written by hand.
pub(crate) use dojo_payments_api::operations::{Operation, Request};

/// Whether sending `op` twice could repeat its effect, as the generated
/// table says.
fn idempotency(op: &Operation) -> Idempotency {
    Idempotency::of(op)
}

/// A failed attempt: the error to report (which says how the attempt
/// ended, [`Error::attempt`]), and Dojo's `Retry-After`.
struct Failure {
    error: Error,
    retry_after: Option<Duration>,
}

impl Dojo {
    /// Checks `request`, what `call` sends, against Dojo's document (its
    /// body and the parameters the document constrains: every call passes
    /// it, and nothing is sent when it fails), then sends `call` (one
    /// attempt each time it is called) within the policy's deadline,
    /// retrying as `retry::decide` says. The check is made when `send` is
    /// called, and `request` is not kept in the future.
    pub(crate) fn send<'d, T, E, F, Fut>(
        &'d self,
        op: &'static Operation,
        request: Request<'_>,
        call: F,
    ) -> impl Future<Output = Result<T, Error>> + use<'d, T, E, F, Fut>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, dojo_payments_api::Error<E>>>,
        E: ProblemBody,
    {
        // The call's location is resolved as it starts: its key and retry
        // policy now, kept to its end; a location not configured sends
        // nothing.
        let policy = match self.policy_at_call_start(op.id) {
            Ok(policy) => policy,
            Err(refused) => return Either::Right(refusal(refused)),
        };
        match op.check(&request) {
            Ok(()) => Either::Left(self.attempts(op, policy, call)),
            Err(refused) => {
                let reason = match refused {
                    Refused::Violations(violations) => Invalid::Constraints(violations),
                    // A call site whose request is not the operation's: a
                    // fault of the SDK, refused rather than sent unchecked.
                    Refused::Unchecked(what) => Invalid::Rule(what),
                };
                let refused = Error::invalid(op.id, reason).made_for(self.location_id());
                Either::Right(refusal(refused))
            }
        }
    }

    /// The attempts of a checked call.
    async fn attempts<T, E, F, Fut>(
        &self,
        op: &'static Operation,
        policy: RetryPolicy,
        mut call: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, dojo_payments_api::Error<E>>>,
        E: ProblemBody,
    {
        let span = tracing::info_span!(
            "dojo.call",
            operation = op.id,
            location = self.location_id().as_str(),
            attempts = tracing::field::Empty,
        );
        async move {
            let started = Instant::now();
            let mut attempt = 1;
            // Whether an earlier attempt may have taken effect: then a
            // later failure cannot say the call did not.
            let mut maybe_applied = false;
            loop {
                let left = time_left(&policy, started);
                let sent = tokio::time::timeout(left, call())
                    .instrument(tracing::debug_span!("dojo.attempt", attempt));
                // Matched as a temporary: a named answer would stay in the
                // future's state across the failure path's await.
                let failed = match sent.await {
                    Ok(Ok(value)) => {
                        tracing::Span::current().record("attempts", attempt);
                        crate::metrics::call_ended(self.location_id(), op.id, None);
                        return Ok(value.into_inner());
                    }
                    Ok(Err(raw)) => Failed::Raw(raw),
                    Err(_elapsed) => Failed::Deadline,
                };
                // Failures are rare: their handling is boxed so that the
                // call's future (held by every call in flight, moved by each
                // layer that awaits it) stays the size of one attempt.
                let retried = Box::pin(retry_or_give_up(
                    op,
                    &policy,
                    started,
                    attempt,
                    failed,
                    maybe_applied,
                ))
                .await;
                let retried = retried.inspect_err(|error| {
                    crate::metrics::call_ended(self.location_id(), op.id, Some(error));
                })?;
                crate::metrics::retried(self.location_id(), op.id);
                maybe_applied |= retried;
                attempt += 1;
            }
        }
        .instrument(span)
        .await
        // Every error of a sent call names the location it was made for
        // (`Error::location`).
        .map_err(|error: Error| error.made_for(self.location_id()))
    }
}

/// A call refused before sending, as a future: one that holds only the
/// error. (`std::future::ready(Err(..))` holds a whole `Result<T, _>`, as
/// large as the answer it never has, and the call's future with it.)
async fn refusal<T>(error: Error) -> Result<T, Error> {
    Err(error)
}

/// What is left of the policy's deadline for a call started at `started`.
fn time_left(policy: &RetryPolicy, started: Instant) -> Duration {
    policy.deadline.saturating_sub(started.elapsed())
}

/// How an attempt failed.
enum Failed<E> {
    /// The raw layer's error.
    Raw(dojo_payments_api::Error<E>),
    /// What was left of the deadline ran out.
    Deadline,
}

/// After a failed attempt: waits and returns whether the attempt may have
/// taken effect when `retry::decide` says retry; otherwise the error to
/// report, which says the call may have taken effect if an earlier attempt
/// may have (`earlier_maybe_applied`), whatever the last one met.
async fn retry_or_give_up<E: ProblemBody>(
    op: &'static Operation,
    policy: &RetryPolicy,
    started: Instant,
    attempt: u32,
    failed: Failed<E>,
    earlier_maybe_applied: bool,
) -> Result<bool, Error> {
    let failure = match failed {
        Failed::Raw(raw) => failure(op.id, raw, time_left(policy, started)).await,
        Failed::Deadline => Failure {
            error: Error::Timeout {
                operation: op.id,
                after: policy.deadline,
                idempotency_key: None,
                context: ErrorContext::retry_after(None),
            },
            retry_after: None,
        },
    };
    let situation = Situation {
        idempotency: idempotency(op),
        attempt,
        outcome: failure.error.attempt(),
        retry_after: failure.retry_after,
        time_left: time_left(policy, started),
        jitter: fastrand::f64(),
    };
    match retry::decide(policy, &situation) {
        Decision::RetryAfter(wait) => {
            tracing::info!(attempt, outcome = ?failure.error.attempt(), wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            Ok(failure.error.delivery() == Delivery::MaybeApplied)
        }
        Decision::GiveUp(reason) => {
            tracing::Span::current().record("attempts", attempt);
            tracing::debug!(?reason, outcome = ?failure.error.attempt(), "giving up");
            // Even a refusal does not undo an earlier attempt that may have
            // taken effect; a read takes effect in none.
            if earlier_maybe_applied
                && !op.reads()
                && failure.error.delivery() != Delivery::MaybeApplied
            {
                return Err(Error::EarlierAttemptMaybeApplied {
                    operation: op.id,
                    last: Box::new(failure.error),
                    idempotency_key: None,
                    context: ErrorContext::retry_after(None),
                });
            }
            Err(failure.error)
        }
    }
}

/// What a raw error means: the error to report and how the attempt ended.
/// A body still to be read is read within `time_left` of the deadline.
async fn failure<E: ProblemBody>(
    operation: &'static str,
    raw: dojo_payments_api::Error<E>,
    time_left: Duration,
) -> Failure {
    use dojo_payments_api::Error as Raw;
    let refused = |reason: String| Failure {
        error: Error::invalid(operation, Invalid::Rule(reason)),
        retry_after: None,
    };
    match raw {
        Raw::InvalidRequest(reason) | Raw::Custom(reason) => refused(reason),
        Raw::CommunicationError(source) | Raw::InvalidUpgrade(source) => {
            // Only these two prove the request never left: no connection,
            // or no request to send.
            let never_left = source.is_connect() || source.is_builder();
            Failure {
                error: Error::Transport {
                    operation,
                    never_left,
                    source,
                    idempotency_key: None,
                    context: ErrorContext::retry_after(None),
                },
                retry_after: None,
            }
        }
        Raw::ResponseBodyError(source) => Failure {
            error: Error::Transport {
                operation,
                never_left: false,
                source,
                idempotency_key: None,
                context: ErrorContext::retry_after(None),
            },
            retry_after: None,
        },
        Raw::ErrorResponse(answer) => {
            let status = answer.status().as_u16();
            let retry_after = retry_after(answer.headers());
            let error = answer.into_inner().into_api_error(status);
            Failure {
                error: Error::Api {
                    operation,
                    error: Box::new(error),
                    idempotency_key: None,
                    context: ErrorContext::retry_after(retry_after),
                },
                retry_after,
            }
        }
        Raw::InvalidResponsePayload(payload) => {
            let retry_after = retry_after(payload.headers());
            Failure {
                retry_after,
                error: Error::Decode {
                    operation,
                    payload: Box::new(payload),
                    idempotency_key: None,
                    context: ErrorContext::retry_after(retry_after),
                },
            }
        }
        Raw::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            // An undocumented status: its body is read as a problem document
            // when it is one, and otherwise left out (also when it does not
            // arrive before the deadline: the status is the answer).
            let body = tokio::time::timeout(time_left, response.bytes())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            let problem = serde_json::from_slice::<types::ProblemDetails>(&body).ok();
            let error = match problem {
                Some(problem) => problem.into_api_error(status),
                None => ().into_api_error(status),
            };
            Failure {
                error: Error::Api {
                    operation,
                    error: Box::new(error),
                    idempotency_key: None,
                    context: ErrorContext::retry_after(retry_after),
                },
                retry_after,
            }
        }
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    retry::parse_retry_after(value, SystemTime::now())
}

/// The error bodies of Dojo's document, read as one [`ApiError`].
pub(crate) trait ProblemBody {
    /// The error, for an answer with `status`.
    fn into_api_error(self, status: u16) -> ApiError;
}

impl ProblemBody for () {
    fn into_api_error(self, status: u16) -> ApiError {
        ApiError {
            status,
            title: None,
            detail: None,
            errors: BTreeMap::new(),
            trace_id: None,
        }
    }
}

macro_rules! problem_bodies {
    ($($ty:ident),*) => {$(
        impl ProblemBody for types::$ty {
            fn into_api_error(self, status: u16) -> ApiError {
                ApiError {
                    status,
                    title: self.title,
                    detail: self.detail,
                    errors: self
                        .errors
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(field, messages)| (field, messages.into_messages()))
                        .collect(),
                    trace_id: self.trace_id,
                }
            }
        }
    )*};
}

problem_bodies!(ProblemDetails, ErrorResponse, ProblemDetailsTerminals);

impl ProblemBody for types::Error {
    fn into_api_error(self, status: u16) -> ApiError {
        ApiError {
            status,
            title: Some(self.title),
            detail: self.detail,
            errors: self
                .errors
                .into_iter()
                .map(|(field, messages)| (field, messages.into_messages()))
                .collect(),
            trace_id: Some(self.trace_id),
        }
    }
}

/// A field's messages, as the different problem types of the document
/// carry them (a list of strings, or any JSON).
trait Messages {
    fn into_messages(self) -> Vec<String>;
}

impl Messages for Vec<String> {
    fn into_messages(self) -> Vec<String> {
        self
    }
}

impl Messages for serde_json::Value {
    fn into_messages(self) -> Vec<String> {
        match self {
            serde_json::Value::String(text) => vec![text],
            serde_json::Value::Array(items) => items
                .into_iter()
                .flat_map(Messages::into_messages)
                .collect(),
            other => vec![other.to_string()],
        }
    }
}
