//! An outside tester's attacks on `dojo` (issue #36) that found the
//! promise holding: kept as regression tests.
//!
//! cargo test -p dojo-payments-cli --test outsider_holds

mod support;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{KEY, Running, TempDir};

fn run(emu: &Running, args: &[&str]) -> std::process::Output {
    emu.process(args).output().expect("dojo ran")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn requests(emu: &Running) -> Vec<String> {
    emu.json(&["emulator", "requests"])["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A tiny HTTP endpoint: records each POST's request target (path and
/// query, as sent) and event id, answers 200.
/// Each POST seen: its request target and event id.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

fn endpoint() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let record = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let id = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned))
                .unwrap_or_default();
            record.lock().expect("lock").push((target, id));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (port, got)
}

fn listen(emu: &Running, args: &[&str]) -> (Child, Arc<Mutex<Vec<String>>>) {
    let mut all = vec!["--json", "listen"];
    all.extend_from_slice(args);
    let mut child = emu
        .process(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    while !line.starts_with("Ready") {
        line.clear();
        assert!(
            err.read_line(&mut line).expect("stderr") > 0,
            "listen ended"
        );
    }
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
    });
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            sink.lock().expect("lock").push(line);
        }
    });
    (child, lines)
}

fn interrupt(child: &mut Child) {
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("listen did not stop on Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// stripe-cli #865 (query string dropped) and #500/#1133 (a route per
/// event): three routes with awkward query strings, one per event and two
/// catch-alls; each event reaches each route that wants it exactly once,
/// at the URL as given.
#[test]
fn listen_keeps_query_strings_and_forwards_once_per_route() {
    let emu = support::emulator("out-listen-routes");
    let (port, got) = endpoint();
    let all = format!("http://127.0.0.1:{port}/all?x=1&y=2");
    let created = format!("payment_intent.created=http://127.0.0.1:{port}/created?a=b=c");
    let star = format!("*=http://127.0.0.1:{port}/star?q=%20z&q=2");
    let (mut child, _) = listen(
        &emu,
        &[
            "--forward-to",
            &all,
            "--forward",
            &created,
            "--forward",
            &star,
        ],
    );
    let triggered = emu.json(&["trigger", "payment_intent.status_updated"]);
    assert!(triggered["paymentIntentId"].is_string());
    let start = Instant::now();
    while got.lock().expect("lock").len() < 5 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Time for a duplicate to show up.
    std::thread::sleep(Duration::from_secs(1));
    interrupt(&mut child);
    let received = got.lock().expect("lock").clone();
    let mut counts: HashMap<(String, String), u32> = HashMap::new();
    for (target, id) in &received {
        *counts.entry((target.clone(), id.clone())).or_default() += 1;
    }
    let events: std::collections::BTreeSet<&String> = received.iter().map(|(_, id)| id).collect();
    assert_eq!(events.len(), 2, "created and status_updated: {received:?}");
    assert_eq!(received.len(), 5, "2 + 1 + 2 forwards: {received:?}");
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    let targets: std::collections::BTreeSet<&str> =
        received.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        targets,
        ["/all?x=1&y=2", "/created?a=b=c", "/star?q=%20z&q=2"]
            .into_iter()
            .collect()
    );
}

/// `dojo webhooks verify`: a captured delivery is accepted only under its
/// secret, byte for byte; no header form, secret or body variation is a
/// false accept (exit 7), and the forms Dojo's own helper accepts pass.
#[test]
fn webhooks_verify_accepts_nothing_it_should_not() {
    let emu = support::emulator("out-verify");
    let dir = TempDir::new("out-verify");
    let body = br#"{"id":"evt_1","event":"payment_intent.created","accountId":"acc_x","createdAt":"2026-01-01T00:00:00Z","data":{"paymentIntentId":"pi_x","paymentStatus":"Created"}}"#;
    let path = dir.0.join("body.json");
    std::fs::write(&path, body).expect("write");
    let tampered = dir.0.join("tampered.json");
    std::fs::write(&tampered, [&body[..], b" "].concat()).expect("write");
    // Signed by `dojo webhooks send`'s own signer? No: by the SDK's type,
    // the signature Dojo computes.
    let secret = dojo_payments_types::WebhookSecret::new("sekrit").expect("secret");
    let good = dojo_payments_types::WebhookSignature::sign(&secret, body).to_string();
    assert!(good.starts_with("sha256="));
    let hex = good.trim_start_matches("sha256=").to_owned();
    let verify = |file: &std::path::Path, signature: &str, secret: &str| {
        run(
            &emu,
            &[
                "webhooks",
                "verify",
                "--body",
                file.to_str().expect("path"),
                "--signature",
                signature,
                "--secret",
                secret,
            ],
        )
        .status
        .code()
    };
    assert_eq!(verify(&path, &good, "sekrit"), Some(0));
    assert_eq!(verify(&path, &hex, "sekrit"), Some(0), "without sha256=");
    assert_eq!(
        verify(&path, &hex.replace('-', "").to_lowercase(), "sekrit"),
        Some(0),
        "plain lower-case hex"
    );
    let zeros = format!("sha256={}", "0".repeat(64));
    let double = format!("sha256={good}");
    let upper = good.replace("sha256=", "SHA256=");
    let sha1 = good.replace("sha256=", "sha1=");
    let short = good[..good.len() - 3].to_owned();
    let long = format!("{good}-00");
    for (signature, secret, file, what) in [
        (good.as_str(), "sekri", &path, "a wrong secret"),
        (good.as_str(), "sekrit ", &path, "the secret with a space"),
        (good.as_str(), "SEKRIT", &path, "the secret in capitals"),
        (
            good.as_str(),
            "sekrit",
            &tampered,
            "a body with a space added",
        ),
        ("sha256=", "sekrit", &path, "an empty signature"),
        (zeros.as_str(), "sekrit", &path, "zeros"),
        (double.as_str(), "sekrit", &path, "sha256=sha256="),
        (upper.as_str(), "sekrit", &path, "SHA256="),
        (sha1.as_str(), "sekrit", &path, "sha1="),
        (short.as_str(), "sekrit", &path, "truncated"),
        (long.as_str(), "sekrit", &path, "a byte too many"),
        ("", "sekrit", &path, "nothing"),
        (",,,", "sekrit", &path, "commas"),
    ] {
        assert_eq!(verify(file, signature, secret), Some(7), "{what}");
    }
}

/// `--amount` is checked before sending: every malformed or non-positive
/// amount is a usage error (2), and nothing reaches the emulator.
#[test]
fn malformed_amounts_are_refused_before_sending() {
    let emu = support::emulator("out-amounts");
    let before = requests(&emu).len();
    for (amount, currency) in [
        ("1e3", "GBP"),
        ("0.001", "GBP"),
        ("-0", "GBP"),
        ("-0.00", "GBP"),
        ("0", "GBP"),
        ("-1.00", "GBP"),
        ("١٢", "GBP"),
        ("12,50", "GBP"),
        ("12.5 ", "GBP"),
        (" 12.5", "GBP"),
        ("+12.50", "GBP"),
        ("0x10", "GBP"),
        (".5", "GBP"),
        ("5.", "GBP"),
        ("", "GBP"),
        ("NaN", "GBP"),
        ("inf", "GBP"),
        ("1_000", "GBP"),
        ("12.50.1", "GBP"),
        ("99999999999999999999999", "GBP"),
        ("92233720368547758.08", "GBP"),
        ("1.5", "JPY"),
        ("1.00", "JPY"),
        ("1.2345", "KWD"),
        ("1", "GBPX"),
    ] {
        let out = run(
            &emu,
            &[
                "payment-intents",
                "create",
                "--amount",
                amount,
                "--currency",
                currency,
                "--reference",
                "r",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{amount:?} {currency}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(requests(&emu).len(), before, "nothing was sent");
    // The currencies' own decimals are taken.
    for (amount, currency, minor) in [
        ("1", "JPY", 1),
        ("1.234", "KWD", 1234),
        ("12.5", "GBP", 1250),
    ] {
        let value = emu.json(&[
            "payment-intents",
            "create",
            "--amount",
            amount,
            "--currency",
            currency,
            "--reference",
            "r",
        ]);
        assert_eq!(value["amount"]["value"], minor, "{amount} {currency}");
    }
}

/// A refund of more than was captured, with and without `--reason`, and
/// after part was refunded: refused before sending (exit 4), no refund
/// call reaches the emulator, nothing refunded.
#[test]
fn over_refunds_are_refused_before_sending() {
    let emu = support::emulator("out-over-refund");
    let id = emu.json(&[
        "payment-intents",
        "create",
        "--amount",
        "10.00",
        "--reference",
        "r",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(run(&emu, &["emulator", "pay", &id]).status.success());
    let refunds = |emu: &Running| {
        requests(emu)
            .iter()
            .filter(|r| r.contains("refunds"))
            .count()
    };
    for reason in [None, Some("too much")] {
        let mut args = vec!["payment-intents", "refund", &id, "--amount", "10.01"];
        if let Some(reason) = reason {
            args.extend(["--reason", reason]);
        }
        let out = run(&emu, &args);
        assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("nothing was sent"));
    }
    assert_eq!(refunds(&emu), 0);
    let part = run(
        &emu,
        &[
            "payment-intents",
            "refund",
            &id,
            "--amount",
            "6.00",
            "--reason",
            "a",
        ],
    );
    assert!(part.status.success(), "{}", text(&part.stderr));
    for reason in [None, Some("b")] {
        let mut args = vec!["payment-intents", "refund", &id, "--amount", "4.01"];
        if let Some(reason) = reason {
            args.extend(["--reason", reason]);
        }
        assert_eq!(run(&emu, &args).status.code(), Some(4));
    }
    assert_eq!(refunds(&emu), 1);
    let intent = emu.json(&["payment-intents", "get", &id]);
    assert_eq!(intent["refundedAmount"], 600);
}

/// No panic on what the property test does not generate: invalid UTF-8
/// in every position, and a very long argument; usage errors are exit 2.
#[test]
fn invalid_utf8_and_long_arguments_are_usage_errors() {
    let emu = support::emulator("out-argv");
    let bad = OsStr::from_bytes(b"\xff\xfesk_sandbox_\xc3");
    let long = "a".repeat(100_000);
    let cases: Vec<Vec<&OsStr>> = vec![
        vec![bad],
        vec![OsStr::new("payment-intents"), OsStr::new("get"), bad],
        vec![OsStr::new("api"), OsStr::new("GET"), bad],
        vec![OsStr::new("--profile"), bad, OsStr::new("whoami")],
        vec![OsStr::new("login"), OsStr::new("--api-key"), bad],
        vec![OsStr::new("listen"), OsStr::new("--forward"), bad],
        vec![
            OsStr::new("webhooks"),
            OsStr::new("verify"),
            OsStr::new("--body"),
            bad,
        ],
        vec![OsStr::new("--"), OsStr::new(&long)],
        vec![OsStr::new(&long)],
        vec![OsStr::new("--json"), OsStr::new(&long), bad],
    ];
    for args in cases {
        let out = std::process::Command::new(snapbox::cmd::cargo_bin!("dojo"))
            .env_clear()
            .env("DOJO_API_URL", &emu.api)
            .env("DOJO_API_KEY", KEY)
            .env("DOJO_CONFIG", &emu.config)
            .args(&args)
            .output()
            .expect("ran");
        let stderr = text(&out.stderr);
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().chars().take(40).collect())
            .collect();
        assert!(!stderr.contains("panicked"), "{shown:?}: {stderr:.300}");
        assert_eq!(out.status.code(), Some(2), "{shown:?}: {stderr:.300}");
    }
    // A 100,000-character id: no panic; an ordinary failure.
    let out = run(&emu, &["payment-intents", "get", &format!("pi_{long}")]);
    assert!(!text(&out.stderr).contains("panicked"));
    assert!(matches!(out.status.code(), Some(1..=5)), "{:?}", out.status);
}

/// A key given on the command line is never printed: not by `login`
/// (stdout, stderr, --json), `whoami`, `check`, nor by a refusal naming
/// it; the file is 0600 and a directory it makes 0700.
#[test]
fn a_key_is_never_printed_and_is_stored_owner_only() {
    let emu = support::emulator("out-key");
    let dir = TempDir::new("out-key");
    let config = dir.0.join("new").join("config.toml");
    let key = "sk_sandbox_outsiderSECRET0123456789";
    let with = |args: &[&str]| {
        emu.process(args)
            .env("DOJO_CONFIG", &config)
            .env_remove("DOJO_API_KEY")
            .env("RUST_LOG", "trace")
            .output()
            .expect("ran")
    };
    let mut outputs = vec![
        with(&["login", "--api-key", key]),
        with(&["--json", "login", "--api-key", key, "--profile", "p2"]),
        with(&["whoami"]),
        with(&["--json", "whoami"]),
        with(&["check"]),
        with(&["--json", "check"]),
        with(&[
            "--profile",
            "p2",
            "payment-intents",
            "get",
            "pi_sandbox_nope",
        ]),
        with(&["login", "--api-ky", key]),
        with(&["login", &format!("--api-key={key} extra")]),
        with(&[
            "api",
            "GET",
            "/webhooks",
            "-H",
            &format!("Authorization:{key}"),
        ]),
    ];
    outputs.push(
        emu.process(&["whoami"])
            .env("DOJO_API_KEY", format!("{key} \n"))
            .output()
            .expect("ran"),
    );
    for out in &outputs {
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !text(stream).contains("outsiderSECRET"),
                "printed: {}",
                text(stream)
            );
        }
    }
    let file = std::fs::metadata(&config)
        .expect("config")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(file, 0o600);
    let made = std::fs::metadata(config.parent().expect("dir"))
        .expect("dir")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(made, 0o700);
}

/// Colour only on a terminal, never with NO_COLOR, never in a pipe.
#[test]
fn no_escape_codes_with_no_color_or_in_a_pipe() {
    let emu = support::emulator("out-color");
    if let Some(shown) = emu.in_a_terminal(&["whoami"], &[]) {
        assert!(shown.contains('\x1b'), "progress is dimmed on a terminal");
        let plain = emu
            .in_a_terminal(&["whoami"], &[("NO_COLOR", "1")])
            .expect("ran");
        assert!(!plain.contains('\x1b'), "{plain:?}");
    }
    for args in [
        &["whoami"][..],
        &["payment-intents", "get", "pi_sandbox_nope"],
        &[
            "payment-intents",
            "create",
            "--amount",
            "x",
            "--reference",
            "r",
        ],
        &["nope"],
        &["--help"],
    ] {
        let out = run(&emu, args);
        assert!(
            !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
            "{args:?}"
        );
    }
}
