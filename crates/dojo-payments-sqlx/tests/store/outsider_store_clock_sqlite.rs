//! Outsider: on SQLite, an entry is now stamped with the host's clock
//! *before* its INSERT runs (b2280b1). The INSERT may wait for SQLite's
//! write lock (another writer, up to the busy timeout) before it commits,
//! and the call is sent only after that commit. An entry's age, which the
//! in-flight window is measured by, must start no earlier than the entry
//! could be seen: otherwise a second caller or `reconcile` judges a call
//! out of its window while it is still in flight, and settles it
//! `NotApplied` while Dojo makes it. The emulator is the oracle.

use std::time::Duration;

use chrono::Utc;
use dojo_payments::Dojo;
use dojo_payments::api_types::{CaptureMode, PaymentIntent};
use dojo_payments::journal::{EntryState, Journal, JournalError, JournalStore};
use dojo_payments::types::PaymentIntentId;
use dojo_payments_emulator::{Emulator, Fault};
use dojo_payments_sqlx::SqlJournal;
use sqlx::Connection;

use crate::common::*;

const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";

/// How long another writer holds SQLite's write lock (under the pool's
/// 5 s busy timeout, so the INSERT waits and then succeeds).
const LOCK_HELD: Duration = Duration::from_millis(2_500);

/// Another connection takes the write lock and holds it for `LOCK_HELD`;
/// answers when it has it, and the time it let go.
async fn hold_write_lock(url: &str) -> tokio::task::JoinHandle<chrono::DateTime<Utc>> {
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(LOCK_HELD).await;
        let released = Utc::now();
        sqlx::raw_sql("COMMIT").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        released
    })
}

/// The entry's `opened_at` is no earlier than the moment the lock it
/// waited for was let go (its commit came after): its age starts when it
/// is written, not when the caller asked.
#[tokio::test]
async fn an_entry_that_waited_for_the_write_lock_is_aged_from_its_write() {
    sqlx::any::install_default_drivers();
    let url = sqlite_file("outsider_aged_from_write");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (_, read) = paid(&emulator, &dojo, CaptureMode::Manual).await;
    let journal = Journal::new(SqlJournal::connect(&url).await.unwrap(), &dojo);

    let lock = hold_write_lock(&url).await;
    let state = journal
        .capture(&dojo, "order-1/capture", &read, gbp(1_000))
        .await
        .unwrap();
    assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");
    let released = lock.await.unwrap();
    journal.flush().await;
    let entry = journal
        .store()
        .entry(dojo.location_id(), "order-1/capture")
        .await
        .unwrap()
        .unwrap();
    let early = released.signed_duration_since(entry.opened_at);
    assert!(
        early < chrono::Duration::milliseconds(100),
        "the entry was stamped {early} before it could be written (opened_at {}, lock released {released})",
        entry.opened_at
    );
}

/// Journal A (a pool of its own: another process) captures £10 under
/// `name` on `file`: its entry waits `LOCK_HELD` for the write lock, then
/// the capture is sent and made 600 ms later (within its 1 s deadline).
/// Journal B, on the same file, is handed over once A's entry is there.
struct CaptureBehindALock {
    emulator: Emulator,
    dojo: Dojo,
    id: PaymentIntentId,
    read: PaymentIntent,
    b: Journal<SqlJournal>,
    /// A's call, with its outcome written.
    first: tokio::task::JoinHandle<Result<EntryState, JournalError>>,
    lock: tokio::task::JoinHandle<chrono::DateTime<Utc>>,
}

async fn capture_behind_a_lock(file: &str, name: &'static str) -> CaptureBehindALock {
    sqlx::any::install_default_drivers();
    let url = sqlite_file(file);
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Manual).await;
    let a_store = SqlJournal::connect(&url).await.unwrap();
    let b = Journal::new(SqlJournal::connect(&url).await.unwrap(), &dojo);
    emulator
        .inject_fault(CAPTURES, Fault::Latency(Duration::from_millis(600)), 1)
        .unwrap();

    let lock = hold_write_lock(&url).await;
    let first = {
        let (dojo, read) = (dojo.clone(), read.clone());
        tokio::spawn(async move {
            let a = Journal::new(a_store, &dojo);
            let state = a.capture(&dojo, name, &read, gbp(1_000)).await;
            a.flush().await;
            state
        })
    };
    while b
        .store()
        .entry(dojo.location_id(), name)
        .await
        .unwrap()
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    CaptureBehindALock {
        emulator,
        dojo,
        id,
        read,
        b,
        first,
        lock,
    }
}

/// Journal B asks A's name as soon as A's entry is there, while A's
/// capture waited for the write lock and is in flight: B must not answer
/// `NotApplied` for a capture Dojo makes.
#[tokio::test]
async fn a_second_journal_never_settles_not_applied_a_call_still_in_flight() {
    let w = capture_behind_a_lock("outsider_in_flight_after_lock", "order-2/capture").await;
    let second =
        w.b.capture(&w.dojo, "order-2/capture", &w.read, gbp(1_000))
            .await
            .unwrap();
    let first = w.first.await.unwrap().unwrap();
    w.lock.await.unwrap();

    let made = w
        .emulator
        .payment_intent(&w.id)
        .unwrap()
        .captures
        .iter()
        .flatten()
        .count();
    assert_eq!(made, 1, "Dojo made the capture: A's answer {first:?}");
    assert!(
        matches!(second, EntryState::Applied { .. }),
        "B was told {second:?} of a capture Dojo made (A was told {first:?})"
    );
}

/// As above, with `reconcile` (journal B, another process, at start-up or
/// on its minute) instead of a second caller: a capture sent after its
/// entry waited for the lock, and in flight, must not be settled
/// `NotApplied`.
#[tokio::test]
async fn reconcile_never_settles_not_applied_a_call_still_in_flight() {
    let w = capture_behind_a_lock("outsider_reconcile_in_flight", "order-3/capture").await;
    let reconciled = w.b.reconcile(&w.dojo).await.unwrap();
    let first = w.first.await.unwrap().unwrap();
    w.lock.await.unwrap();
    let made = w
        .emulator
        .payment_intent(&w.id)
        .unwrap()
        .captures
        .iter()
        .flatten()
        .count();
    assert_eq!(made, 1, "Dojo made the capture: A's answer {first:?}");
    for r in &reconciled {
        assert!(
            !matches!(r.state, EntryState::NotApplied { .. }),
            "reconcile settled a capture Dojo made NotApplied: {r:?} (A was told {first:?})"
        );
    }
    let entry =
        w.b.store()
            .entry(w.dojo.location_id(), "order-3/capture")
            .await
            .unwrap()
            .unwrap();
    assert!(
        matches!(entry.state, EntryState::Applied { .. }),
        "the journal records {:?} for a capture Dojo made",
        entry.state
    );
}
