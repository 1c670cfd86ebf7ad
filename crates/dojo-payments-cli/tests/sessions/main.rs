//! Command sessions against the embedded emulator, as golden tests: the
//! command, its stdout, its exit code. `SNAPSHOTS=overwrite cargo test -p
//! dojo-payments-cli --test sessions` rewrites the expected outputs.

#[path = "../support/mod.rs"]
mod support;

use snapbox::{IntoData, str};

#[test]
fn keys_profiles_and_whoami() {
    let emu = support::emulator("keys");
    emu.dojo(&["whoami"]).assert().success().stdout_eq(str![[r#"
DOJO_API_KEY: a sandbox key, accepted at http://127.0.0.1:[..]

"#]]);
    emu.dojo_without_key(&["whoami"]).assert().code(3).stdout_eq(str![""]).stderr_eq(str![[r#"
error: no API key
  hint: set DOJO_API_KEY, or run `dojo login --api-key sk_sandbox_… [--profile NAME]`; against the emulator, `dojo emulator` prints its key

"#]]);
    emu.dojo_without_key(&[
        "--profile",
        "soho",
        "login",
        "--api-key",
        support::KEY,
        "--api-url",
        &emu.api,
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
saved a sandbox key as profile soho in [..]

"#]]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&emu.config)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    emu.dojo_without_key(&["--json", "--profile", "soho", "whoami"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "accepted": true,
  "account": null,
  "apiUrl": "http://127.0.0.1:[..]",
  "environment": "sandbox",
  "problem": null,
  "source": "profile soho",
  "status": 200
}
"#]]
            .is_json(),
        );
    emu.dojo(&["check"]).assert().success().stdout_eq(str![[r#"
DOJO_API_KEY: a sandbox key, accepted at http://127.0.0.1:[..]
profile soho: a sandbox key, accepted at http://127.0.0.1:[..]

"#]]);
    let config = std::fs::read_to_string(&emu.config).expect("config");
    assert!(config.contains("[profiles.soho]"));
    emu.dojo_without_key(&["--profile", "nobody", "whoami"])
        .assert()
        .code(3);
    emu.dojo(&["--profile", "x", "login", "--api-key", "pk_wrong"])
        .assert()
        .code(3)
        .stdout_eq(str![""]);
}

#[test]
fn payment_intents_move_money_by_the_sdk_rules() {
    let emu = support::emulator("pi");
    let created = emu.json(&[
        "payment-intents",
        "create",
        "--amount",
        "12.50",
        "--reference",
        "Order 42",
        "--manual",
    ]);
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created["amount"],
        serde_json::json!({"value": 1250, "currencyCode": "GBP"})
    );
    assert_eq!(created["clientSessionSecret"], "…", "secrets never print");
    assert!(
        created["checkoutLink"]
            .as_str()
            .expect("link")
            .ends_with(&id)
    );
    emu.dojo(&["payment-intents", "get", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
pi_sandbox_[..]  Created  12.50 GBP  Order 42

"#]]);
    emu.dojo(&["emulator", "pay", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
approved

"#]]);
    emu.dojo(&["payment-intents", "capture", &id, "--amount", "10"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
captured 10.00 GBP of pi_sandbox_[..]
pi_sandbox_[..]  Captured  12.50 GBP  Order 42

"#]]);
    emu.dojo(&[
        "payment-intents",
        "refund",
        &id,
        "--amount",
        "2.00",
        "--idempotency-key",
        "order-42-refund-1",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
refunded 2.00 GBP of pi_sandbox_[..]: rfnd_sandbox_[..] (idempotency key order-42-refund-1)

"#]]);
    emu.dojo(&["payment-intents", "refund", &id, "--amount", "2.001"])
        .assert()
        .code(2);
    emu.dojo(&["payment-intents", "refund", &id, "--amount", "200"])
        .assert()
        .code(4)
        .stdout_eq(str![""]);
    emu.dojo(&["payment-intents", "reverse", &id])
        .assert()
        .code(4);
    // A refund whose answer never comes, every time: exit 6, with the key
    // and the command to send it again.
    emu.dojo(&[
        "emulator",
        "fault",
        "--route",
        "POST /payment-intents/{paymentIntentId}/refunds",
        "--answer",
        "hang-up",
        "--acted",
        "--times",
        "20",
    ])
    .assert()
    .success();
    emu.dojo(&["payment-intents", "refund", &id, "--amount", "1.00", "--idempotency-key", "order-42-refund-2"])
        .assert()
        .code(6)
        .stdout_eq(str![""])
        .stderr_eq(str![[r#"
error: the outcome is unknown, money may have moved: [..]
  hint: send it again with the same key, and Dojo makes it once: dojo payment-intents refund pi_sandbox_[..] --amount 1.00 --idempotency-key order-42-refund-2

"#]]);
    emu.dojo(&["emulator", "fault", "--clear"])
        .assert()
        .success();
    emu.dojo(&[
        "payment-intents",
        "refund",
        &id,
        "--amount",
        "1.00",
        "--idempotency-key",
        "order-42-refund-2",
    ])
    .assert()
    .success();
    let other = emu.json(&[
        "payment-intents",
        "create",
        "--amount",
        "5",
        "--reference",
        "Order 43",
    ]);
    let other = other["id"].as_str().expect("id").to_owned();
    emu.dojo(&["payment-intents", "cancel", &other])
        .assert()
        .success()
        .stdout_eq(str![[r#"
pi_sandbox_[..]  Canceled  5.00 GBP  Order 43

"#]]);
    emu.dojo(&["payment-intents", "list", "--limit", "5"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
...
"#]]);
    emu.dojo(&["payment-intents", "get", "pi_sandbox_nothere"])
        .assert()
        .code(4);
}

#[test]
fn the_emulator_starts_and_says_how_to_use_it() {
    use std::io::BufRead;
    let emu = support::emulator("start");
    let mut child = emu
        .process(&[
            "emulator",
            "--api-port",
            "0",
            "--pci-port",
            "0",
            "--seed",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dojo emulator");
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take(8)
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(
        text.starts_with("Dojo emulator\n  api host:  http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("export DOJO_API_URL=http://127.0.0.1:"),
        "{text}"
    );
    emu.dojo(&["emulator", "--terminal", "tm_sandbox_x:fast"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
error: --terminal: the mode is auto, manual or offline

"#]]);
    emu.dojo(&["emulator", "--terminal", "soho=sk_sandbox_secret_key"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
error: --terminal: give a terminal's id (tm_…), not a key

"#]]);
    emu.dojo(&["emulator", "--api-key", "sk_prod_nope"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
error: --api-key: the emulator is a sandbox: give an sk_sandbox_ key

"#]]);
}

/// Receives one HTTP request on a free port: (its URL, a handle giving its
/// `dojo-signature` and body).
fn receive_one() -> (String, std::thread::JoinHandle<(String, Vec<u8>)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/hooks?from=dojo",
        listener.local_addr().expect("addr")
    );
    let handle = std::thread::spawn(move || answer(&listener));
    (url, handle)
}

/// Accepts one request on `listener` and answers 200: its
/// `dojo-signature` and body.
fn answer(listener: &std::net::TcpListener) -> (String, Vec<u8>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let (stream, _) = listener.accept().expect("a delivery");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let (mut length, mut signature) = (0usize, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().expect("length"),
                "dojo-signature" => signature = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .expect("answer");
    (signature, body)
}

#[test]
fn a_signed_fixture_sent_verifies() {
    let emu = support::emulator("send");
    let (url, received) = receive_one();
    emu.dojo(&[
        "webhooks",
        "send",
        "payment_intent.status_updated",
        "--to",
        &url,
        "--secret",
        "whsec_round_trip",
        "--set",
        "data.paymentStatus=Authorized",
        "--set",
        "data.paymentIntentId=pi_sandbox_42",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
payment_intent.status_updated evt_cli_[..] → http://127.0.0.1:[..]/hooks?from=dojo: 200

"#]]);
    let (signature, body) = received.join().expect("received");
    let event: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(event["data"]["paymentStatus"], "Authorized");
    let dir = support::TempDir::new("send-body");
    let file = dir.0.join("body.json");
    std::fs::write(&file, &body).expect("write");
    let file = file.to_str().expect("path");
    emu.dojo(&[
        "webhooks",
        "verify",
        "--body",
        file,
        "--signature",
        &signature,
        "--secret",
        "whsec_round_trip",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
verified: payment_intent.status_updated evt_cli_[..]

"#]]);
}

/// Progress shows on a terminal only: the same waits that print nothing on
/// stderr in a pipe (every golden session above asserts its stderr) show
/// it under a pseudo-terminal (`script`, where there is one), without
/// colour when `NO_COLOR` is set.
#[cfg(unix)]
#[test]
fn progress_shows_on_a_terminal_only() {
    let emu = support::emulator("progress");
    let Some(on_a_terminal) = emu.in_a_terminal(&["payment-intents", "list"], &[]) else {
        eprintln!("no `script` here: the terminal side is not tested");
        return;
    };
    assert!(on_a_terminal.contains("… searching"), "{on_a_terminal:?}");
    assert!(
        on_a_terminal.contains("\x1b[2m"),
        "dim on a terminal: {on_a_terminal:?}"
    );
    let plain = emu
        .in_a_terminal(&["payment-intents", "list"], &[("NO_COLOR", "1")])
        .expect("script");
    assert!(plain.contains("… searching"), "{plain:?}");
    assert!(
        !plain.contains('\x1b'),
        "no colour with NO_COLOR: {plain:?}"
    );
    let piped = emu
        .process(&["payment-intents", "list"])
        .output()
        .expect("ran");
    assert!(piped.status.success());
    assert_eq!(
        String::from_utf8_lossy(&piped.stderr),
        "",
        "nothing in a pipe"
    );
}

mod customers;
mod emulator;
mod journal;
mod payment_intents;
mod setup_intents;
mod terminals;
mod webhooks;

// One golden session per command that runs at the top level; those under
// a group are in the group's module (`payment_intents::capture`). The
// test named after a command must run it (support's `Drop for Running`
// checks), and `every_command_has_a_golden_session` that each has one.

#[test]
fn every_command_has_a_golden_session() {
    let listed = std::process::Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--list", "--format", "terse"])
        .output()
        .expect("the test list");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let tests: Vec<&str> = listed
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .collect();
    let commands = support::runnable_commands();
    assert!(commands.len() > 40, "{commands:?}");
    let missing: Vec<String> = commands
        .iter()
        .filter(|path| !tests.contains(&support::golden_test_name(path).as_str()))
        .map(|path| {
            format!(
                "`dojo {path}` (a test named {})",
                support::golden_test_name(path)
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "commands without a golden session:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn login() {
    let emu = support::emulator("login");
    emu.dojo_without_key(&["--profile", "soho", "login", "--api-key", support::KEY])
        .assert()
        .success()
        .stdout_eq(str![[r#"
saved a sandbox key as profile soho in [..]/config.toml

"#]])
        .stderr_eq(str![]);
    emu.dojo_without_key(&[
        "--json",
        "--location",
        "mayfair",
        "login",
        "--api-key",
        "-",
        "--api-url",
        &emu.api,
    ])
    .stdin(format!("{}\n", support::KEY))
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "environment": "sandbox",
  "path": "[..]/config.toml",
  "profile": "mayfair"
}
"#]]
        .is_json(),
    );
    let config = std::fs::read_to_string(&emu.config).expect("config");
    assert!(config.contains("[profiles.soho]") && config.contains("[profiles.mayfair]"));
    emu.dojo_without_key(&["login", "--api-key", "pk_sandbox_not_a_secret_key"])
        .assert()
        .code(3)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: the key from --api-key must start with `sk_sandbox_` or `sk_prod_`
  hint: a Dojo secret key starts sk_sandbox_ or sk_prod_

"#]]);
}

#[test]
fn whoami() {
    let emu = support::emulator("whoami");
    emu.dojo(&["whoami"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
DOJO_API_KEY: a sandbox key, accepted at http://127.0.0.1:[..]

"#]])
        .stderr_eq(str![]);
    emu.dojo(&["--json", "whoami"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "accepted": true,
  "account": null,
  "apiUrl": "http://127.0.0.1:[..]",
  "environment": "sandbox",
  "problem": null,
  "source": "DOJO_API_KEY",
  "status": 200
}
"#]]
            .is_json(),
        );
    emu.dojo(&["whoami"])
        .env("DOJO_API_KEY", "sk_sandbox_unknown_to_the_emulator")
        .assert()
        .code(4)
        .stdout_eq(str![[r#"
DOJO_API_KEY: a sandbox key, refused (HTTP 401) at http://127.0.0.1:[..]

"#]])
        .stderr_eq(str![[r#"
error: a key was not accepted
  hint: log in again with `dojo login --api-key KEY --profile NAME`

"#]]);
}

#[test]
fn check() {
    let emu = support::emulator("check");
    emu.dojo(&["check"])
        .env("DOJO_LOCATION_SOHO", support::KEY)
        .assert()
        .success()
        .stdout_eq(str![[r#"
DOJO_API_KEY: a sandbox key, accepted at http://127.0.0.1:[..]
DOJO_LOCATION_SOHO: a sandbox key, accepted at http://127.0.0.1:[..]

"#]])
        .stderr_eq(str![]);
    emu.dojo(&["--json", "check"]).assert().success().stdout_eq(
        str![[r#"
{
  "keys": [
    {
      "accepted": true,
      "account": null,
      "apiUrl": "http://127.0.0.1:[..]",
      "environment": "sandbox",
      "problem": null,
      "source": "DOJO_API_KEY",
      "status": 200
    }
  ]
}
"#]]
        .is_json(),
    );
    emu.dojo_without_key(&["check"])
        .assert()
        .code(3)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: no key configured
  hint: set DOJO_API_KEY, or run `dojo login --api-key sk_sandbox_…`

"#]]);
}

#[test]
fn completions() {
    let emu = support::emulator("completions-golden");
    emu.dojo(&["completions", "bash"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
_dojo() {
...
"#]]);
    emu.dojo(&["--json", "completions", "fish"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
...
complete -c dojo -n "__fish_dojo_needs_command" -f -a "payment-intents" -d '[..]'
...
"#]]);
    emu.dojo(&["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout_eq(str![]);
}

#[test]
fn api() {
    let emu = support::emulator("api");
    emu.dojo(&["api", "GET", "/terminals"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
[
  {
    "id": "tm_sandbox_counter1",
    "properties": {
      "tid": "22000001"
    },
    "status": "Available",
    "updatedAt": "2026-01-01T09:00:00Z"
  },
  {
    "id": "tm_sandbox_counter2",
    "properties": {
      "tid": "22000002"
    },
    "status": "Offline",
    "updatedAt": "2026-01-01T09:00:00Z"
  },
  {
    "id": "tm_sandbox_counter3",
    "properties": {
      "tid": "22000003"
    },
    "status": "Available",
    "updatedAt": "2026-01-01T09:00:00Z"
  }
]
"#]]
            .is_json(),
        )
        .stderr_eq(str![]);
    emu.dojo(&[
        "--json",
        "api",
        "POST",
        "/payment-intents",
        "-f",
        "amount.value=1000",
        "-f",
        "amount.currencyCode=GBP",
        "-f",
        "reference=Raw",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "amount": {
    "currencyCode": "GBP",
    "value": 1000
  },
  "captureMode": "Auto",
  "captures": [],
  "cardHolderNotPresent": false,
  "clientSessionSecret": "…",
  "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
  "createdAt": "2026-01-01T09:00:00Z",
  "expireAt": "2026-01-31T09:00:00Z",
  "id": "pi_sandbox_[..]",
  "itemLines": "{...}",
  "merchantConfig": "{...}",
  "paymentLink": "http://127.0.0.1:[..]/checkout/pi_sandbox_[..]",
  "paymentMethods": "{...}",
  "reference": "Raw",
  "refundedAmount": 0,
  "requestedAmount": {
    "currencyCode": "GBP",
    "value": 1000
  },
  "status": "Created",
  "taxLines": "{...}",
  "terminalSessionHistory": "{...}",
  "totalAmount": {
    "currencyCode": "GBP",
    "value": 1000
  },
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
        .is_json(),
    );
    let dir = support::TempDir::new("api-data");
    let file = dir.0.join("body.json");
    std::fs::write(
        &file,
        r#"{"amount": {"value": 250, "currencyCode": "GBP"}, "reference": "From a file"}"#,
    )
    .expect("write");
    let at_file = format!("@{}", file.display());
    emu.dojo(&["api", "POST", "/payment-intents", "--data", &at_file])
        .assert()
        .success()
        .stdout_eq(str![[r#"
{
...
  "reference": "From a file",
...
}

"#]]);
    emu.dojo(&["api", "POST", "/payment-intents", "--data", "@-"])
        .stdin(r#"{"amount": {"value": 300, "currencyCode": "GBP"}, "reference": "From stdin"}"#)
        .assert()
        .success()
        .stdout_eq(str![[r#"
{
...
  "reference": "From stdin",
...
}

"#]]);
    let missing = format!("@{}", dir.0.join("nothere.json").display());
    emu.dojo(&["api", "POST", "/payment-intents", "--data", &missing])
        .assert()
        .code(2)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: --data @[..]/nothere.json: cannot read [..]/nothere.json: No such file or directory (os error 2)
  hint: check the file's path, or give the JSON itself: --data '{"a": 1}'

"#]]);
    let not_json = dir.0.join("notes.txt");
    std::fs::write(&not_json, "amount=250").expect("write");
    emu.dojo(&[
        "api",
        "POST",
        "/payment-intents",
        "--data",
        &format!("@{}", not_json.display()),
    ])
    .assert()
    .code(2)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
error: --data @[..]/notes.txt is not JSON: expected value at line 1 column 1
  hint: the file must hold one JSON document

"#]]);
    emu.dojo(&["api", "POST", "/payment-intents", "--data", "{not json"])
        .assert()
        .code(2)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: --data is not JSON: key must be a string at line 1 column 2
  hint: quote it: --data '{"a": 1}', or read it from a file: --data @body.json

"#]]);
    emu.dojo(&["api", "GET", "/payment-intents/pi_sandbox_nothere"])
        .assert()
        .code(4)
        .stdout_eq(
            str![[r#"
{
  "detail": "payment intent pi_sandbox_nothere was not found",
  "errors": {},
  "status": 404,
  "title": "Not Found",
  "traceId": "[..]",
  "type": "https://tools.ietf.org/html/rfc7231#section-6.5.4"
}
"#]]
            .is_json(),
        )
        .stderr_eq(str![[r#"
error: HTTP 404

"#]]);
}

#[test]
fn trigger() {
    let emu = support::emulator("trigger");
    emu.dojo(&["trigger", "payment_intent.created"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
triggered payment_intent.created: created pi_sandbox_[..]

"#]])
        .stderr_eq(str![]);
    emu.dojo(&[
        "--json",
        "trigger",
        "payment_intent.status_updated",
        "--amount",
        "4.20",
        "--set",
        "reference=Order-7",
        "--set",
        "description=Triggered",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "event": "payment_intent.status_updated",
  "paymentIntentId": "pi_sandbox_[..]",
  "steps": [
    "created pi_sandbox_[..]",
    "paid: approved"
  ]
}
"#]]
        .is_json(),
    );
    emu.dojo(&["trigger", "payment_intent.send-receipt"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
triggered payment_intent.send-receipt: created pi_sandbox_[..], paid: approved, receipt sent to customer@example.com

"#]]);
    emu.dojo(&["trigger", "charge.succeeded"])
        .assert()
        .code(2)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: "charge.succeeded" is not an event Dojo sends
  hint: one of: payment_intent.created, payment_intent.status_updated, payment_intent.send-receipt

"#]]);
    emu.dojo(&["trigger", "payment_intent.created", "--set", "amount=free"])
        .assert()
        .code(2)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: --set amount=…: the payment intent would not be valid: invalid type: string "free", expected struct Wire
  hint: the fields are those of Dojo's create request: reference, description, metadata.KEY…

"#]]);
}

/// A request received: its `dojo-signature` and body.
type Received = (String, Vec<u8>);

/// Receives `n` HTTP requests on a free port, answering 200: (its URL, a
/// handle giving each request's `dojo-signature` and body).
fn receive_many(n: usize) -> (String, std::thread::JoinHandle<Vec<Received>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hooks", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || (0..n).map(|_| answer(&listener)).collect());
    (url, handle)
}

/// Waits until `dojo listen` has subscribed.
fn subscribed(emu: &support::Running) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while emu
        .json(&["webhooks", "list"])
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "listen never subscribed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn listen() {
    let emu = support::emulator("listen-golden");
    let (url, received) = receive_many(1);
    let child = emu
        .process(&["listen", "--forward-to", &url, "--max-events", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dojo listen");
    subscribed(&emu);
    emu.dojo(&["trigger", "payment_intent.created"])
        .assert()
        .success();
    let output = child.wait_with_output().expect("exit");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(received.join().expect("received").len(), 1);
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&output.stdout).into_owned(),
        str![[r#"
[..]  payment_intent.created  evt_sandbox_[..]  pi_sandbox_[..] Created
  evt_sandbox_[..] → http://127.0.0.1:[..]/hooks [200]

"#]]
    );
    // Narration only: no progress in a pipe, and the one secret printed.
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&output.stderr).into_owned(),
        str![[r#"
Ready: subscription ws_sandbox_[..] delivers to http://127.0.0.1:[..]/webhooks
Your webhook signing secret is [..] (forwarded events keep Dojo's signature)
  * → http://127.0.0.1:[..]/hooks

"#]]
    );
    assert!(emu.json(&["webhooks", "list"]) == serde_json::json!([]));

    let (url, received) = receive_many(1);
    let route = format!("payment_intent.created={url}");
    let child = emu
        .process(&[
            "--json",
            "listen",
            "--forward",
            &route,
            "--event",
            "payment_intent.created",
            "--max-events",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dojo listen");
    subscribed(&emu);
    emu.dojo(&["trigger", "payment_intent.created"])
        .assert()
        .success();
    let output = child.wait_with_output().expect("exit");
    assert_eq!(output.status.code(), Some(0));
    received.join().expect("received");
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&output.stdout).into_owned(),
        str![[r#"
{"event":"payment_intent.created","id":"evt_sandbox_[..]","paymentIntentId":"pi_sandbox_[..]","paymentStatus":"Created","type":"event"}
{"attempts":1,"id":"evt_sandbox_[..]","status":200,"type":"forwarded","url":"http://127.0.0.1:[..]/hooks"}

"#]].is_jsonlines()
    );
    emu.dojo(&["listen"])
        .assert()
        .code(2)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: nowhere to forward to
  hint: give --forward-to http://localhost:8080/webhooks, or --forward EVENT=URL

"#]]);
}

#[test]
fn emulator() {
    use std::io::BufRead;
    let emu = support::emulator("emulator-golden");
    let mut child = emu
        .process(&[
            "emulator",
            "--api-port",
            "0",
            "--pci-port",
            "0",
            "--seed",
            "1",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dojo emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut text = String::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        text.push_str(&line);
        text.push('\n');
        if line.contains("export ") {
            break;
        }
    }
    interrupt(&child);
    let status = child.wait().expect("exit");
    assert_eq!(status.code(), Some(0), "Ctrl-C stops it cleanly");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    snapbox::assert_data_eq!(
        text,
        str![[r#"
Dojo emulator
  api host:  http://127.0.0.1:[..]
  PCI host:  http://127.0.0.1:[..]
  API key:   sk_sandbox_emulator_0123456789abcdefghijklmnopqrstuvwxyz
  control:   http://127.0.0.1:[..]/_emulator/…

In another shell:
  export DOJO_API_URL=http://127.0.0.1:[..] DOJO_PCI_URL=http://127.0.0.1:[..] DOJO_API_KEY=sk_sandbox_emulator_0123456789abcdefghijklmnopqrstuvwxyz

"#]]
    );
    snapbox::assert_data_eq!(
        stderr,
        str![[r#"
Ctrl-C stops it.

"#]]
    );

    let mut child = emu
        .process(&[
            "--json",
            "emulator",
            "--api-port",
            "0",
            "--pci-port",
            "0",
            "--emulate-location",
            "soho=sk_sandbox_soho_key_000000",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dojo emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut json = String::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        let end = line == "}";
        json.push_str(&line);
        json.push('\n');
        if end {
            break;
        }
    }
    interrupt(&child);
    assert_eq!(child.wait().expect("exit").code(), Some(0));
    snapbox::assert_data_eq!(
        json,
        str![[r#"
{
  "apiKey": "…",
  "apiUrl": "http://127.0.0.1:[..]",
  "checkoutUrl": "http://127.0.0.1:[..]",
  "locations": [
    "soho"
  ],
  "pciUrl": "http://127.0.0.1:[..]"
}
"#]]
        .is_json()
    );
}

/// Ctrl-C, to `child` only.
fn interrupt(child: &std::process::Child) {
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}
