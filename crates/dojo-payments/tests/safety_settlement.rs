//! An unkeyed money-moving call (capture, cancel, reversal) whose answer
//! proved nothing is settled by reads, never guessed: applied when a read
//! shows it, not applied only once it can no longer be in flight. Against
//! the emulator, with faults injected before and after its changes commit.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus};
use dojo_payments::types::Open;
use dojo_payments::{Delivery, Dojo, Error, Outcome, RetryPolicy, SettlementPolicy, Undetermined};
use dojo_payments_emulator::{BadAnswer, Fault};

const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const GET: &str = "GET /payment-intents/{paymentIntentId}";

fn outcome(error: Error) -> Outcome {
    match error {
        Error::Interrupted { outcome, .. } => outcome,
        other => panic!("expected an interrupted call, got {other:?}"),
    }
}

/// A connection closed without an answer proves nothing: Dojo may still be
/// working on the capture, so a read that does not show it yet is no
/// "not applied".
#[tokio::test]
async fn a_capture_dropped_before_commit_is_unknown_for_it_may_still_land() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::drop_before_commit(), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert_eq!(error.delivery(), Delivery::MaybeApplied);
    assert_eq!(
        outcome(error),
        Outcome::Unknown(Undetermined::MayBeInFlight)
    );
    assert_eq!(
        calls(&emulator, CAPTURES),
        1,
        "a capture is never sent twice"
    );
}

/// A client whose ambiguous calls can be settled within a test: a 1 s
/// deadline, a call landing at most 100 ms after it, reads lagging by less
/// than 100 ms.
fn quick_settling(emulator: &dojo_payments_emulator::Emulator) -> Dojo {
    builder_of(
        emulator,
        RetryPolicy {
            deadline: Duration::from_secs(1),
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: Duration::from_millis(100),
        read_lag: Duration::from_millis(100),
    })
    .build()
    .unwrap()
}

/// A 500 proves nothing, and a read made at once can prove only that the
/// capture was made: the call may still be in flight (Dojo may commit
/// after answering). Not made is said only by `Unsettled::settle`, once
/// the window has passed, by two reads.
#[tokio::test]
async fn a_capture_answered_500_is_applied_by_a_read_and_not_applied_only_after_the_window() {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let dojo = quick_settling(&emulator);
    for acted in [false, true] {
        let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
        let fault = if acted {
            Fault::fail_after_commit(500)
        } else {
            Fault::fail(500)
        };
        emulator.inject_fault(CAPTURES, fault, 1).unwrap();
        let sent = Instant::now();
        let error = dojo
            .payment_intents()
            .capture(&intent, gbp(400))
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(500));
        if acted {
            assert_eq!(error.delivery(), Delivery::Applied, "{error}");
            assert!(error.unsettled().is_none());
        } else {
            assert_eq!(error.delivery(), Delivery::MaybeApplied, "{error}");
            assert!(error.to_string().contains("settle it later"), "{error}");
            let unsettled = error.unsettled().expect("how to settle it");
            let Outcome::NotApplied(after) = unsettled.settle(&dojo).await else {
                panic!("expected NotApplied")
            };
            assert!(
                sent.elapsed() >= Duration::from_millis(1_200),
                "waited out the window"
            );
            assert_eq!(after.captures.unwrap_or_default().len(), 0);
        }
        let held = emulator
            .payment_intent(intent.id.as_ref().unwrap())
            .unwrap();
        assert_eq!(held.captures.unwrap_or_default().len(), usize::from(acted));
    }
}

#[tokio::test]
async fn a_capture_dropped_after_commit_is_reported_applied() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::drop_after_commit(), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    let message = error.to_string();
    let Outcome::Applied(after) = outcome(error) else {
        panic!("expected Applied")
    };
    let captured: i64 = after
        .captures
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.amount)
        .sum();
    assert_eq!(captured, 400);
    assert_eq!(calls(&emulator, CAPTURES), 1);
    assert!(
        message.contains("applied") && !message.contains('\n'),
        "{message}"
    );
    // The operation is named once, not again by the cause.
    assert_eq!(message.matches("captures_create").count(), 1, "{message}");
}

#[tokio::test]
async fn a_capture_whose_intent_cannot_be_read_afterwards_is_reported_unknown() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::drop_after_commit(), 1)
        .unwrap();
    emulator.inject_fault(GET, Fault::fail(500), 5).unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("unknown"), "{error}");
    assert_eq!(outcome(error), Outcome::Unknown(Undetermined::ReadFailed));
}

#[tokio::test]
async fn cancel_and_reversal_settle_by_the_intent_s_status() {
    let (emulator, dojo) = dojo().await;
    let created = dojo
        .payment_intents()
        .create(gbp(500), "Order 10")
        .send()
        .await
        .unwrap();
    emulator
        .inject_fault(
            "DELETE /payment-intents/{paymentIntentId}",
            Fault::drop_after_commit(),
            1,
        )
        .unwrap();
    let Outcome::Applied(after) =
        outcome(dojo.payment_intents().cancel(&created).await.unwrap_err())
    else {
        panic!("expected Applied")
    };
    assert_eq!(
        after.status,
        Some(Open::Known(PaymentIntentStatus::Canceled))
    );

    let authorized = paid(&emulator, &dojo, 700, CaptureMode::Manual).await;
    emulator
        .inject_fault(
            "POST /payment-intents/{paymentIntentId}/reversal",
            Fault::fail(500),
            1,
        )
        .unwrap();
    let error = dojo
        .payment_intents()
        .reverse(&authorized)
        .await
        .unwrap_err();
    assert_eq!(
        error.unsettled().map(|u| &u.movement),
        Some(&dojo_payments::settlement::Movement::Reverse)
    );
    assert_eq!(
        outcome(error),
        Outcome::Unknown(Undetermined::MayBeInFlight)
    );
}

/// `Unsettled::settle` waits out the in-flight window counted from when the
/// call was sent (not from when it is asked), and a read that shows the
/// movement settles it at once, without waiting for a second read.
#[tokio::test]
async fn an_unsettled_capture_is_settled_at_the_window_s_end_by_a_read_that_shows_it() {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let dojo = quick_settling(&emulator);
    // `quick_settling`: a 1 s deadline and a 100 ms margin; a read lag of
    // 100 ms, made longer here so that waiting for it would show.
    let dojo = {
        let policy = SettlementPolicy {
            in_flight_margin: Duration::from_millis(100),
            read_lag: Duration::from_millis(800),
        };
        builder_of(&emulator, dojo.retry_policy())
            .settlement_policy(policy)
            .build()
            .unwrap()
    };
    let window = dojo.retry_policy().deadline + dojo.settlement_policy().in_flight_margin;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    // Answered 500 at once, made 300 ms later: the call's own read cannot
    // see it.
    let later = Fault::CommitLater {
        after: Duration::from_millis(300),
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    };
    emulator.inject_fault(CAPTURES, later, 1).unwrap();
    let sent = Instant::now();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert_eq!(
        outcome_of(&error),
        Some(Undetermined::MayBeInFlight),
        "{error}"
    );
    let unsettled = error.unsettled().expect("how to settle it").clone();
    assert!(unsettled.sent_at >= sent && unsettled.sent_at - sent < Duration::from_millis(50));
    // Asked for later: only what is left of the window is waited.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let Outcome::Applied(after) = unsettled.settle(&dojo).await else {
        panic!("expected Applied")
    };
    let took = sent.elapsed();
    assert!(took >= window, "waited out the window: {took:?}");
    assert!(
        took < window + Duration::from_millis(400),
        "a read that shows it ends the wait (no read lag, no window counted twice): {took:?}"
    );
    assert_eq!(after.captures.unwrap_or_default().len(), 1);
}

fn outcome_of(error: &Error) -> Option<Undetermined> {
    match error {
        Error::Interrupted {
            outcome: Outcome::Unknown(why),
            ..
        } => Some(*why),
        _ => None,
    }
}
