//! The retry decision, row by row: one pure function, so every row is exact.

use std::time::{Duration, SystemTime};

use dojo_payments::retry::{
    Attempt, Decision, GiveUp, Idempotency, RetryPolicy, Situation, decide, parse_retry_after,
};
use proptest::prelude::*;

const IDEM: Idempotency = Idempotency::Idempotent;
const POST: Idempotency = Idempotency::NotIdempotent;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: ms(250),
        max_delay: s(8),
        max_retry_after: s(30),
        deadline: s(60),
    }
}

fn retry(wait: Duration) -> Decision {
    Decision::RetryAfter(wait)
}

fn give_up(reason: GiveUp) -> Decision {
    Decision::GiveUp(reason)
}

/// What, kind, attempt, outcome, Retry-After, time left, jitter, decision.
type Row = (
    &'static str,
    Idempotency,
    u32,
    Attempt,
    Option<Duration>,
    Duration,
    f64,
    Decision,
);

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    use Attempt::*;
    use GiveUp::*;
    vec![
        // what,                                      kind, try, outcome,         Retry-After, time left, jitter, decision
        ("GET, 503, first try, half jitter",           IDEM, 1, Answered(503), None,        s(60), 0.5, retry(ms(125))),
        ("GET, 502, second try: base doubled",         IDEM, 2, Answered(502), None,        s(60), 0.5, retry(ms(250))),
        ("GET, 504, full jitter 0 is no wait",         IDEM, 1, Answered(504), None,        s(60), 0.0, retry(ms(0))),
        ("GET, 429 with Retry-After 2 s",              IDEM, 1, Answered(429), Some(s(2)),  s(60), 0.9, retry(s(2))),
        ("GET, 429 with Retry-After 0",                IDEM, 1, Answered(429), Some(s(0)),  s(60), 0.9, retry(s(0))),
        ("GET, 503 Retry-After beyond the deadline",   IDEM, 1, Answered(503), Some(s(20)), s(10), 0.5, give_up(DeadlineTooClose)),
        ("GET, Retry-After beyond the policy's max",   IDEM, 1, Answered(429), Some(s(31)), s(60), 0.5, give_up(DeadlineTooClose)),
        ("GET, backoff longer than the time left",     IDEM, 2, Answered(503), None,        ms(100), 1.0, give_up(DeadlineTooClose)),
        ("GET, 500: retried (a read repeats nothing)", IDEM, 1, Answered(500), None,        s(60), 0.5, retry(ms(125))),
        ("GET, 404 is not retried",                    IDEM, 1, Answered(404), None,        s(60), 0.5, give_up(NotRetryable)),
        ("GET, 400 is not retried",                    IDEM, 1, Answered(400), None,        s(60), 0.5, give_up(NotRetryable)),
        ("GET, 409 is not retried",                    IDEM, 1, Answered(409), None,        s(60), 0.5, give_up(NotRetryable)),
        ("GET, connection reset: retried",             IDEM, 1, Unanswered,    None,        s(60), 0.5, retry(ms(125))),
        ("GET, connection refused: retried",           IDEM, 1, NotSent,       None,        s(60), 1.0, retry(ms(250))),
        ("GET, third try failed: exhausted",           IDEM, 3, Answered(503), None,        s(60), 0.5, give_up(AttemptsExhausted)),
        ("GET, refused twice: the base doubled",       IDEM, 2, NotSent,       None,        s(60), 1.0, retry(ms(500))),
        ("POST, connection reset: never again",        POST, 1, Unanswered,    None,        s(60), 0.5, give_up(MightRepeatEffect)),
        ("POST, timed out: never again",               POST, 2, Unanswered,    None,        s(60), 0.5, give_up(MightRepeatEffect)),
        ("POST, connection refused: safe to resend",   POST, 1, NotSent,       None,        s(60), 0.5, retry(ms(125))),
        ("POST, 503: answered, not resent",            POST, 1, Answered(503), None,        s(60), 0.5, give_up(NotRetryable)),
        ("POST, 429 with Retry-After: not resent",     POST, 1, Answered(429), Some(s(1)),  s(60), 0.5, give_up(NotRetryable)),
        ("POST, 500: not resent",                      POST, 1, Answered(500), None,        s(60), 0.5, give_up(NotRetryable)),
        ("POST, not sent, attempts exhausted",         POST, 3, NotSent,       None,        s(60), 0.5, give_up(AttemptsExhausted)),
        ("keyed refund (idempotent), reset: retried",  IDEM, 2, Unanswered,    None,        s(60), 0.25, retry(ms(125))),
    ]
}

#[test]
fn every_row_of_the_table_holds() {
    let rows = rows();
    assert!(rows.len() >= 20);
    let mut failures = Vec::new();
    for (what, idempotency, attempt, outcome, retry_after, time_left, jitter, expected) in rows {
        let situation = Situation {
            idempotency,
            attempt,
            outcome,
            retry_after,
            time_left,
            jitter,
        };
        let actual = decide(&policy(), &situation);
        if actual != expected {
            failures.push(format!("{what}: expected {expected:?}, got {actual:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn none_never_retries() {
    let situation = Situation {
        idempotency: IDEM,
        attempt: 1,
        outcome: Attempt::Answered(503),
        retry_after: None,
        time_left: s(60),
        jitter: 0.5,
    };
    assert_eq!(
        decide(&RetryPolicy::none(), &situation),
        Decision::GiveUp(GiveUp::AttemptsExhausted)
    );
}

#[test]
fn retry_after_is_read_as_seconds_or_an_http_date() {
    let now = SystemTime::UNIX_EPOCH + s(1_700_000_000);
    assert_eq!(parse_retry_after("7", now), Some(s(7)));
    assert_eq!(parse_retry_after(" 0 ", now), Some(s(0)));
    let later = httpdate::fmt_http_date(now + s(42));
    assert_eq!(parse_retry_after(&later, now), Some(s(42)));
    let earlier = httpdate::fmt_http_date(now - s(42));
    assert_eq!(parse_retry_after(&earlier, now), Some(s(0)));
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("-3", now), None);
}

proptest! {
    #[test]
    fn a_wait_never_passes_the_deadline_nor_the_cap(
        attempt in 1u32..100,
        status in prop::sample::select(vec![429u16, 502, 503, 504]),
        retry_after in prop::option::of(0u64..120),
        left_ms in 0u64..120_000,
        jitter in 0.0f64..1.0,
    ) {
        let policy = RetryPolicy { max_attempts: 1000, ..policy() };
        let situation = Situation {
            idempotency: IDEM,
            attempt,
            outcome: Attempt::Answered(status),
            retry_after: retry_after.map(s),
            time_left: ms(left_ms),
            jitter,
        };
        if let Decision::RetryAfter(wait) = decide(&policy, &situation) {
            prop_assert!(wait < ms(left_ms));
            prop_assert!(wait <= policy.max_delay.max(policy.max_retry_after));
        }
    }

    #[test]
    fn a_call_that_may_have_been_sent_is_never_resent_unless_idempotent(
        attempt in 1u32..10,
        jitter in 0.0f64..1.0,
        status in 100u16..600,
    ) {
        for outcome in [Attempt::Unanswered,Attempt::Answered(status)] {
            let situation = Situation {
                idempotency: POST,
                attempt,
                outcome,
                retry_after: None,
                time_left: s(60),
                jitter,
            };
            prop_assert!(matches!(decide(&policy(), &situation), Decision::GiveUp(_)));
        }
    }
}
