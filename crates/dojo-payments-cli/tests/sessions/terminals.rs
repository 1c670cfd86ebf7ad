//! `dojo terminals …`, one golden session per command (`sale`, waiting,
//! is in main.rs with the emulator's clock moved).

use snapbox::{IntoData, str};

use crate::support::{self, Running};

/// A session started on `terminal` (one at a time on each).
fn started(emu: &Running, terminal: &str) -> String {
    emu.json(&[
        "terminals",
        "sale",
        "--terminal",
        terminal,
        "--amount",
        "12.50",
        "--no-wait",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[test]
fn list() {
    let emu = support::emulator("tm-list");
    emu.dojo(&["terminals", "list"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
tm_sandbox_counter1  Available  22000001
tm_sandbox_counter2  Offline  22000002
tm_sandbox_counter3  Available  22000003

"#]]);
    emu.dojo(&["--json", "terminals", "list"])
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
        );
}

#[test]
fn get() {
    let emu = support::emulator("tm-get");
    emu.dojo(&["terminals", "get", "tm_sandbox_counter2"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
tm_sandbox_counter2  Offline  22000002

"#]]);
    emu.dojo(&["--json", "terminals", "get", "tm_sandbox_counter1"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "id": "tm_sandbox_counter1",
  "properties": {
    "tid": "22000001"
  },
  "status": "Available",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["terminals", "get", "tm_sandbox_nothere"])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: refused: terminals_get_terminal: Dojo answered 404 Not Found: terminal tm_sandbox_nothere was not found (trace [..]) (location default)
  hint: check the id, and the location (`--location`) it belongs to

"#]]);
}

/// `dojo terminals sale` on `terminal`, waiting, with the emulator's clock
/// moved by `seconds` once the session reaches the terminal: its output.
fn waited(emu: &Running, terminal: &str, seconds: &str) -> std::process::Output {
    let child = emu
        .process(&[
            "terminals",
            "sale",
            "--terminal",
            terminal,
            "--amount",
            "12.50",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dojo terminals sale");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let busy = emu
            .json(&["terminals", "get", terminal])
            .get("status")
            .is_some_and(|s| s != "Available");
        if busy {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the session never reached the terminal"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    emu.dojo(&["emulator", "clock", "--advance", seconds])
        .assert()
        .success();
    child.wait_with_output().expect("exit")
}

#[test]
fn sale() {
    let emu = support::emulator("tm-sale");
    // Waiting: the auto terminal's customer pays 2 s (of the emulator's
    // clock) after the session reaches it. It waits, showing no progress
    // (stderr is not a terminal), but names the session and its payment
    // intent at once: should it be stopped, they are what settles it.
    let paid = waited(&emu, "tm_sandbox_counter1", "3");
    assert_eq!(paid.status.code(), Some(0));
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&paid.stdout).into_owned(),
        str![[r#"
ts_sandbox_[..]  Captured  tm_sandbox_counter1

"#]]
    );
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&paid.stderr).into_owned(),
        str![[r#"
session ts_sandbox_[..] for payment intent pi_sandbox_[..] on tm_sandbox_counter1: waiting for its final status

"#]]
    );
    // Nobody presents a card at the manual terminal: the session expires,
    // nothing is paid (exit 4).
    let expired = waited(&emu, "tm_sandbox_counter3", "600");
    assert_eq!(expired.status.code(), Some(4));
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&expired.stdout).into_owned(),
        str![[r#"
ts_sandbox_[..]  Expired  tm_sandbox_counter3

"#]]
    );
    snapbox::assert_data_eq!(
        String::from_utf8_lossy(&expired.stderr).into_owned(),
        str![[r#"
session ts_sandbox_[..] for payment intent pi_sandbox_[..] on tm_sandbox_counter3: waiting for its final status
error: not paid: session ts_sandbox_[..] is Expired
  hint: no money moved; payment intent pi_sandbox_[..] can be sold again

"#]]
    );
    emu.dojo(&[
        "terminals",
        "sale",
        "--terminal",
        "tm_sandbox_counter3",
        "--amount",
        "12.50",
        "--no-wait",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
ts_sandbox_[..]  InitiateRequested  tm_sandbox_counter3

"#]])
    .stderr_eq(str![]);
    emu.dojo(&[
        "--json",
        "terminals",
        "sale",
        "--terminal",
        "tm_sandbox_counter1",
        "--amount",
        "3",
        "--no-wait",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "createdAt": "2026-01-01T09:10:03Z",
  "details": {
    "sale": {
      "paymentIntentId": "pi_sandbox_[..]"
    },
    "sessionType": "Sale"
  },
  "expireAt": "2026-01-01T09:10:13Z",
  "id": "ts_sandbox_[..]",
  "notificationEvents": [],
  "status": "InitiateRequested",
  "statusEvents": [
    {
      "createdAt": "2026-01-01T09:10:03Z",
      "debugMessage": "",
      "status": "InitiateRequested"
    }
  ],
  "terminalId": "tm_sandbox_counter1",
  "updatedAt": "2026-01-01T09:10:03Z"
}
"#]]
        .is_json(),
    );
    // An offline terminal takes no session: refused, nothing moved.
    emu.dojo(&[
        "terminals",
        "sale",
        "--terminal",
        "tm_sandbox_counter2",
        "--amount",
        "3",
    ])
    .assert()
    .code(4)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
error: refused: terminal_session_create: Dojo answered 404 Not Found: available terminal tm_sandbox_counter2 (it is Offline) was not found (trace [..]) (location default)
  hint: check the id, and the location (`--location`) it belongs to

"#]]);
    emu.dojo(&[
        "terminals",
        "sale",
        "--terminal",
        "tm_sandbox_counter3",
        "--amount",
        "0",
    ])
    .assert()
    .code(2)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
error: --amount 0: must be more than zero
  hint: give a decimal in GBP, e.g. 12.50

"#]]);
}

#[test]
fn session() {
    let emu = support::emulator("tm-session");
    let id = started(&emu, "tm_sandbox_counter3");
    emu.dojo(&["terminals", "session", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
ts_sandbox_[..]  InitiateRequested  tm_sandbox_counter3

"#]]);
    emu.dojo(&["--json", "terminals", "session", &id])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "createdAt": "2026-01-01T09:00:00Z",
  "details": {
    "sale": {
      "paymentIntentId": "pi_sandbox_[..]"
    },
    "sessionType": "Sale"
  },
  "expireAt": "2026-01-01T09:00:10Z",
  "id": "ts_sandbox_[..]",
  "notificationEvents": [],
  "status": "InitiateRequested",
  "statusEvents": [
    {
      "createdAt": "2026-01-01T09:00:00Z",
      "debugMessage": "",
      "status": "InitiateRequested"
    }
  ],
  "terminalId": "tm_sandbox_counter3",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["terminals", "session", "ts_nothere"])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: refused: terminal_session_get: Dojo answered 404 Not Found: terminal session ts_nothere was not found (trace [..]) (location default)
  hint: check the id, and the location (`--location`) it belongs to

"#]]);
}

#[test]
fn cancel_session() {
    let emu = support::emulator("tm-cancel");
    let id = started(&emu, "tm_sandbox_counter3");
    emu.dojo(&["terminals", "cancel-session", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
ts_sandbox_[..]  CancelRequested  tm_sandbox_counter3

"#]]);
    let other = started(&emu, "tm_sandbox_counter1");
    emu.dojo(&["--json", "terminals", "cancel-session", &other])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "createdAt": "2026-01-01T09:00:00Z",
  "details": {
    "sale": {
      "paymentIntentId": "pi_sandbox_[..]"
    },
    "sessionType": "Sale"
  },
  "expireAt": "2026-01-01T09:00:10Z",
  "id": "ts_sandbox_[..]",
  "notificationEvents": [],
  "status": "CancelRequested",
  "statusEvents": [
    {
      "createdAt": "2026-01-01T09:00:00Z",
      "debugMessage": "",
      "status": "InitiateRequested"
    },
    {
      "createdAt": "2026-01-01T09:00:00Z",
      "debugMessage": "",
      "status": "CancelRequested"
    }
  ],
  "terminalId": "tm_sandbox_counter1",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
}
