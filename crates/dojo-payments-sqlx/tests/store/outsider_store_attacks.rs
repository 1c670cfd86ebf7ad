//! Outsider attacks on the SQL journal's entry write (fetch_all /
//! execute, 6a5e5f8, b2280b1) and on connections lent unpinged (e4870e8):
//! two journals (two pools, as two processes) racing on one name; an
//! entry stamped after a wait for a lock (PostgreSQL); connections killed
//! while an entry waits and while a call is in flight. The emulator is the
//! oracle of what Dojo did. On a SQLite file, and on PostgreSQL when
//! `DOJO_TEST_POSTGRES_URL` names a server (`.ci/start-postgres`).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{EntryState, Journal, JournalError, JournalStore};
use dojo_payments::types::PaymentIntentId;
use dojo_payments_emulator::{Emulator, Fault};
use dojo_payments_sqlx::SqlJournal;
use sqlx::Connection;

use crate::common::*;

const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

fn captures_made(emulator: &Emulator, id: &PaymentIntentId) -> usize {
    emulator
        .payment_intent(id)
        .unwrap()
        .captures
        .iter()
        .flatten()
        .count()
}

/// Eight callers of one name, four on each of two journals (two pools,
/// as two processes): one refund and one capture made, every caller
/// answered `Applied` (or open, never `NotApplied`), and the name asked
/// for another call is `NameReused` on both.
#[tokio::test]
async fn two_journals_racing_on_one_name_make_one_call() {
    sqlx::any::install_default_drivers();
    for url in databases("outsider_race").await {
        let emulator = Emulator::start().await.unwrap();
        let dojo = quick(&emulator);
        let journals = [
            Arc::new(Journal::new(
                SqlJournal::connect(&url).await.unwrap(),
                &dojo,
            )),
            Arc::new(Journal::new(
                SqlJournal::connect(&url).await.unwrap(),
                &dojo,
            )),
        ];

        // Refunds.
        let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
        emulator
            .inject_fault(REFUNDS, Fault::Latency(Duration::from_millis(200)), 1)
            .unwrap();
        let mut tasks = Vec::new();
        for n in 0..8 {
            let journal = Arc::clone(&journals[n % 2]);
            let (dojo, read) = (dojo.clone(), read.clone());
            tasks.push(tokio::spawn(async move {
                journal.refund(&dojo, "race/refund", &read, gbp(300)).await
            }));
        }
        for task in tasks {
            let state = task.await.unwrap().unwrap();
            assert!(
                !matches!(state, EntryState::NotApplied { .. }),
                "{url}: a caller was told the made refund was not: {state:?}"
            );
        }
        for journal in &journals {
            journal.flush().await;
        }
        assert_eq!(emulator.refund_count(&id), 1, "{url}: one refund");
        for journal in &journals {
            let reused = journal.refund(&dojo, "race/refund", &read, gbp(400)).await;
            assert!(
                matches!(reused, Err(JournalError::NameReused { .. })),
                "{url}: {reused:?}"
            );
        }
        assert_eq!(emulator.refund_count(&id), 1, "{url}: still one refund");

        // Captures: the losers wait for the winner's outcome.
        let (id, read) = paid(&emulator, &dojo, CaptureMode::Manual).await;
        emulator
            .inject_fault(CAPTURES, Fault::Latency(Duration::from_millis(300)), 1)
            .unwrap();
        let mut tasks = Vec::new();
        for n in 0..8 {
            let journal = Arc::clone(&journals[n % 2]);
            let (dojo, read) = (dojo.clone(), read.clone());
            tasks.push(tokio::spawn(async move {
                journal
                    .capture(&dojo, "race/capture", &read, gbp(1_000))
                    .await
            }));
        }
        for task in tasks {
            let state = task.await.unwrap().unwrap();
            assert!(
                matches!(state, EntryState::Applied { .. }),
                "{url}: every caller of the made capture is told so: {state:?}"
            );
        }
        assert_eq!(captures_made(&emulator, &id), 1, "{url}: one capture");
        for journal in &journals {
            journal.flush().await;
            let reused = journal.reverse(&dojo, "race/capture", &read).await;
            assert!(
                matches!(reused, Err(JournalError::NameReused { .. })),
                "{url}: {reused:?}"
            );
        }
        for journal in &journals {
            journal.store().pool().close().await;
        }
    }
}

/// On PostgreSQL the entry is stamped by `clock_timestamp()` in its
/// statement: an INSERT that waits for a lock on the table is stamped when
/// it runs, so a second journal waits for a capture sent after the wait,
/// and is told it was made.
#[tokio::test]
async fn on_postgres_a_call_sent_after_a_lock_wait_is_not_settled_while_in_flight() {
    sqlx::any::install_default_drivers();
    let Some(Postgres { url, .. }) = postgres("outsider_lock_wait").await else {
        return;
    };
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Manual).await;
    let a_store = SqlJournal::connect(&url).await.unwrap();
    let b = Journal::new(SqlJournal::connect(&url).await.unwrap(), &dojo);
    emulator
        .inject_fault(CAPTURES, Fault::Latency(Duration::from_millis(600)), 1)
        .unwrap();

    let mut blocker = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE dojo_journal IN EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let lock = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        let released = Utc::now();
        sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
        released
    });
    let first = {
        let (dojo, read) = (dojo.clone(), read.clone());
        tokio::spawn(async move {
            let a = Journal::new(a_store, &dojo);
            let state = a.capture(&dojo, "order-2/capture", &read, gbp(1_000)).await;
            a.flush().await;
            state
        })
    };
    let site = dojo.location_id().clone();
    // EXCLUSIVE mode lets reads through.
    while b
        .store()
        .entry(&site, "order-2/capture")
        .await
        .unwrap()
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = b
        .capture(&dojo, "order-2/capture", &read, gbp(1_000))
        .await
        .unwrap();
    let first = first.await.unwrap().unwrap();
    let released = lock.await.unwrap();
    assert_eq!(captures_made(&emulator, &id), 1, "A: {first:?}");
    assert!(
        matches!(second, EntryState::Applied { .. }),
        "B was told {second:?} of a capture Dojo made"
    );
    let entry = b
        .store()
        .entry(&site, "order-2/capture")
        .await
        .unwrap()
        .unwrap();
    assert!(
        entry.opened_at >= released - chrono::Duration::milliseconds(100),
        "stamped {} before the lock was let go",
        released - entry.opened_at
    );
}

/// The journal's connection is killed while its entry's INSERT waits for
/// a lock (PostgreSQL): the store's error, nothing sent, no entry; the
/// same name then makes the refund once.
#[tokio::test]
async fn a_connection_killed_while_the_entry_waits_sends_nothing() {
    sqlx::any::install_default_drivers();
    let Some(Postgres { url, admin, .. }) = postgres("outsider_killed_waiting").await else {
        return;
    };
    let database = url.rsplit_once('/').unwrap().1.to_owned();
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let journal = Arc::new(Journal::new(
        SqlJournal::connect(&url).await.unwrap(),
        &dojo,
    ));
    let killer = dojo_payments_sqlx::pool(&admin).await.unwrap();

    let mut blocker = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE dojo_journal IN EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let waiting = {
        let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), read.clone());
        tokio::spawn(async move {
            journal
                .refund(&dojo, "order-3/refund", &read, gbp(300))
                .await
        })
    };
    // Kill every backend waiting for a lock on the journal's database.
    let mut killed = 0i64;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        killed = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = $1 AND wait_event_type = 'Lock'",
        )
        .bind(&database)
        .fetch_one(&killer)
        .await
        .unwrap();
        if killed > 0 {
            break;
        }
    }
    assert!(killed >= 1, "the waiting INSERT's backend was killed");
    let failed = waiting.await.unwrap();
    assert!(matches!(failed, Err(JournalError::Store(_))), "{failed:?}");
    sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
    journal.flush().await;
    assert_eq!(emulator.refund_count(&id), 0, "nothing sent");
    assert!(
        journal
            .store()
            .entry(dojo.location_id(), "order-3/refund")
            .await
            .unwrap()
            .is_none(),
        "no entry"
    );
    // A dead connection may be lent once more: each failure sends nothing.
    let mut failures = 0;
    let made = loop {
        match journal
            .refund(&dojo, "order-3/refund", &read, gbp(300))
            .await
        {
            Err(JournalError::Store(_)) if failures < 8 => {
                assert_eq!(emulator.refund_count(&id), 0, "a failed entry sent nothing");
                failures += 1;
            }
            other => break other.unwrap(),
        }
    };
    assert!(matches!(made, EntryState::Applied { .. }), "{made:?}");
    journal.flush().await;
    assert_eq!(emulator.refund_count(&id), 1, "made once");
}

/// Every connection of the journal's database killed while a refund and
/// a capture are in flight (PostgreSQL): both answered `Applied`; an
/// outcome lost with its connection leaves the entry open, and
/// `reconcile` settles it `Applied` without moving money again.
#[tokio::test]
async fn outcomes_lost_with_their_connection_are_recovered_by_reconcile() {
    sqlx::any::install_default_drivers();
    let Some(Postgres { url, admin, .. }) = postgres("outsider_killed_in_flight").await else {
        return;
    };
    let database = url.rsplit_once('/').unwrap().1.to_owned();
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (refunded, auto) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let (captured, manual) = paid(&emulator, &dojo, CaptureMode::Manual).await;
    let journal = Arc::new(Journal::new(
        SqlJournal::connect(&url).await.unwrap(),
        &dojo,
    ));
    let killer = dojo_payments_sqlx::pool(&admin).await.unwrap();
    let slow = Fault::Latency(Duration::from_millis(600));
    emulator.inject_fault(REFUNDS, slow.clone(), 1).unwrap();
    emulator.inject_fault(CAPTURES, slow, 1).unwrap();

    let refund = {
        let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), auto.clone());
        tokio::spawn(async move { journal.refund(&dojo, "o/refund", &read, gbp(300)).await })
    };
    let capture = {
        let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), manual.clone());
        tokio::spawn(async move { journal.capture(&dojo, "o/capture", &read, gbp(1_000)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .fetch_one(&killer)
    .await
    .unwrap();
    assert!(killed >= 1);
    let refund = refund.await.unwrap().unwrap();
    let capture = capture.await.unwrap().unwrap();
    assert!(matches!(refund, EntryState::Applied { .. }), "{refund:?}");
    assert!(matches!(capture, EntryState::Applied { .. }), "{capture:?}");
    journal.flush().await;
    let site = dojo.location_id().clone();
    let mut open = 0;
    for name in ["o/refund", "o/capture"] {
        // The store may fail once more on a dead connection.
        let entry = loop {
            if let Ok(entry) = journal.store().entry(&site, name).await {
                break entry.unwrap();
            }
        };
        open += usize::from(entry.state.is_open());
    }
    eprintln!("{open} outcome(s) lost with their connection");

    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let reconciled = loop {
        if let Ok(reconciled) = journal.reconcile(&dojo).await {
            break reconciled;
        }
    };
    assert_eq!(reconciled.len(), open, "{reconciled:?}");
    for r in &reconciled {
        assert!(matches!(r.state, EntryState::Applied { .. }), "{r:?}");
    }
    for name in ["o/refund", "o/capture"] {
        let entry = journal.store().entry(&site, name).await.unwrap().unwrap();
        assert!(
            matches!(entry.state, EntryState::Applied { .. }),
            "{name}: {entry:?}"
        );
    }
    assert_eq!(emulator.refund_count(&refunded), 1, "one refund");
    assert_eq!(captures_made(&emulator, &captured), 1, "one capture");
    let again = journal
        .refund(&dojo, "o/refund", &auto, gbp(300))
        .await
        .unwrap();
    assert!(matches!(again, EntryState::Applied { .. }), "{again:?}");
    assert_eq!(emulator.refund_count(&refunded), 1, "still one refund");
}

/// A SQLite file locked by another writer past the busy timeout (5 s):
/// the entry's INSERT fails, the store's error, nothing sent, no entry.
/// An `Applied` outcome that cannot be written behind the answer (the
/// lock taken while the refund is in flight) leaves the entry open, and
/// `reconcile` settles it `Applied` without a second refund.
#[tokio::test]
async fn a_sqlite_file_locked_past_the_busy_timeout_sends_nothing_and_loses_nothing() {
    sqlx::any::install_default_drivers();
    let url = sqlite_file("outsider_locked");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let journal = Journal::new(SqlJournal::connect(&url).await.unwrap(), &dojo);
    let site = dojo.location_id().clone();

    let mut blocker = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let failed = journal.refund(&dojo, "l/refund-1", &read, gbp(100)).await;
    assert!(matches!(failed, Err(JournalError::Store(_))), "{failed:?}");
    sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
    assert_eq!(emulator.refund_count(&id), 0, "nothing sent");
    assert!(
        journal
            .store()
            .entry(&site, "l/refund-1")
            .await
            .unwrap()
            .is_none(),
        "no entry"
    );

    // The outcome cannot be written: the lock is taken while in flight.
    emulator
        .inject_fault(REFUNDS, Fault::Latency(Duration::from_millis(600)), 1)
        .unwrap();
    let journal = Arc::new(journal);
    let refund = {
        let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), read.clone());
        tokio::spawn(async move { journal.refund(&dojo, "l/refund-2", &read, gbp(100)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let made = refund.await.unwrap().unwrap();
    assert!(matches!(made, EntryState::Applied { .. }), "{made:?}");
    journal.flush().await; // the write behind fails after the busy timeout
    sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
    let entry = journal
        .store()
        .entry(&site, "l/refund-2")
        .await
        .unwrap()
        .unwrap();
    eprintln!("after the locked outcome write: {:?}", entry.state);
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let reconciled = journal.reconcile(&dojo).await.unwrap();
    for r in &reconciled {
        assert!(matches!(r.state, EntryState::Applied { .. }), "{r:?}");
    }
    let entry = journal
        .store()
        .entry(&site, "l/refund-2")
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(entry.state, EntryState::Applied { .. }),
        "{entry:?}"
    );
    assert_eq!(emulator.refund_count(&id), 1, "one refund");
}

/// A journal on a SQLite file opened read-only (`mode=ro`, as a replica
/// or a mount gone read-only): every entry's write fails, nothing is
/// sent, and no name is taken; the writable journal then makes the call
/// once.
#[tokio::test]
async fn a_read_only_sqlite_journal_sends_nothing() {
    sqlx::any::install_default_drivers();
    let url = sqlite_file("outsider_read_only");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let (captured, manual) = paid(&emulator, &dojo, CaptureMode::Manual).await;
    let writable = Journal::new(SqlJournal::connect(&url).await.unwrap(), &dojo);
    let read_only_url = url.replace("mode=rwc", "mode=ro");
    let read_only = match SqlJournal::connect(&read_only_url).await {
        Ok(store) => Journal::new(store, &dojo),
        Err(error) => {
            eprintln!("a read-only journal does not even connect: {error}");
            return;
        }
    };
    let refund = read_only.refund(&dojo, "ro/refund", &read, gbp(100)).await;
    assert!(matches!(refund, Err(JournalError::Store(_))), "{refund:?}");
    let capture = read_only
        .capture(&dojo, "ro/capture", &manual, gbp(1_000))
        .await;
    assert!(
        matches!(capture, Err(JournalError::Store(_))),
        "{capture:?}"
    );
    assert_eq!(emulator.refund_count(&id), 0, "a refund sent");
    assert_eq!(captures_made(&emulator, &captured), 0, "a capture sent");
    let made = writable
        .refund(&dojo, "ro/refund", &read, gbp(100))
        .await
        .unwrap();
    assert!(matches!(made, EntryState::Applied { .. }), "{made:?}");
    writable.flush().await;
    assert_eq!(emulator.refund_count(&id), 1);
}
