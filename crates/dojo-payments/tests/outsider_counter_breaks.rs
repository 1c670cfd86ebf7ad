//! An outsider's findings, fixed: a matched refund whose create never
//! landed was settled `Applied` by reconcile because the refunded amount
//! grew by exactly its amount — (1) by another journal entry's refund of
//! the same amount on the same intent (made), (2) by a refund made before
//! the entry, since the journal took its "before" from the caller's stale
//! intent object. The journal now reads the intent itself before the
//! create and credits a lost create only with its own session (see
//! ARCHITECTURE.md, "Sessions at a terminal").

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::{Counter, Outcome, WaitPolicy};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, Started};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::TerminalId;
use dojo_payments::{RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault, NewTerminal};

const CREATE: &str = "POST /terminal-sessions";

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(3))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

/// Two returns of £5 on one £20 payment, each its own journal entry. The
/// first's create is answered 500 and was NOT made (the emulator did not
/// act); the second is made and the customer's card takes it. Dojo holds
/// one refund of £5. Reconcile settles the second `Applied` (by its
/// session) and the first `Applied` too (the refunded amount grew by
/// exactly £5 since its snapshot): the books show £10 refunded, the
/// customer got £5, and nobody is told to refund the first return.
/// Expected: the first stays open or is `NotApplied`, never `Applied`.
#[tokio::test]
async fn a_lost_matched_refund_is_not_credited_with_another_entrys_refund() {
    let emulator = Emulator::builder().seed(5).start().await.unwrap();
    let dojo = builder_of(
        &emulator,
        RetryPolicy {
            deadline: Duration::from_millis(500),
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: Duration::from_millis(200),
        read_lag: Duration::from_millis(150),
    })
    .build()
    .unwrap();
    let counter = Counter::new(dojo.clone(), "sw");
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    let other = emulator
        .add_terminal(NewTerminal::new("tm_sandbox_outsider_b"))
        .unwrap();
    let intent = paid(&emulator, &dojo, 2000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&dojo, &id).await.unwrap()
    else {
        panic!("captured")
    };
    let not_made = Fault::Answer {
        acted: false,
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    };
    emulator.inject_fault(CREATE, not_made, 1).unwrap();
    let a = journal
        .matched_refund(&counter, "return-1", &manual(), &captured, gbp(500))
        .await
        .unwrap();
    assert!(matches!(a, Started::Unknown(_)), "{a:?}");
    let b = journal
        .matched_refund(&counter, "return-2", &other, &captured, gbp(500))
        .await
        .unwrap();
    let Started::Session(Outcome::InProgress(b)) = b else {
        panic!("{b:?}")
    };
    emulator
        .terminal(&other)
        .present_card(&good_card())
        .unwrap();
    assert!(matches!(
        b.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    tokio::time::sleep(Duration::from_millis(800)).await;
    let reconciled = journal.reconcile_counter(&counter).await.unwrap();
    assert_eq!(emulator.refund_count(&id), 1, "Dojo made one refund");
    assert_eq!(
        emulator.payment_intent(&id).unwrap().refunded_amount,
        Some(500)
    );
    let first = reconciled.iter().find(|r| r.name == "return-1").unwrap();
    assert!(
        !matches!(first.state, EntryState::Applied { .. }),
        "return-1 was never made, yet settled {:?} (Dojo refunded £5 once, the journal says £10)",
        first.state
    );
}

/// The same misattribution with one entry only: the till holds the
/// order's intent as read before a first £5 return (made at the counter,
/// no journal), then journals a second £5 return with that same intent
/// object. The journal takes its "before" snapshot from the caller's
/// object, not from a read: the second return's create is answered 500
/// and NOT made, yet reconcile sees the refunded amount £5 above the
/// stale snapshot and settles it `Applied`. Dojo refunded £5 once.
/// Expected: not `Applied` (a fresh read before the create, or the
/// snapshot's age checked).
#[tokio::test]
async fn a_lost_matched_refund_is_not_credited_from_a_stale_intent_snapshot() {
    let emulator = Emulator::builder().seed(6).start().await.unwrap();
    let dojo = builder_of(
        &emulator,
        RetryPolicy {
            deadline: Duration::from_millis(500),
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: Duration::from_millis(200),
        read_lag: Duration::from_millis(150),
    })
    .build()
    .unwrap();
    let counter = Counter::new(dojo.clone(), "sw");
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    let intent = paid(&emulator, &dojo, 2000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(order) = AnyPaymentIntent::read(&dojo, &id).await.unwrap()
    else {
        panic!("captured")
    };
    // First return, at the counter: made.
    let first = counter
        .matched_refund(&manual(), &order, Some(gbp(500)))
        .await
        .unwrap();
    emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    assert!(matches!(
        first.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    // Second return, journaled with the same (now stale) intent: not made.
    let not_made = Fault::Answer {
        acted: false,
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    };
    emulator.inject_fault(CREATE, not_made, 1).unwrap();
    let second = journal
        .matched_refund(&counter, "return-2", &manual(), &order, gbp(500))
        .await
        .unwrap();
    assert!(matches!(second, Started::Unknown(_)), "{second:?}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let reconciled = journal.reconcile_counter(&counter).await.unwrap();
    assert_eq!(emulator.refund_count(&id), 1, "Dojo made one refund");
    assert!(
        !matches!(reconciled[0].state, EntryState::Applied { .. }),
        "return-2 was never made, yet settled {:?}",
        reconciled[0].state
    );
}
