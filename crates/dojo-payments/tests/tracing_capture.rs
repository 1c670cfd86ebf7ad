//! Every tracing event at TRACE, of every crate, through a tour of the
//! flows with secrets in play (API key, customer secret, client session
//! secret, webhook secrets, card number, CVV, cardholder name), failures
//! and retries included: no secret appears; the calls do.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use dojo_payments::api_types::{CaptureMode, MerchantInitiatedTransactionType, PaymentMethod};
use dojo_payments::resources::Card;
use dojo_payments::types::WebhookEventName;
use dojo_payments::types::{CardExpiry, CardNumber, CardholderName, Cvv};
use dojo_payments_emulator::Fault;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use tracing_subscriber::fmt::format::FmtSpan;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn receiver() -> String {
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn a_tour_at_trace_level_prints_no_secret() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (emulator, dojo) = dojo().await;
    let mut secrets = vec![emulator.api_key().expose().to_owned()];

    // Save a card: customer, customer secret, payment intent with the
    // customer (a client session secret), checkout, saved cards.
    let customer = dojo.customers().create().name("Ada").send().await.unwrap();
    let customer_id = customer.id.unwrap();
    let secret = dojo.customers().create_secret(&customer_id).await.unwrap();
    secrets.push(secret.expose().to_owned());
    let intent = dojo
        .payment_intents()
        .create(gbp(3200), "Groceries")
        .customer(&customer_id)
        .payment_methods([PaymentMethod::Card, PaymentMethod::SavedCard])
        .send()
        .await
        .unwrap();
    secrets.push(
        intent
            .client_session_secret
            .as_ref()
            .unwrap()
            .expose()
            .to_owned(),
    );
    let id = intent.id.clone().unwrap();
    emulator.pay(&id, &good_card(), true).unwrap();
    let saved = dojo
        .customers()
        .payment_methods(&customer_id, &secret)
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);

    // Refund with a lost answer (a retry), and a manual capture.
    emulator
        .inject_fault(
            "POST /payment-intents/{paymentIntentId}/refunds",
            Fault::drop_after_commit(),
            1,
        )
        .unwrap();
    dojo.payment_intents()
        .refund(&id, gbp(200))
        .send()
        .await
        .unwrap();
    let manual = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    dojo.payment_intents()
        .capture(&manual, gbp(1000))
        .await
        .unwrap();
    let refused = dojo
        .payment_intents()
        .capture(&manual, gbp(1))
        .await
        .unwrap_err();
    tracing::error!(error = %refused, ?refused, "a refusal, logged as users would");

    // Tokenization: card data to the PCI host.
    let card = Card {
        number: CardNumber::new(APPROVED_VISA).unwrap(),
        cvv: Cvv::new("737").unwrap(),
        expiry: CardExpiry::new(12, 2030).unwrap(),
        holder: CardholderName::new("Ada Canary-Lovelace").unwrap(),
    };
    secrets.extend([APPROVED_VISA.into(), "Ada Canary-Lovelace".into()]);
    let setup = dojo
        .setup_intents()
        .tokenize(
            "Card on file",
            "Charged when you order.",
            MerchantInitiatedTransactionType::Unscheduled,
            card,
        )
        .intended_amount(gbp(2500))
        .send()
        .await
        .unwrap();
    assert!(setup.id.is_some());

    // Webhooks: a subscription, and a rotation of its secret.
    let subscription = dojo
        .webhooks()
        .subscribe(
            receiver().await,
            [WebhookEventName::PaymentIntentStatusUpdated],
        )
        .send()
        .await
        .unwrap();
    let sub_id = subscription.id.unwrap();
    secrets.push(
        subscription.secrets[0]
            .value
            .as_ref()
            .unwrap()
            .expose()
            .to_owned(),
    );
    let rotated = dojo
        .webhooks()
        .rotate_secret(&sub_id, |_| {})
        .await
        .unwrap();
    secrets.push(rotated.expose().to_owned());

    drop(_guard);
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret was printed: …{}",
            &secret[secret.len() - 4..]
        );
    }
    assert!(!text.contains("737\""), "the CVV was printed");
    // The capture saw the calls: one span per call and per attempt, with
    // the operation, status and retries.
    for expected in [
        "dojo.call",
        "dojo.attempt",
        "dojo.http",
        "operation=\"captures_create\"",
        "operation=\"setup_intents_create_tokenized\"",
        "status=200",
        "retrying",
        "host=\"127.0.0.1\"",
    ] {
        assert!(text.contains(expected), "{expected} not captured");
    }
    // The retry decision runs in its own (boxed) future: its events still
    // belong to the call's span.
    assert!(
        text.lines()
            .any(|line| line.contains("dojo.call{") && line.contains("retrying")),
        "no retry event inside a dojo.call span"
    );
    assert!(
        text.lines().count() > 100,
        "only {} lines captured",
        text.lines().count()
    );
}
