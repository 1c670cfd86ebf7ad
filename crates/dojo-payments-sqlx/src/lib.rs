//! Durable storage for `dojo-payments`, on PostgreSQL or SQLite (sqlx's
//! `Any` driver, so one binary serves either, chosen by URL):
//!
//! - [`SqlJournal`]: the [journal](dojo_payments::journal) of money-moving
//!   calls, so that a refund, capture or charge is made once across
//!   crashes, restarts and several instances on one database;
//! - [`SqlEvents`]: the record of processed webhook events, used in the
//!   same transaction as the change an event causes.
//!
//! sqlx rather than a driver per database: one implementation and one
//! schema serve both (the SQL is the portable subset: `TEXT`, `BIGINT`,
//! `ON CONFLICT … DO NOTHING`, `$1` parameters), on the async runtime the
//! SDK already uses. Users of `dojo-payments` alone compile no database
//! driver: this crate is where they are, behind the `postgres` and
//! `sqlite` features (both on by default).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = dojo_payments_emulator::Emulator::start().await?;
//! # let dojo = dojo_payments::Dojo::builder(emulator.api_key()).endpoints(emulator.endpoints()).build()?;
//! # let intent = dojo.payment_intents().create(dojo_payments::types::Money::new(1000, dojo_payments::types::Currency::GBP), "Order 42").send().await?;
//! # emulator.pay(intent.id.as_ref().unwrap(), &dojo_payments_emulator::Card::test("5200000000001005")?, false)?;
//! # let id = intent.id.as_ref().unwrap();
//! use dojo_payments::journal::Journal;
//! use dojo_payments::types::{Currency, Money};
//! use dojo_payments_sqlx::SqlJournal;
//!
//! let store = SqlJournal::connect("sqlite::memory:").await?;   // or postgres://…
//! let journal = Journal::new(store, &dojo);
//! journal.reconcile(&dojo).await?;                              // at start-up
//! let intent = dojo.payment_intents().get(id).await?;          // as it is before the refund
//! journal.refund(&dojo, "order-42/refund-1", &intent, Money::new(300, Currency::GBP)).await?;
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod clock;
mod events;
mod journal;
pub mod migrations;
mod write_turns;

pub use events::SqlEvents;
pub use journal::SqlJournal;
pub use migrations::migrate;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

/// A pool on `url`, with the drivers this crate was built with.
///
/// An in-memory SQLite database (`sqlite::memory:`) lives in one
/// connection, so the pool is of one connection then. A SQLite file is put
/// in WAL mode (`PRAGMA journal_mode = WAL`, kept by the file): readers do
/// not block the writer, a durable commit is one fsync of the log, and
/// [`SqlJournal`] can write a call's outcome without waiting for one. A
/// file that cannot be switched (read-only, or locked past the busy
/// timeout) stays in its mode, and the journal's outcomes then wait for
/// their commit too.
///
/// A connection is not pinged before it is lent (sqlx's
/// `test_before_acquire`, on by default): that check is a round trip of
/// its own before every statement (to the server on PostgreSQL, to the
/// connection's thread on SQLite), and the journal waits for one write per
/// call. A connection that died while idle fails its statement instead,
/// with the store error every caller already handles: an entry not written
/// sends nothing, an outcome not written leaves its entry for `reconcile`,
/// an event not recorded is answered 5xx and delivered again.
pub async fn pool(url: &str) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let connections = if memory { 1 } else { 8 };
    AnyPoolOptions::new()
        .max_connections(connections)
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if !memory && conn.backend_name() == "SQLite" {
                    // Best effort, as said above: the journal reads the
                    // mode itself where it matters.
                    let _ = sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
}

/// `at` as stored: RFC 3339 in UTC to the microsecond, always the same
/// length, so that text order is time order.
pub(crate) fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn store_error(error: sqlx::Error) -> dojo_payments::StoreError {
    dojo_payments::StoreError(Box::new(error))
}
