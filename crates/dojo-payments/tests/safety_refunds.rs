//! Money never moves twice: a refund carries one idempotency key across
//! retries and in its error, so sent again it is made once; a key reused for
//! another refund is refused before anything is sent. Against the emulator,
//! with faults injected before and after its changes commit.

mod common;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::{Delivery, Error, IdempotencyKey};
use dojo_payments_emulator::Fault;

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

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
