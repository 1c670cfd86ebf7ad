//! Webhooks end to end: Dojo's vector and an independent one, then a
//! subscription receiving a payment's whole lifecycle through the axum
//! extractor, a redelivery recognised, and a secret rotated mid-stream.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus};
use dojo_payments::types::WebhookEventName;
use dojo_payments::types::{Open, WebhookSecret};
use dojo_payments::webhook::{
    EventKind, InMemorySeen, SeenEvents, Verified, Verifier, WebhookError,
};
use dojo_payments_emulator::Emulator;

const DOJO_BODY: &str = r#"{"id":"evt_hnnHxIKR_Uy6bhZCusCltw","event":"payment_intent.created","accountId":"acc_test","createdAt":"2022-02-01T13:07:41.8667859Z","data":{"paymentIntentId":"pi_vpwd4ooAPEqyNAQe4z89WQ","paymentStatus":"Created","captureMode":"Auto"}}"#;
const DOJO_HEADER: &str = "sha256=4B-49-F8-FE-25-A7-E6-7D-00-4F-A7-9C-F8-0B-63-00-C7-77-B4-F2-2D-E5-E1-22-84-FA-04-18-50-A1-76-FD";
// python3 hmac.new(b"whsec_independent_vector", BODY, hashlib.sha256)
const OTHER_BODY: &str = r#"{"id":"evt_x","event":"payment_intent.status_updated","data":{"paymentIntentId":"pi_sandbox_1","paymentStatus":"Captured"}}"#;
const OTHER_HEADER: &str = "sha256=4F-6E-47-1D-0A-BB-06-CD-57-C6-B3-D2-44-78-95-89-10-38-DC-AD-84-3A-B6-C5-89-4B-0E-CC-45-F0-67-EB";

fn secret(s: &str) -> WebhookSecret {
    WebhookSecret::new(s).unwrap()
}

#[test]
fn dojo_s_vector_and_an_independent_one_verify_and_decode() {
    let verifier = Verifier::new([secret("PDYkJQq6sESYHp_zJuTTBQ")]);
    let event = verifier
        .verify(Some(DOJO_HEADER), DOJO_BODY.as_bytes())
        .unwrap();
    assert_eq!(event.id.as_str(), "evt_hnnHxIKR_Uy6bhZCusCltw");
    let EventKind::PaymentIntentCreated(change) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(
        change.payment_intent_id.as_str(),
        "pi_vpwd4ooAPEqyNAQe4z89WQ"
    );
    assert_eq!(change.status, Open::Known(PaymentIntentStatus::Created));

    verifier.trust(secret("whsec_independent_vector"));
    let other = verifier
        .verify(Some(OTHER_HEADER), OTHER_BODY.as_bytes())
        .unwrap();
    assert_eq!(other.kind.name(), "payment_intent.status_updated");
}

#[test]
fn a_one_byte_change_or_a_missing_header_is_refused_without_echoing_anything() {
    let verifier = Verifier::new([secret("PDYkJQq6sESYHp_zJuTTBQ")]);
    let mut body = DOJO_BODY.as_bytes().to_vec();
    body[20] ^= 1;
    assert_eq!(
        verifier.verify(Some(DOJO_HEADER), &body),
        Err(WebhookError::SignatureMismatch)
    );
    let header = DOJO_HEADER.replace("-FD", "-FC");
    assert_eq!(
        verifier.verify(Some(&header), DOJO_BODY.as_bytes()),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verifier.verify(None, DOJO_BODY.as_bytes()),
        Err(WebhookError::MissingSignature)
    );
    assert_eq!(
        verifier.verify(Some("sha1=abc"), DOJO_BODY.as_bytes()),
        Err(WebhookError::MalformedSignature)
    );
    let shown = format!(
        "{:?} {verifier:?}",
        verifier.verify(Some(DOJO_HEADER), &body)
    );
    assert!(
        !shown.contains("PDYkJQ") && !shown.contains("evt_hnn"),
        "{shown}"
    );
}

#[test]
fn an_event_type_dojo_adds_later_is_kept_not_refused() {
    let key = secret("k");
    let verifier = Verifier::new([key.clone()]);
    let body = br#"{"id":"evt_9","event":"setup_intent.authorized","data":{"setupIntentId":"si_1","note":{"a":1}}}"#;
    let header = dojo_payments::types::WebhookSignature::sign(&key, body).to_string();
    let event = verifier.verify(Some(&header), body).unwrap();
    let EventKind::Unknown { name, data } = event.kind else {
        panic!("expected Unknown")
    };
    assert_eq!(name, "setup_intent.authorized");
    assert_eq!(data["note"]["a"], 1);
    let broken =
        br#"{"id":"evt_9","event":"payment_intent.created","data":{"paymentStatus":"secret-ish"}}"#;
    let header = dojo_payments::types::WebhookSignature::sign(&key, broken).to_string();
    let error = verifier.verify(Some(&header), broken).unwrap_err();
    assert!(matches!(error, WebhookError::MalformedBody { .. }));
    assert!(!error.to_string().contains("secret-ish"), "{error}");
}

#[derive(Clone)]
struct Receiver {
    verifier: Verifier,
    seen: Arc<InMemorySeen>,
    handled: Arc<Mutex<Vec<(String, String)>>>,
    redeliveries: Arc<Mutex<Vec<String>>>,
    fail_next: Arc<AtomicBool>,
}

impl FromRef<Receiver> for Verifier {
    fn from_ref(receiver: &Receiver) -> Verifier {
        receiver.verifier.clone()
    }
}

/// The handler Dojo's guide describes: act once per event id, then answer.
/// `fail_next` makes it fail after acting, as a crash before the answer.
async fn handle(State(receiver): State<Receiver>, Verified(event): Verified) -> StatusCode {
    if receiver.seen.seen(&event.id).await.unwrap_or(false) {
        receiver
            .redeliveries
            .lock()
            .unwrap()
            .push(event.id.to_string());
        return StatusCode::OK;
    }
    let status = match &event.kind {
        EventKind::PaymentIntentCreated(c) | EventKind::PaymentIntentStatusUpdated(c) => {
            c.status.to_string()
        }
        other => other.name().to_owned(),
    };
    receiver
        .handled
        .lock()
        .unwrap()
        .push((event.kind.name().to_owned(), status));
    if receiver.fail_next.swap(false, Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::OK
}

async fn serve(receiver: Receiver) -> String {
    let app = axum::Router::new()
        .route("/hooks", axum::routing::post(handle))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn wait_for(what: &Mutex<Vec<(String, String)>>, count: usize) {
    for _ in 0..500 {
        if what.lock().unwrap().len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("only {:?} after 5 s", what.lock().unwrap());
}

#[tokio::test]
async fn a_payment_s_lifecycle_arrives_typed_in_order_through_a_rotation() {
    let emulator = Emulator::builder()
        .webhook_retries(dojo_payments_emulator::WebhookRetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(20),
        })
        .start()
        .await
        .unwrap();
    let dojo = client_of(&emulator, quick_retries());
    let receiver = Receiver {
        verifier: Verifier::default(),
        seen: Arc::new(InMemorySeen::default()),
        handled: Arc::default(),
        redeliveries: Arc::default(),
        fail_next: Arc::new(AtomicBool::new(false)),
    };
    let url = serve(receiver.clone()).await;
    let subscription = dojo
        .webhooks()
        .subscribe(
            url,
            [
                WebhookEventName::PaymentIntentCreated,
                WebhookEventName::PaymentIntentStatusUpdated,
            ],
        )
        .send()
        .await
        .unwrap();
    let first_secret = subscription.secrets[0].value.clone().unwrap();
    receiver.verifier.trust(first_secret.clone());
    let sub_id = subscription.id.unwrap();

    // Created; the handler fails once after acting, so Dojo redelivers.
    receiver.fail_next.store(true, Ordering::SeqCst);
    let intent = dojo
        .payment_intents()
        .create(gbp(1000), "Order 21")
        .capture_mode(CaptureMode::Manual)
        .send()
        .await
        .unwrap();
    wait_for(&receiver.handled, 1).await;
    for _ in 0..500 {
        if !receiver.redeliveries.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        receiver.redeliveries.lock().unwrap().len(),
        1,
        "the redelivery was recognised"
    );

    // Authorized at checkout.
    emulator
        .pay(intent.id.as_ref().unwrap(), &good_card(), false)
        .unwrap();
    wait_for(&receiver.handled, 2).await;

    // Rotate while deliveries go on: trust the new secret before Dojo
    // signs with it, drop the old one once Dojo deleted it.
    let intent = dojo
        .payment_intents()
        .get(intent.id.as_ref().unwrap())
        .await
        .unwrap();
    let capturing = dojo.payment_intents().capture(&intent, gbp(1000));
    let verifier = receiver.verifier.clone();
    let rotation = dojo
        .webhooks()
        .rotate_secret(&sub_id, move |new| verifier.trust(new.clone()));
    let (captured, rotated) = tokio::join!(capturing, rotation);
    captured.unwrap();
    rotated.unwrap();
    receiver.verifier.distrust(&first_secret);
    wait_for(&receiver.handled, 3).await;

    // Refunded, verified by the new secret alone.
    let id = intent.id.clone().unwrap();
    dojo.payment_intents()
        .refund(&id, gbp(1000))
        .send()
        .await
        .unwrap();
    wait_for(&receiver.handled, 4).await;

    let handled = receiver.handled.lock().unwrap().clone();
    let expected = [
        ("payment_intent.created", "Created"),
        ("payment_intent.status_updated", "Authorized"),
        ("payment_intent.status_updated", "Captured"),
        ("payment_intent.status_updated", "Refunded"),
    ];
    let handled: Vec<(&str, &str)> = handled
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(handled, expected);
    let refused: Vec<_> = emulator
        .webhook_attempts()
        .into_iter()
        .filter(|a| a.status == Some(401))
        .collect();
    assert!(refused.is_empty(), "a delivery was refused: {refused:?}");
}

mod properties {
    use dojo_payments::webhook::Event;
    use proptest::prelude::*;

    proptest! {
        /// A signed body is decoded whatever it holds: never a panic.
        #[test]
        fn any_body_decodes_or_is_refused(
            id in ".{0,8}",
            event in prop::sample::select(vec!["payment_intent.created", "payment_intent.status_updated", "payment_intent.send-receipt", "x"]),
            status in ".{0,10}",
            junk in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let body = serde_json::json!({"id": id, "event": event, "data": {"paymentIntentId": "pi_1", "paymentStatus": status}});
            let _ = Event::from_json(body.to_string().as_bytes());
            let _ = Event::from_json(&junk);
        }

        /// Any event name decodes (a name Dojo adds later is kept, whatever
        /// its data), and the event says the name it came with.
        #[test]
        fn any_event_name_decodes_and_keeps_its_name(
            event in prop_oneof![
                prop::sample::select(
                    dojo_payments::types::WebhookEventName::DOCUMENTED
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>(),
                ),
                any::<String>(),
            ],
        ) {
            let body = serde_json::json!({"id": "evt_1", "event": event, "data": {"paymentIntentId": "pi_1", "paymentStatus": "Captured"}});
            let decoded = Event::from_json(body.to_string().as_bytes()).unwrap();
            prop_assert_eq!(decoded.kind.name(), event.as_str());
            let name = decoded.kind.event_name();
            prop_assert_eq!(name.as_str(), event.as_str());
            prop_assert_eq!(
                matches!(decoded.kind, dojo_payments::webhook::EventKind::Unknown { .. }),
                !name.is_known()
            );
        }
    }
}

/// Two locations, each with its subscription: an event is verified by its
/// own location's secret and says so; one location's secret is refused
/// for the other; an event whose accountId is another location's than
/// its signer's is refused.
#[tokio::test]
async fn events_of_two_locations_are_told_apart() {
    use dojo_payments::types::{ApiKey, LocationId, WebhookSignature};
    use dojo_payments::{Location, Locations};

    let (soho, camden): (LocationId, LocationId) =
        ("soho".parse().unwrap(), "camden".parse().unwrap());
    let soho_key = ApiKey::new("sk_sandbox_soho_0123456789abcdef").unwrap();
    let camden_key = ApiKey::new("sk_sandbox_camden_0123456789abcdef").unwrap();
    let emulator = Emulator::builder()
        .location(soho.clone(), soho_key.clone())
        .location(camden.clone(), camden_key.clone())
        .start()
        .await
        .unwrap();
    let mut locations = Locations::default();
    locations.insert(Location::new(soho.clone(), soho_key));
    locations.insert(Location::new(camden.clone(), camden_key));
    let dojo = builder_of(&emulator, quick_retries())
        .locations(locations)
        .build()
        .unwrap();
    let verifier = Verifier::default();
    let mut secrets = Vec::new();
    for location in [&soho, &camden] {
        let at = dojo.location(location).unwrap();
        let subscription = at
            .webhooks()
            .subscribe(
                "http://127.0.0.1:9/hooks",
                [WebhookEventName::PaymentIntentCreated],
            )
            .send()
            .await
            .unwrap();
        verifier
            .trust_subscription_at(location, &subscription)
            .unwrap();
        secrets.push(subscription.secrets[0].value.clone().unwrap());
    }
    let event = |account: &str| {
        format!(
            r#"{{"id":"evt_1","event":"payment_intent.created","accountId":"{account}","data":{{"paymentIntentId":"pi_1","paymentStatus":"Created"}}}}"#
        )
    };
    let soho_event = event("acc_soho");
    let signed_by_soho = WebhookSignature::sign(&secrets[0], soho_event.as_bytes()).to_string();
    let verified = verifier
        .verify(Some(&signed_by_soho), soho_event.as_bytes())
        .unwrap();
    assert_eq!(verified.location.as_ref(), Some(&soho));
    assert_eq!(
        verified.account_id.as_ref().map(|a| a.as_str()),
        Some("acc_soho")
    );
    assert_eq!(
        verifier.verify_at(&camden, Some(&signed_by_soho), soho_event.as_bytes()),
        Err(WebhookError::WrongAccount),
        "Soho's event is refused for Camden"
    );
    let claims_camden = event("acc_camden");
    let header = WebhookSignature::sign(&secrets[0], claims_camden.as_bytes()).to_string();
    assert_eq!(
        verifier.verify(Some(&header), claims_camden.as_bytes()),
        Err(WebhookError::SignatureMismatch),
        "an event naming Camden's account is checked under Camden's secrets only"
    );
    assert_eq!(
        verifier.verify_at(&soho, Some(&header), claims_camden.as_bytes()),
        Err(WebhookError::WrongAccount),
        "delivered as Soho's, it names Camden's account"
    );
    let camden_event = event("acc_camden");
    let signed_by_camden = WebhookSignature::sign(&secrets[1], camden_event.as_bytes()).to_string();
    let verified = verifier
        .verify_at(&camden, Some(&signed_by_camden), camden_event.as_bytes())
        .unwrap();
    assert_eq!(verified.location.as_ref(), Some(&camden));
}
