//! A failed call says what is known, and only what is safe is sent again:
//! retries (an unkeyed call only when it never left), refusals before and
//! after sending, deadlines over connections, bodies and raw calls, and
//! errors that carry no secret. Refunds' keys: `safety_refunds.rs`; ambiguous
//! captures, cancels and reversals settled by reads: `safety_settlement.rs`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::{Delivery, Dojo, Error, Invalid, RetryPolicy};
use dojo_payments_emulator::{BadAnswer, Fault};

const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const GET: &str = "GET /payment-intents/{paymentIntentId}";
const CREATE: &str = "POST /payment-intents";

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
