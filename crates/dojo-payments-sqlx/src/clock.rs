//! The database's clock: the one every instance sharing the journal
//! measures an entry's age by ([`dojo_payments::journal::JournalStore::now`]).

use chrono::{DateTime, Utc};
use sqlx::{AnyPool, Row};

/// Which database a pool is on: its clock is read in its own SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend of `pool`'s connections.
    pub async fn of(pool: &AnyPool) -> Result<Self, sqlx::Error> {
        let conn = pool.acquire().await?;
        match conn.backend_name() {
            "PostgreSQL" => Ok(Self::Postgres),
            "SQLite" => Ok(Self::Sqlite),
            other => Err(sqlx::Error::Configuration(
                format!(
                    "dojo-payments-sqlx keeps the journal on PostgreSQL or SQLite, not {other}"
                )
                .into(),
            )),
        }
    }

    /// Now, by the database's clock, in microseconds since 1970.
    pub async fn now(self, pool: &AnyPool) -> Result<DateTime<Utc>, sqlx::Error> {
        let query = match self {
            // The time of the statement, not of the transaction.
            Self::Postgres => {
                "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) AS now"
            }
            // julianday('now') is to the millisecond.
            Self::Sqlite => {
                "SELECT CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) * 1000 AS INTEGER) AS now"
            }
        };
        let micros: i64 = sqlx::query(query).fetch_one(pool).await?.try_get("now")?;
        DateTime::from_timestamp_micros(micros).ok_or_else(|| {
            sqlx::Error::Protocol(format!("the database's clock reads {micros} µs since 1970"))
        })
    }
}
