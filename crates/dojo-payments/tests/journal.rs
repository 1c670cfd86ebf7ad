//! The journal's rules, in one process (the crash tests, with real
//! processes and databases, are `tests/tests/journal_crashes.rs`): one name
//! is one call, however many callers ask at once; a name is not reused for
//! another call; `reconcile` leaves entries that may be in flight alone,
//! settles the rest by a read, and never guesses.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{
    Before, Entry, EntryState, InMemoryJournal, Journal, JournalError, JournalStore, Movement,
};

const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";

#[tokio::test]
async fn one_name_asked_for_at_once_by_many_callers_is_one_capture() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let journal = Journal::new(InMemoryJournal::default()).in_flight_for(Duration::from_secs(5));
    let asks = (0..8).map(|_| journal.capture(&dojo, "order-7/capture-1", &intent, gbp(400)));
    let outcomes = futures_util::future::join_all(asks).await;
    for outcome in outcomes {
        assert!(matches!(outcome.unwrap(), EntryState::Applied { .. }));
    }
    assert_eq!(calls(&emulator, CAPTURES), 1, "one capture sent");
}

#[tokio::test]
async fn a_name_is_not_reused_for_another_call() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let journal = Journal::new(InMemoryJournal::default());
    journal
        .capture(&dojo, "order-8/capture", &intent, gbp(400))
        .await
        .unwrap();
    let other = journal
        .capture(&dojo, "order-8/capture", &intent, gbp(500))
        .await
        .unwrap_err();
    assert!(
        matches!(
            other,
            JournalError::NameReused {
                existing: "capture",
                ..
            }
        ),
        "{other}"
    );
    assert_eq!(calls(&emulator, CAPTURES), 1);
}

/// An entry as a crash leaves it: written, never settled.
fn left_open(
    name: &str,
    intent: &dojo_payments::api_types::PaymentIntent,
    amount: i64,
    age: Duration,
) -> Entry {
    Entry {
        name: name.to_owned(),
        movement: Movement::Capture {
            amount: gbp(amount),
        },
        payment_intent: intent.id.clone().unwrap(),
        before: Before::of(intent),
        state: EntryState::Open,
        opened_at: Utc::now() - chrono::Duration::from_std(age).unwrap(),
    }
}

#[tokio::test]
async fn reconcile_settles_by_a_read_only_what_cannot_be_in_flight_and_never_guesses() {
    let (emulator, dojo) = dojo().await;
    let store = InMemoryJournal::default();
    let journal_window = Duration::from_secs(60);
    let made = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let never_sent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let unclear = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let young = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let old = Duration::from_secs(120);
    for (name, intent, amount, age) in [
        ("made", &made, 400, old),
        ("never-sent", &never_sent, 400, old),
        ("unclear", &unclear, 400, old),
        ("young", &young, 400, Duration::ZERO),
    ] {
        store
            .open(&left_open(name, intent, amount, age))
            .await
            .unwrap();
    }
    // What the crashed process managed: the capture of "made" reached Dojo;
    // "unclear" was captured, but by another amount than its entry says.
    dojo.payment_intents()
        .capture(&made, gbp(400))
        .await
        .unwrap();
    dojo.payment_intents()
        .capture(&unclear, gbp(300))
        .await
        .unwrap();

    let journal = Journal::new(store).in_flight_for(journal_window);
    let settled = journal.reconcile(&dojo).await.unwrap();
    let state = |name: &str| {
        settled
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.state.clone())
    };
    assert!(
        matches!(state("made"), Some(EntryState::Applied { .. })),
        "{settled:?}"
    );
    assert!(
        matches!(state("never-sent"), Some(EntryState::NotApplied { .. })),
        "{settled:?}"
    );
    assert_eq!(
        state("unclear"),
        Some(EntryState::Open),
        "a read that does not tell is not a guess"
    );
    let why = settled
        .iter()
        .find(|r| r.name == "unclear")
        .unwrap()
        .still_open_because
        .clone();
    assert!(why.is_some_and(|w| !w.is_empty()));
    assert_eq!(
        state("young"),
        None,
        "an entry that may be in flight is left alone"
    );
    let open: Vec<String> = journal
        .store()
        .open_entries()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(open, ["unclear", "young"]);
    assert_eq!(calls(&emulator, CAPTURES), 2, "reconciling sent no capture");
}
