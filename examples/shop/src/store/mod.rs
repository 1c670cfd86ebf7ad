//! The shop's database: SQLite by default, any database sqlx's `Any`
//! driver understands by `DATABASE_URL` (PostgreSQL is built in). One
//! module per table; the schema is `migrations/`.

mod accounts;
mod attempts;
mod bookings;
mod events;
mod orders;
mod phone_audit;
mod sessions;

use std::path::Path;

use chrono::Utc;
use sqlx::AnyPool;

pub use bookings::Booking;
pub use events::{Applied, EventRecord};
pub use orders::NewOrder;
pub use phone_audit::PhoneAudit;
pub use sessions::SessionRow;

/// The shop's database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
}

impl Db {
    /// Connects to `url` (`sqlite:…`, `postgres://…`) and brings its schema
    /// up to date.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let pool = dojo_payments_sqlx::pool(url).await?;
        // Read at run time (no `sqlx::migrate!`, whose macros would build
        // every driver again): the shop runs from its own source tree.
        let migrations = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
        sqlx::migrate::Migrator::new(migrations)
            .await?
            .run(&pool)
            .await?;
        // The SDK's own tables: the journal and the processed events.
        dojo_payments_sqlx::migrate(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, for tests that read the tables themselves.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Now, as stored (RFC 3339).
fn now() -> String {
    stamp(Utc::now())
}

/// `at` as stored: RFC 3339 to the millisecond, always the same length, so
/// that text order is time order.
fn stamp(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A fresh id with `prefix` (`ord_3f9a…`): random, so that several shop
/// instances on one database never hand out the same one.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{:016x}", fastrand::u64(..))
}
