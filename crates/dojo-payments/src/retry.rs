//! When to send a call again: one pure function, [`decide`], table-tested.
//!
//! The rule that matters most: a call that is not idempotent (a capture, a
//! charge, a payment intent's creation) is sent again only when the first
//! attempt certainly never left: otherwise money could move twice. Refunds
//! carry an idempotency key, so they count as idempotent.
//!
//! ```
//! use std::time::Duration;
//! use dojo_payments::retry::{Attempt, Decision, GiveUp, Idempotency, Situation, decide};
//! use dojo_payments::RetryPolicy;
//!
//! // A capture whose connection dropped after sending: it may have been applied.
//! let dropped = Situation {
//!     idempotency: Idempotency::NotIdempotent,
//!     attempt: 1,
//!     outcome: Attempt::Unanswered,
//!     retry_after: None,
//!     time_left: Duration::from_secs(30),
//!     jitter: 0.5,
//! };
//! assert_eq!(decide(&RetryPolicy::default(), &dropped), Decision::GiveUp(GiveUp::MightRepeatEffect));
//! // The same for a read is retried after a jittered back-off.
//! let read = Situation { idempotency: Idempotency::Idempotent, ..dropped };
//! assert!(matches!(decide(&RetryPolicy::default(), &read), Decision::RetryAfter(_)));
//! ```

use std::time::{Duration, SystemTime};

/// How the SDK retries. Defaults: 3 attempts in all, backoff from 250 ms
/// doubling to at most 8 s with full jitter, `Retry-After` honoured up to 30
/// s, and 60 s for a whole call, retries included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff before the first retry, before jitter; doubled each time.
    pub base_delay: Duration,
    /// The most any backoff may be, before jitter.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one gives up at once.
    pub max_retry_after: Duration,
    /// The time a whole call may take, every attempt and wait included.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry (the deadline still applies).
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// Whether sending a call twice could do its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A read, or a call Dojo applies at most once (`PUT`, `DELETE` of a
    /// subscription, or a call carrying an idempotency key).
    Idempotent,
    /// A call whose repetition could repeat its effect (`POST` without a
    /// key: capture, charge, reversal, creation, cancel).
    NotIdempotent,
}

impl Idempotency {
    /// What the generated operation table says of `op`: a read, or a change
    /// whose repetition changes nothing more, is idempotent.
    pub(crate) fn of(op: &dojo_payments_api::operations::Operation) -> Self {
        use dojo_payments_api::operations::Effect;
        match op.effect {
            Effect::Read | Effect::Idempotent => Self::Idempotent,
            Effect::NotIdempotent => Self::NotIdempotent,
        }
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Dojo answered with this status.
    Answered(u16),
    /// The request certainly never left (no connection was made).
    NotSent,
    /// The request may have reached Dojo, and no whole answer came (the
    /// connection broke after writing, the body broke off, or the attempt
    /// timed out).
    Unanswered,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again after waiting this long.
    RetryAfter(Duration),
    /// Give up, for this reason.
    GiveUp(GiveUp),
}

/// Why the SDK gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// The outcome is not one that a retry could change (a 4xx), or one
    /// after which sending a call without a key could repeat its effect.
    NotRetryable,
    /// The call is not idempotent and may have reached Dojo.
    MightRepeatEffect,
    /// Every attempt allowed was made.
    AttemptsExhausted,
    /// Waiting would pass the deadline (or Dojo asked for a longer wait than
    /// the policy honours).
    DeadlineTooClose,
}

/// Everything [`decide`] looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Situation {
    /// Whether repeating the call could repeat its effect.
    pub idempotency: Idempotency,
    /// The attempt that just failed, from 1.
    pub attempt: u32,
    /// How it ended.
    pub outcome: Attempt,
    /// Dojo's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    /// The time left before the call's deadline.
    pub time_left: Duration,
    /// A random number in `[0, 1)`, for jitter (a parameter, so the
    /// function is pure and its tests exact).
    pub jitter: f64,
}

/// Whether `status` is worth another attempt of an idempotent call (a
/// read, or a refund with its key): rate limited, an internal error, and
/// the gateway's "try later" answers ([`crate::proof::is_gateway`]). None
/// of them proves that nothing was done (`crate::proof`), so a call without
/// a key is never sent again after any of them.
fn worth_retrying(status: u16) -> bool {
    matches!(status, 429 | 500) || crate::proof::is_gateway(status)
}

/// Whether another attempt could end otherwise than `outcome`: it never
/// left, its answer was lost, or Dojo answered a status worth retrying
/// (429, 500, 502, 503, 504). Whether it may be *sent* again is the other
/// half, its [`Idempotency`]: [`decide`] weighs both, and so does
/// [`crate::Error::retry_advice`], from this one list.
pub(crate) fn transient(outcome: Attempt) -> bool {
    match outcome {
        Attempt::NotSent | Attempt::Unanswered => true,
        Attempt::Answered(status) => worth_retrying(status),
    }
}

/// The decision after a failed attempt.
///
/// - A non-idempotent call is retried only when it certainly was not sent.
/// - An idempotent one also on a connection that broke, a timeout, and 429,
///   500, 502, 503, 504.
/// - The wait is Dojo's `Retry-After` when it sent one (up to
///   `max_retry_after`), otherwise exponential backoff with full jitter:
///   `jitter × min(max_delay, base_delay × 2^(attempt−1))`.
/// - No wait may end past the deadline.
pub fn decide(policy: &RetryPolicy, s: &Situation) -> Decision {
    let retryable = match (s.outcome, s.idempotency) {
        (Attempt::NotSent, _) => true,
        (Attempt::Unanswered, Idempotency::NotIdempotent) => {
            return Decision::GiveUp(GiveUp::MightRepeatEffect);
        }
        // Dojo does not document that a 429 or a 503 means nothing was done,
        // so an answered non-idempotent call is never sent again.
        (Attempt::Answered(_), Idempotency::NotIdempotent) => false,
        (outcome, Idempotency::Idempotent) => transient(outcome),
    };
    if !retryable {
        return Decision::GiveUp(GiveUp::NotRetryable);
    }
    if s.attempt >= policy.max_attempts {
        return Decision::GiveUp(GiveUp::AttemptsExhausted);
    }
    let wait = match s.retry_after {
        Some(asked) if asked > policy.max_retry_after => {
            return Decision::GiveUp(GiveUp::DeadlineTooClose);
        }
        Some(asked) => asked,
        None => backoff(policy, s.attempt, s.jitter),
    };
    if wait >= s.time_left {
        return Decision::GiveUp(GiveUp::DeadlineTooClose);
    }
    Decision::RetryAfter(wait)
}

/// Full jitter (Brooker, "Exponential Backoff and Jitter", AWS 2015): the
/// formula is one line, so it is written here; the random number comes from
/// `fastrand`.
fn backoff(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(30);
    let ceiling = policy
        .base_delay
        .saturating_mul(1u32 << doublings)
        .min(policy.max_delay);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0))
}

/// `Retry-After` as seconds or an HTTP date, relative to `now`; a date in
/// the past is no wait. Anything else is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}
