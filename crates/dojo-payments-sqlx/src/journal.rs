//! `dojo_journal`: the journal of money-moving calls.

use std::time::Duration;

use chrono::{DateTime, Utc};
use dojo_payments::IdempotencyKey;
use dojo_payments::StoreError;
use dojo_payments::journal::{Before, Closed, Entry, EntryState, JournalStore, Movement, Opened};
use dojo_payments::types::{
    CaptureId, Currency, LocationId, Money, PaymentIntentId, TerminalId, TerminalSessionId,
};
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyQueryResult, AnyRow};
use sqlx::{Any, AnyPool, Row};

use crate::clock::Backend;
use crate::store_error;
use crate::write_turns::WriteTurns;

/// The journal, in a PostgreSQL or SQLite database, on the database's
/// clock.
///
/// One commit per call waits for the disk: the entry, written before the
/// call is sent (the promise). Its outcome, when the money moved, is
/// committed without waiting for the log to reach the disk (PostgreSQL:
/// `synchronous_commit = off` for that transaction; SQLite in WAL mode,
/// which [`crate::pool`] sets: `synchronous = NORMAL` on a connection that
/// writes only outcomes). It is seen at once by every connection; a power
/// loss, or a PostgreSQL crash, just after it can take it back, never the
/// entry before it, leaving the entry open for `reconcile`, which finds it
/// applied again. An outcome that nothing moved waits for the disk.
///
/// On SQLite, which lets one connection write a file at a time, the
/// journal's writes take turns in the process before they reach the file,
/// first come first served, rather than sleep in SQLite's busy handler
/// while another connection writes. Clones share the turns: make one
/// journal per file and clone it. Two made apart still each write
/// correctly, but meet at the file's lock, as two processes do.
#[derive(Debug, Clone)]
pub struct SqlJournal {
    pool: AnyPool,
    backend: Backend,
    /// On a SQLite file: one connection of its own for the outcomes written
    /// without waiting for the disk ([`SqlJournal::close_without_waiting`]).
    outcomes: Option<AnyPool>,
    /// Every write runs in its turn (on SQLite).
    turns: WriteTurns,
}

/// `SELECT`s an entry's columns; literal SQL only (sqlx refuses built strings).
macro_rules! select_entries {
    ($rest:literal) => {
        concat!(
            "SELECT name, operation, payment_intent_id, amount, currency, idempotency_key, ",
            "before_status, before_captures, before_refunded, state, detail, opened_at, location, ",
            "terminal_id, terminal_session_id FROM dojo_journal ",
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
        let (outcomes, turns) = match backend {
            Backend::Sqlite => {
                let busy = busy_timeout(&pool).await?;
                let outcomes = on_file(&pool)
                    .await?
                    .then(|| outcome_connection(&pool, busy));
                (outcomes, WriteTurns::sqlite(busy))
            }
            Backend::Postgres => (None, WriteTurns::none()),
        };
        Ok(Self {
            pool,
            backend,
            outcomes,
            turns,
        })
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

impl SqlJournal {
    /// Writes the outcome `state` of the open entry `name` without waiting
    /// for it to reach the disk: committed, and at once visible to every
    /// connection and process, but lost if the database's host loses power
    /// (or, on PostgreSQL, the server crashes) before the log is flushed.
    /// Either database then stays consistent and keeps every commit made
    /// before it, the entry's durable `open` among them: the log is written
    /// and replayed in order, so a commit is lost only with every later
    /// one, and the next durable commit makes it durable too.
    async fn close_without_waiting(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> Result<AnyQueryResult, sqlx::Error> {
        // (In the caller's turn.)
        match (self.backend, &self.outcomes) {
            // `synchronous_commit = off` for this statement's transaction
            // only (`set_config(…, true)` is `SET LOCAL`), in the statement
            // itself: no round trip of its own, and nothing left on the
            // connection. PostgreSQL reads the setting when the transaction
            // commits.
            (Backend::Postgres, _) => {
                close_query(CLOSE_POSTGRES_WITHOUT_WAITING, location, name, state)
                    .execute(&self.pool)
                    .await
            }
            (Backend::Sqlite, Some(outcomes)) => {
                close_query(CLOSE_SQLITE, location, name, state)
                    .execute(outcomes)
                    .await
            }
            // In memory: there is no disk to wait for.
            (Backend::Sqlite, None) => {
                close_query(CLOSE_SQLITE, location, name, state)
                    .execute(&self.pool)
                    .await
            }
        }
    }
}

/// Whether `pool`'s SQLite database is a file (not in memory: a second
/// connection to `:memory:` would be another database).
async fn on_file(pool: &AnyPool) -> Result<bool, sqlx::Error> {
    let file: Option<String> =
        sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_optional(pool)
            .await?
            .map(|row| row.try_get("file"))
            .transpose()?;
    Ok(file.is_some_and(|file| !file.is_empty()))
}

/// How long `pool`'s SQLite connections wait for a file another connection
/// writes (`PRAGMA busy_timeout`, as sqlx's options or the pool's own
/// `after_connect` set it).
async fn busy_timeout(pool: &AnyPool) -> Result<Duration, sqlx::Error> {
    let ms: i64 = sqlx::query("PRAGMA busy_timeout")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    Ok(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
}

/// The SQLite connection outcomes are written on, to the same file as
/// `pool`, made when first needed: at `synchronous = NORMAL` when the file
/// is in WAL mode, its commits then not waiting for an fsync of the log,
/// and with the pool's busy timeout, `busy` (it is made from the pool's
/// options, not by its `after_connect`, where a pool may set another).
///
/// Why this is safe, and why a connection of its own:
///
/// - In WAL mode, NORMAL skips only the commit's fsync of the log: the
///   database stays consistent through a power loss, and a commit may roll
///   back (SQLite's `PRAGMA synchronous`). A process that dies (killed,
///   crashed) loses nothing: the commit is in the log, in the OS's cache.
///   In a rollback-journal mode NORMAL could cost more on a power loss:
///   there, this connection stays at the default (FULL), and the outcome
///   waits for its commit like the entry.
/// - The mode is read when the connection is made, and cannot change while
///   it lives: SQLite leaves WAL mode only for a connection that is the
///   file's only one ("database is locked" otherwise).
/// - The setting belongs to a connection, and cannot be changed inside a
///   transaction: on a pooled connection it would have to be lowered and
///   set back around each outcome (three statements more), and a
///   connection returned to the pool without being set back would make
///   the next entry written on it lose its durability. This connection
///   writes only outcomes, never an entry, and is never the pool's.
fn outcome_connection(pool: &AnyPool, busy: Duration) -> AnyPool {
    AnyPoolOptions::new()
        .max_connections(1)
        // As the pool's (`crate::pool`): no round trip before each outcome.
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // A number read from SQLite, not text from anywhere else.
                let busy = format!("PRAGMA busy_timeout = {}", busy.as_millis());
                sqlx::query(sqlx::AssertSqlSafe(busy))
                    .execute(&mut *conn)
                    .await?;
                let mode: String = sqlx::query("PRAGMA journal_mode")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
                if mode.eq_ignore_ascii_case("wal") {
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// Settles an open entry, `closed_at` by the database's clock in the
/// statement itself (no round trip of its own).
macro_rules! close_sql {
    (postgres) => {
        close_sql!(postgres "")
    };
    // Its transaction committed with `synchronous_commit = off`: the
    // one-row subquery is joined, so it runs when the entry is updated.
    (postgres without_waiting) => {
        close_sql!(postgres "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS without_waiting ")
    };
    (postgres $from:literal) => {
        concat!(
            "UPDATE dojo_journal SET state = $1, detail = $2, closed_at = ",
            "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') ",
            $from,
            "WHERE location = $3 AND name = $4 AND state = 'open'"
        )
    };
    (sqlite) => {
        concat!(
            "UPDATE dojo_journal SET state = $1, detail = $2, ",
            "closed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ",
            "WHERE location = $3 AND name = $4 AND state = 'open'"
        )
    };
}

const CLOSE_POSTGRES: &str = close_sql!(postgres);
const CLOSE_POSTGRES_WITHOUT_WAITING: &str = close_sql!(postgres without_waiting);
const CLOSE_SQLITE: &str = close_sql!(sqlite);

fn close_query<'q>(
    sql: &'static str,
    location: &'q LocationId,
    name: &'q str,
    state: &'q EntryState,
) -> sqlx::query::Query<'q, Any, AnyArguments> {
    sqlx::query(sql)
        .bind(state.name())
        .bind(state.detail().map(str::to_owned))
        .bind(location.as_str())
        .bind(name)
}

/// Writes an open entry unless its name is taken, `opened_at` given
/// (`$14`) or PostgreSQL's now (read back by `RETURNING`): the one
/// statement of a journaled call that waits for the disk.
macro_rules! insert_sql {
    (given) => {
        insert_sql!("$14", "")
    };
    // SQLite's clock is to the millisecond: `%f` is `SS.SSS`. Read as the
    // statement runs, once it holds the write lock (which it may wait
    // for), so never before the entry could be seen.
    (sqlite now) => {
        insert_sql!("strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')", "")
    };
    // The text `crate::rfc3339` writes (to the microsecond, `Z`), from the
    // clock `Backend::now` reads, so that text order stays time order.
    (postgres now) => {
        insert_sql!(
            "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            " RETURNING opened_at"
        )
    };
    ($at:expr, $returning:expr) => {
        concat!(
            "INSERT INTO dojo_journal (name, operation, payment_intent_id, amount, currency, ",
            "idempotency_key, before_status, before_captures, state, detail, opened_at, closed_at, location, ",
            "before_refunded, terminal_id, terminal_session_id) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, ",
            $at,
            ", NULL, $10, $11, $12, $13) ON CONFLICT (location, name) DO NOTHING",
            $returning
        )
    };
}

impl SqlJournal {
    /// `sql` (an `insert_sql!`) with `entry`'s values bound, but the time.
    fn insert_query<'q>(
        sql: &'static str,
        entry: &'q Entry,
    ) -> Result<sqlx::query::Query<'q, sqlx::Any, AnyArguments>, StoreError> {
        let movement = &entry.movement;
        let captures = entry
            .before
            .captures
            .as_ref()
            .map(|ids| serde_json::to_string(ids).map_err(|e| StoreError(Box::new(e))))
            .transpose()?;
        Ok(sqlx::query(sql)
            .bind(&entry.name)
            .bind(movement.operation())
            .bind(entry.payment_intent.as_str())
            .bind(movement.amount().map(|m| m.minor_units()))
            .bind(movement.amount().map(|m| m.currency().code().to_owned()))
            .bind(movement.key().map(|k| k.as_str().to_owned()))
            .bind(entry.before.status.as_ref().map(ToString::to_string))
            .bind(captures)
            .bind(entry.state.name())
            .bind(entry.location.as_str())
            .bind(entry.before.refunded)
            .bind(movement.terminal().map(|t| t.as_str().to_owned()))
            .bind(movement.session().map(|s| s.as_str().to_owned())))
    }

    /// Runs `query` (an `insert_sql!` without `RETURNING`, bound for
    /// `entry`): whether it was written. `execute` reads the statement's
    /// whole answer, its commit's included (see `insert_now`).
    async fn insert_executed(
        &self,
        query: sqlx::query::Query<'_, sqlx::Any, AnyArguments>,
        entry: &Entry,
    ) -> Result<Opened, StoreError> {
        let written = self.turns.write(query.execute(&self.pool)).await?;
        if written.rows_affected() == 1 {
            return Ok(Opened::Claimed);
        }
        self.existing(entry).await
    }

    /// Writes `entry` opened at PostgreSQL's now, and sets its time to the
    /// one written: whether it was written.
    async fn insert_now(&self, entry: &mut Entry) -> Result<Opened, StoreError> {
        // The whole statement's answer, not its first row: sqlx's `Any`
        // driver answers `fetch_optional` with the first row it reads, and
        // PostgreSQL sends the `RETURNING` row before the commit's own
        // answer (at `Sync`), where a commit that fails (a deferred
        // constraint, say) says so. The entry must be durable before the
        // call is sent: only the answer of the commit says it is.
        let inserted = self
            .turns
            .write(Self::insert_query(insert_sql!(postgres now), entry)?.fetch_all(&self.pool))
            .await?;
        let Some(row) = inserted.first() else {
            return self.existing(entry).await;
        };
        let at: String = row.try_get("opened_at").map_err(store_error)?;
        entry.opened_at = DateTime::parse_from_rfc3339(&at)
            .map_err(|_| unreadable("the time", &entry.name))?
            .with_timezone(&Utc);
        Ok(Opened::Claimed)
    }

    /// The entry that holds `entry`'s name.
    async fn existing(&self, entry: &Entry) -> Result<Opened, StoreError> {
        match self.entry(&entry.location, &entry.name).await? {
            Some(existing) => Ok(Opened::Existing(Box::new(existing))),
            None => Err(unreadable("an entry vanished", &entry.name)),
        }
    }
}

impl JournalStore for SqlJournal {
    async fn now(&self) -> Result<DateTime<Utc>, StoreError> {
        self.backend.now(&self.pool).await.map_err(store_error)
    }

    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        let query =
            Self::insert_query(insert_sql!(given), entry)?.bind(crate::rfc3339(entry.opened_at));
        self.insert_executed(query, entry).await
    }

    /// One statement: the entry stamped by the database's clock as it is
    /// written, no round trip for `now`. On PostgreSQL the time is read
    /// back (`RETURNING`). On SQLite it is not: a `RETURNING` row comes
    /// before the commit, and reading the whole answer (for the commit's
    /// own errors) woke the caller twice; SQLite's clock is this host's
    /// (it runs in this process), so `entry.opened_at` is set to this
    /// host's time once the write is done, no earlier than the one written.
    /// The stamp itself is SQLite's, read once the statement holds the
    /// write lock it may have waited for: an entry's age never starts
    /// before it could be seen.
    async fn open_now<'a>(&'a self, entry: &'a mut Entry) -> Result<Opened, StoreError> {
        match self.backend {
            Backend::Postgres => self.insert_now(entry).await,
            Backend::Sqlite => {
                let query = Self::insert_query(insert_sql!(sqlite now), entry)?;
                let opened = self.insert_executed(query, entry).await?;
                if let Opened::Claimed = opened {
                    // To the microsecond, as the store keeps time.
                    entry.opened_at = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
                }
                Ok(opened)
            }
        }
    }

    async fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> Result<Closed, StoreError> {
        // Only an `Applied` outcome is written without waiting for
        // durability. Lost (a power loss, or a PostgreSQL crash, before it
        // reaches the disk), it is an open entry again, and `reconcile`
        // finds it applied again: a refund sent again with its key is
        // deduplicated by Dojo, any other call is read back as made. A lost
        // `NotApplied` could come back otherwise: a refund sent again after
        // its caller was told nothing moved (and perhaps made another)
        // could then be made. That outcome is rare, and waits for its commit.
        let updated = self
            .turns
            .write(async {
                match state {
                    EntryState::Applied { .. } => {
                        self.close_without_waiting(location, name, state).await
                    }
                    _ => {
                        let sql = match self.backend {
                            Backend::Postgres => CLOSE_POSTGRES,
                            Backend::Sqlite => CLOSE_SQLITE,
                        };
                        close_query(sql, location, name, state)
                            .execute(&self.pool)
                            .await
                    }
                }
            })
            .await?;
        if updated.rows_affected() == 1 {
            return Ok(Closed::Now);
        }
        match self.entry(location, name).await? {
            Some(entry) if !entry.state.is_open() => Ok(Closed::Already(entry.state)),
            _ => Err(unreadable("the settlement", name)),
        }
    }

    async fn entry(&self, location: &LocationId, name: &str) -> Result<Option<Entry>, StoreError> {
        let row = sqlx::query(select_entries!("WHERE location = $1 AND name = $2"))
            .bind(location.as_str())
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(entry_of).transpose()
    }

    /// One durable statement; only an open entry of a session at a
    /// terminal takes it.
    async fn record_session<'a>(
        &'a self,
        location: &'a LocationId,
        name: &'a str,
        session: &'a TerminalSessionId,
    ) -> Result<(), StoreError> {
        let update = sqlx::query(
            "UPDATE dojo_journal SET terminal_session_id = $1 \
             WHERE location = $2 AND name = $3 AND state = 'open' AND terminal_id IS NOT NULL",
        )
        .bind(session.as_str())
        .bind(location.as_str())
        .bind(name)
        .execute(&self.pool);
        self.turns.write(update).await?;
        Ok(())
    }

    /// Every entry of one payment intent at `location`, open or settled:
    /// what the journal asks before it credits a session found in the
    /// intent's history to a matched refund whose create went unanswered.
    async fn entries_of<'a>(
        &'a self,
        location: &'a LocationId,
        payment_intent: &'a PaymentIntentId,
    ) -> Result<Option<Vec<Entry>>, StoreError> {
        let rows = sqlx::query(select_entries!(
            "WHERE location = $1 AND payment_intent_id = $2 ORDER BY opened_at, name"
        ))
        .bind(location.as_str())
        .bind(payment_intent.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(entry_of)
            .collect::<Result<_, _>>()
            .map(Some)
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
    let terminal = text("terminal_id")?.map(TerminalId::from_wire);
    let session = text("terminal_session_id")?.map(TerminalSessionId::from_wire);
    let movement = Movement::from_stored(&operation, amount, key, terminal, session)
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
        before: Before {
            status,
            captures,
            refunded: row
                .try_get::<Option<i64>, _>("before_refunded")
                .map_err(store_error)?,
        },
        state,
        opened_at,
        name,
    })
}

fn unreadable(what: &str, name: &str) -> StoreError {
    StoreError(format!("{what} of journal entry {name:?} is not readable").into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dojo_payments::types::Money;

    /// Each session at a terminal is stored and read back as it was
    /// written (`Movement::operation`, `Movement::from_stored`), its
    /// session's id recorded on the open entry only.
    #[tokio::test]
    async fn sessions_at_a_terminal_round_trip_with_their_ids() {
        let journal = SqlJournal::connect("sqlite::memory:").await.unwrap();
        let location = LocationId::new("soho").unwrap();
        let terminal = TerminalId::from_wire("tm_sandbox_counter1");
        let gbp = |minor| Money::new(minor, Currency::GBP);
        let movements = [
            Movement::TerminalSale {
                terminal: terminal.clone(),
                session: None,
            },
            Movement::TerminalMatchedRefund {
                amount: gbp(500),
                terminal: terminal.clone(),
                session: None,
            },
            Movement::TerminalUnlinkedRefund {
                amount: gbp(700),
                terminal: terminal.clone(),
                session: None,
            },
        ];
        for (n, movement) in movements.into_iter().enumerate() {
            let name = format!("till/{n}");
            let mut entry = Entry {
                name: name.clone(),
                movement,
                payment_intent: PaymentIntentId::from_wire(if n == 2 { "" } else { "pi_1" }),
                location: location.clone(),
                before: Before::unrecorded(),
                state: EntryState::Open,
                opened_at: DateTime::UNIX_EPOCH,
            };
            assert_eq!(journal.open_now(&mut entry).await.unwrap(), Opened::Claimed);
            let written = journal.entry(&location, &name).await.unwrap().unwrap();
            // The time written is the store's; the one set on the entry is
            // no earlier (SQLite's stamp is to the millisecond).
            assert!(
                written.opened_at <= entry.opened_at + chrono::Duration::milliseconds(1),
                "{written:?} {entry:?}"
            );
            assert_eq!(
                Entry {
                    opened_at: entry.opened_at,
                    ..written
                },
                entry
            );
            let session = TerminalSessionId::from_wire(format!("ts_sandbox_{n}"));
            journal
                .record_session(&location, &name, &session)
                .await
                .unwrap();
            let read = journal.entry(&location, &name).await.unwrap().unwrap();
            assert_eq!(
                read.movement,
                entry.movement.clone().with_session(session.clone())
            );
            // Settled, it takes no other id.
            let applied = EntryState::Applied {
                detail: Some(session.to_string()),
            };
            journal.close(&location, &name, &applied).await.unwrap();
            let other = TerminalSessionId::from_wire("ts_sandbox_other");
            journal
                .record_session(&location, &name, &other)
                .await
                .unwrap();
            let read = journal.entry(&location, &name).await.unwrap().unwrap();
            assert_eq!(read.movement.session(), Some(&session));
            assert_eq!(read.state, applied);
        }
        // Any other call takes no session id.
        let mut capture = Entry {
            name: "order/capture".to_owned(),
            movement: Movement::Capture { amount: gbp(100) },
            payment_intent: PaymentIntentId::from_wire("pi_2"),
            location: location.clone(),
            before: Before::unrecorded(),
            state: EntryState::Open,
            opened_at: DateTime::UNIX_EPOCH,
        };
        journal.open_now(&mut capture).await.unwrap();
        let id = TerminalSessionId::from_wire("ts_sandbox_x");
        journal
            .record_session(&location, "order/capture", &id)
            .await
            .unwrap();
        let read = journal
            .entry(&location, "order/capture")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.movement, capture.movement);
        assert_eq!(read.state, capture.state);
    }
}
