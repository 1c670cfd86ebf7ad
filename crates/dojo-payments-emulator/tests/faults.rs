//! Faults on demand: failing statuses, latency, and the one that decides
//! whether a client double-refunds — the change is made, the answer never
//! comes.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dojo_payments_api::Error;
use dojo_payments_api::api::types;
use dojo_payments_emulator::{BadAnswer, Fault};

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

fn refund_request() -> types::CreateRefundRequest {
    types::CreateRefundRequest {
        amount: 400,
        notes: None,
        previous_transaction_id: None,
        refund_reason: Some("damaged".into()),
    }
}

#[tokio::test]
async fn drop_after_commit_the_refund_exists_and_the_client_got_a_connection_error() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    emulator
        .inject_fault(REFUNDS, Fault::drop_after_commit(), 1)
        .unwrap();

    let error = client
        .refunds_create(&id, "refund-1", &refund_request())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::CommunicationError(_)), "{error:?}");
    assert_eq!(error.status(), None);
    assert!(
        !error.certainly_not_sent(),
        "the request was sent: the refund may exist"
    );
    assert_eq!(emulator.refund_count(&id), 1, "the change was made");

    // A retry with the same idempotency key finds the same refund instead of
    // making a second one.
    let retried = client
        .refunds_create(&id, "refund-1", &refund_request())
        .await
        .unwrap();
    assert!(retried.refund_id.is_some());
    assert_eq!(emulator.refund_count(&id), 1);
    let intent = client.payment_intents_get(&id, None).await.unwrap();
    assert_eq!(intent.refunded_amount, Some(400));
}

#[tokio::test]
async fn drop_before_commit_changes_nothing() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    emulator
        .inject_fault(REFUNDS, Fault::drop_before_commit(), 1)
        .unwrap();
    assert!(
        client
            .refunds_create(&id, "refund-1", &refund_request())
            .await
            .is_err()
    );
    assert_eq!(emulator.refund_count(&id), 0);
}

#[tokio::test]
async fn the_next_calls_fail_with_the_status_asked_for_then_succeed() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    let route = "GET /payment-intents/{paymentIntentId}";
    emulator.inject_fault(route, Fault::fail(503), 2).unwrap();
    for _ in 0..2 {
        let error = client.payment_intents_get(&id, None).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    }
    assert!(client.payment_intents_get(&id, None).await.is_ok());

    emulator
        .inject_fault(
            route,
            Fault::Answer {
                acted: false,
                answer: BadAnswer::Status {
                    status: 429,
                    retry_after: Some(7),
                },
            },
            1,
        )
        .unwrap();
    let Error::UnexpectedResponse(response) =
        client.payment_intents_get(&id, None).await.unwrap_err()
    else {
        panic!("429 is not a documented status of this operation");
    };
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
}

#[tokio::test]
async fn latency_is_added() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    // Generous, so that a loaded machine cannot make the plain call as slow.
    let delay = Duration::from_millis(400);
    let route = "GET /payment-intents/{paymentIntentId}";
    emulator
        .inject_fault(route, Fault::Latency(delay), 1)
        .unwrap();
    let started = Instant::now();
    client.payment_intents_get(&id, None).await.unwrap();
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    let started = Instant::now();
    client.payment_intents_get(&id, None).await.unwrap();
    assert!(started.elapsed() < delay, "only the armed call is slow");
}

#[tokio::test]
async fn faults_can_be_armed_over_http() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    let armed = dojo_payments_api::http_client().unwrap()
        .post(format!("{}/_emulator/faults", emulator.api_url()))
        .json(&serde_json::json!({"route": "GET /payment-intents/{paymentIntentId}", "status": 500, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 204);
    let error = client.payment_intents_get(&id, None).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
}

/// Every bad answer, with the change made and without: what the client
/// gets, and what the emulator keeps (the oracle a client's claim is
/// checked against).
#[tokio::test]
async fn every_bad_answer_comes_with_or_without_the_change() {
    let (emulator, _) = emulator().await;
    let http = dojo_payments_api::http_client_with(
        Duration::from_secs(2),
        Some(Duration::from_millis(400)),
    )
    .unwrap();
    let context = dojo_payments_api::Context::new(Some(&emulator.api_key()));
    let client = dojo_payments_api::api::Client::with_http(emulator.api_url(), http, context);
    for acted in [false, true] {
        for answer in BadAnswer::every(500) {
            let id = create_intent(&client, 1000, "Auto").await;
            emulator.pay(&id, &good_card(), false).unwrap();
            let fault = Fault::Answer {
                acted,
                answer: answer.clone(),
            };
            emulator.inject_fault(REFUNDS, fault, 1).unwrap();
            let error = client
                .refunds_create(&id, "refund-1", &refund_request())
                .await
                .unwrap_err();
            let got = match &error {
                Error::UnexpectedResponse(response) => format!("status {}", response.status()),
                Error::InvalidResponsePayload(payload) => {
                    format!("undecodable {:?}", payload.status())
                }
                Error::ResponseBodyError(_) => "cut off".to_owned(),
                Error::CommunicationError(e) if e.is_timeout() => "stalled".to_owned(),
                Error::CommunicationError(_) => "hung up".to_owned(),
                other => format!("{other:?}"),
            };
            let expected = match answer {
                BadAnswer::Status { .. } => "status 500 Internal Server Error",
                BadAnswer::Undecodable => "undecodable Some(200)",
                // Not among `every`: a `{}` decodes, and is tested by the
                // SDK's failure matrix.
                BadAnswer::EmptyObject => "no error",
                BadAnswer::CutOff => "cut off",
                BadAnswer::Stall => "stalled",
                BadAnswer::HangUp => "hung up",
            };
            assert_eq!(got, expected, "{answer:?}, acted: {acted}");
            assert_eq!(
                emulator.refund_count(&id),
                usize::from(acted),
                "{answer:?}: the refund exists exactly when the fault acted"
            );
        }
    }
}

#[tokio::test]
async fn a_fault_that_cannot_be_served_is_refused_when_armed() {
    let (emulator, _) = emulator().await;
    let too_slow = Fault::Latency(Fault::MAX_DELAY + Duration::from_secs(1));
    assert!(matches!(
        emulator.inject_fault(REFUNDS, too_slow, 1),
        Err(dojo_payments_emulator::FaultError::Invalid(_))
    ));
    for status in [0, 99, 100, 199, 600, 1000] {
        let error = emulator
            .inject_fault(REFUNDS, Fault::fail(status), 1)
            .unwrap_err();
        assert!(error.to_string().contains("200–599"), "{status}: {error}");
    }
}
