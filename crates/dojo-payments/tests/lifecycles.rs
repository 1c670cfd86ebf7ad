//! The payment intent's typestate lifecycle against the emulator with a
//! manual clock: captures, refunds, reversals, amounts and tips within
//! Dojo's rules. Every refusal is checked to send nothing: the emulator's
//! request log does not grow. The three flows of Dojo's guides: `flows.rs`.

mod common;

use chrono::Duration;
use common::lifecycle::*;
use common::*;
use dojo_payments::lifecycle::LifecycleRule;
use dojo_payments::lifecycle::payment_intent::{AnyPaymentIntent, RefundDetails};
use dojo_payments::types::{Currency, Money};

#[tokio::test]
async fn manual_captures_and_refunds_are_bounded_exactly() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let intent = authorized(&emulator, &dojo, 1000).await;

    let part = intent.capture(&dojo, gbp(600)).await.unwrap();
    let full = part.capture(&dojo, gbp(400)).await.unwrap();
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        full.capture(&dojo, gbp(1)).await,
        LifecycleRule::CaptureExceedsAuthorized {
            remaining: gbp(0),
            requested: gbp(1),
        },
    );
    refused(
        &emulator,
        before,
        full.reverse(&dojo).await,
        LifecycleRule::ReversalAfterManualCapture,
    );
    refused(
        &emulator,
        before,
        full.capture(&dojo, Money::new(1, Currency::EUR)).await,
        LifecycleRule::CurrencyMismatch {
            expected: Currency::GBP,
            given: Currency::EUR,
        },
    );

    let (said, refunded) = full
        .refund_with(
            &dojo,
            gbp(700),
            None,
            RefundDetails::default().reason("Damaged in transit"),
        )
        .await
        .unwrap();
    assert_eq!(
        said.refund.refund_reason.as_deref(),
        Some("Damaged in transit"),
        "the reason reaches Dojo"
    );
    let (made, at_boundary) = refunded.refund(&dojo, gbp(300), None).await.unwrap();
    assert_eq!(made.idempotency_key.as_str().len(), 36);
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        at_boundary.refund(&dojo, gbp(1), None).await,
        LifecycleRule::RefundExceedsCaptured {
            refundable: gbp(0),
            requested: gbp(1),
        },
    );
    // Said why, it is held to the same bound before sending.
    refused(
        &emulator,
        before,
        at_boundary
            .refund_with(
                &dojo,
                gbp(1),
                None,
                RefundDetails::default().reason("Again"),
            )
            .await,
        LifecycleRule::RefundExceedsCaptured {
            refundable: gbp(0),
            requested: gbp(1),
        },
    );
    assert_eq!(emulator.refund_count(at_boundary.id()), 2);
}

#[tokio::test]
async fn a_manual_authorization_is_reversed_within_seven_days_only() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let early = authorized(&emulator, &dojo, 500).await;
    let late = authorized(&emulator, &dojo, 500).await;
    emulator.advance_clock(Duration::days(6)).unwrap();
    let reversed = early.reverse(&dojo).await.unwrap();
    assert_eq!(reversed.id(), early.id());

    emulator
        .advance_clock(Duration::days(1) + Duration::seconds(1))
        .unwrap();
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        late.reverse(&dojo).await,
        LifecycleRule::ManualReversalAfterSevenDays,
    );
}

#[tokio::test]
async fn an_auto_payment_is_reversed_on_its_calendar_day_only() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let today = captured_auto(&emulator, &dojo, 800).await;
    let tomorrow = captured_auto(&emulator, &dojo, 800).await;
    emulator.advance_clock(Duration::hours(13)).unwrap(); // 23:00, the same day
    today.reverse(&dojo).await.unwrap();
    emulator.advance_clock(Duration::hours(2)).unwrap(); // 01:00 the next day
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        tomorrow.reverse(&dojo).await,
        LifecycleRule::AutoReversalAfterTheDay,
    );
    // Refunding is what remains, and it works.
    tomorrow.refund(&dojo, gbp(800), None).await.unwrap();
}

#[tokio::test]
async fn amounts_and_tips_change_only_where_the_config_allows() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let fixed = dojo
        .payment_intents()
        .create(gbp(1000), "Fixed")
        .created()
        .await
        .unwrap();
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        fixed.set_amount(&dojo, gbp(1200)).await,
        LifecycleRule::CustomAmountNotAllowed,
    );
    refused(
        &emulator,
        before,
        fixed.set_tips(&dojo, gbp(100)).await,
        LifecycleRule::TipsNotAllowed,
    );
    refused(
        &emulator,
        before,
        fixed.set_tips(&dojo, gbp(0)).await,
        LifecycleRule::AmountNotPositive,
    );
    refused(
        &emulator,
        before,
        fixed.charge(&dojo).await,
        LifecycleRule::ChargeNeedsSetupIntent,
    );

    let open = dojo
        .payment_intents()
        .create(gbp(1000), "Open")
        .with(|r| {
            r.config = Some(
                serde_json::from_value(serde_json::json!(
                    {"payment": {"customAmountAllowed": true, "tipsAllowed": true}}
                ))
                .unwrap(),
            )
        })
        .created()
        .await
        .unwrap();
    let changed = open.set_amount(&dojo, gbp(1200)).await.unwrap();
    let tipped = changed.set_tips(&dojo, gbp(150)).await.unwrap();
    assert_eq!(tipped.total(), gbp(1350));
    let canceled = tipped.cancel(&dojo).await.unwrap();
    assert_eq!(canceled.id(), open.id());
}

#[test]
fn a_typed_intent_is_stored_and_read_back_as_dojo_s_json() {
    let json = serde_json::json!({"id": "pi_1", "status": "Authorized", "captureMode": "Manual",
        "totalAmount": {"value": 1000, "currencyCode": "GBP"}});
    let any: AnyPaymentIntent = serde_json::from_value(json.clone()).unwrap();
    assert!(matches!(any, AnyPaymentIntent::Authorized(_)));
    assert_eq!(serde_json::to_value(&any).unwrap()["status"], "Authorized");
    let new_status: AnyPaymentIntent =
        serde_json::from_value(serde_json::json!({"id": "pi_2", "status": "PartiallyRefunded"}))
            .unwrap();
    assert!(
        matches!(new_status, AnyPaymentIntent::Other(_)),
        "a status Dojo adds later is kept"
    );
}
