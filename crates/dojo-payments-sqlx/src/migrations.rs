//! The schema, as numbered migrations applied once each, recorded in
//! `dojo_payments_schema`.
//!
//! Written here rather than with sqlx's `Migrator`: that keeps its record
//! in `_sqlx_migrations`, which is the merchant's own (the shop's
//! migrations live there), and two migrators in one table would each take
//! the other's versions for missing or unknown ones.

use sqlx::AnyPool;

/// A numbered change of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Its number: migrations are applied in this order, once each.
    pub version: i64,
    /// What it changes.
    pub description: &'static str,
    /// The SQL, portable between PostgreSQL and SQLite.
    pub sql: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "the journal and the processed events",
        sql: include_str!("../migrations/0001_journal.sql"),
    },
    Migration {
        version: 2,
        description: "captures recognised by id",
        sql: include_str!("../migrations/0002_captures_by_id.sql"),
    },
];

/// Brings `pool`'s database up to the last of [`MIGRATIONS`]: each one not
/// yet recorded is applied and recorded in one transaction, so that two
/// instances starting at once apply it once (the second waits on the
/// first's record, then finds it). A database made by the first release,
/// without the record, is at version 1 (whose SQL changes nothing there).
pub async fn migrate(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS dojo_payments_schema (\
             version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    for migration in MIGRATIONS {
        let mut tx = pool.begin().await?;
        let recorded = sqlx::query(
            "INSERT INTO dojo_payments_schema (version, description, applied_at) \
             VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING",
        )
        .bind(migration.version)
        .bind(migration.description)
        .bind(crate::rfc3339(chrono::Utc::now()))
        .execute(&mut *tx)
        .await?;
        if recorded.rows_affected() == 1 {
            sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// The versions recorded as applied, in order.
pub async fn applied(pool: &AnyPool) -> Result<Vec<i64>, sqlx::Error> {
    use sqlx::Row;
    let rows = sqlx::query("SELECT version FROM dojo_payments_schema ORDER BY version")
        .fetch_all(pool)
        .await?;
    rows.iter().map(|row| row.try_get("version")).collect()
}
