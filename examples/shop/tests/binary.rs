//! The built binary, shipped alone: copied into an empty directory, run
//! there with a fresh SQLite database and the source tree out of sight (a
//! mount namespace hides the workspace where `unshare` may make one), it
//! migrates its database and serves a page. And deployed without a Dojo
//! key, it refuses to start.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A directory of this test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dojo-shop-{name}-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The workspace's root (the source tree the binary must not need).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_owned()
}

/// Whether `unshare` can hide a directory from a child here (a user and
/// mount namespace: Linux, unless the machine forbids them).
fn can_hide() -> bool {
    Command::new("unshare")
        .args(["--mount", "--map-root-user", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The binary, copied into `dir`, as a command run from `dir` with nothing
/// of the shop's environment but `vars`: the workspace hidden behind an
/// empty directory when it can be.
fn shipped(dir: &Path, vars: &[(&str, String)]) -> Command {
    let binary = dir.join("dojo-shop");
    std::fs::copy(env!("CARGO_BIN_EXE_dojo-shop"), &binary).unwrap();
    let mut command = if can_hide() {
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let mut command = Command::new("unshare");
        command
            .args(["--mount", "--map-root-user", "sh", "-c"])
            .arg(format!(
                "mount --bind '{}' '{}' && exec '{}'",
                empty.display(),
                workspace().display(),
                binary.display()
            ));
        command
    } else {
        eprintln!(
            "note: unshare cannot make a mount namespace here: the source tree stays visible"
        );
        Command::new(&binary)
    };
    command.current_dir(dir).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// Kills the shop when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_alone_migrates_its_database_and_serves_a_page() {
    let dir = TempDir::new("shipped");
    let database = format!("sqlite:{}?mode=rwc", dir.0.join("shop.sqlite").display());
    let mut child = shipped(
        &dir.0,
        &[
            ("SHOP_ADDR", "127.0.0.1:0".to_owned()),
            ("DATABASE_URL", database),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let _running = Running(child);
    // The first lines it prints, until it says where it is open.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        for line in lines.by_ref() {
            if let Some(url) = line.strip_prefix("The shop is open: ") {
                let _ = tx.send(Ok(url.to_owned()));
                // Read on: a closed pipe would fail the shop's next line.
                lines.for_each(drop);
                return;
            }
        }
        let mut said = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            said.push_str(&line);
            said.push('\n');
        }
        let _ = tx.send(Err(said));
    });
    let url = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(url)) => url,
        Ok(Err(said)) => panic!("the shop did not start:\n{said}"),
        Err(_) => panic!("the shop said nothing in a minute"),
    };
    let http = dojo_payments::raw::http_client().unwrap();
    for page in ["/", "/signin", "/signup"] {
        let answer = http.get(format!("{url}{page}")).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{page}");
        let body = answer.text().await.unwrap();
        assert!(body.contains("Tea &amp; Co."), "{page}: {body}");
    }
}

#[test]
fn the_binary_deployed_without_a_dojo_key_refuses_to_start() {
    let dir = TempDir::new("deployed");
    let database = format!("sqlite:{}?mode=rwc", dir.0.join("shop.sqlite").display());
    let output = shipped(
        &dir.0,
        &[
            ("SHOP_ADDR", "127.0.0.1:0".to_owned()),
            ("SHOP_PUBLIC_URL", "https://shop.example.com".to_owned()),
            ("DATABASE_URL", database),
        ],
    )
    .output()
    .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "it started: {said}");
    assert!(said.contains("DOJO_API_KEY"), "{said}");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(!printed.contains("emulator"), "{printed}");
}

#[test]
fn a_shop_addr_that_does_not_parse_is_an_error_at_start() {
    let dir = TempDir::new("bad-addr");
    let database = format!("sqlite:{}?mode=rwc", dir.0.join("shop.sqlite").display());
    for addr in ["127.0.0.1", "localhost:3000", "127.0.0.1:99999", "nonsense"] {
        let output = shipped(
            &dir.0,
            &[
                ("SHOP_ADDR", addr.to_owned()),
                ("DATABASE_URL", database.clone()),
            ],
        )
        .output()
        .unwrap();
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{addr}: it started: {said}");
        assert!(said.contains("SHOP_ADDR"), "{addr}: {said}");
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(!printed.contains("The shop is open"), "{addr}: {printed}");
    }
    assert!(dojo_shop::listen_addr(Some("0.0.0.0:8080")).is_ok());
    assert!(dojo_shop::listen_addr(Some("[::1]:8080")).is_ok());
    assert_eq!(
        dojo_shop::listen_addr(None).unwrap().to_string(),
        "127.0.0.1:3000"
    );
}

#[test]
fn the_embedded_migrations_are_the_directory_s() {
    let embedded = dojo_shop::store::migrator();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let read = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(sqlx::migrate::Migrator::new(dir))
        .unwrap();
    let summary = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String, Vec<u8>, bool)> {
        m.iter()
            .map(|m| {
                (
                    m.version,
                    m.description.to_string(),
                    m.checksum.to_vec(),
                    m.no_tx,
                )
            })
            .collect()
    };
    assert_eq!(summary(&embedded), summary(&read));
    assert!(!summary(&embedded).is_empty());
}
