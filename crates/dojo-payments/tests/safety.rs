//! Money never moves twice, and a failed call says what is known: against
//! the emulator, with faults injected before and after its changes commit.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus};
use dojo_payments::lifecycle::AnyPaymentIntent;
use dojo_payments::types::Open;
use dojo_payments::{
    Delivery, Dojo, Error, IdempotencyKey, Invalid, Outcome, RetryPolicy, SettlementPolicy,
    Undetermined,
};
use dojo_payments_emulator::{BadAnswer, Fault};

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const GET: &str = "GET /payment-intents/{paymentIntentId}";
const CREATE: &str = "POST /payment-intents";

#[tokio::test]
async fn a_refund_whose_answer_is_lost_is_retried_with_the_same_key_and_made_once() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    emulator
        .inject_fault(REFUNDS, Fault::drop_after_commit(), 1)
        .unwrap();
    let refunded = dojo
        .payment_intents()
        .refund(&id, gbp(300))
        .reason("one item damaged")
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.refund_count(&id), 1, "one refund, never two");
    assert_eq!(calls(&emulator, REFUNDS), 2, "the lost answer was retried");
    assert_eq!(
        refunded.idempotency_key.as_str().len(),
        36,
        "a UUID made by the SDK"
    );
    assert!(refunded.refund.refund_id.is_some());
}

/// Found by the journal's soak: an answer lost after Dojo made the refund,
/// then a 503 on the retry. The 503 alone proves nothing; a refusal on the
/// retry proves only that the retry did nothing: the call as a whole may
/// have taken effect, and must say so.
#[tokio::test]
async fn a_failure_after_an_attempt_that_may_have_landed_says_it_may_have() {
    let (emulator, dojo) = dojo().await;
    for (then, retries) in [(503, 3), (400, 2)] {
        let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
        let id = intent.id.clone().unwrap();
        emulator
            .inject_fault(REFUNDS, Fault::drop_after_commit(), 1)
            .unwrap();
        emulator
            .inject_fault(REFUNDS, Fault::fail(then), 10)
            .unwrap();
        let before = calls(&emulator, REFUNDS);
        let error = dojo
            .payment_intents()
            .refund(&id, gbp(300))
            .send()
            .await
            .unwrap_err();
        emulator.clear_faults();
        assert_eq!(calls(&emulator, REFUNDS) - before, retries, "{then}");
        assert_eq!(emulator.refund_count(&id), 1, "the first attempt was made");
        assert_eq!(error.delivery(), Delivery::MaybeApplied, "{error}");
        assert_eq!(error.status(), Some(then));
        if then == 400 {
            assert!(
                matches!(error, Error::EarlierAttemptMaybeApplied { .. }),
                "{error:?}"
            );
            assert!(
                error
                    .to_string()
                    .contains("an earlier attempt may have taken effect"),
                "{error}"
            );
        }
    }
}

#[tokio::test]
async fn a_key_reused_for_a_different_refund_is_explained_before_anything_is_sent() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let key = IdempotencyKey::new("order-9-refund-1").unwrap();
    let first = dojo
        .payment_intents()
        .refund(&id, gbp(300))
        .idempotency_key(key.clone())
        .send()
        .await
        .unwrap();
    let again = dojo
        .payment_intents()
        .refund(&id, gbp(300))
        .idempotency_key(key.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.refund.refund_id, first.refund.refund_id,
        "a retry is the same refund"
    );
    let error = dojo
        .payment_intents()
        .refund(&id, gbp(400))
        .idempotency_key(key)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::IdempotencyKeyReused { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("use a new key"), "{error}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert_eq!(calls(&emulator, REFUNDS), 2);
    assert_eq!(emulator.refund_count(&id), 1);
}

#[test]
fn a_caller_s_key_is_checked_before_sending() {
    assert!(IdempotencyKey::new("k".repeat(100)).is_ok());
    let error = IdempotencyKey::new("k".repeat(101)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "idempotencyKey must be 1–100 characters, got 101"
    );
    assert!(IdempotencyKey::new("").is_err());
    assert!(IdempotencyKey::new("has space").is_err());
}

fn outcome(error: Error) -> Outcome {
    match error {
        Error::Interrupted { outcome, .. } => outcome,
        other => panic!("expected an interrupted call, got {other:?}"),
    }
}

/// A connection closed without an answer proves nothing: Dojo may still be
/// working on the capture, so a read that does not show it yet is no
/// "not applied".
#[tokio::test]
async fn a_capture_dropped_before_commit_is_unknown_for_it_may_still_land() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::drop_before_commit(), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert_eq!(error.delivery(), Delivery::MaybeApplied);
    assert_eq!(
        outcome(error),
        Outcome::Unknown(Undetermined::MayBeInFlight)
    );
    assert_eq!(
        calls(&emulator, CAPTURES),
        1,
        "a capture is never sent twice"
    );
}

/// A client whose ambiguous calls can be settled within a test: a 1 s
/// deadline, a call landing at most 100 ms after it, reads lagging by less
/// than 100 ms.
fn quick_settling(emulator: &dojo_payments_emulator::Emulator) -> Dojo {
    builder_of(
        emulator,
        RetryPolicy {
            deadline: Duration::from_secs(1),
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: Duration::from_millis(100),
        read_lag: Duration::from_millis(100),
    })
    .build()
    .unwrap()
}

/// A 500 proves nothing, and a read made at once can prove only that the
/// capture was made: the call may still be in flight (Dojo may commit
/// after answering). Not made is said only by `Unsettled::settle`, once
/// the window has passed, by two reads.
#[tokio::test]
async fn a_capture_answered_500_is_applied_by_a_read_and_not_applied_only_after_the_window() {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let dojo = quick_settling(&emulator);
    for acted in [false, true] {
        let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
        let fault = if acted {
            Fault::fail_after_commit(500)
        } else {
            Fault::fail(500)
        };
        emulator.inject_fault(CAPTURES, fault, 1).unwrap();
        let sent = Instant::now();
        let error = dojo
            .payment_intents()
            .capture(&intent, gbp(400))
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(500));
        if acted {
            assert_eq!(error.delivery(), Delivery::Applied, "{error}");
            assert!(error.unsettled().is_none());
        } else {
            assert_eq!(error.delivery(), Delivery::MaybeApplied, "{error}");
            assert!(error.to_string().contains("settle it later"), "{error}");
            let unsettled = error.unsettled().expect("how to settle it");
            let Outcome::NotApplied(after) = unsettled.settle(&dojo).await else {
                panic!("expected NotApplied")
            };
            assert!(
                sent.elapsed() >= Duration::from_millis(1_200),
                "waited out the window"
            );
            assert_eq!(after.captures.unwrap_or_default().len(), 0);
        }
        let held = emulator
            .payment_intent(intent.id.as_ref().unwrap())
            .unwrap();
        assert_eq!(held.captures.unwrap_or_default().len(), usize::from(acted));
    }
}

#[tokio::test]
async fn a_capture_dropped_after_commit_is_reported_applied() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::drop_after_commit(), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    let message = error.to_string();
    let Outcome::Applied(after) = outcome(error) else {
        panic!("expected Applied")
    };
    let captured: i64 = after
        .captures
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.amount)
        .sum();
    assert_eq!(captured, 400);
    assert_eq!(calls(&emulator, CAPTURES), 1);
    assert!(
        message.contains("applied") && !message.contains('\n'),
        "{message}"
    );
    // The operation is named once, not again by the cause.
    assert_eq!(message.matches("captures_create").count(), 1, "{message}");
}

#[tokio::test]
async fn a_capture_whose_intent_cannot_be_read_afterwards_is_reported_unknown() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::drop_after_commit(), 1)
        .unwrap();
    emulator.inject_fault(GET, Fault::fail(500), 5).unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("unknown"), "{error}");
    assert_eq!(outcome(error), Outcome::Unknown(Undetermined::ReadFailed));
}

#[tokio::test]
async fn cancel_and_reversal_settle_by_the_intent_s_status() {
    let (emulator, dojo) = dojo().await;
    let created = dojo
        .payment_intents()
        .create(gbp(500), "Order 10")
        .send()
        .await
        .unwrap();
    emulator
        .inject_fault(
            "DELETE /payment-intents/{paymentIntentId}",
            Fault::drop_after_commit(),
            1,
        )
        .unwrap();
    let Outcome::Applied(after) =
        outcome(dojo.payment_intents().cancel(&created).await.unwrap_err())
    else {
        panic!("expected Applied")
    };
    assert_eq!(
        after.status,
        Some(Open::Known(PaymentIntentStatus::Canceled))
    );

    let authorized = paid(&emulator, &dojo, 700, CaptureMode::Manual).await;
    emulator
        .inject_fault(
            "POST /payment-intents/{paymentIntentId}/reversal",
            Fault::fail(500),
            1,
        )
        .unwrap();
    let error = dojo
        .payment_intents()
        .reverse(&authorized)
        .await
        .unwrap_err();
    assert_eq!(
        error.unsettled().map(|u| &u.movement),
        Some(&dojo_payments::settlement::Movement::Reverse)
    );
    assert_eq!(
        outcome(error),
        Outcome::Unknown(Undetermined::MayBeInFlight)
    );
}

#[tokio::test]
async fn an_unkeyed_post_is_not_resent_after_a_connection_reset() {
    let (emulator, dojo) = dojo().await;
    emulator
        .inject_fault(CREATE, Fault::drop_before_commit(), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .create(gbp(100), "Order 11")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                never_left: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(calls(&emulator, CREATE), 1);
}

#[tokio::test]
async fn reads_are_retried_on_503_and_429_honouring_retry_after() {
    let (emulator, dojo) = dojo().await;
    let created = dojo
        .payment_intents()
        .create(gbp(100), "Order 12")
        .send()
        .await
        .unwrap();
    let id = created.id.unwrap();
    emulator.inject_fault(GET, Fault::fail(503), 2).unwrap();
    dojo.payment_intents().get(&id).await.unwrap();
    assert_eq!(calls(&emulator, GET), 3);

    emulator
        .inject_fault(
            GET,
            Fault::Answer {
                acted: false,
                answer: BadAnswer::Status {
                    status: 429,
                    retry_after: Some(1),
                },
            },
            1,
        )
        .unwrap();
    let started = Instant::now();
    dojo.payment_intents().get(&id).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );

    emulator.inject_fault(GET, Fault::fail(503), 10).unwrap();
    let error = dojo.payment_intents().get(&id).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(
        calls(&emulator, GET),
        3 + 2 + 3,
        "three attempts, then the 503 is reported"
    );
}

#[tokio::test]
async fn an_invalid_request_is_refused_with_every_violation_and_sends_nothing() {
    let (emulator, dojo) = dojo().await;
    let error = dojo
        .payment_intents()
        .create(gbp(100), "")
        .description("d".repeat(4097))
        .send()
        .await
        .unwrap_err();
    let Error::InvalidRequest {
        reason: Invalid::Constraints(violations),
        ..
    } = &error
    else {
        panic!("expected an invalid request, got {error:?}")
    };
    let fields: Vec<&str> = violations.iter().map(|v| v.field()).collect();
    assert_eq!(fields, ["description", "reference"]);
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert_eq!(calls(&emulator, CREATE), 0);
    let page = dojo.payment_intents().search().page_size(101).stream();
    let first = futures_util::StreamExt::next(&mut Box::pin(page))
        .await
        .unwrap();
    assert!(
        first
            .unwrap_err()
            .to_string()
            .contains("cursor.limit must be 1–100, got 101")
    );
    assert_eq!(calls(&emulator, "POST /payment-intents/search"), 0);
}

#[tokio::test]
async fn dojo_s_refusal_is_typed_with_its_status_errors_and_trace_id() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(5000))
        .await
        .unwrap_err();
    let api = error.api().expect("Dojo's answer");
    assert!((400..500).contains(&api.status), "{api:?}");
    assert!(api.trace_id.is_some());
    assert_eq!(
        error.delivery(),
        Delivery::Refused,
        "a refusal the document lists"
    );
    let line = error.to_string();
    assert!(
        line.starts_with("captures_create: Dojo answered 4"),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[tokio::test]
async fn no_connection_is_not_sent_and_a_slow_answer_times_out() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let key = dojo_payments::types::ApiKey::new("sk_sandbox_test_0123456789").unwrap();
    let nowhere = Dojo::builder(key)
        .api_url(url)
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let id = "pi_sandbox_1".parse().unwrap();
    let error = nowhere.payment_intents().get(&id).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                never_left: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        std::error::Error::source(&error).is_some(),
        "the transport error is kept"
    );

    let (_emulator, impatient, id) = slow_read(Duration::from_secs(2)).await;
    let error = impatient.payment_intents().get(&id).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

/// The escape hatch has no retry engine, but it does not hang either: its
/// requests are abandoned a second after the deadline.
#[tokio::test]
async fn a_raw_call_is_bounded_by_the_deadline() {
    let (_emulator, impatient, id) = slow_read(Duration::from_secs(5)).await;
    let started = Instant::now();
    let error = impatient
        .raw()
        .payment_intents_get(&id, None)
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(&error, dojo_payments::raw::Error::CommunicationError(e) if e.is_timeout()),
        "{error:?}"
    );
    assert!(
        waited >= Duration::from_millis(1300) && waited < Duration::from_secs(4),
        "waited {waited:?}"
    );
}

#[test]
fn the_client_is_cheap_to_share_and_never_shows_its_key() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Dojo>();
    let key = dojo_payments::types::ApiKey::new("sk_sandbox_secret_key_0123456789").unwrap();
    let dojo = Dojo::builder(key).build().unwrap();
    let shown = format!("{dojo:?}");
    assert!(!shown.contains("secret_key"), "{shown}");
    let pinned: dojo_payments::types::ApiVersion = Dojo::API_VERSION.parse().unwrap();
    assert_eq!(pinned.as_str(), Dojo::API_VERSION);
}

/// A server that answers every request with `status` and the start of a
/// 1,000-byte JSON body, and then holds the connection without a byte more.
async fn stalled_body_server(status: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"title\":"
                );
                let _ = socket.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    url
}

/// A body that stops arriving is bounded by the deadline like the rest of
/// the call: an expected answer's (read inside the attempt) and an
/// undocumented status's (read after it, for its problem document).
#[tokio::test]
async fn a_body_that_stops_arriving_ends_at_the_deadline() {
    for (status, expected) in [("200 OK", "Timeout"), ("418 I'm a teapot", "Api")] {
        let url = stalled_body_server(status).await;
        let key = dojo_payments::types::ApiKey::new("sk_sandbox_test_0123456789").unwrap();
        let client = Dojo::builder(key)
            .api_url(url)
            .retry_policy(RetryPolicy {
                deadline: Duration::from_millis(300),
                ..quick_retries()
            })
            .build()
            .unwrap();
        let started = Instant::now();
        let error = client
            .payment_intents()
            .get(&"pi_1".parse().unwrap())
            .await
            .unwrap_err();
        let waited = started.elapsed();
        assert!(
            waited < Duration::from_secs(2),
            "{status}: waited {waited:?}"
        );
        match (expected, &error) {
            ("Timeout", Error::Timeout { .. }) => {
                assert_eq!(error.delivery(), Delivery::MaybeApplied);
            }
            ("Api", Error::Api { error: api, .. }) => assert_eq!(api.status, 418),
            _ => panic!("{status}: expected {expected}, got {error:?}"),
        }
    }
}

/// Dojo's document declares error bodies `application/json`; a server may
/// well send `application/problem+json`: the SDK reads the problem in both.
#[tokio::test]
async fn a_problem_is_read_whatever_its_content_type() {
    for content_type in ["application/json", "application/problem+json"] {
        let app = axum::Router::new().route(
            "/payment-intents/{id}",
            axum::routing::get(move || async move {
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    [("content-type", content_type)],
                    r#"{"title":"One or more validation errors occurred.","status":400,"traceId":"00-abc-01","errors":{"PaymentIntentId":["Bad id."]}}"#,
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let key = dojo_payments::types::ApiKey::new("sk_sandbox_test_0123456789").unwrap();
        let client = Dojo::builder(key).api_url(url).build().unwrap();
        let error = client
            .payment_intents()
            .get(&"pi_1".parse().unwrap())
            .await
            .unwrap_err();
        let api = error
            .api()
            .unwrap_or_else(|| panic!("{content_type}: {error:?}"));
        assert_eq!(api.status, 400);
        assert_eq!(api.trace_id.as_deref(), Some("00-abc-01"));
        assert_eq!(api.errors["PaymentIntentId"], ["Bad id."]);
    }
}

/// A client with a 300 ms deadline, a payment intent of it, and the next read
/// of that intent held back by `latency`.
async fn slow_read(
    latency: Duration,
) -> (
    dojo_payments_emulator::Emulator,
    Dojo,
    dojo_payments::types::PaymentIntentId,
) {
    let (emulator, _) = dojo().await;
    let impatient = client_of(
        &emulator,
        RetryPolicy {
            deadline: Duration::from_millis(300),
            ..quick_retries()
        },
    );
    let created = impatient
        .payment_intents()
        .create(gbp(100), "Order 13")
        .send()
        .await
        .unwrap();
    emulator
        .inject_fault(GET, Fault::Latency(latency), 1)
        .unwrap();
    let id = created.id.unwrap();
    (emulator, impatient, id)
}

/// The documented advice after a refund that may have been made: send it
/// again with the key its error carries (here one the SDK made, through
/// the resource and through the lifecycle). Dojo makes one refund per key.
#[tokio::test]
async fn a_maybe_applied_refund_resent_with_the_key_its_error_carries_is_made_once() {
    let (emulator, dojo) = dojo().await;
    let attempts = dojo.retry_policy().max_attempts as usize;
    for through_lifecycle in [false, true] {
        let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
        let id = intent.id.clone().unwrap();
        // Dojo makes the refund; the answer of every attempt is lost.
        emulator
            .inject_fault(REFUNDS, Fault::drop_after_commit(), attempts)
            .unwrap();
        let error = if through_lifecycle {
            let AnyPaymentIntent::Captured(paid) =
                AnyPaymentIntent::read(&dojo, &id).await.unwrap()
            else {
                panic!("expected a captured intent")
            };
            paid.refund(&dojo, gbp(300), None).await.unwrap_err()
        } else {
            dojo.payment_intents()
                .refund(&id, gbp(300))
                .send()
                .await
                .unwrap_err()
        };
        assert_eq!(error.delivery(), Delivery::MaybeApplied, "{error}");
        assert_eq!(emulator.refund_count(&id), 1, "Dojo made it");
        let key = error
            .idempotency_key()
            .cloned()
            .expect("the key the SDK made");
        let made = dojo
            .payment_intents()
            .refund(&id, gbp(300))
            .idempotency_key(key.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(made.idempotency_key, key);
        assert!(made.refund.refund_id.is_some());
        assert_eq!(emulator.refund_count(&id), 1, "one refund, not two");
    }
}

/// `Unsettled::settle` waits out the in-flight window counted from when the
/// call was sent (not from when it is asked), and a read that shows the
/// movement settles it at once, without waiting for a second read.
#[tokio::test]
async fn an_unsettled_capture_is_settled_at_the_window_s_end_by_a_read_that_shows_it() {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let dojo = quick_settling(&emulator);
    // `quick_settling`: a 1 s deadline and a 100 ms margin; a read lag of
    // 100 ms, made longer here so that waiting for it would show.
    let dojo = {
        let policy = SettlementPolicy {
            in_flight_margin: Duration::from_millis(100),
            read_lag: Duration::from_millis(800),
        };
        builder_of(&emulator, dojo.retry_policy())
            .settlement_policy(policy)
            .build()
            .unwrap()
    };
    let window = dojo.retry_policy().deadline + dojo.settlement_policy().in_flight_margin;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    // Answered 500 at once, made 300 ms later: the call's own read cannot
    // see it.
    let later = Fault::CommitLater {
        after: Duration::from_millis(300),
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    };
    emulator.inject_fault(CAPTURES, later, 1).unwrap();
    let sent = Instant::now();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert_eq!(
        outcome_of(&error),
        Some(Undetermined::MayBeInFlight),
        "{error}"
    );
    let unsettled = error.unsettled().expect("how to settle it").clone();
    assert!(unsettled.sent_at >= sent && unsettled.sent_at - sent < Duration::from_millis(50));
    // Asked for later: only what is left of the window is waited.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let Outcome::Applied(after) = unsettled.settle(&dojo).await else {
        panic!("expected Applied")
    };
    let took = sent.elapsed();
    assert!(took >= window, "waited out the window: {took:?}");
    assert!(
        took < window + Duration::from_millis(400),
        "a read that shows it ends the wait (no read lag, no window counted twice): {took:?}"
    );
    assert_eq!(after.captures.unwrap_or_default().len(), 1);
}

fn outcome_of(error: &Error) -> Option<Undetermined> {
    match error {
        Error::Interrupted {
            outcome: Outcome::Unknown(why),
            ..
        } => Some(*why),
        _ => None,
    }
}

/// The error's new answers carry no secret either: an error names the
/// location it was made for (in `Display`, `Debug` and `location()`), never
/// its key, and its customer message is the SDK's sentence, never Dojo's
/// text; across the kinds of failure, for a client of several locations.
#[tokio::test]
async fn errors_name_their_location_never_its_key_and_tell_customers_no_dojo_text() {
    use dojo_payments::types::{ApiKey, LocationId};
    use dojo_payments::{Location, Locations};
    let location = |name: &str| name.parse::<LocationId>().unwrap();
    let key = |name: &str| ApiKey::new(format!("sk_sandbox_{name}_s3cr3t0123456789")).unwrap();
    let emulator = dojo_payments_emulator::Emulator::builder()
        .seed(5)
        .location(location("soho"), key("soho"))
        .location(location("camden"), key("camden"))
        .start()
        .await
        .unwrap();
    let mut locations = Locations::default();
    for name in ["soho", "camden"] {
        locations.insert(Location::new(location(name), key(name)));
    }
    let platform = builder_of(&emulator, quick_retries())
        .locations(locations)
        .build()
        .unwrap();
    let soho = platform.location(&location("soho")).unwrap();
    let camden = platform.location(&location("camden")).unwrap();
    let intent = paid(&emulator, &soho, 1000, CaptureMode::Manual).await;
    let id = intent.id.clone().unwrap();
    let mut errors = vec![camden.payment_intents().get(&id).await.unwrap_err()];
    for fault in [
        Fault::fail(401),
        Fault::fail_after_commit(503),
        Fault::drop_before_commit(),
        Fault::Answer {
            acted: false,
            answer: BadAnswer::Undecodable,
        },
    ] {
        emulator.inject_fault(GET, fault, 10).unwrap();
        errors.push(soho.payment_intents().get(&id).await.unwrap_err());
        emulator.clear_faults();
    }
    emulator
        .inject_fault(CAPTURES, Fault::fail_after_commit(500), 1)
        .unwrap();
    errors.push(
        soho.payment_intents()
            .capture(&intent, gbp(100))
            .await
            .unwrap_err(),
    );
    for error in &errors {
        let expected = if error.to_string().contains("camden") {
            "camden"
        } else {
            "soho"
        };
        assert_eq!(error.location(), Some(&location(expected)), "{error}");
        let message = error.customer_message();
        for shown in [error.to_string(), format!("{error:?}"), message.to_owned()] {
            assert!(!shown.contains("s3cr3t"), "a key in {shown}");
            assert!(!shown.contains("sk_sandbox_"), "a key in {shown}");
        }
        assert!(
            format!("{error:?}").contains(expected),
            "Debug names it too: {error:?}"
        );
        for dojo_s in ["trace", "pi_", "Dojo", "soho", "camden", error.operation()] {
            assert!(!message.contains(dojo_s), "{dojo_s:?} in {message}");
        }
    }
}
