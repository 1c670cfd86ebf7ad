//! What this crate's tests share: fresh databases (a SQLite file, and one
//! on the PostgreSQL server `DOJO_TEST_POSTGRES_URL` names, from
//! `.ci/start-postgres`), a client whose calls leave their in-flight
//! window within a second or two, and paid payment intents.

use std::time::Duration;

use dojo_payments::api_types::{CaptureMode, PaymentIntent};
use dojo_payments::types::{Currency, Money, PaymentIntentId};
use dojo_payments::{Dojo, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::Emulator;

pub fn gbp(minor: i64) -> Money {
    Money::new(minor, Currency::GBP)
}

/// A fresh SQLite file's URL, named after `test` and this process.
pub fn sqlite_file(test: &str) -> String {
    let file = std::env::temp_dir().join(format!("dojo_{test}_{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    format!("sqlite:{}?mode=rwc", file.display())
}

/// A fresh database on the PostgreSQL server, if there is one.
pub struct Postgres {
    /// The database's URL.
    pub url: String,
    /// The server's admin URL (to drop it, or to act on it from outside).
    pub admin: String,
    /// The database's name (letters, digits and `_`).
    pub name: String,
}

/// A fresh PostgreSQL database named after `test` and this process;
/// `None` (and a line saying it was skipped) when no server is named.
pub async fn postgres(test: &str) -> Option<Postgres> {
    let Ok(admin) = std::env::var("DOJO_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED on PostgreSQL: set DOJO_TEST_POSTGRES_URL (.ci/start-postgres)");
        return None;
    };
    let name = format!("dojo_{test}_{}", std::process::id());
    let pool = dojo_payments_sqlx::pool(&admin).await.unwrap();
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(Postgres {
        url: format!("{base}/{name}"),
        admin,
        name,
    })
}

impl Postgres {
    /// Drops the database (its pools closed first).
    pub async fn drop_database(&self) {
        let pool = dojo_payments_sqlx::pool(&self.admin).await.unwrap();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

/// Fresh databases for `test`: a SQLite file, and PostgreSQL when there
/// is a server.
pub async fn databases(test: &str) -> Vec<String> {
    let mut urls = vec![sqlite_file(test)];
    if let Some(postgres) = postgres(test).await {
        urls.push(postgres.url);
    }
    urls
}

/// A client whose window is short: a 1 s deadline and a 200 ms margin
/// (window 1.2 s), reads lagging 100 ms at most.
pub fn quick(emulator: &Emulator) -> Dojo {
    Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .retry_policy(RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(1),
            deadline: Duration::from_secs(1),
        })
        .settlement_policy(SettlementPolicy {
            in_flight_margin: Duration::from_millis(200),
            read_lag: Duration::from_millis(100),
        })
        .build()
        .unwrap()
}

/// A client on `emulator` with the default policies.
pub fn client(emulator: &Emulator) -> Dojo {
    Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()
        .unwrap()
}

/// A £10 intent in `mode`, paid; its id, and the intent as read.
pub async fn paid(
    emulator: &Emulator,
    dojo: &Dojo,
    mode: CaptureMode,
) -> (PaymentIntentId, PaymentIntent) {
    let intent = dojo
        .payment_intents()
        .create(gbp(1_000), "Journal")
        .capture_mode(mode)
        .send()
        .await
        .unwrap();
    let id = intent.id.clone().unwrap();
    dojo_payments_emulator::testkit::pay(emulator, &id);
    let read = dojo.payment_intents().get(&id).await.unwrap();
    (id, read)
}

/// `f`, or a panic naming `what` after `limit`: a test fails, not hangs.
pub async fn within<T>(limit: Duration, what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: still waiting after {limit:?} (a hang)"))
}

/// Takes SQLite's write lock on `url` from a connection of its own and
/// lets it go after `held`: another process's writer.
pub async fn lock_file_for(url: &str, held: Duration) -> tokio::task::JoinHandle<()> {
    sqlx::any::install_default_drivers();
    let mut blocker = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(held).await;
        sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
        sqlx::Connection::close(blocker).await.unwrap();
    })
}

/// A pool on `url` (WAL) whose connections run `PRAGMA busy_timeout =
/// {busy}` on connect (`busy` as written: "300", "0", "-5"), not pinged
/// before lent (as `dojo_payments_sqlx::pool`'s).
pub async fn busy_pool(url: &str, busy: &'static str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(8)
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                sqlx::query("PRAGMA journal_mode = WAL")
                    .execute(&mut *conn)
                    .await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {busy}")))
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .unwrap()
}
