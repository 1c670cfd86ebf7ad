//! `dojo_journal`: the journal of money-moving calls.

use chrono::{DateTime, Utc};
use dojo_payments::IdempotencyKey;
use dojo_payments::StoreError;
use dojo_payments::journal::{Before, Entry, EntryState, JournalStore, Movement, Opened};
use dojo_payments::types::{Currency, Money, PaymentIntentId};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::store_error;

/// The journal, in a PostgreSQL or SQLite database.
#[derive(Debug, Clone)]
pub struct SqlJournal {
    pool: AnyPool,
}

/// `SELECT`s an entry's columns; literal SQL only (sqlx refuses built strings).
macro_rules! select_entries {
    ($rest:literal) => {
        concat!(
            "SELECT name, operation, payment_intent_id, amount, currency, idempotency_key, ",
            "before_status, before_captured, state, detail, opened_at FROM dojo_journal ",
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

    /// The journal in `pool`'s database, its table made if missing.
    pub async fn new(pool: AnyPool) -> Result<Self, sqlx::Error> {
        crate::migrate(&pool).await?;
        Ok(Self { pool })
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
    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        let movement = &entry.movement;
        let inserted = sqlx::query(
            "INSERT INTO dojo_journal (name, operation, payment_intent_id, amount, currency, \
             idempotency_key, before_status, before_captured, state, detail, opened_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&entry.name)
        .bind(movement.operation())
        .bind(entry.payment_intent.as_str())
        .bind(movement.amount().map(|m| m.minor_units()))
        .bind(movement.amount().map(|m| m.currency().code().to_owned()))
        .bind(movement.key().map(|k| k.as_str().to_owned()))
        .bind(entry.before.status.clone())
        .bind(entry.before.captured)
        .bind(entry.state.name())
        .bind(entry.opened_at.to_rfc3339())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        if inserted.rows_affected() == 1 {
            return Ok(Opened::Claimed);
        }
        match self.entry(&entry.name).await? {
            Some(existing) => Ok(Opened::Existing(existing)),
            None => Err(unreadable("an entry vanished", &entry.name)),
        }
    }

    async fn close(&self, name: &str, state: &EntryState) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE dojo_journal SET state = $1, detail = $2, closed_at = $3 \
             WHERE name = $4 AND state = 'open'",
        )
        .bind(state.name())
        .bind(state.detail().map(str::to_owned))
        .bind(Utc::now().to_rfc3339())
        .bind(name)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
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
    Ok(Entry {
        movement,
        payment_intent: PaymentIntentId::from_wire(
            row.try_get::<String, _>("payment_intent_id")
                .map_err(store_error)?,
        ),
        before: Before {
            status: text("before_status")?,
            captured: row.try_get("before_captured").map_err(store_error)?,
        },
        state,
        opened_at,
        name,
    })
}

fn unreadable(what: &str, name: &str) -> StoreError {
    StoreError(format!("{what} of journal entry {name:?} is not readable").into())
}
