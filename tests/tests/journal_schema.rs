//! The journal's schema upgrades in place: a database the first release
//! wrote (schema version 1, no record of versions, entries in it) is
//! brought to the last version by `migrate`, its entries kept and
//! readable; migrating again changes nothing; two instances migrating a
//! fresh database at once apply each version once. On SQLite, and on
//! PostgreSQL when its server is there.

use dojo_payments::journal::{EntryState, JournalStore};
use dojo_payments::settlement::Movement;
use dojo_payments::types::LocationId;
use dojo_payments_sqlx::SqlJournal;
use dojo_payments_sqlx::migrations::{self, MIGRATIONS};
use workspace_tests::databases;

/// The first release's schema and two of its entries: an open capture and
/// a refund it settled.
async fn first_release(url: &str) -> sqlx::AnyPool {
    let pool = dojo_payments_sqlx::pool(url).await.unwrap();
    sqlx::raw_sql(MIGRATIONS[0].sql)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(
        "INSERT INTO dojo_journal (name, operation, payment_intent_id, amount, currency, \
         idempotency_key, before_status, before_captured, state, detail, opened_at, closed_at) VALUES \
         ('order-1/capture', 'capture', 'pi_sandbox_1', 400, 'GBP', NULL, 'Authorized', 0, 'open', NULL, \
          '2026-12-01T10:00:00+00:00', NULL), \
         ('order-1/refund', 'refund', 'pi_sandbox_1', 300, 'GBP', 'key-1', NULL, 0, 'applied', 'rf_1', \
          '2026-12-01T10:01:00+00:00', '2026-12-01T10:01:01+00:00')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool
}

#[tokio::test]
async fn a_first_release_journal_is_upgraded_in_place_with_its_entries() {
    for kind in databases::kinds() {
        let url = databases::fresh(kind, "schema_upgrade").await;
        let pool = first_release(&url).await;
        dojo_payments_sqlx::migrate(&pool).await.unwrap();
        let last = MIGRATIONS.last().unwrap().version;
        let versions = migrations::applied(&pool).await.unwrap();
        assert_eq!(versions, (1..=last).collect::<Vec<_>>(), "{kind:?}");

        let journal = SqlJournal::new(pool.clone()).await.unwrap();
        let capture = journal
            .entry(&LocationId::default(), "order-1/capture")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(capture.state, EntryState::Open, "{kind:?}");
        assert!(matches!(capture.movement, Movement::Capture { .. }));
        assert_eq!(
            capture.before.status.map(|s| s.to_string()).as_deref(),
            Some("Authorized")
        );
        assert_eq!(
            capture.before.captures, None,
            "{kind:?}: written before capture ids were kept: unknown, never guessed"
        );
        let refund = journal
            .entry(&LocationId::default(), "order-1/refund")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            refund.state,
            EntryState::Applied {
                detail: Some("rf_1".into())
            }
        );
        assert_eq!(refund.movement.key().map(|k| k.as_str()), Some("key-1"));
        assert_eq!(journal.open_entries().await.unwrap().len(), 1);

        // Again: nothing is applied twice.
        dojo_payments_sqlx::migrate(&pool).await.unwrap();
        assert_eq!(migrations::applied(&pool).await.unwrap(), versions);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_migrating_at_once_apply_each_version_once() {
    for kind in databases::kinds() {
        let url = databases::fresh(kind, "schema_race").await;
        let (a, b) = (
            dojo_payments_sqlx::pool(&url).await.unwrap(),
            dojo_payments_sqlx::pool(&url).await.unwrap(),
        );
        let (first, second) = tokio::join!(
            dojo_payments_sqlx::migrate(&a),
            dojo_payments_sqlx::migrate(&b)
        );
        first.unwrap();
        second.unwrap();
        let last = MIGRATIONS.last().unwrap().version;
        assert_eq!(
            migrations::applied(&a).await.unwrap(),
            (1..=last).collect::<Vec<_>>(),
            "{kind:?}"
        );
        SqlJournal::new(a).await.unwrap();
    }
}

/// From the schema before locations (version 2, as the last release's
/// `migrate` left it, with an open entry in it) to the last: the entry is
/// the default location's, and settles as before.
#[tokio::test]
async fn a_version_two_journal_gains_locations_in_place() {
    for kind in databases::kinds() {
        let url = databases::fresh(kind, "schema_v2").await;
        let pool = dojo_payments_sqlx::pool(&url).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE dojo_payments_schema (version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        for migration in &MIGRATIONS[..2] {
            sqlx::raw_sql(migration.sql).execute(&pool).await.unwrap();
            sqlx::query(
                "INSERT INTO dojo_payments_schema (version, description, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.description)
            .bind("2026-12-02T09:00:00.000000Z")
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::raw_sql(
            "INSERT INTO dojo_journal (name, operation, payment_intent_id, amount, currency, \
             idempotency_key, before_status, before_captures, state, detail, opened_at, closed_at) VALUES \
             ('order-2/capture', 'capture', 'pi_sandbox_2', 400, 'GBP', NULL, 'Authorized', '[\"cp_1\"]', \
              'open', NULL, '2026-12-02T10:00:00.000000Z', NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        dojo_payments_sqlx::migrate(&pool).await.unwrap();
        assert_eq!(
            migrations::applied(&pool).await.unwrap(),
            MIGRATIONS.iter().map(|m| m.version).collect::<Vec<_>>(),
            "{kind:?}"
        );
        let journal = SqlJournal::new(pool).await.unwrap();
        let entry = journal
            .entry(&LocationId::default(), "order-2/capture")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.location.as_str(), "default", "{kind:?}");
        assert_eq!(
            entry.before.captures.map(|c| c.len()),
            Some(1),
            "{kind:?}: the capture ids kept"
        );
        assert_eq!(
            entry.before.refunded, None,
            "{kind:?}: an old entry has no refunded amount recorded"
        );
        assert_eq!(entry.state, EntryState::Open);
    }
}

/// From version 4 (names across every location, entries at two locations
/// in it) to the last: names are per location. Every entry is kept as it
/// was, found by its location and name; a name taken at one location can
/// be written at another, and is still taken at its own.
#[tokio::test]
async fn a_version_four_journal_names_entries_per_location_in_place() {
    use dojo_payments::journal::{Entry, Opened};
    for kind in databases::kinds() {
        let url = databases::fresh(kind, "schema_v4").await;
        let pool = dojo_payments_sqlx::pool(&url).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE dojo_payments_schema (version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        for migration in MIGRATIONS.iter().filter(|m| m.version <= 4) {
            sqlx::raw_sql(migration.sql).execute(&pool).await.unwrap();
            sqlx::query(
                "INSERT INTO dojo_payments_schema (version, description, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.description)
            .bind("2026-12-05T09:00:00.000000Z")
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::raw_sql(
            "INSERT INTO dojo_journal (name, operation, payment_intent_id, amount, currency, \
             idempotency_key, before_status, before_captures, state, detail, opened_at, closed_at, \
             location, before_refunded) VALUES \
             ('order-1/refund-1', 'refund', 'pi_sandbox_soho', 300, 'GBP', 'key-soho', 'Captured', NULL, \
              'applied', 'rf_1', '2026-12-05T10:00:00.000000Z', '2026-12-05T10:00:01.000000Z', 'soho', 0), \
             ('order-2/capture', 'capture', 'pi_sandbox_camden', 400, 'GBP', NULL, 'Authorized', '[]', \
              'open', NULL, '2026-12-05T10:01:00.000000Z', NULL, 'camden', NULL), \
             ('order-3/refund-1', 'refund', 'pi_sandbox_soho_3', 200, 'GBP', 'key-cafe', 'Captured', NULL, \
              'applied', 'rf_3', '2026-12-05T10:02:00.000000Z', '2026-12-05T10:02:01.000000Z', 'Cafe_Soho', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();

        dojo_payments_sqlx::migrate(&pool).await.unwrap();
        assert_eq!(
            migrations::applied(&pool).await.unwrap(),
            MIGRATIONS.iter().map(|m| m.version).collect::<Vec<_>>(),
            "{kind:?}"
        );
        let journal = SqlJournal::new(pool).await.unwrap();
        let (soho, camden): (LocationId, LocationId) =
            ("soho".parse().unwrap(), "camden".parse().unwrap());
        let refund = journal
            .entry(&soho, "order-1/refund-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            refund.state,
            EntryState::Applied {
                detail: Some("rf_1".into())
            },
            "{kind:?}"
        );
        assert_eq!(refund.movement.key().map(|k| k.as_str()), Some("key-soho"));
        assert_eq!(refund.before.refunded, Some(0));
        assert!(
            journal
                .entry(&camden, "order-1/refund-1")
                .await
                .unwrap()
                .is_none()
        );
        // Written under a file's spelling before names had one form: found
        // by the one form, so the same refund asked for again is this one.
        let cafe: LocationId = "cafe-soho".parse().unwrap();
        let spelled = journal
            .entry(&cafe, "order-3/refund-1")
            .await
            .unwrap()
            .expect("the entry written as Cafe_Soho");
        assert_eq!(spelled.location.as_str(), "cafe-soho", "{kind:?}");
        let open = journal.open_entries().await.unwrap();
        assert_eq!(open.len(), 1, "{kind:?}");
        assert_eq!(
            (open[0].location.as_str(), open[0].name.as_str()),
            ("camden", "order-2/capture")
        );

        // Camden's own order 1: another entry, not the name reused.
        let mut camden_refund: Entry = refund.clone();
        camden_refund.location = camden.clone();
        camden_refund.state = EntryState::Open;
        assert_eq!(
            journal.open(&camden_refund).await.unwrap(),
            Opened::Claimed,
            "{kind:?}"
        );
        match journal.open(&refund).await.unwrap() {
            Opened::Existing(first) => assert_eq!(first.location, soho, "{kind:?}"),
            other => panic!("{kind:?}: {other:?}"),
        }
        assert_eq!(journal.entries().await.unwrap().len(), 4, "{kind:?}");
    }
}
