//! `dojo emulator …`: its control commands, one golden session each
//! (`dojo emulator` itself, which starts one, is `crate::emulator`).

use snapbox::{IntoData, str};

use crate::payment_intents::created;
use crate::support;

#[test]
fn pay() {
    let emu = support::emulator("emu-pay");
    let id = created(&emu, "12.50", false);
    emu.dojo(&["emulator", "pay", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
approved

"#]]);
    let other = created(&emu, "2.00", false);
    emu.dojo(&[
        "--json",
        "emulator",
        "pay",
        &other,
        "--card",
        "4000000000000002",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "outcome": "declined"
}
"#]]
        .is_json(),
    );
    emu.dojo(&["emulator", "pay", &id])
        .assert()
        .code(4)
        .stdout_eq(str![]);
}

#[test]
fn authorize() {
    let emu = support::emulator("emu-authorize");
    let id = emu.json(&[
        "setup-intents",
        "create",
        "--amount",
        "80",
        "--reference",
        "Deposit",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned();
    emu.dojo(&["emulator", "authorize", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
approved

"#]]);
    emu.dojo(&["--json", "setup-intents", "get", &id])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "status": "Authorized",
  "...": "{...}"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["--json", "emulator", "authorize", &id])
        .assert()
        .code(4)
        .stdout_eq(str![]);
}

#[test]
fn clock() {
    let emu = support::emulator("emu-clock");
    emu.dojo(&["emulator", "clock"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
2026-01-01T09:00:00Z

"#]]);
    emu.dojo(&["--json", "emulator", "clock", "--advance", "86400"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "now": "2026-01-02T09:00:00Z"
}
"#]]
            .is_json(),
        );
}

#[test]
fn fault() {
    let emu = support::emulator("emu-fault");
    emu.dojo(&[
        "emulator",
        "fault",
        "--route",
        "GET /payment-intents/{paymentIntentId}",
        "--status",
        "503",
        "--times",
        "1",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
{"route":"GET /payment-intents/{paymentIntentId}","status":503,"times":1}

"#]]);
    emu.dojo(&["--json", "emulator", "fault", "--clear"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "cleared": true
}
"#]]
            .is_json(),
        );
    emu.dojo(&["emulator", "fault", "--route", "GET /nowhere"])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: the emulator answered 400: Route: "GET /nowhere" is not a route the emulator serves; name one by method and the document's path template, as "POST /payment-intents/{paymentIntentId}/refunds"

"#]]);
    emu.dojo(&["emulator", "fault"])
        .assert()
        .code(2)
        .stdout_eq(str![]);
}

#[test]
fn requests() {
    let emu = support::emulator("emu-requests");
    created(&emu, "1.00", false);
    emu.dojo(&["emulator", "requests"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
{"accounts":["acc_sandbox_emulator"],"requests":["POST /payment-intents"]}

"#]]);
    emu.dojo(&["--json", "emulator", "requests"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "accounts": [
    "acc_sandbox_emulator"
  ],
  "requests": [
    "POST /payment-intents"
  ]
}
"#]]
            .is_json(),
        );
}

#[test]
fn state() {
    let emu = support::emulator("emu-state");
    emu.dojo(&["emulator", "state"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
[..]

"#]]);
    emu.dojo(&["--json", "emulator", "state"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "digest": "[..]"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["emulator", "state"])
        .env("DOJO_EMULATOR_URL", "http://127.0.0.1:9")
        .assert()
        .code(5)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: no emulator answers at http://127.0.0.1:9
  hint: start one with `dojo emulator`, or point DOJO_EMULATOR_URL at it

"#]]);
}
