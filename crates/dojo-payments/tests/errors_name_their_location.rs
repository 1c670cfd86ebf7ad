//! Every error a client's call returns names the location it was made for,
//! not only those of the send path: a lifecycle rule refused before
//! sending, an idempotency key reused, a success without its proof. A
//! merchant with forty sites reads which one failed from the error itself.

mod common;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::LocationId;
use dojo_payments::{Delivery, Error, IdempotencyKey, Location};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault};

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

fn soho() -> LocationId {
    "soho".parse().unwrap()
}

/// An emulator with a location account `soho`, and Soho's handle of a
/// client that holds its key.
async fn at_soho() -> (Emulator, dojo_payments::Dojo) {
    let key = dojo_payments::types::ApiKey::new("sk_sandbox_soho_0123456789abcdef").unwrap();
    let emulator = Emulator::builder()
        .seed(3)
        .location(soho(), key.clone())
        .start()
        .await
        .unwrap();
    let client = builder_of(&emulator, quick_retries())
        .location(Location::new(soho(), key))
        .build()
        .unwrap();
    let site = client.location(&soho()).unwrap();
    (emulator, site)
}

fn names_soho(error: &Error) {
    assert_eq!(error.location(), Some(&soho()), "{error}");
    assert!(error.to_string().contains("soho"), "{error}");
}

#[tokio::test]
async fn a_lifecycle_rule_refused_before_sending_names_its_location() {
    let (emulator, soho) = at_soho().await;
    let intent = paid(&emulator, &soho, 1000, CaptureMode::Auto).await;
    let read = AnyPaymentIntent::read(&soho, intent.id.as_ref().unwrap())
        .await
        .unwrap();
    let AnyPaymentIntent::Captured(captured) = read else {
        panic!("an auto-capture intent paid is Captured: {read:?}");
    };
    let refused = captured
        .refund(&soho, gbp(5000), None)
        .await
        .expect_err("more than was captured");
    assert_eq!(refused.delivery(), Delivery::NotSent, "{refused}");
    names_soho(&refused);
}

#[tokio::test]
async fn a_reused_key_and_an_unproven_success_name_their_location() {
    let (emulator, soho) = at_soho().await;
    let intent = paid(&emulator, &soho, 1000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let key = IdempotencyKey::new("order-1-refund-1").unwrap();
    soho.payment_intents()
        .refund(&id, gbp(100))
        .idempotency_key(key.clone())
        .send()
        .await
        .unwrap();
    let reused = soho
        .payment_intents()
        .refund(&id, gbp(200))
        .idempotency_key(key)
        .send()
        .await
        .expect_err("the same key for another amount");
    assert!(
        matches!(reused, Error::IdempotencyKeyReused { .. }),
        "{reused}"
    );
    names_soho(&reused);

    emulator
        .inject_fault(
            REFUNDS,
            Fault::Answer {
                acted: false,
                answer: BadAnswer::EmptyObject,
            },
            1,
        )
        .unwrap();
    let unproven = soho
        .payment_intents()
        .refund(&id, gbp(100))
        .send()
        .await
        .expect_err("a 200 without the refund's id");
    assert!(matches!(unproven, Error::Unproven { .. }), "{unproven}");
    names_soho(&unproven);
}
