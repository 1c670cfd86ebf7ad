//! A call's outcome is written without waiting for the disk (only the
//! entry, written before the call, waits): that must not make it any less
//! written. Every outcome is seen at once by another journal on the same
//! database (its own pool, its own connections) and by a bare connection;
//! and the journal's pool keeps every connection at full durability (the
//! entries are written there), however many outcomes were written, even
//! by closes dropped half-way. On a SQLite file, and on PostgreSQL when
//! `DOJO_TEST_POSTGRES_URL` names a server (`.ci/start-postgres`).

use std::time::Duration;

use crate::common::databases;

use dojo_payments::Dojo;
use dojo_payments::journal::{Entry, EntryState, Journal, JournalStore};
use dojo_payments::types::{Currency, Money};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};
use dojo_payments_sqlx::SqlJournal;
use sqlx::{Connection, Row};

/// The client's location: entries are named per location.
fn site() -> dojo_payments::types::LocationId {
    dojo_payments::types::LocationId::default()
}

/// A journaled refund on `url`'s journal, settled `Applied`; and its entry,
/// reopened, to write more entries with (renamed).
async fn refunded(url: &str) -> (SqlJournal, Entry) {
    let emulator = Emulator::start().await.unwrap();
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()
        .unwrap();
    let intent = dojo
        .payment_intents()
        .create(Money::new(1000, Currency::GBP), "Visible")
        .created()
        .await
        .unwrap();
    emulator
        .pay(
            intent.id(),
            &Card::test(APPROVED_MASTERCARD).unwrap(),
            false,
        )
        .unwrap();
    let journal = Journal::new(SqlJournal::connect(url).await.unwrap(), &dojo);
    let state = journal
        .refund(
            &dojo,
            "order-1/refund",
            &dojo.payment_intents().get(intent.id()).await.unwrap(),
            Money::new(300, Currency::GBP),
        )
        .await
        .unwrap();
    assert!(
        matches!(state, EntryState::Applied { detail: Some(_) }),
        "{url}: {state:?}"
    );
    journal.flush().await; // written behind the answer
    let store = journal.store().clone();
    let mut entry = store
        .entry(&site(), "order-1/refund")
        .await
        .unwrap()
        .unwrap();
    entry.state = EntryState::Open;
    (store, entry)
}

/// The state and detail of `name`, and whether it has `closed_at`, read on
/// a connection of its own (no pool, no journal).
async fn read_bare(url: &str, name: &str) -> (String, Option<String>, bool) {
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let row = sqlx::query("SELECT state, detail, closed_at FROM dojo_journal WHERE name = $1")
        .bind(name)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let read = (
        row.get("state"),
        row.get("detail"),
        row.get::<Option<String>, _>("closed_at").is_some(),
    );
    conn.close().await.unwrap();
    read
}

#[tokio::test]
async fn every_outcome_is_seen_at_once_by_another_journal_and_connection() {
    sqlx::any::install_default_drivers();
    for url in databases("outcome_visible").await {
        let (first, mut entry) = refunded(&url).await;
        // Another instance: its own pool on the same database, opened while
        // the first still holds its connections (no checkpoint, no close).
        let second = SqlJournal::connect(&url).await.unwrap();
        let seen = second
            .entry(&site(), "order-1/refund")
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(seen.state, EntryState::Applied { detail: Some(_) }),
            "{url}"
        );
        assert_eq!(
            seen,
            first
                .entry(&site(), "order-1/refund")
                .await
                .unwrap()
                .unwrap()
        );

        let outcomes = [
            EntryState::Applied {
                detail: Some("rf_2".into()),
            },
            EntryState::NotApplied {
                reason: "refused".into(),
            },
            EntryState::Applied { detail: None },
        ];
        for (n, outcome) in outcomes.into_iter().enumerate() {
            entry.name = format!("order-1/refund-{n}");
            first.open(&entry).await.unwrap();
            assert_eq!(
                second
                    .entry(&site(), &entry.name)
                    .await
                    .unwrap()
                    .unwrap()
                    .state,
                EntryState::Open,
                "{url}"
            );
            first.close(&site(), &entry.name, &outcome).await.unwrap();
            assert_eq!(
                second
                    .entry(&site(), &entry.name)
                    .await
                    .unwrap()
                    .unwrap()
                    .state,
                outcome,
                "{url}: the other journal sees the outcome"
            );
            assert_eq!(
                read_bare(&url, &entry.name).await,
                (
                    outcome.name().to_owned(),
                    outcome.detail().map(str::to_owned),
                    true
                ),
                "{url}: a bare connection sees it"
            );
            // And the other journal's close finds it settled, as before.
            assert_eq!(
                second
                    .close(&site(), &entry.name, &EntryState::Applied { detail: None })
                    .await
                    .unwrap(),
                dojo_payments::journal::Closed::Already(outcome),
                "{url}"
            );
        }
        assert!(second.open_entries().await.unwrap().is_empty(), "{url}");
    }
}

/// Every connection of `store`'s pool at once: each must be at full
/// durability. SQLite: WAL mode, `synchronous = FULL` (2); PostgreSQL:
/// `synchronous_commit = on`.
async fn assert_every_connection_durable(store: &SqlJournal, url: &str) {
    let pool = store.pool();
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        if url.starts_with("sqlite") {
            let row = sqlx::query(
                "SELECT s.synchronous AS synchronous, j.journal_mode AS journal_mode \
                 FROM pragma_synchronous AS s, pragma_journal_mode AS j",
            )
            .fetch_one(&mut **conn)
            .await
            .unwrap();
            assert_eq!(row.get::<String, _>("journal_mode"), "wal", "{url}");
            assert_eq!(row.get::<i64, _>("synchronous"), 2, "{url}: FULL");
        } else {
            let row = sqlx::query("SELECT current_setting('synchronous_commit') AS s")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(row.get::<String, _>("s"), "on", "{url}");
        }
    }
}

#[tokio::test]
async fn the_pool_the_entries_are_written_on_stays_at_full_durability() {
    sqlx::any::install_default_drivers();
    for url in databases("durable_again").await {
        let (store, mut entry) = refunded(&url).await;
        let applied = EntryState::Applied { detail: None };
        for n in 0..40 {
            entry.name = format!("order-2/refund-{n}");
            store.open(&entry).await.unwrap();
            store.close(&site(), &entry.name, &applied).await.unwrap();
        }
        assert_every_connection_durable(&store, &url).await;

        // Closes dropped half-way, at every point of the way.
        for n in 0..120u64 {
            entry.name = format!("order-3/refund-{n}");
            store.open(&entry).await.unwrap();
            let site = site();
            let close = store.close(&site, &entry.name, &applied);
            let _ = tokio::time::timeout(Duration::from_micros(n * 5), close).await;
        }
        assert_every_connection_durable(&store, &url).await;
        // Each of them is closed, or still open for `reconcile`: never lost.
        for n in 0..120u64 {
            let state = store
                .entry(&site(), &format!("order-3/refund-{n}"))
                .await
                .unwrap()
                .unwrap()
                .state;
            assert!(state == applied || state.is_open(), "{url}: {state:?}");
        }
    }
}

/// The entry a call waits for is one statement: stamped by the database's
/// clock as it is written (`open_now`), in the very text `open` writes a
/// given time in (so that text order stays time order), and a name taken
/// keeps its first time.
#[tokio::test]
async fn an_entry_is_stamped_by_the_database_s_clock_as_it_is_written() {
    sqlx::any::install_default_drivers();
    for url in databases("open_now").await {
        let (store, mut entry) = refunded(&url).await;
        let before = store.now().await.unwrap();
        entry.name = "order-2/refund".into();
        entry.opened_at = chrono::DateTime::UNIX_EPOCH;
        assert_eq!(
            store.open_now(&mut entry).await.unwrap(),
            dojo_payments::journal::Opened::Claimed
        );
        let after = store.now().await.unwrap();
        let written = store
            .entry(&site(), "order-2/refund")
            .await
            .unwrap()
            .unwrap();
        assert!(
            before <= written.opened_at && written.opened_at <= after,
            "{url}: {before} <= {} <= {after}",
            written.opened_at
        );
        // Read back (PostgreSQL), or this host's time once written
        // (SQLite, whose clock is this host's, to the millisecond): never
        // earlier than the time written.
        if url.starts_with("postgres") {
            assert_eq!(written.opened_at, entry.opened_at, "{url}");
        } else {
            assert!(
                written.opened_at <= entry.opened_at + chrono::Duration::milliseconds(1),
                "{url}: {} <= {}",
                written.opened_at,
                entry.opened_at
            );
        }

        // The same text as a time given to `open`.
        let mut given = written.clone();
        given.name = "order-3/refund".into();
        store.open(&given).await.unwrap();
        let texts: Vec<String> = sqlx::query(
            "SELECT opened_at FROM dojo_journal WHERE name IN ('order-2/refund', 'order-3/refund') ORDER BY name",
        )
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("opened_at"))
        .collect();
        assert_eq!(texts[0], texts[1], "{url}");
        assert_eq!(texts[0].len(), "2026-12-06T13:21:24.123456Z".len(), "{url}");

        // Taken: the first entry, its time unchanged.
        let mut again = entry.clone();
        again.opened_at = chrono::DateTime::UNIX_EPOCH;
        match store.open_now(&mut again).await.unwrap() {
            dojo_payments::journal::Opened::Existing(first) => {
                assert_eq!(first.opened_at, written.opened_at, "{url}")
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

/// `entries_of`: every entry of one payment intent at one location, oldest
/// first, and none of another intent's or another location's: what the
/// journal attributes a refund by (an entry it cannot list stays open).
#[tokio::test]
async fn the_entries_of_an_intent_are_listed_and_no_other() {
    for url in databases("entries_of").await {
        let (store, entry) = refunded(&url).await;
        let intent = entry.payment_intent.clone();
        let mut second = entry.clone();
        second.name = "order-1/refund-2".to_owned();
        store.open_now(&mut second).await.unwrap();
        let mut elsewhere = entry.clone();
        elsewhere.name = "order-1/refund-3".to_owned();
        elsewhere.location = dojo_payments::types::LocationId::new("soho").unwrap();
        store.open_now(&mut elsewhere).await.unwrap();
        let mut other = entry.clone();
        other.name = "order-2/refund".to_owned();
        other.payment_intent = dojo_payments::types::PaymentIntentId::from_wire("pi_other");
        store.open_now(&mut other).await.unwrap();

        let listed = store
            .entries_of(&site(), &intent)
            .await
            .unwrap()
            .expect("a database lists them");
        let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["order-1/refund", "order-1/refund-2"], "{url}");
        assert!(
            matches!(listed[0].state, EntryState::Applied { .. }),
            "{url}: {:?}",
            listed[0].state
        );
        assert_eq!(listed[1].state, EntryState::Open, "{url}");
        assert_eq!(listed[1].movement, second.movement, "{url}");
    }
}
