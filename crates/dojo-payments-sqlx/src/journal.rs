//! `dojo_journal`: the journal of money-moving calls.

use chrono::{DateTime, Utc};
use dojo_payments::IdempotencyKey;
use dojo_payments::StoreError;
use dojo_payments::journal::{Before, Closed, Entry, EntryState, JournalStore, Movement, Opened};
use dojo_payments::types::{CaptureId, Currency, LocationId, Money, PaymentIntentId};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::clock::Backend;
use crate::store_error;

/// The journal, in a PostgreSQL or SQLite database, on the database's
/// clock.
#[derive(Debug, Clone)]
pub struct SqlJournal {
    pool: AnyPool,
    backend: Backend,
}

/// `SELECT`s an entry's columns; literal SQL only (sqlx refuses built strings).
macro_rules! select_entries {
    ($rest:literal) => {
        concat!(
            "SELECT name, operation, payment_intent_id, amount, currency, idempotency_key, ",
            "before_status, before_captures, state, detail, opened_at, location FROM dojo_journal ",
            $rest
        )
    };
}

impl SqlJournal {
    /// The journal in the database at `url` (`postgres://…`, `sqlite:…`),
    /// its table made if missing.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::new(crate::pool(url).await?).await
    }

    /// The journal in `pool`'s database, its schema brought up to date.
    pub async fn new(pool: AnyPool) -> Result<Self, sqlx::Error> {
        crate::migrate(&pool).await?;
        let backend = Backend::of(&pool).await?;
        Ok(Self { pool, backend })
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The entries of payment intent `id`, oldest first.
    pub async fn entries_for(&self, id: &PaymentIntentId) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(select_entries!(
            "WHERE payment_intent_id = $1 ORDER BY opened_at, name"
        ))
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(entry_of).collect()
    }

    /// Every entry, oldest first: for audits.
    pub async fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(select_entries!("ORDER BY opened_at, name"))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(entry_of).collect()
    }
}

impl JournalStore for SqlJournal {
    async fn now(&self) -> Result<DateTime<Utc>, StoreError> {
        self.backend.now(&self.pool).await.map_err(store_error)
    }

    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        let movement = &entry.movement;
        let captures = entry
            .before
            .captures
            .as_ref()
            .map(|ids| serde_json::to_string(ids).map_err(|e| StoreError(Box::new(e))))
            .transpose()?;
        let inserted = sqlx::query(
            "INSERT INTO dojo_journal (name, operation, payment_intent_id, amount, currency, \
             idempotency_key, before_status, before_captures, state, detail, opened_at, closed_at, location) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, $11) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&entry.name)
        .bind(movement.operation())
        .bind(entry.payment_intent.as_str())
        .bind(movement.amount().map(|m| m.minor_units()))
        .bind(movement.amount().map(|m| m.currency().code().to_owned()))
        .bind(movement.key().map(|k| k.as_str().to_owned()))
        .bind(entry.before.status.as_ref().map(ToString::to_string))
        .bind(captures)
        .bind(entry.state.name())
        .bind(crate::rfc3339(entry.opened_at))
        .bind(entry.location.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        if inserted.rows_affected() == 1 {
            return Ok(Opened::Claimed);
        }
        match self.entry(&entry.name).await? {
            Some(existing) => Ok(Opened::Existing(Box::new(existing))),
            None => Err(unreadable("an entry vanished", &entry.name)),
        }
    }

    async fn close(&self, name: &str, state: &EntryState) -> Result<Closed, StoreError> {
        // `closed_at` by the database's clock, in the statement itself: no
        // round trip of its own.
        let sql = match self.backend {
            Backend::Postgres => {
                "UPDATE dojo_journal SET state = $1, detail = $2, closed_at = \
                 to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
                 WHERE name = $3 AND state = 'open'"
            }
            Backend::Sqlite => {
                "UPDATE dojo_journal SET state = $1, detail = $2, \
                 closed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 WHERE name = $3 AND state = 'open'"
            }
        };
        let updated = sqlx::query(sql)
            .bind(state.name())
            .bind(state.detail().map(str::to_owned))
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        if updated.rows_affected() == 1 {
            return Ok(Closed::Now);
        }
        match self.entry(name).await? {
            Some(entry) if !entry.state.is_open() => Ok(Closed::Already(entry.state)),
            _ => Err(unreadable("the settlement", name)),
        }
    }

    async fn entry(&self, name: &str) -> Result<Option<Entry>, StoreError> {
        let row = sqlx::query(select_entries!("WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(entry_of).transpose()
    }

    async fn open_entries(&self) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(select_entries!(
            "WHERE state = 'open' ORDER BY opened_at, name"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(entry_of).collect()
    }
}

fn entry_of(row: &AnyRow) -> Result<Entry, StoreError> {
    let name: String = row.try_get("name").map_err(store_error)?;
    let text = |column: &str| {
        row.try_get::<Option<String>, _>(column)
            .map_err(store_error)
    };
    let amount = match (
        row.try_get::<Option<i64>, _>("amount")
            .map_err(store_error)?,
        text("currency")?,
    ) {
        (Some(minor), Some(code)) => {
            let currency =
                Currency::from_code(&code).map_err(|_| unreadable("a currency", &name))?;
            Some(Money::new(minor, currency))
        }
        _ => None,
    };
    let key = text("idempotency_key")?
        .map(IdempotencyKey::new)
        .transpose()
        .map_err(|_| unreadable("an idempotency key", &name))?;
    let operation: String = row.try_get("operation").map_err(store_error)?;
    let movement = Movement::from_parts(&operation, amount, key)
        .ok_or_else(|| unreadable("the operation", &name))?;
    let state: String = row.try_get("state").map_err(store_error)?;
    let state = EntryState::from_parts(&state, text("detail")?)
        .ok_or_else(|| unreadable("the state", &name))?;
    let opened_at: String = row.try_get("opened_at").map_err(store_error)?;
    let opened_at = DateTime::parse_from_rfc3339(&opened_at)
        .map_err(|_| unreadable("the time", &name))?
        .with_timezone(&Utc);
    let captures = text("before_captures")?
        .map(|ids| serde_json::from_str::<Vec<CaptureId>>(&ids))
        .transpose()
        .map_err(|_| unreadable("the captures before", &name))?;
    let status = text("before_status")?
        .map(|status| status.parse())
        .transpose()
        .map_err(|_| unreadable("the status before", &name))?;
    let location: String = row.try_get("location").map_err(store_error)?;
    let location = LocationId::new(location).map_err(|_| unreadable("the location", &name))?;
    Ok(Entry {
        location,
        movement,
        payment_intent: PaymentIntentId::from_wire(
            row.try_get::<String, _>("payment_intent_id")
                .map_err(store_error)?,
        ),
        before: Before { status, captures },
        state,
        opened_at,
        name,
    })
}

fn unreadable(what: &str, name: &str) -> StoreError {
    StoreError(format!("{what} of journal entry {name:?} is not readable").into())
}
