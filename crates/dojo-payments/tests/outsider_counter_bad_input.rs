//! An outsider's attack: refund amounts no refund can have (zero,
//! negative, another currency than the intent's, more than was captured)
//! given to the counter (the journal's cases:
//! `outsider_counter_bad_input_journal.rs`). Expected: refused with a
//! typed error BEFORE any request is sent (the payment intent lifecycle's
//! own refund does it: `LifecycleRule::AmountNotPositive`, `CurrencyMismatch`,
//! `RefundExceedsCaptured`). The emulator's request log is the oracle.

mod common;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::Counter;
use dojo_payments::lifecycle::LifecycleRule;
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{Currency, Money, TerminalId};
use dojo_payments::{Delivery, Error, Invalid};

const CREATE: &str = "POST /terminal-sessions";

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

#[tokio::test]
async fn an_unlinked_refund_of_zero_or_less_is_refused_before_sending() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "sw-house");
    for amount in [gbp(0), gbp(-500), Money::new(i64::MIN, Currency::GBP)] {
        let result = counter.unlinked_refund(&manual(), amount, true).await;
        let error = result.expect_err("no refund of that amount");
        assert!(
            error.status().is_none(),
            "{amount}: refused by Dojo ({error}), not before sending"
        );
    }
    assert_eq!(calls(&emulator, CREATE), 0, "sent to Dojo");
}

#[tokio::test]
async fn a_matched_refund_over_the_captured_amount_or_in_another_currency_is_refused_before_sending()
 {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "sw-house");
    let intent = paid(&emulator, &dojo, 2000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&dojo, &id).await.unwrap()
    else {
        panic!("captured");
    };
    let mut made = Vec::new();
    for amount in [gbp(5000), gbp(0), gbp(-1), Money::new(100, Currency::EUR)] {
        if let Ok(session) = counter
            .matched_refund(&manual(), &captured, Some(amount))
            .await
        {
            made.push(format!("{amount}: session {}", session.id()));
            emulator.terminal(&manual()).walk_away().unwrap();
        }
    }
    assert_eq!(
        calls(&emulator, CREATE),
        0,
        "sent to Dojo; sessions made: {made:?}"
    );
}

/// Each refusal names its rule (the lifecycle's), says nothing was sent,
/// and a refund within the rules still starts its session.
#[tokio::test]
async fn each_bad_refund_names_its_rule_and_a_good_one_is_sent() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "sw-house");
    let intent = paid(&emulator, &dojo, 2000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&dojo, &id).await.unwrap()
    else {
        panic!("captured");
    };
    let error = counter
        .unlinked_refund(&manual(), gbp(0), false)
        .await
        .expect_err("zero");
    assert_eq!(rule_of(&error), LifecycleRule::AmountNotPositive);
    let error = counter
        .matched_refund(&manual(), &captured, Some(gbp(-1)))
        .await
        .expect_err("negative");
    assert_eq!(rule_of(&error), LifecycleRule::AmountNotPositive);
    let error = counter
        .matched_refund(&manual(), &captured, Some(Money::new(100, Currency::EUR)))
        .await
        .expect_err("euros");
    assert_eq!(
        rule_of(&error),
        LifecycleRule::CurrencyMismatch {
            expected: Currency::GBP,
            given: Currency::EUR
        }
    );
    let error = counter
        .matched_refund(&manual(), &captured, Some(gbp(2001)))
        .await
        .expect_err("over");
    assert_eq!(
        rule_of(&error),
        LifecycleRule::RefundExceedsCaptured {
            refundable: gbp(2000),
            requested: gbp(2001)
        }
    );
    assert_eq!(calls(&emulator, CREATE), 0);
    let session = counter
        .matched_refund(&manual(), &captured, Some(gbp(2000)))
        .await
        .expect("all of it is refundable");
    assert_eq!(calls(&emulator, CREATE), 1, "{}", session.id());
}

fn rule_of(error: &Error) -> LifecycleRule {
    assert_eq!(error.delivery(), Delivery::NotSent, "{error}");
    match error {
        Error::InvalidRequest {
            reason: Invalid::Lifecycle(rule),
            ..
        } => rule.clone(),
        other => panic!("not a lifecycle refusal: {other}"),
    }
}
