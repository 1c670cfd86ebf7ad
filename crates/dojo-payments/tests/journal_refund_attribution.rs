//! The refunded amount is one total across every refund of a payment
//! intent: its growth is credited to an open keyed refund only when no
//! other refund journaled on the intent since that entry's snapshot can
//! account for it. The emulator's state is the oracle.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal};
use dojo_payments_emulator::Fault;

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

/// The emulator, and a client on it whose calls are out of their in-flight
/// window within a second (a 500 ms deadline, a 200 ms margin, reads 100
/// ms apart).
async fn quick_window() -> (dojo_payments_emulator::Emulator, dojo_payments::Dojo) {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let dojo = builder_of(
        &emulator,
        dojo_payments::RetryPolicy {
            deadline: Duration::from_millis(500),
            ..quick_retries()
        },
    )
    .settlement_policy(dojo_payments::SettlementPolicy {
        in_flight_margin: Duration::from_millis(200),
        read_lag: Duration::from_millis(100),
    })
    .build()
    .unwrap();
    (emulator, dojo)
}

/// Refund A's every attempt is answered 500 and not made; refund B, of the
/// same amount, is made. A's resend is then refused (more than is left),
/// and the refunded amount grew by exactly A's amount — B's refund, not
/// A's. A must not be settled `Applied`: Dojo made one refund.
#[tokio::test]
async fn another_refund_s_growth_is_not_credited_to_an_open_refund() {
    let (emulator, dojo) = quick_window().await;
    let intent = paid(&emulator, &dojo, 1500, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &dojo);

    // A: every attempt answered 500, none made.
    emulator
        .inject_fault(REFUNDS, Fault::fail(500), 10)
        .unwrap();
    let a = journal
        .refund(&dojo, "order-1/refund-a", &intent, gbp(1000))
        .await
        .unwrap();
    assert!(a.is_open(), "{a:?}");
    emulator.clear_faults();
    assert_eq!(emulator.refund_count(&id), 0);

    // B: made.
    let now = dojo.payment_intents().get(&id).await.unwrap();
    let b = journal
        .refund(&dojo, "order-1/refund-b", &now, gbp(1000))
        .await
        .unwrap();
    assert!(matches!(b, EntryState::Applied { .. }), "{b:?}");
    assert_eq!(emulator.refund_count(&id), 1);

    tokio::time::sleep(Duration::from_millis(900)).await; // out of the window
    let settled = journal.reconcile(&dojo).await.unwrap();
    let a = settled
        .iter()
        .find(|r| r.name == "order-1/refund-a")
        .unwrap_or_else(|| panic!("A not reconciled: {settled:?}"));
    assert_eq!(emulator.refund_count(&id), 1, "Dojo made one refund");
    assert!(
        !matches!(a.state, EntryState::Applied { .. }),
        "B's refund credited to A: {settled:?}"
    );
    assert!(a.state.is_open(), "{settled:?}");
    let why = a.still_open_because.as_deref().unwrap_or_default();
    assert!(why.contains("order-1/refund-b"), "{why}");
}

/// With no other refund journaled since its snapshot, growth by exactly its
/// amount still settles an open refund `Applied` (made, its answers lost,
/// its resend refused with a 400, so that reads decide).
#[tokio::test]
async fn a_refund_alone_is_still_credited_with_its_growth() {
    let (emulator, dojo) = quick_window().await;
    let intent = paid(&emulator, &dojo, 1500, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &dojo);

    // Made, its answer lost; the retries answered 500, not made: open.
    emulator
        .inject_fault(REFUNDS, Fault::drop_after_commit(), 1)
        .unwrap();
    emulator
        .inject_fault(REFUNDS, Fault::fail(500), 10)
        .unwrap();
    let a = journal
        .refund(&dojo, "order-2/refund-a", &intent, gbp(1000))
        .await
        .unwrap();
    assert_eq!(emulator.refund_count(&id), 1);
    emulator.clear_faults();
    // The resend is refused (a documented 4xx: it moves nothing), so reads
    // decide.
    emulator.inject_fault(REFUNDS, Fault::fail(400), 1).unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    let settled = journal.reconcile(&dojo).await.unwrap();
    let state = if a.is_open() {
        settled
            .iter()
            .find(|r| r.name == "order-2/refund-a")
            .unwrap()
            .state
            .clone()
    } else {
        a
    };
    assert!(
        matches!(state, EntryState::Applied { .. }),
        "{state:?} {settled:?}"
    );
    assert_eq!(emulator.refund_count(&id), 1);
    assert_eq!(calls(&emulator, REFUNDS), 4, "three attempts, one resend");
}

/// Refund A (£10) is lost and not made; refund B (1p), journaled after it,
/// is lost and not made too; a refund of £10 is made outside the journal.
/// A's resend is refused, and the refunded amount grew by exactly A's
/// amount. B's 1p with A's £10 is more than the growth, but B could still
/// be part of what moved (its own resend is still to come), and the growth
/// is not A's: A must stay open, naming B, never `Applied`.
#[tokio::test]
async fn a_small_open_refund_still_keeps_growth_from_being_credited() {
    let (emulator, dojo) = quick_window().await;
    let intent = paid(&emulator, &dojo, 2500, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &dojo);

    // A and B: every attempt answered 500, none made.
    emulator
        .inject_fault(REFUNDS, Fault::fail(500), 20)
        .unwrap();
    let a = journal
        .refund(&dojo, "order-3/refund-a", &intent, gbp(1000))
        .await
        .unwrap();
    assert!(a.is_open(), "{a:?}");
    let b = journal
        .refund(&dojo, "order-3/refund-b", &intent, gbp(1))
        .await
        .unwrap();
    assert!(b.is_open(), "{b:?}");
    emulator.clear_faults();
    assert_eq!(emulator.refund_count(&id), 0);

    // £10 refunded outside the journal.
    dojo.payment_intents()
        .refund(&id, gbp(1000))
        .send()
        .await
        .unwrap();
    assert_eq!(emulator.refund_count(&id), 1);

    // A's resend is refused, so reads decide: grown by exactly A's amount.
    emulator.inject_fault(REFUNDS, Fault::fail(400), 1).unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    let settled = journal.reconcile(&dojo).await.unwrap();
    let a = settled
        .iter()
        .find(|r| r.name == "order-3/refund-a")
        .unwrap_or_else(|| panic!("A not reconciled: {settled:?}"));
    assert!(
        !matches!(a.state, EntryState::Applied { .. }),
        "A was never made: {settled:?}"
    );
    assert!(a.state.is_open(), "{settled:?}");
    let why = a.still_open_because.as_deref().unwrap_or_default();
    assert!(why.contains("order-3/refund-b"), "{why}");
}
