//! The shop's database: SQLite by default, any database sqlx's `Any`
//! driver understands by `DATABASE_URL` (PostgreSQL is built in). One
//! module per table; the schema is `migrations/`.

mod accounts;
mod attempts;
mod bookings;
mod devices;
mod events;
mod flashes;
mod orders;
mod phone_audit;
mod sessions;
mod staff_actions;
mod till_claims;
mod till_sessions;

use chrono::Utc;
use sqlx::AnyPool;

pub use accounts::SecondFactor;
pub use attempts::{Rule, Taken};
pub use bookings::Booking;
pub use events::{Applied, EventRecord};
pub use flashes::Flash;
pub use orders::NewOrder;
pub use phone_audit::PhoneAudit;
pub use sessions::SessionRow;
pub use staff_actions::StaffAction;
pub use till_claims::{ClaimEnd, LeftAsRead, RefundClaim, RunningClaim};
pub use till_sessions::{TillKind, TillSession};

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
        migrator().run(&pool).await?;
        // The SDK's own tables: the journal and the processed events.
        dojo_payments_sqlx::migrate(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, for tests that read the tables themselves.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// `migrations/`, embedded in the binary by `build.rs` (version,
/// description, SQL): a copied binary needs no source tree.
const MIGRATIONS: &[(i64, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The shop's migrator: what `sqlx::migrate!("migrations")` makes, without
/// its macros (they would build every driver again, for the compiler). The
/// same versions and checksums as the files, so a database migrated from
/// the directory is up to date.
pub fn migrator() -> sqlx::migrate::Migrator {
    use sqlx::SqlSafeStr as _;
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    description.into(),
                    MigrationType::Simple,
                    sqlx::AssertSqlSafe(sql).into_sql_str(),
                    sql.starts_with("-- no-transaction"),
                )
            })
            .collect(),
    )
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

/// A fresh id with `prefix` (`ord_3f9a…`): 64 bits from the operating
/// system's CSPRNG, so that several shop instances on one database never
/// hand out the same one, and nobody predicts the next from the last.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", crate::auth::random_hex(8))
}
