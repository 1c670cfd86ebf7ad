//! An outsider's attacks that held: a session create answered at once
//! (500, or a dropped connection) but committed later, inside the
//! in-flight window: the journal waits the window out, never sends it
//! again, and settles it by what the session then did (walked away from:
//! not applied; paid: applied). And header values that would split the
//! request (CR/LF in the software house or reseller id) are refused before
//! anything is sent.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus};
use dojo_payments::counter::Counter;
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, Started};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{Open, TerminalId};
use dojo_payments::{Dojo, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault};

const DEADLINE: Duration = Duration::from_millis(500);
const MARGIN: Duration = Duration::from_millis(400);
const WINDOW: Duration = DEADLINE.saturating_add(MARGIN);
const CREATE: &str = "POST /terminal-sessions";

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

async fn world() -> (Emulator, Dojo, Counter, Journal<InMemoryJournal>) {
    let emulator = Emulator::builder().seed(77).start().await.unwrap();
    let dojo = builder_of(
        &emulator,
        RetryPolicy {
            deadline: DEADLINE,
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: MARGIN,
        read_lag: Duration::from_millis(100),
    })
    .build()
    .unwrap();
    let counter = Counter::new(dojo.clone(), "sw-house");
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    (emulator, dojo, counter, journal)
}

fn later(answer: BadAnswer) -> Fault {
    Fault::CommitLater {
        after: Duration::from_millis(300),
        answer,
    }
}

#[tokio::test]
async fn a_sale_committed_after_its_answer_is_waited_out_and_settled_by_its_session() {
    let (emulator, dojo, counter, journal) = world().await;
    let sale = dojo
        .payment_intents()
        .create(gbp(1200), "Table 2")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let error = BadAnswer::Status {
        status: 500,
        retry_after: None,
    };
    emulator.inject_fault(CREATE, later(error), 1).unwrap();
    let first = journal
        .sale(&counter, "late/sale", &manual(), &sale)
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)), "{first:?}");
    // Before the commit lands: the terminal is still free, and the entry
    // must stay open (the create may be in flight).
    let early = journal.reconcile_counter(&counter).await.unwrap();
    assert!(
        early.iter().all(|r| r.state == EntryState::Open),
        "{early:?}"
    );
    tokio::time::sleep(WINDOW).await;
    // Landed: the session runs on the terminal; still open.
    let running = journal.reconcile_counter(&counter).await.unwrap();
    assert_eq!(running[0].state, EntryState::Open, "{running:?}");
    // The customer walks away: nothing moved.
    emulator.terminal(&manual()).walk_away().unwrap();
    let settled = journal.reconcile_counter(&counter).await.unwrap();
    assert!(
        matches!(settled[0].state, EntryState::NotApplied { .. }),
        "{settled:?}"
    );
    assert_eq!(
        emulator.payment_intent(sale.id()).unwrap().status,
        Some(Open::Known(PaymentIntentStatus::Created))
    );
    let again = journal
        .sale(&counter, "late/sale", &manual(), &sale)
        .await
        .unwrap();
    assert!(matches!(
        again,
        Started::Settled(EntryState::NotApplied { .. })
    ));
    assert_eq!(calls(&emulator, CREATE), 1);
}

#[tokio::test]
async fn a_matched_refund_committed_after_a_dropped_connection_is_settled_applied_once() {
    let (emulator, dojo, counter, journal) = world().await;
    let intent = paid(&emulator, &dojo, 3000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&dojo, &id).await.unwrap()
    else {
        panic!("captured");
    };
    emulator
        .inject_fault(CREATE, later(BadAnswer::HangUp), 1)
        .unwrap();
    let first = journal
        .matched_refund(&counter, "late/refund", &manual(), &captured, gbp(700))
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)), "{first:?}");
    tokio::time::sleep(WINDOW).await;
    emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    for _ in 0..2 {
        let settled = journal.reconcile_counter(&counter).await.unwrap();
        assert!(
            settled
                .iter()
                .all(|r| matches!(r.state, EntryState::Applied { .. })),
            "{settled:?}"
        );
    }
    let again = journal
        .matched_refund(&counter, "late/refund", &manual(), &captured, gbp(700))
        .await
        .unwrap();
    assert!(matches!(
        again,
        Started::Settled(EntryState::Applied { .. })
    ));
    assert_eq!(emulator.refund_count(&id), 1);
    assert_eq!(calls(&emulator, CREATE), 1);
}

#[tokio::test]
async fn header_values_that_would_split_the_request_are_refused_unsent() {
    let (emulator, dojo, _, _) = world().await;
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 9")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let counters = [
        Counter::new(dojo.clone(), "bad\nvalue"),
        Counter::new(dojo.clone(), "x\r\nInjected: 1"),
        Counter::new(dojo.clone(), "ok").reseller("r\r\nInjected: 1"),
    ];
    for counter in counters {
        let error = counter.sale(&manual(), &sale).await.unwrap_err();
        assert_eq!(error.status(), None, "{error}");
        assert!(error.delivery().moved_nothing(), "{error}");
        assert!(counter.terminals().await.is_err());
    }
    assert_eq!(calls(&emulator, CREATE), 0);
    assert!(
        emulator.requests().iter().all(|r| !r.contains("terminal")),
        "{:?}",
        emulator.requests()
    );
}
