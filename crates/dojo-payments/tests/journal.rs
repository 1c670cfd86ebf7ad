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
    Before, Closed, Entry, EntryState, InMemoryJournal, Journal, JournalError, JournalStore,
    Movement,
};
use dojo_payments::types::LocationId;

const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";

#[tokio::test]
async fn one_name_asked_for_at_once_by_many_callers_is_one_capture() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let journal = Journal::new(InMemoryJournal::default(), &dojo)
        .in_flight_for(Duration::from_secs(15), &dojo)
        .unwrap();
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
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
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

/// One name is one call on one payment intent: the same capture of the
/// same amount on another intent under a taken name is refused too.
#[tokio::test]
async fn a_name_is_not_reused_for_another_payment_intent() {
    let (emulator, dojo) = dojo().await;
    let first = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let second = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    journal
        .capture(&dojo, "order-9/capture", &first, gbp(400))
        .await
        .unwrap();
    let other = journal
        .capture(&dojo, "order-9/capture", &second, gbp(400))
        .await
        .unwrap_err();
    assert!(
        matches!(&other, JournalError::NameReused { payment_intent, .. } if Some(payment_intent) == first.id.as_ref()),
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
        location: dojo_payments::types::LocationId::default(),
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
    let others = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let young = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let old = Duration::from_secs(120);
    for (name, intent, amount, age) in [
        ("made", &made, 400, old),
        ("never-sent", &never_sent, 400, old),
        ("unclear", &unclear, 400, old),
        ("others", &others, 400, old),
        ("young", &young, 400, Duration::ZERO),
    ] {
        store
            .open(&left_open(name, intent, amount, age))
            .await
            .unwrap();
    }
    // What the crashed process managed: the capture of "made" reached Dojo;
    // "unclear" was captured, but by another amount than its entry says;
    // "others" was captured twice by someone else, 200 and 200: as much as
    // the entry's 400 together, yet neither is its capture (a rule by the
    // sum captured would call it applied).
    dojo.payment_intents()
        .capture(&made, gbp(400))
        .await
        .unwrap();
    dojo.payment_intents()
        .capture(&unclear, gbp(300))
        .await
        .unwrap();
    for _ in 0..2 {
        let now = dojo
            .payment_intents()
            .get(others.id.as_ref().unwrap())
            .await
            .unwrap();
        dojo.payment_intents()
            .capture(&now, gbp(200))
            .await
            .unwrap();
    }

    let journal = Journal::new(store, &dojo)
        .in_flight_for(journal_window, &dojo)
        .unwrap();
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
    assert_eq!(
        state("others"),
        Some(EntryState::Open),
        "captures that are not this entry's are not credited to it"
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
    assert_eq!(open, ["unclear", "others", "young"], "oldest first");
    assert_eq!(calls(&emulator, CAPTURES), 4, "reconciling sent no capture");
}

#[tokio::test]
async fn a_window_that_does_not_outlast_the_client_s_deadline_is_refused() {
    let (emulator, dojo) = dojo().await;
    let deadline = dojo.retry_policy().deadline;
    let refused = Journal::new(InMemoryJournal::default(), &dojo)
        .in_flight_for(deadline, &dojo)
        .unwrap_err();
    assert!(
        matches!(refused, JournalError::WindowTooShort { .. }),
        "{refused}"
    );
    // A journal made for a quicker client, used with a slower one: refused
    // per call, before anything is written or sent.
    let quick = client_of(
        &emulator,
        dojo_payments::RetryPolicy {
            deadline: Duration::from_secs(1),
            ..quick_retries()
        },
    );
    let journal = Journal::new(InMemoryJournal::default(), &quick)
        .in_flight_for(Duration::from_secs(2), &quick)
        .unwrap();
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let error = journal
        .capture(&dojo, "order-9/capture", &intent, gbp(400))
        .await
        .unwrap_err();
    assert!(
        matches!(error, JournalError::WindowTooShort { .. }),
        "{error}"
    );
    assert!(
        journal
            .store()
            .entry(&LocationId::default(), "order-9/capture")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(calls(&emulator, CAPTURES), 0);
}

/// A claim whose caller vanished (killed, or its handler's future
/// dropped) is settled by the next caller of its name, once it can no
/// longer be in flight, never sent again.
#[tokio::test]
async fn an_abandoned_claim_is_settled_by_the_next_caller_of_its_name() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let store = InMemoryJournal::default();
    store
        .open(&left_open(
            "order-10/capture",
            &intent,
            400,
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    let journal = Journal::new(store, &dojo)
        .in_flight_for(Duration::from_secs(20), &dojo)
        .unwrap();
    let state = journal
        .capture(&dojo, "order-10/capture", &intent, gbp(400))
        .await
        .unwrap();
    assert!(matches!(state, EntryState::NotApplied { .. }), "{state:?}");
    assert_eq!(calls(&emulator, CAPTURES), 0, "settled by a read, not sent");
}

/// A store on which another instance always settles an entry first, as
/// `Applied`, just before this one does: the race a wrong settlement
/// elsewhere would make.
struct OvertakenStore(InMemoryJournal);

impl JournalStore for OvertakenStore {
    async fn now(&self) -> Result<chrono::DateTime<Utc>, dojo_payments::StoreError> {
        self.0.now().await
    }
    async fn open(
        &self,
        entry: &Entry,
    ) -> Result<dojo_payments::journal::Opened, dojo_payments::StoreError> {
        self.0.open(entry).await
    }
    async fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> Result<Closed, dojo_payments::StoreError> {
        self.0
            .close(location, name, &EntryState::Applied { detail: None })
            .await?;
        self.0.close(location, name, state).await
    }
    async fn entry(
        &self,
        location: &LocationId,
        name: &str,
    ) -> Result<Option<Entry>, dojo_payments::StoreError> {
        self.0.entry(location, name).await
    }
    async fn open_entries(&self) -> Result<Vec<Entry>, dojo_payments::StoreError> {
        self.0.open_entries().await
    }
}

/// Two callers that settle one entry differently: the second is told, not
/// silently overruled; one that agrees is not.
#[tokio::test]
async fn a_conflicting_settlement_is_an_error() {
    let (emulator, dojo) = dojo().await;
    let never_sent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let store = OvertakenStore(InMemoryJournal::default());
    store
        .open(&left_open(
            "order-11/capture",
            &never_sent,
            400,
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    let journal = Journal::new(store, &dojo)
        .in_flight_for(Duration::from_secs(20), &dojo)
        .unwrap();
    let error = journal.reconcile(&dojo).await.unwrap_err();
    assert!(
        matches!(
            error,
            JournalError::ConflictingClose {
                recorded: "applied",
                found: "not_applied",
                ..
            }
        ),
        "{error}"
    );

    let made = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    journal
        .store()
        .open(&left_open(
            "order-12/capture",
            &made,
            400,
            Duration::from_secs(30),
        ))
        .await
        .unwrap();
    dojo.payment_intents()
        .capture(&made, gbp(400))
        .await
        .unwrap();
    let agreed = journal.reconcile(&dojo).await.unwrap();
    assert!(
        agreed
            .iter()
            .any(|r| r.name == "order-12/capture" && matches!(r.state, EntryState::Applied { .. })),
        "{agreed:?}"
    );
}

/// A second caller of a name whose call is still in flight gets that
/// call's outcome: an unkeyed one waits for it (a read now could not tell
/// it from one never made), a refund is sent again at once with the first
/// key (Dojo makes it once). Either way, one movement.
#[tokio::test]
async fn a_second_caller_of_a_name_in_flight_gets_its_outcome() {
    let (emulator, dojo) = dojo().await;
    let slow = dojo_payments_emulator::Fault::Latency(Duration::from_millis(600));
    let journal = std::sync::Arc::new(Journal::new(InMemoryJournal::default(), &dojo));

    let manual = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator.inject_fault(CAPTURES, slow.clone(), 1).unwrap();
    let first = {
        let (journal, dojo, intent) = (journal.clone(), dojo.clone(), manual.clone());
        tokio::spawn(async move {
            journal
                .capture(&dojo, "order-11/capture", &intent, gbp(400))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = journal
        .capture(&dojo, "order-11/capture", &manual, gbp(400))
        .await
        .unwrap();
    assert!(matches!(second, EntryState::Applied { .. }), "{second:?}");
    assert!(matches!(
        first.await.unwrap().unwrap(),
        EntryState::Applied { .. }
    ));
    assert_eq!(calls(&emulator, CAPTURES), 1, "one capture sent");

    const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
    let auto = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    emulator.inject_fault(REFUNDS, slow, 1).unwrap();
    let first = {
        let (journal, dojo, intent) = (journal.clone(), dojo.clone(), auto.clone());
        tokio::spawn(async move {
            journal
                .refund(&dojo, "order-11/refund", &intent, gbp(300))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let started = std::time::Instant::now();
    let second = journal
        .refund(&dojo, "order-11/refund", &auto, gbp(300))
        .await
        .unwrap();
    assert!(matches!(second, EntryState::Applied { .. }), "{second:?}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "sent again at once, not after the window"
    );
    assert!(matches!(
        first.await.unwrap().unwrap(),
        EntryState::Applied { .. }
    ));
    assert_eq!(
        emulator.refund_count(auto.id.as_ref().unwrap()),
        1,
        "one refund"
    );
}

/// A client whose entries leave the in-flight window quickly: a 500 ms
/// deadline, a call landing at most 200 ms after it, reads lagging by less
/// than 100 ms.
fn quick_settling(emulator: &dojo_payments_emulator::Emulator) -> dojo_payments::Dojo {
    builder_of(
        emulator,
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
    .unwrap()
}

/// A refund answered 500 whose every resend Dojo refuses (a documented
/// 400): the refusals prove nothing of the first attempt, so reads of the
/// refunded amount settle it, once out of the window: applied if it was,
/// not applied if it was not, never closed by a refusal alone.
#[tokio::test]
async fn a_refund_whose_resends_are_refused_is_settled_by_reads() {
    use dojo_payments_emulator::Fault;
    const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let dojo = quick_settling(&emulator);
    for acted in [false, true] {
        let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
        let id = intent.id.clone().unwrap();
        let first = if acted {
            Fault::fail_after_commit(500)
        } else {
            Fault::fail(500)
        };
        emulator.inject_fault(REFUNDS, first, 1).unwrap();
        emulator
            .inject_fault(REFUNDS, Fault::fail(400), 100)
            .unwrap();
        let journal = Journal::new(InMemoryJournal::default(), &dojo);
        let state = journal
            .refund(&dojo, "order-12/refund", &intent, gbp(300))
            .await
            .unwrap();
        assert_eq!(state, EntryState::Open, "acted: {acted}");
        tokio::time::sleep(Duration::from_millis(800)).await;
        let reconciled = journal.reconcile(&dojo).await.unwrap();
        let state = &reconciled[0].state;
        assert_eq!(emulator.refund_count(&id), usize::from(acted));
        if acted {
            assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");
        } else {
            assert!(matches!(state, EntryState::NotApplied { .. }), "{state:?}");
        }
        emulator.clear_faults();
    }
}

/// A refund's resend that may still land (answered 500, committed 300 ms
/// later) is not settled "not applied" by reads made meanwhile: the entry
/// stays open, and is found applied once the resend lands.
#[tokio::test]
async fn a_refund_whose_resend_may_still_land_stays_open() {
    use dojo_payments_emulator::{BadAnswer, Fault};
    const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let dojo = quick_settling(&emulator);
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    // The first call: every attempt answered 500, nothing done.
    let attempts = dojo.retry_policy().max_attempts as usize;
    emulator
        .inject_fault(REFUNDS, Fault::fail(500), attempts)
        .unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    let state = journal
        .refund(&dojo, "order-13/refund", &intent, gbp(300))
        .await
        .unwrap();
    assert_eq!(state, EntryState::Open);
    tokio::time::sleep(Duration::from_millis(800)).await;
    // The resend: answered 500 at once, made 300 ms later.
    let later = Fault::CommitLater {
        after: Duration::from_millis(300),
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    };
    emulator
        .inject_faults(REFUNDS, std::iter::repeat_n(later, attempts))
        .unwrap();
    let reconciled = journal.reconcile(&dojo).await.unwrap();
    assert_eq!(reconciled[0].state, EntryState::Open, "{reconciled:?}");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(emulator.refund_count(&id), 1);
    emulator.clear_faults();
    let reconciled = journal.reconcile(&dojo).await.unwrap();
    assert!(
        matches!(reconciled[0].state, EntryState::Applied { .. }),
        "{reconciled:?}"
    );
    assert_eq!(emulator.refund_count(&id), 1, "one refund");
}

/// What the first attempt proves closes its entry at once: a capture
/// answered 500 and shown made by the SDK's read is `Applied`; one Dojo
/// refuses with a documented status is `NotApplied`, and nothing moved.
#[tokio::test]
async fn a_first_attempt_that_proves_its_outcome_closes_the_entry() {
    use dojo_payments_emulator::Fault;
    let (emulator, dojo) = dojo().await;
    let journal = Journal::new(InMemoryJournal::default(), &dojo);

    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::fail_after_commit(500), 1)
        .unwrap();
    let state = journal
        .capture(&dojo, "order-14/capture", &intent, gbp(400))
        .await
        .unwrap();
    assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");

    let other = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::fail(400), 1)
        .unwrap();
    let state = journal
        .capture(&dojo, "order-15/capture", &other, gbp(400))
        .await
        .unwrap();
    assert!(matches!(state, EntryState::NotApplied { .. }), "{state:?}");
    let held = emulator.payment_intent(other.id.as_ref().unwrap()).unwrap();
    assert_eq!(held.captures.unwrap_or_default().len(), 0);
    assert!(journal.store().open_entries().await.unwrap().is_empty());
    let shown = format!("{:?}", journal.store());
    assert!(
        shown.contains("InMemoryJournal") && shown.contains("entries: 2"),
        "{shown}"
    );
}

/// The in-memory store lists an intent's entries at one location, and no
/// other: not another intent's there, not the same intent's elsewhere
/// (what the journal weighs a refund's growth against).
#[tokio::test]
async fn the_in_memory_store_lists_the_entries_of_one_intent_at_one_location() {
    let store = InMemoryJournal::default();
    let here = LocationId::default();
    let there = LocationId::new("camden").unwrap();
    let pi = |id: &str| dojo_payments::types::PaymentIntentId::from_wire(id);
    let entry = |name: &str, location: &LocationId, intent: &str| Entry {
        name: name.to_owned(),
        movement: Movement::Cancel,
        payment_intent: pi(intent),
        location: location.clone(),
        before: Before::unrecorded(),
        state: EntryState::Open,
        opened_at: Utc::now(),
    };
    for e in [
        entry("a", &here, "pi_1"),
        entry("b", &here, "pi_2"),
        entry("c", &there, "pi_1"),
        entry("d", &here, "pi_1"),
    ] {
        store.open(&e).await.unwrap();
    }
    let mut names: Vec<String> = store
        .entries_of(&here, &pi("pi_1"))
        .await
        .unwrap()
        .expect("the in-memory store lists entries")
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.sort();
    assert_eq!(names, ["a", "d"]);
}

/// A refund asked again under its name, with the intent read after it
/// used up what was left, answers the first refund's outcome: the rules
/// that refuse an amount no refund can have are not asked of a name
/// already taken (a resent form, a retried job).
#[tokio::test]
async fn a_name_asked_again_after_its_refund_used_up_the_intent_answers_its_outcome() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    let first = journal
        .refund(&dojo, "order-16/refund", &intent, gbp(1000))
        .await
        .unwrap();
    assert!(matches!(first, EntryState::Applied { .. }), "{first:?}");
    let after = dojo.payment_intents().get(&id).await.unwrap();
    let again = journal
        .refund(&dojo, "order-16/refund", &after, gbp(1000))
        .await
        .unwrap();
    assert_eq!(again, first);
    // A new name for the same amount is refused before sending.
    let other = journal
        .refund(&dojo, "order-16/refund-2", &after, gbp(1000))
        .await;
    assert!(matches!(other, Err(JournalError::Refused(_))), "{other:?}");
    assert_eq!(emulator.refund_count(&id), 1);
}
