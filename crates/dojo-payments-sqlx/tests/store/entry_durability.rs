//! The entry is the promise: a journaled call is sent only once its entry's
//! commit has answered, and an entry not written sends nothing. Two ways a
//! write fails after the statement was sent:
//!
//! - the commit itself fails after the statement succeeded (a deferred
//!   constraint, checked at commit): PostgreSQL then sends the `RETURNING`
//!   row first, and the failure after it;
//! - the connection died while idle: the pool lends connections without
//!   pinging them first (one round trip less per write), so the statement
//!   fails instead, and the pool must recover.
//!
//! On PostgreSQL, when `DOJO_TEST_POSTGRES_URL` names a server
//! (`.ci/start-postgres`).

use dojo_payments::Dojo;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{EntryState, Journal, JournalError, JournalStore};
use dojo_payments::types::{Currency, Money, PaymentIntentId};
use dojo_payments_emulator::Emulator;
use dojo_payments_sqlx::SqlJournal;

use crate::common::*;

/// The emulator, a client on it, and a paid £10 payment intent.
async fn paid_here() -> (Emulator, Dojo, PaymentIntentId) {
    let emulator = Emulator::start().await.unwrap();
    let dojo = client(&emulator);
    let (id, _) = paid(&emulator, &dojo, CaptureMode::Auto).await;
    (emulator, dojo, id)
}

#[tokio::test]
async fn an_entry_whose_commit_fails_sends_nothing() {
    let Some(postgres) = postgres("commit_fails").await else {
        return;
    };
    let (emulator, dojo, id) = paid_here().await;
    let url = &postgres.url;
    let journal = Journal::new(SqlJournal::connect(url).await.unwrap(), &dojo);

    // Entries named `doomed…` pass the INSERT and fail at its commit.
    sqlx::raw_sql(
        "CREATE FUNCTION doom() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN IF NEW.name LIKE 'doomed%' THEN RAISE EXCEPTION 'refused at commit'; END IF; \
         RETURN NULL; END $$; \
         CREATE CONSTRAINT TRIGGER doom AFTER INSERT ON dojo_journal \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION doom();",
    )
    .execute(journal.store().pool())
    .await
    .unwrap();

    let read = dojo.payment_intents().get(&id).await.unwrap();
    let doomed = journal
        .refund(
            &dojo,
            "doomed/refund-1",
            &read,
            Money::new(100, Currency::GBP),
        )
        .await;
    assert!(
        matches!(doomed, Err(JournalError::Store(_))),
        "an entry whose commit failed is the store's error: {doomed:?}"
    );
    journal.flush().await;
    assert_eq!(
        emulator.refund_count(&id),
        0,
        "nothing is sent for an entry that was never written"
    );
    assert!(
        journal
            .store()
            .entry(dojo.location_id(), "doomed/refund-1")
            .await
            .unwrap()
            .is_none(),
        "the commit failed: no entry"
    );

    // Any other entry is written, and its call made, once.
    let made = journal
        .refund(
            &dojo,
            "order-1/refund-1",
            &read,
            Money::new(100, Currency::GBP),
        )
        .await
        .unwrap();
    assert!(matches!(made, EntryState::Applied { .. }), "{made:?}");
    assert_eq!(emulator.refund_count(&id), 1);

    journal.flush().await;
    journal.store().pool().close().await;
    postgres.drop_database().await;
}

#[tokio::test]
async fn a_journal_whose_idle_connections_died_sends_nothing_then_recovers() {
    let Some(postgres) = postgres("idle_dies").await else {
        return;
    };
    let (emulator, dojo, id) = paid_here().await;
    let (url, name) = (&postgres.url, &postgres.name);
    let killer = dojo_payments_sqlx::pool(&postgres.admin).await.unwrap();
    let journal = Journal::new(SqlJournal::connect(url).await.unwrap(), &dojo);
    let read = dojo.payment_intents().get(&id).await.unwrap();
    let first = journal
        .refund(
            &dojo,
            "order-1/refund-1",
            &read,
            Money::new(100, Currency::GBP),
        )
        .await
        .unwrap();
    assert!(matches!(first, EntryState::Applied { .. }), "{first:?}");
    journal.flush().await;
    assert_eq!(emulator.refund_count(&id), 1);

    // Every connection of the journal's database dies while idle.
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .fetch_one(&killer)
    .await
    .unwrap();
    assert!(killed >= 1, "the journal's connections were killed");

    // Calls until one is journaled: each failure is the store's, and sends
    // nothing; the pool makes new connections for the next.
    let read = dojo.payment_intents().get(&id).await.unwrap();
    let mut failures = 0;
    let made = loop {
        let refund = format!("order-1/refund-{}", failures + 2);
        match journal
            .refund(&dojo, &refund, &read, Money::new(100, Currency::GBP))
            .await
        {
            Err(JournalError::Store(_)) => {
                assert_eq!(emulator.refund_count(&id), 1, "a failed entry sent nothing");
                failures += 1;
                assert!(failures <= 8, "the pool holds at most 8 dead connections");
            }
            Ok(state) => break state,
            Err(other) => panic!("{other:?}"),
        }
    };
    assert!(
        failures >= 1,
        "a dead connection was lent without a ping, so the failure path ran"
    );
    assert!(matches!(made, EntryState::Applied { .. }), "{made:?}");
    assert_eq!(
        emulator.refund_count(&id),
        2,
        "the journaled call made once"
    );
    journal.flush().await;
    journal.store().pool().close().await;
    killer.close().await;
    postgres.drop_database().await;
}
