//! The entry is the promise: the call is sent only once its commit has
//! answered. A commit can fail after the statement succeeded (a deferred
//! constraint, checked at commit): PostgreSQL then sends the `RETURNING`
//! row first, and the failure after it. Such an entry was never written,
//! so nothing may be sent. On PostgreSQL, when `DOJO_TEST_POSTGRES_URL`
//! names a server (`.ci/start-postgres`).

use dojo_payments::Dojo;
use dojo_payments::journal::{EntryState, Journal, JournalError, JournalStore};
use dojo_payments::types::{Currency, Money};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};
use dojo_payments_sqlx::SqlJournal;

#[tokio::test]
async fn an_entry_whose_commit_fails_sends_nothing() {
    let Ok(admin) = std::env::var("DOJO_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: set DOJO_TEST_POSTGRES_URL (.ci/start-postgres)");
        return;
    };
    let name = format!("dojo_commit_fails_{}", std::process::id());
    let admin_pool = dojo_payments_sqlx::pool(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin_pool)
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
        .create(Money::new(1_000, Currency::GBP), "Commit")
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
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .execute(&admin_pool)
        .await
        .unwrap();
}
