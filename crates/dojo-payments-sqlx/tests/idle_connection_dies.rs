//! The journal's pool lends a connection without pinging it first (one
//! round trip less per write): a connection that died while idle fails its
//! statement instead. That failure must send nothing, and must not outlive
//! the connection: the next call is journaled and made once. On
//! PostgreSQL, where connections die (a server restarted, a proxy timing
//! out), when `DOJO_TEST_POSTGRES_URL` names a server (`.ci/start-postgres`).

use dojo_payments::Dojo;
use dojo_payments::journal::{EntryState, Journal, JournalError};
use dojo_payments::types::{Currency, Money};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};
use dojo_payments_sqlx::SqlJournal;

#[tokio::test]
async fn a_journal_whose_idle_connections_died_sends_nothing_then_recovers() {
    let Ok(admin) = std::env::var("DOJO_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: set DOJO_TEST_POSTGRES_URL (.ci/start-postgres)");
        return;
    };
    let name = format!("dojo_idle_dies_{}", std::process::id());
    let killer = dojo_payments_sqlx::pool(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&killer)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");

    let emulator = Emulator::start().await.unwrap();
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()
        .unwrap();
    let intent = dojo
        .payment_intents()
        .create(Money::new(1_000, Currency::GBP), "Idle")
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
    let id = intent.id().clone();
    let journal = Journal::new(SqlJournal::connect(&url).await.unwrap(), &dojo);
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
    .bind(&name)
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
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .execute(&killer)
        .await
        .unwrap();
}
