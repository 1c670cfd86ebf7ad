//! The schema, as numbered migrations applied once each, recorded in
//! `dojo_payments_schema`.
//!
//! Written here rather than with sqlx's `Migrator`: that keeps its record
//! in `_sqlx_migrations`, which is the merchant's own (the shop's
//! migrations live there), and two migrators in one table would each take
//! the other's versions for missing or unknown ones.

use sqlx::{AnyPool, Row};

use crate::clock::Backend;

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
    Migration {
        version: 3,
        description: "each entry's location",
        sql: include_str!("../migrations/0003_locations.sql"),
    },
    Migration {
        version: 4,
        description: "the refunded amount before a refund",
        sql: include_str!("../migrations/0004_refunded_before.sql"),
    },
    Migration {
        version: 5,
        description: "names per location",
        sql: include_str!("../migrations/0005_names_per_location.sql"),
    },
    Migration {
        version: 6,
        description: "terminal sessions: the terminal and the session's id",
        sql: include_str!("../migrations/0006_terminal_sessions.sql"),
    },
];

/// Brings `pool`'s database up to the last of [`MIGRATIONS`], in one
/// transaction that only one migrator holds at a time (PostgreSQL: an
/// advisory lock; SQLite: a write lock taken at `BEGIN IMMEDIATE`): two
/// instances starting at once apply each migration once, the second
/// finding the first's record (and PostgreSQL's `CREATE TABLE IF NOT
/// EXISTS` is not safe to race). A database made by the first release,
/// without the record, is at version 1, whose SQL changes nothing there.
pub async fn migrate(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let backend = Backend::of(pool).await?;
    let mut tx = match backend {
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *tx)
                .await?;
            tx
        }
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
    };
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS dojo_payments_schema (\
             version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let done: Vec<i64> = sqlx::query("SELECT version FROM dojo_payments_schema")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get("version"))
        .collect::<Result<_, _>>()?;
    for migration in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
        sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO dojo_payments_schema (version, description, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.description)
        .bind(crate::rfc3339(chrono::Utc::now()))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The key of the advisory lock migrators take on PostgreSQL (any number
/// the merchant's own code is unlikely to use: "dojo" in ASCII, twice).
const MIGRATION_LOCK: i64 = 0x646f_6a6f_646f_6a6f;

/// The versions recorded as applied, in order.
pub async fn applied(pool: &AnyPool) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT version FROM dojo_payments_schema ORDER BY version")
        .fetch_all(pool)
        .await?;
    rows.iter().map(|row| row.try_get("version")).collect()
}
