//! PostgreSQL over TLS: the shop's database and the SDK's pool
//! (`dojo-payments-sqlx`, feature `tls-rustls`) connect to a server with a
//! certificate of its own authority (`.ci/start-postgres --tls`, or the server at
//! `DOJO_TEST_POSTGRES_TLS_URL`) with `sslmode=require`, and the server
//! says the connection is encrypted (`pg_stat_ssl`). With
//! `sslmode=verify-full` and the authority that signed it as `sslrootcert`,
//! the certificate is checked; without it (Mozilla's roots), refused.
//!
//! Without PostgreSQL (or openssl) this says so in one line and passes;
//! with `DOJO_REQUIRE_TOOLS=1` it fails instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::Row;

/// A server started for this test, stopped when dropped.
struct Server {
    url: String,
    /// The certificate of the authority that signed the server's.
    authority: Option<PathBuf>,
    stop: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            // `… pg_ctl -D <dir>/data stop`, as the script printed it (as
            // the user who owns the cluster).
            let _ = if running_as_root() {
                Command::new("su")
                    .args(["postgres", "-s", "/bin/sh", "-c", stop])
                    .output()
            } else {
                Command::new("sh").args(["-c", stop]).output()
            };
            // Its temporary directory (`/tmp/dojo-postgres.XXXXXX`), gone.
            let dir = stop
                .split(" -D ")
                .nth(1)
                .and_then(|d| d.strip_suffix(" stop"))
                .and_then(|data| Path::new(data).parent());
            if let Some(dir) = dir
                && dir.starts_with("/tmp")
                && dir.to_string_lossy().contains("dojo-postgres.")
            {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

/// The TLS server: `DOJO_TEST_POSTGRES_TLS_URL`, or one started now.
fn server() -> Result<Server, String> {
    if let Ok(url) = std::env::var("DOJO_TEST_POSTGRES_TLS_URL") {
        return Ok(Server {
            url,
            authority: None,
            stop: None,
        });
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.ci/start-postgres");
    let out = Command::new(&script)
        .arg("--tls")
        .output()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(said.trim().to_owned());
    }
    let line = |prefix: &str| {
        said.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::to_owned)
    };
    Ok(Server {
        url: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        authority: line("its certificate authority: ").map(PathBuf::from),
        stop: line("stop with: "),
    })
}

/// Whether the server says the connection `pool` runs on is encrypted.
async fn encrypted(pool: &sqlx::AnyPool) -> bool {
    let row = sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(pool)
        .await
        .unwrap();
    row.try_get::<bool, _>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_and_the_sdk_reach_postgres_over_tls() {
    let server = match server() {
        Ok(server) => server,
        Err(why) => {
            assert!(
                std::env::var_os("DOJO_REQUIRE_TOOLS").is_none(),
                "DOJO_REQUIRE_TOOLS is set but no TLS PostgreSQL could be started: {why}"
            );
            let _ = writeln!(std::io::stderr(), "SKIPPED: PostgreSQL over TLS: {why}");
            return;
        }
    };
    assert!(server.url.contains("sslmode=require"), "{}", server.url);

    // The SDK's pool (dojo-payments-sqlx): its tables made over TLS.
    let pool = dojo_payments_sqlx::pool(&server.url).await.unwrap();
    dojo_payments_sqlx::migrate(&pool).await.unwrap();
    assert!(
        encrypted(&pool).await,
        "the SDK's connection is not encrypted"
    );

    // The shop's database: migrated, and read, over TLS.
    let db = dojo_shop::store::Db::connect(&server.url).await.unwrap();
    assert!(
        encrypted(db.pool()).await,
        "the shop's connection is not encrypted"
    );
    assert!(!db.has_admin().await.unwrap());

    // The certificate checked: accepted with its authority as the root,
    // refused with Mozilla's roots, none of which signed it.
    if let Some(authority) = &server.authority {
        let base = server.url.replace("sslmode=require", "sslmode=verify-full");
        let checked = format!("{base}&sslrootcert={}", authority.display());
        let pool = dojo_payments_sqlx::pool(&checked).await.unwrap();
        assert!(encrypted(&pool).await);
        let unknown = dojo_payments_sqlx::pool(&base).await;
        let refused = match unknown {
            Ok(pool) => sqlx::query("SELECT 1").execute(&pool).await.err(),
            Err(error) => Some(error),
        };
        assert!(
            refused.is_some(),
            "a certificate nothing signed was trusted"
        );
    }
}
