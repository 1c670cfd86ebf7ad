//! A webhook receiver: `cargo run -p dojo-payments --features axum --example webhook_receiver`.
//!
//! It verifies each delivery's signature (axum extractor), decodes the typed
//! event, and acts once per event id (a redelivery is acknowledged, not acted
//! on again). Run as is, it subscribes itself on the embedded emulator and
//! walks one payment through; in production, mount `handle` on your router
//! with a `Verifier` holding your subscription's secrets.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::types::WebhookEventName;
use dojo_payments::types::{Currency, Money};
use dojo_payments::webhook::{EventKind, InMemorySeen, SeenEvents, Verified, Verifier};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};

#[derive(Clone)]
struct Receiver {
    verifier: Verifier,
    seen: Arc<InMemorySeen>,
}

impl FromRef<Receiver> for Verifier {
    fn from_ref(receiver: &Receiver) -> Verifier {
        receiver.verifier.clone()
    }
}

async fn handle(State(receiver): State<Receiver>, Verified(event): Verified) -> StatusCode {
    match receiver.seen.seen(&event.id).await {
        Ok(true) => return StatusCode::OK, // already handled: a redelivery or a replay
        Ok(false) => {}
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE, // Dojo delivers it again
    }
    match &event.kind {
        EventKind::PaymentIntentCreated(change) | EventKind::PaymentIntentStatusUpdated(change) => {
            println!(
                "{}: {} is {}",
                event.kind.name(),
                change.payment_intent_id,
                change.status
            );
        }
        other => println!("{} (not handled here)", other.name()),
    }
    StatusCode::OK
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let dojo = dojo_payments::Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()?;

    let receiver = Receiver {
        verifier: Verifier::default(),
        seen: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/dojo/webhooks", axum::routing::post(handle))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/dojo/webhooks", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("receiving at {url}");

    let subscription = dojo
        .webhooks()
        .subscribe(
            &url,
            [
                WebhookEventName::PaymentIntentCreated,
                WebhookEventName::PaymentIntentStatusUpdated,
            ],
        )
        .send()
        .await?;
    receiver.verifier.trust_subscription(&subscription);

    let intent = dojo
        .payment_intents()
        .create(Money::new(1250, Currency::GBP), "Order 77")
        .capture_mode(CaptureMode::Manual)
        .created()
        .await?;
    emulator.pay(intent.id(), &Card::test(APPROVED_MASTERCARD)?, false)?;
    let authorized = dojo.payment_intents().get(intent.id()).await?;
    dojo.payment_intents()
        .capture(&authorized, Money::new(1250, Currency::GBP))
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await; // let the last delivery land
    Ok(())
}
