//! The databases the durable-storage tests run on: a fresh SQLite file
//! always, and a fresh database on the PostgreSQL server named by
//! `DOJO_TEST_POSTGRES_URL` when there is one (`.ci/start-postgres` starts
//! one; `.ci/run` always does). Without it, the PostgreSQL runs say so in
//! one line, and fail under `DOJO_REQUIRE_TOOLS=1`.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL: &str = "DOJO_TEST_POSTGRES_URL";

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A file in the temporary directory.
    Sqlite,
    /// A new database on the test server.
    Postgres,
}

/// The kinds available here: SQLite, and PostgreSQL when its server is.
pub fn kinds() -> Vec<Kind> {
    if std::env::var_os(POSTGRES_URL).is_some() {
        return vec![Kind::Sqlite, Kind::Postgres];
    }
    assert!(
        std::env::var_os("DOJO_REQUIRE_TOOLS").is_none(),
        "DOJO_REQUIRE_TOOLS is set but {POSTGRES_URL} is not (run .ci/start-postgres)"
    );
    // Straight to stderr: the test harness would swallow println!.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED on PostgreSQL (SQLite only): set {POSTGRES_URL}, e.g. $(.ci/start-postgres)"
    );
    vec![Kind::Sqlite]
}

/// The URL of a fresh, empty database of `kind`, named after `test`.
pub async fn fresh(kind: Kind, test: &str) -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let name = format!(
        "dojo_{}_{}_{n}",
        test.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        std::process::id()
    );
    match kind {
        Kind::Sqlite => {
            let file = std::env::temp_dir().join(format!("{name}.sqlite"));
            let _ = std::fs::remove_file(&file);
            format!("sqlite:{}?mode=rwc", file.display())
        }
        Kind::Postgres => {
            let admin = std::env::var(POSTGRES_URL).expect("checked by kinds()");
            let pool = dojo_payments_sqlx::pool(&admin)
                .await
                .expect("the test server answers");
            // A name built above from letters, digits and `_` only.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("a database is created");
            pool.close().await;
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(base, _)| base);
            format!("{base}/{name}")
        }
    }
}
