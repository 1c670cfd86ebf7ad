//! Outsider attacks on the SQLite write turns (044e2fe,
//! `src/write_turns.rs`): every write of a `SqlJournal` on SQLite waits
//! for its turn in a fair mutex shared by the journal's clones, failing
//! after 5 s. Attacked here: a queue of calls and of outcomes written
//! behind, all stuck behind a file held by another connection past the
//! busy timeout (bounded failures, nothing sent without its entry, no
//! money moved twice, everything settled after); callers aborted while
//! they wait for a turn or hold one; clones and a second journal made
//! apart on one file, racing on the same names; an in-memory database.
//! The emulator is the oracle of what Dojo did.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{EntryState, Journal, JournalError, JournalStore};
use dojo_payments_emulator::{Emulator, Fault};
use dojo_payments_sqlx::SqlJournal;
use sqlx::Connection;

use crate::common::*;

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

/// Two waits for a turn (5 s each: one holding the turn in SQLite's busy
/// handler, the next one's own), and some slack on a 2-core machine.
const BOUND: Duration = Duration::from_millis(11_500);

/// Eight calls queued behind a file another connection holds for 6.5 s
/// (past the busy timeout): two refunds already in flight (their
/// outcomes written behind, queued for a turn) and six new refunds whose
/// entries queue for turns. Each queued call ends within two waits for a
/// turn, not 5 s times its place in the queue; a call that failed sent
/// nothing and left no entry; one that succeeded moved money once. Once
/// the lock is let go, `reconcile` settles what is open `Applied` with no
/// second refund, and every name asked again answers `Applied` with one
/// refund per intent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_queued_behind_a_locked_file_fail_in_bounded_time_and_move_money_once() {
    let url = sqlite_file("outsider_turns_locked_queue");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let mut intents = Vec::new();
    for _ in 0..8 {
        intents.push(paid(&emulator, &dojo, CaptureMode::Auto).await);
    }
    let journal = Arc::new(Journal::new(
        SqlJournal::connect(&url).await.unwrap(),
        &dojo,
    ));
    let site = dojo.location_id().clone();
    let name = |n: usize| format!("q/refund-{n}");

    // Two refunds in flight when the lock is taken.
    emulator
        .inject_fault(REFUNDS, Fault::Latency(Duration::from_millis(700)), 2)
        .unwrap();
    let mut calls = Vec::new();
    for (n, (_, read)) in intents.iter().enumerate().take(2) {
        let (journal, dojo, read, name) =
            (Arc::clone(&journal), dojo.clone(), read.clone(), name(n));
        calls.push(tokio::spawn(async move {
            let asked = Instant::now();
            let state = journal.refund(&dojo, &name, &read, gbp(100)).await;
            (state, asked.elapsed())
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let release = lock_file_for(&url, Duration::from_millis(6_500)).await;
    for (n, (_, read)) in intents.iter().enumerate().skip(2) {
        let (journal, dojo, read, name) =
            (Arc::clone(&journal), dojo.clone(), read.clone(), name(n));
        calls.push(tokio::spawn(async move {
            let asked = Instant::now();
            let state = journal.refund(&dojo, &name, &read, gbp(100)).await;
            (state, asked.elapsed())
        }));
    }
    let mut outcomes = Vec::new();
    for (n, call) in calls.into_iter().enumerate() {
        let (state, took) = within(Duration::from_secs(15), &name(n), call)
            .await
            .unwrap();
        eprintln!("{}: {state:?} in {took:?}", name(n));
        assert!(took < BOUND, "{}: answered after {took:?}", name(n));
        outcomes.push(state);
    }
    within(Duration::from_secs(12), "flush", journal.flush()).await;
    within(Duration::from_secs(10), "the lock's release", release)
        .await
        .unwrap();
    for (n, state) in outcomes.iter().enumerate() {
        let (id, _) = &intents[n];
        let entry = journal.store().entry(&site, &name(n)).await.unwrap();
        match state {
            Ok(EntryState::Applied { .. }) => {
                assert_eq!(emulator.refund_count(id), 1, "{}", name(n));
                assert!(entry.is_some(), "{}: applied without an entry", name(n));
            }
            Err(JournalError::Store(_)) => {
                assert!(entry.is_none(), "{}: failed but {entry:?}", name(n));
                assert_eq!(emulator.refund_count(id), 0, "{}: sent", name(n));
            }
            other => panic!("{}: {other:?}", name(n)),
        }
    }
    assert!(
        outcomes.iter().take(2).all(Result::is_ok),
        "the refunds in flight were made: {outcomes:?}"
    );

    // Afterwards: reconcile settles, and every name makes its refund once.
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    for settled in journal.reconcile(&dojo).await.unwrap() {
        assert!(
            matches!(settled.state, EntryState::Applied { .. }),
            "{settled:?}"
        );
    }
    for (n, (id, read)) in intents.iter().enumerate() {
        let state = journal.refund(&dojo, &name(n), read, gbp(100)).await;
        assert!(
            matches!(state, Ok(EntryState::Applied { .. })),
            "{}: {state:?}",
            name(n)
        );
        journal.flush().await;
        assert_eq!(emulator.refund_count(id), 1, "{}", name(n));
        let entry = journal.store().entry(&site, &name(n)).await.unwrap();
        assert!(
            matches!(entry, Some(ref e) if matches!(e.state, EntryState::Applied { .. })),
            "{}: {entry:?}",
            name(n)
        );
    }
}

/// Six refunds in flight when another connection takes the file for 11 s
/// (past two busy timeouts): all six answered `Applied`, and their six
/// outcomes queue for turns behind it. `flush` returns once each has had
/// its wait (two waits at most), not after six, and not after the lock;
/// every outcome not written leaves its entry open, and `reconcile`
/// settles all six `Applied` with one refund each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_queued_behind_a_locked_file_flush_in_bounded_time() {
    let url = sqlite_file("outsider_turns_locked_outcomes");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let journal = Arc::new(Journal::new(
        SqlJournal::connect(&url).await.unwrap(),
        &dojo,
    ));
    let site = dojo.location_id().clone();
    emulator
        .inject_fault(REFUNDS, Fault::Latency(Duration::from_millis(700)), 6)
        .unwrap();
    let calls: Vec<_> = (0..6)
        .map(|n| {
            let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), read.clone());
            tokio::spawn(async move {
                journal
                    .refund(&dojo, &format!("o/refund-{n}"), &read, gbp(10 + n))
                    .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(350)).await;
    let release = lock_file_for(&url, Duration::from_secs(11)).await;
    for call in calls {
        let state = within(Duration::from_secs(5), "a refund", call)
            .await
            .unwrap();
        assert!(matches!(state, Ok(EntryState::Applied { .. })), "{state:?}");
    }
    let answered = Instant::now();
    within(Duration::from_secs(15), "flush", journal.flush()).await;
    let took = answered.elapsed();
    eprintln!("six outcomes behind a locked file flushed in {took:?}");
    assert!(took < BOUND, "flush took {took:?}");
    within(Duration::from_secs(12), "the lock's release", release)
        .await
        .unwrap();
    assert_eq!(emulator.refund_count(&id), 6);
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let settled = journal.reconcile(&dojo).await.unwrap();
    for s in &settled {
        assert!(matches!(s.state, EntryState::Applied { .. }), "{s:?}");
    }
    assert_eq!(emulator.refund_count(&id), 6, "no refund made twice");
    let refunded = emulator.payment_intent(&id).unwrap().refunded_amount;
    assert_eq!(refunded, Some((10..16).sum()));
    for n in 0..6 {
        let entry = journal
            .store()
            .entry(&site, &format!("o/refund-{n}"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(entry.state, EntryState::Applied { .. }),
            "{entry:?}"
        );
    }
}

/// Twelve refunds queued for turns behind a file held for 1.5 s, their
/// callers aborted one after another (waiting for a turn, holding one in
/// SQLite's busy handler, or in flight). No turn is left taken: a new call
/// afterwards is made at once, `flush` returns, `reconcile` settles what
/// the aborted callers left open, and every name asked again makes its
/// refund exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_aborted_while_waiting_for_or_holding_a_turn_leave_no_turn_taken() {
    let url = sqlite_file("outsider_turns_aborted");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let journal = Arc::new(Journal::new(
        SqlJournal::connect(&url).await.unwrap(),
        &dojo,
    ));
    let release = lock_file_for(&url, Duration::from_millis(1_500)).await;
    let calls: Vec<_> = (0..12)
        .map(|n| {
            let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), read.clone());
            tokio::spawn(async move {
                journal
                    .refund(&dojo, &format!("a/refund-{n}"), &read, gbp(10 + n))
                    .await
            })
        })
        .collect();
    for (n, call) in calls.iter().enumerate() {
        // Aborted at 0, 150, … 1,650 ms: before and after the lock goes.
        if n > 0 {
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        call.abort();
    }
    for call in calls {
        let _ = call.await;
    }
    within(Duration::from_secs(5), "the lock's release", release)
        .await
        .unwrap();
    let asked = Instant::now();
    let fresh = within(
        Duration::from_secs(3),
        "a call after the aborted ones",
        journal.refund(&dojo, "a/fresh", &read, gbp(5)),
    )
    .await;
    assert!(matches!(fresh, Ok(EntryState::Applied { .. })), "{fresh:?}");
    eprintln!("a call after twelve aborted ones: {:?}", asked.elapsed());
    within(Duration::from_secs(6), "flush", journal.flush()).await;
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    for settled in journal.reconcile(&dojo).await.unwrap() {
        assert!(
            matches!(settled.state, EntryState::Applied { .. }),
            "{settled:?}"
        );
    }
    for n in 0..12 {
        let name = format!("a/refund-{n}");
        let state = within(
            Duration::from_secs(3),
            &name,
            journal.refund(&dojo, &name, &read, gbp(10 + n)),
        )
        .await;
        assert!(
            matches!(state, Ok(EntryState::Applied { .. })),
            "{name}: {state:?}"
        );
    }
    journal.flush().await;
    assert_eq!(emulator.refund_count(&id), 13, "one refund per name");
    let refunded = emulator.payment_intent(&id).unwrap().refunded_amount;
    assert_eq!(refunded, Some((10..22).sum::<i64>() + 5));
    assert!(
        journal
            .store()
            .entries()
            .await
            .unwrap()
            .iter()
            .all(|e| matches!(e.state, EntryState::Applied { .. })),
        "every entry settled"
    );
}

/// A journal, its clone, and a second journal made apart on the same file
/// (turns of its own: they meet at SQLite's lock), all at once: eight
/// refund names asked by three callers each, and one capture name asked by
/// four. Each name moves money once, every caller answers `Applied`, every
/// entry ends `Applied`, and nothing waits past its bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_and_a_second_journal_on_one_file_move_each_name_once() {
    let url = sqlite_file("outsider_turns_two_journals");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (refunded, auto) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let (captured, manual) = paid(&emulator, &dojo, CaptureMode::Manual).await;
    let first = Arc::new(Journal::new(
        SqlJournal::connect(&url).await.unwrap(),
        &dojo,
    ));
    // A clone of the first's store (its turns shared), and one made apart.
    let clone = Arc::new(Journal::new(first.store().clone(), &dojo));
    let apart = Arc::new(Journal::new(
        SqlJournal::connect(&url).await.unwrap(),
        &dojo,
    ));
    let journals = [&first, &clone, &apart];
    let mut calls = Vec::new();
    for round in 0..3 {
        for k in 0..8i64 {
            let journal = Arc::clone(journals[(round + k as usize) % 3]);
            let (dojo, read) = (dojo.clone(), auto.clone());
            calls.push(tokio::spawn(async move {
                journal
                    .refund(&dojo, &format!("t/refund-{k}"), &read, gbp(10 + k))
                    .await
            }));
        }
    }
    for n in 0..4 {
        let journal = Arc::clone(journals[n % 3]);
        let (dojo, read) = (dojo.clone(), manual.clone());
        calls.push(tokio::spawn(async move {
            journal.capture(&dojo, "t/capture", &read, gbp(1_000)).await
        }));
    }
    for call in calls {
        let state = within(Duration::from_secs(15), "a call", call)
            .await
            .unwrap();
        assert!(matches!(state, Ok(EntryState::Applied { .. })), "{state:?}");
    }
    for journal in journals {
        within(Duration::from_secs(6), "flush", journal.flush()).await;
    }
    assert_eq!(emulator.refund_count(&refunded), 8, "one refund per name");
    let amount = emulator.payment_intent(&refunded).unwrap().refunded_amount;
    assert_eq!(amount, Some((10..18).sum()));
    let captures = emulator
        .payment_intent(&captured)
        .unwrap()
        .captures
        .iter()
        .flatten()
        .count();
    assert_eq!(captures, 1, "one capture");
    let entries = apart.store().entries().await.unwrap();
    assert_eq!(entries.len(), 9);
    for entry in entries {
        assert!(
            matches!(entry.state, EntryState::Applied { .. }),
            "{entry:?}"
        );
    }
}

/// An in-memory SQLite journal (one connection, outcomes on it too): 16
/// refunds under names of their own and 8 callers of one name at once,
/// their turns shared by clones. All made once, none hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_memory_journal_takes_turns_without_hanging() {
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let store = SqlJournal::connect("sqlite::memory:").await.unwrap();
    let journals = [
        Arc::new(Journal::new(store.clone(), &dojo)),
        Arc::new(Journal::new(store, &dojo)),
    ];
    let names: Vec<String> = (0..16)
        .map(|n| format!("m/refund-{n}"))
        .chain((0..8).map(|_| "m/shared".to_owned()))
        .collect();
    let calls: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let journal = Arc::clone(&journals[n % 2]);
            let (dojo, read, name) = (dojo.clone(), read.clone(), name.clone());
            tokio::spawn(async move { journal.refund(&dojo, &name, &read, gbp(10)).await })
        })
        .collect();
    for call in calls {
        let state = within(Duration::from_secs(15), "a call", call)
            .await
            .unwrap();
        assert!(matches!(state, Ok(EntryState::Applied { .. })), "{state:?}");
    }
    for journal in &journals {
        within(Duration::from_secs(6), "flush", journal.flush()).await;
    }
    assert_eq!(emulator.refund_count(&id), 17);
    let entries = journals[0].store().entries().await.unwrap();
    assert_eq!(entries.len(), 17);
    assert!(
        entries
            .iter()
            .all(|e| matches!(e.state, EntryState::Applied { .. })),
        "{entries:?}"
    );
}

/// A journal on a pool whose connections wait 15 s for a busy file
/// (`PRAGMA busy_timeout = 15000` on connect: `SqlJournal::new` takes any
/// pool). Another connection holds the file for 6 s, less than that, while
/// three refunds are asked. The turn's doc says that when another process
/// holds the file "SQLite's busy timeout then applies as before": before
/// the turns, each insert waited in SQLite's busy handler and all three
/// were made once the file was let go. Attacked: the turn's own 5 s wait
/// overrides the pool's configured busy timeout for every write queued
/// behind the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pools_longer_busy_timeout_is_honoured_for_writes_queued_behind_a_locked_file() {
    sqlx::any::install_default_drivers();
    let url = sqlite_file("outsider_turns_busy_timeout");
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let pool = busy_pool(&url, "15000").await;
    let journal = Arc::new(Journal::new(SqlJournal::new(pool).await.unwrap(), &dojo));
    let release = lock_file_for(&url, Duration::from_secs(6)).await;
    let calls: Vec<_> = (0..3)
        .map(|n| {
            let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), read.clone());
            tokio::spawn(async move {
                journal
                    .refund(&dojo, &format!("b/refund-{n}"), &read, gbp(10 + n))
                    .await
            })
        })
        .collect();
    let mut states = Vec::new();
    for call in calls {
        states.push(
            within(Duration::from_secs(18), "a refund", call)
                .await
                .unwrap(),
        );
    }
    release.await.unwrap();
    journal.flush().await;
    let made = emulator.refund_count(&id);
    for (n, state) in states.iter().enumerate() {
        if state.is_err() {
            let entry = journal
                .store()
                .entry(dojo.location_id(), &format!("b/refund-{n}"))
                .await
                .unwrap();
            assert!(entry.is_none(), "failed, yet {entry:?}");
        }
    }
    assert_eq!(
        made,
        states.iter().filter(|s| s.is_ok()).count(),
        "a refund per call answered Applied, none for a call that failed"
    );
    assert!(
        states
            .iter()
            .all(|s| matches!(s, Ok(EntryState::Applied { .. }))),
        "the file was let go after 6 s, within the pool's 15 s busy timeout, yet: {states:?}"
    );
}

/// Entries written at once by eight callers on a SQLite file while
/// tokio's clock is paused (`tokio::time::pause`, as `start_paused`
/// tests do; the clock then jumps to the next timer whenever the runtime
/// waits on something else, here SQLite's worker threads). Before the
/// turns, each insert ran on a connection of its own and SQLite's busy
/// handler slept in real time. Attacked: the turn's 5 s wait is on tokio's
/// clock, not the wall's: it can fire while the turn's holder is merely
/// writing.
#[tokio::test]
async fn writes_queued_for_turns_survive_a_paused_tokio_clock() {
    use dojo_payments::journal::{Before, Entry, Movement, Opened};
    use dojo_payments::types::{LocationId, PaymentIntentId};

    let url = sqlite_file("outsider_turns_paused_clock");
    let store = SqlJournal::connect(&url).await.unwrap();
    // Every connection of the pool made beforehand (real time).
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(store.pool().acquire().await.unwrap());
    }
    drop(held);
    let location = LocationId::new("soho").unwrap();
    let entry = |n: usize| Entry {
        name: format!("p/capture-{n}"),
        movement: Movement::Capture { amount: gbp(100) },
        payment_intent: PaymentIntentId::from_wire("pi_paused"),
        location: location.clone(),
        before: Before::unrecorded(),
        state: EntryState::Open,
        opened_at: chrono::DateTime::UNIX_EPOCH,
    };
    // The outcome connection made too.
    let mut first = entry(99);
    store.open_now(&mut first).await.unwrap();
    let applied = EntryState::Applied { detail: None };
    store
        .close(&location, "p/capture-99", &applied)
        .await
        .unwrap();

    tokio::time::pause();
    let writes: Vec<_> = (0..8)
        .map(|n| {
            let (store, mut entry) = (store.clone(), entry(n));
            tokio::spawn(async move { store.open_now(&mut entry).await })
        })
        .collect();
    let mut failed = Vec::new();
    for (n, write) in writes.into_iter().enumerate() {
        match write.await.unwrap() {
            Ok(Opened::Claimed) => {}
            other => failed.push(format!("p/capture-{n}: {other:?}")),
        }
    }
    tokio::time::resume();
    assert!(
        failed.is_empty(),
        "entries not written on an idle file: {failed:#?}"
    );
}

/// PostgreSQL takes no turns: with the journal's table locked against
/// writes for 6 s by another connection (longer than a turn's 5 s wait),
/// three refunds asked at once each wait for the lock (PostgreSQL's own
/// wait, no timeout) and are each made once, none failed by a turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_writes_wait_for_a_locked_table_without_turns() {
    let Some(database) = postgres("outsider_turns_pg").await else {
        return;
    };
    let emulator = Emulator::start().await.unwrap();
    let dojo = quick(&emulator);
    let (id, read) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    let journal = Arc::new(Journal::new(
        SqlJournal::connect(&database.url).await.unwrap(),
        &dojo,
    ));
    let mut blocker = sqlx::AnyConnection::connect(&database.url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE dojo_journal IN EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(6)).await;
        sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
        blocker.close().await.unwrap();
    });
    let calls: Vec<_> = (0..3)
        .map(|n| {
            let (journal, dojo, read) = (Arc::clone(&journal), dojo.clone(), read.clone());
            tokio::spawn(async move {
                journal
                    .refund(&dojo, &format!("pg/refund-{n}"), &read, gbp(10 + n))
                    .await
            })
        })
        .collect();
    for call in calls {
        let state = within(Duration::from_secs(12), "a refund", call)
            .await
            .unwrap();
        assert!(matches!(state, Ok(EntryState::Applied { .. })), "{state:?}");
    }
    release.await.unwrap();
    journal.flush().await;
    assert_eq!(emulator.refund_count(&id), 3);
    journal.store().pool().close().await;
    database.drop_database().await;
}
