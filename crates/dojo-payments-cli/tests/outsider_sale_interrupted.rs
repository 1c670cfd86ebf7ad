//! An outside tester's attack on "ambiguous outcomes reported with what to
//! do": `dojo terminals sale` run from a script (stdout and stderr not a
//! terminal) and stopped while it waits for the customer (Ctrl-C, a CI
//! job's timeout: SIGINT/SIGTERM). The session is live on the terminal, a
//! card may still be presented; the tool says nothing at all: no
//! session id, no payment intent id, no `dojo terminals session …` to
//! settle it. Fails today.
//!
//! cargo test -p dojo-payments-cli --test outsider_sale_interrupted

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "sk_sandbox_emulator_0123456789abcdefghijklmnopqrstuvwxyz";

struct Emulator(Child, String);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `dojo emulator` on free ports with a terminal in manual mode (a
/// session waits for a card).
fn emulator() -> Emulator {
    let mut child = Command::new(snapbox::cmd::cargo_bin!("dojo"))
        .env_clear()
        .args([
            "emulator",
            "--api-port",
            "0",
            "--pci-port",
            "0",
            "--terminal",
            "tm_sandbox_till1:manual",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("emulator");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut api = String::new();
    let mut line = String::new();
    while api.is_empty() {
        line.clear();
        assert!(
            out.read_line(&mut line).expect("read") > 0,
            "emulator ended"
        );
        if let Some(url) = line.trim().strip_prefix("api host:") {
            api = url.trim().to_owned();
        }
    }
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    Emulator(child, api)
}

fn stopped_sale(signal: &str) -> (String, String) {
    let emu = emulator();
    let dir = std::env::temp_dir().join(format!("dojo-outsider-sale-{}", std::process::id()));
    let mut sale = Command::new(snapbox::cmd::cargo_bin!("dojo"))
        .env_clear()
        .env("DOJO_API_URL", &emu.1)
        .env("DOJO_API_KEY", KEY)
        .env("DOJO_CONFIG", dir.join("config.toml"))
        .args([
            "terminals",
            "sale",
            "--terminal",
            "tm_sandbox_till1",
            "--amount",
            "5.00",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sale");
    // The session is created, and waits for a card.
    std::thread::sleep(Duration::from_secs(3));
    assert!(sale.try_wait().expect("wait").is_none(), "the sale waits");
    Command::new("kill")
        .args([signal, &sale.id().to_string()])
        .status()
        .expect("kill");
    let start = Instant::now();
    while sale.try_wait().expect("wait").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "sale did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = sale.wait_with_output().expect("output");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_sale_stopped_while_waiting_names_what_to_settle() {
    for signal in ["-INT", "-TERM"] {
        let (stdout, stderr) = stopped_sale(signal);
        let all = format!("{stdout}{stderr}");
        assert!(
            all.contains("pi_sandbox_") || all.contains("ts_"),
            "kill {signal} while the sale waited: the session is live on the terminal, and \
             the tool printed nothing to settle it with: stdout {stdout:?}, stderr {stderr:?}"
        );
    }
}
