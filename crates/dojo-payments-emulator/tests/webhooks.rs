//! Webhooks: deliveries signed as Dojo documents, verified by a receiver
//! that computes the signature itself, and retried when it fails.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use dojo_payments_types::{WebhookSecret, WebhookSignature};
use serde_json::{Value, json};

/// Dojo's documented example: this body, under this secret, has this header.
const VECTOR_BODY: &str = r#"{"id":"evt_hnnHxIKR_Uy6bhZCusCltw","event":"payment_intent.created","accountId":"acc_test","createdAt":"2022-02-01T13:07:41.8667859Z","data":{"paymentIntentId":"pi_vpwd4ooAPEqyNAQe4z89WQ","paymentStatus":"Created","captureMode":"Auto"}}"#;
const VECTOR_SECRET: &str = "PDYkJQq6sESYHp_zJuTTBQ";
const VECTOR_HEADER: &str = "sha256=4B-49-F8-FE-25-A7-E6-7D-00-4F-A7-9C-F8-0B-63-00-C7-77-B4-F2-2D-E5-E1-22-84-FA-04-18-50-A1-76-FD";

/// The receiver's check: the SDK's one signature scheme (the vector below,
/// Dojo's own, pins it to Dojo's documentation).
fn verify(body: &[u8], header: &str, secret: &str) -> bool {
    let secret = WebhookSecret::new(secret).unwrap();
    WebhookSignature::verify(header, body, &[secret]).is_ok()
}

#[test]
fn the_documented_vector_verifies() {
    assert!(verify(VECTOR_BODY.as_bytes(), VECTOR_HEADER, VECTOR_SECRET));
    assert!(!verify(
        VECTOR_BODY.as_bytes(),
        VECTOR_HEADER,
        "another-secret"
    ));
    assert!(!verify(
        &VECTOR_BODY.as_bytes()[1..],
        VECTOR_HEADER,
        VECTOR_SECRET
    ));
}

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    failures_left: Arc<Mutex<u32>>,
}

impl Receiver {
    /// Listens on loopback; answers 500 to the first `failures` deliveries.
    async fn start(failures: u32) -> (Self, String) {
        let receiver = Self::default();
        *receiver.failures_left.lock().unwrap() = failures;
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.received.lock().unwrap().push((headers, body));
                    let mut left = state.failures_left.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    async fn wait_for(&self, count: usize) -> Vec<(HeaderMap, Bytes)> {
        for _ in 0..200 {
            if self.received.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.received.lock().unwrap().clone()
    }
}

async fn wait_for_attempts(
    emulator: &dojo_payments_emulator::Emulator,
    count: usize,
) -> Vec<dojo_payments_emulator::DeliveryAttempt> {
    for _ in 0..200 {
        if emulator.webhook_attempts().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    emulator.webhook_attempts()
}

async fn subscribe(
    client: &dojo_payments_api::api::Client,
    url: &str,
) -> (dojo_payments_types::WebhookSubscriptionId, String) {
    let request = serde_json::from_value(json!({
        "events": ["payment_intent.created", "payment_intent.status_updated"],
        "url": url,
    }))
    .unwrap();
    let subscription = client
        .webhooks_subscribe(&request)
        .await
        .unwrap()
        .into_inner();
    let secret = subscription.secrets[0]
        .value
        .as_ref()
        .unwrap()
        .expose()
        .to_owned();
    (subscription.id.unwrap(), secret)
}

#[tokio::test]
async fn deliveries_are_signed_and_describe_the_payment_intent() {
    let (emulator, client) = emulator().await;
    let (receiver, url) = Receiver::start(0).await;
    let (_, secret) = subscribe(&client, &url).await;

    let id = create_intent(&client, 1000, "Auto").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    let received = receiver.wait_for(2).await;
    assert_eq!(received.len(), 2, "{:?}", emulator.webhook_attempts());

    let mut events = Vec::new();
    for (headers, body) in &received {
        let header = headers.get("dojo-signature").unwrap().to_str().unwrap();
        assert!(
            verify(body, header, &secret),
            "signature {header} does not verify"
        );
        let event: Value = serde_json::from_slice(body).unwrap();
        assert!(event["id"].as_str().unwrap().starts_with("evt_"));
        assert_eq!(event["data"]["paymentIntentId"], id.as_str());
        assert_eq!(event["data"]["captureMode"], "Auto");
        events.push((
            event["event"].as_str().unwrap().to_owned(),
            event["data"]["paymentStatus"].as_str().unwrap().to_owned(),
        ));
    }
    events.sort();
    assert_eq!(
        events,
        vec![
            ("payment_intent.created".to_owned(), "Created".to_owned()),
            (
                "payment_intent.status_updated".to_owned(),
                "Captured".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_event() {
    let (emulator, client) = emulator().await;
    let (receiver, url) = Receiver::start(2).await;
    let request =
        serde_json::from_value(json!({"events": ["payment_intent.created"], "url": url})).unwrap();
    client.webhooks_subscribe(&request).await.unwrap();
    create_intent(&client, 1000, "Auto").await;

    let received = receiver.wait_for(3).await;
    assert_eq!(received.len(), 3);
    assert!(
        received.iter().all(|(_, body)| body == &received[0].1),
        "every retry carries the same event"
    );
    // The receiver sees the third request before the emulator has read its
    // answer and logged the attempt: wait for the log too.
    let attempts = wait_for_attempts(&emulator, 3).await;
    let statuses: Vec<Option<u16>> = attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![Some(500), Some(500), Some(200)]);
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

#[tokio::test]
async fn retries_stop_after_the_policy_s_attempts() {
    let (emulator, client) = emulator().await;
    let (receiver, url) = Receiver::start(u32::MAX).await;
    let request =
        serde_json::from_value(json!({"events": ["payment_intent.created"], "url": url})).unwrap();
    client.webhooks_subscribe(&request).await.unwrap();
    create_intent(&client, 1000, "Auto").await;
    receiver.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        emulator.webhook_attempts().len(),
        3,
        "the test policy allows 3 attempts"
    );
}

/// Dojo's PHP helper (`Dojo_PHP\WebHooksUtil::validatePayloadSignature`,
/// Dojo.PHP v1.1.0) as a model: it drops every `sha256=` and `-`,
/// lower-cases the rest, and compares it with the hex HMAC-SHA256.
fn php_helper_accepts(body: &[u8], header: &str, secret: &str) -> bool {
    let secret = WebhookSecret::new(secret).unwrap();
    let expected = WebhookSignature::sign(&secret, body)
        .to_string()
        .replace("sha256=", "")
        .replace('-', "")
        .to_lowercase();
    header
        .replace("sha256=", "")
        .replace('-', "")
        .to_lowercase()
        == expected
}

/// A subscription on `emulator` with a second secret generated and
/// activated: its two secrets, oldest first, and the receiver.
async fn rotating(client: &dojo_payments_api::api::Client) -> (Receiver, String, String) {
    let (receiver, url) = Receiver::start(0).await;
    let (subscription, first) = subscribe(client, &url).await;
    let generated = client
        .webhooks_generate_secret(&subscription)
        .await
        .unwrap()
        .into_inner();
    let new = &generated.secrets[1];
    assert_eq!(new.is_active, Some(false), "a new secret starts inactive");
    client
        .webhooks_activate_secret(&subscription, new.id.as_ref().unwrap())
        .await
        .unwrap();
    let second = new.value.as_ref().unwrap().expose().to_owned();
    (receiver, first, second)
}

/// While two secrets are active, a delivery still carries one signature,
/// as Dojo's documents show it, under the newer secret: what Dojo's own PHP
/// helper (and .NET's `WebhookPayloadUtils`, which splits on `=`) can read.
#[tokio::test]
async fn with_two_active_secrets_a_delivery_carries_one_signature_under_the_newest() {
    let (_emulator, client) = emulator().await;
    let (receiver, first, second) = rotating(&client).await;
    create_intent(&client, 1000, "Auto").await;
    let received = receiver.wait_for(1).await;
    let (headers, body) = &received[0];
    let header = headers.get("dojo-signature").unwrap().to_str().unwrap();
    assert!(!header.contains(','), "{header}");
    assert_eq!(header.matches("sha256=").count(), 1, "{header}");
    assert!(verify(body, header, &second) && !verify(body, header, &first));
    assert!(php_helper_accepts(body, header, &second));
}

/// The joined form, one signature per active secret, only when asked for
/// (`WebhookSignatures::EveryActiveSecret`): Dojo does not document it, and
/// Dojo's PHP helper refuses it under either secret.
#[tokio::test]
async fn every_active_secret_signs_only_when_the_emulator_is_told_to() {
    let emulator = dojo_payments_emulator::Emulator::builder()
        .seed(42)
        .webhook_signatures(dojo_payments_emulator::WebhookSignatures::EveryActiveSecret)
        .start()
        .await
        .unwrap();
    let client =
        dojo_payments_api::api::Client::from_key_at(emulator.api_url(), &emulator.api_key())
            .unwrap();
    let (receiver, first, second) = rotating(&client).await;
    create_intent(&client, 1000, "Auto").await;
    let received = receiver.wait_for(1).await;
    let (headers, body) = &received[0];
    let header = headers.get("dojo-signature").unwrap().to_str().unwrap();
    assert_eq!(header.split(',').count(), 2);
    assert!(verify(body, header, &first) && verify(body, header, &second));
    assert!(
        !php_helper_accepts(body, header, &first) && !php_helper_accepts(body, header, &second)
    );
}
