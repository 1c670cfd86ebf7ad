//! A journaled call waits for one durable write, its entry's. An outcome
//! that proves the movement (`Applied`) is written behind the answer: the
//! caller does not wait for it, the journal answers from it meanwhile, and
//! a write that never lands leaves the entry for `reconcile`. An outcome
//! that nothing moved (`NotApplied`) is written before the caller hears it.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use dojo_payments::StoreError;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{
    Closed, Entry, EntryState, InMemoryJournal, Journal, JournalStore, Opened,
};
use dojo_payments::types::LocationId;

/// The client's location: entries are named per location.
fn site() -> LocationId {
    LocationId::default()
}

const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";

/// How long the store takes to write an outcome.
const SLOW: Duration = Duration::from_millis(1500);

/// A store whose outcomes take `SLOW` to write, or fail.
#[derive(Default)]
struct SlowOutcomes {
    inner: InMemoryJournal,
    failing: AtomicBool,
}

impl JournalStore for SlowOutcomes {
    async fn now(&self) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
        self.inner.now().await
    }
    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        self.inner.open(entry).await
    }
    async fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> Result<Closed, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError("the database went away".into()));
        }
        tokio::time::sleep(SLOW).await;
        self.inner.close(location, name, state).await
    }
    async fn entry(&self, location: &LocationId, name: &str) -> Result<Option<Entry>, StoreError> {
        self.inner.entry(location, name).await
    }
    async fn open_entries(&self) -> Result<Vec<Entry>, StoreError> {
        self.inner.open_entries().await
    }
}

fn state_of(entry: Option<Entry>) -> EntryState {
    entry.expect("the entry is written").state
}

#[tokio::test]
async fn an_applied_outcome_is_written_behind_the_answer() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let store = Arc::new(SlowOutcomes::default());
    let journal = Journal::new(store.clone(), &dojo);

    let started = Instant::now();
    let state = journal
        .capture(&dojo, "order-1/capture", &intent, gbp(400))
        .await
        .unwrap();
    assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");
    assert!(
        started.elapsed() < SLOW,
        "the caller waited {:?} for the record of an answer that proved the capture",
        started.elapsed()
    );
    let recorded = state_of(store.entry(&site(), "order-1/capture").await.unwrap());
    assert!(recorded.is_open(), "still being written: {recorded:?}");

    // The same name meanwhile: the journal answers from the outcome it is
    // writing; nothing is sent, nothing waits for the window.
    let started = Instant::now();
    let again = journal
        .capture(&dojo, "order-1/capture", &intent, gbp(400))
        .await
        .unwrap();
    assert_eq!(again, state);
    assert!(started.elapsed() < SLOW);
    assert_eq!(calls(&emulator, CAPTURES), 1, "one capture sent");

    journal.flush().await;
    assert_eq!(
        state_of(store.entry(&site(), "order-1/capture").await.unwrap()),
        state
    );
    let held = emulator
        .payment_intent(intent.id.as_ref().unwrap())
        .unwrap();
    assert_eq!(held.captures.unwrap_or_default().len(), 1);
}

#[tokio::test]
async fn a_not_applied_outcome_is_written_before_the_answer() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let store = Arc::new(SlowOutcomes::default());
    let journal = Journal::new(store.clone(), &dojo);

    // A documented refusal (Dojo's, not one the journal's rules see
    // coming): nothing moved.
    emulator
        .inject_fault(CAPTURES, dojo_payments_emulator::Fault::fail(400), 1)
        .unwrap();
    let started = Instant::now();
    let state = journal
        .capture(&dojo, "order-2/capture", &intent, gbp(400))
        .await
        .unwrap();
    assert!(matches!(state, EntryState::NotApplied { .. }), "{state:?}");
    assert!(
        started.elapsed() >= SLOW,
        "the caller heard NotApplied before it was written"
    );
    assert_eq!(
        state_of(store.entry(&site(), "order-2/capture").await.unwrap()),
        state
    );
    let held = emulator
        .payment_intent(intent.id.as_ref().unwrap())
        .unwrap();
    assert_eq!(held.captures.unwrap_or_default().len(), 0);
}

/// The write behind the answer fails (the database went away): the caller
/// still heard the truth, and the entry stays open, as after a crash, for
/// `reconcile` to settle by reads once it cannot be in flight.
#[tokio::test]
async fn an_outcome_whose_write_fails_is_left_to_reconcile() {
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
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    let store = Arc::new(SlowOutcomes::default());
    store.failing.store(true, Ordering::SeqCst);
    let journal = Journal::new(store.clone(), &dojo);

    let state = journal
        .capture(&dojo, "order-3/capture", &intent, gbp(400))
        .await
        .unwrap();
    assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");
    journal.flush().await;
    assert!(state_of(store.entry(&site(), "order-3/capture").await.unwrap()).is_open());

    store.failing.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(800)).await; // out of the window
    let settled = journal.reconcile(&dojo).await.unwrap();
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert!(
        matches!(settled[0].state, EntryState::Applied { .. }),
        "{settled:?}"
    );
    assert_eq!(
        calls(&emulator, CAPTURES),
        1,
        "reconcile read, and sent nothing"
    );
    let held = emulator
        .payment_intent(intent.id.as_ref().unwrap())
        .unwrap();
    assert_eq!(held.captures.unwrap_or_default().len(), 1);
}

/// Log lines, kept for the test to read.
#[derive(Clone, Default)]
struct Logged(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logged {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logged {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// A store where another caller has settled every entry already, as
/// `settled`, by the time this caller's outcome is written (after a pause,
/// so that the write can be seen pending).
#[derive(Debug)]
struct SettledByAnother {
    inner: InMemoryJournal,
    settled: EntryState,
}

impl JournalStore for SettledByAnother {
    async fn now(&self) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
        self.inner.now().await
    }
    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        self.inner.open(entry).await
    }
    async fn close(&self, _: &LocationId, _: &str, _: &EntryState) -> Result<Closed, StoreError> {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(Closed::Already(self.settled.clone()))
    }
    async fn entry(&self, location: &LocationId, name: &str) -> Result<Option<Entry>, StoreError> {
        self.inner.entry(location, name).await
    }
    async fn open_entries(&self) -> Result<Vec<Entry>, StoreError> {
        self.inner.open_entries().await
    }
}

/// The outcome written behind the answer meets an entry another caller
/// settled: the same way, nothing to say; the other way (the answer proved
/// the capture, the other caller recorded it as not made), an error naming
/// the entry, for someone to look at the payment intent. And while the
/// write is pending, the journal's `Debug` counts it. (Current-thread
/// runtime: the write's task logs on this thread, where the subscriber is.)
#[tokio::test]
async fn an_outcome_that_meets_another_caller_s_settlement_says_so_when_they_differ() {
    for (settled, disagrees) in [
        (EntryState::Applied { detail: None }, false),
        (
            EntryState::NotApplied {
                reason: "another caller read it so".into(),
            },
            true,
        ),
    ] {
        let logged = Logged::default();
        let writer = logged.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let (emulator, dojo) = dojo().await;
        let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
        let journal = Journal::new(
            SettledByAnother {
                inner: InMemoryJournal::default(),
                settled,
            },
            &dojo,
        );
        let state = journal
            .capture(&dojo, "order-4/capture", &intent, gbp(400))
            .await
            .unwrap();
        assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");
        let pending = format!("{journal:?}");
        assert!(pending.contains("pending: 1"), "{pending}");
        journal.flush().await;
        let written = format!("{journal:?}");
        assert!(written.contains("pending: 0"), "{written}");

        let text = logged.text();
        assert_eq!(
            text.contains("another caller settled this journal entry otherwise"),
            disagrees,
            "{text}"
        );
        assert!(text.contains("order-4/capture") == disagrees, "{text}");
    }
}
