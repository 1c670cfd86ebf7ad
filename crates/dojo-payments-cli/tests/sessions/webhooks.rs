//! `dojo webhooks …`, one golden session per command.

use snapbox::{IntoData, str};

use crate::support::{self, Running};

fn subscribed(emu: &Running) -> String {
    emu.json(&[
        "webhooks",
        "create",
        "--url",
        "http://127.0.0.1:9/hooks",
        "--event",
        "payment_intent.created",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A captured delivery: (its body in a file, its signature), signed with
/// `whsec_test`.
fn delivery(dir: &support::TempDir) -> (String, String) {
    let body = dir.0.join("body.json");
    std::fs::write(&body, br#"{"id":"evt_1","event":"payment_intent.created","accountId":"acc_x","createdAt":"2026-01-01T09:00:00Z","data":{"paymentIntentId":"pi_sandbox_1","paymentStatus":"Created","captureMode":"Auto"}}"#).expect("write");
    let signature = dojo_payments_types::WebhookSignature::sign(
        &dojo_payments_types::WebhookSecret::new("whsec_test").expect("secret"),
        &std::fs::read(&body).expect("read"),
    )
    .to_string();
    (body.to_str().expect("path").to_owned(), signature)
}

#[test]
fn list() {
    let emu = support::emulator("wh-list");
    emu.dojo(&["webhooks", "list"])
        .assert()
        .success()
        .stdout_eq(str![]);
    subscribed(&emu);
    emu.dojo(&["webhooks", "list"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
ws_sandbox_[..]  http://127.0.0.1:9/hooks  ["payment_intent.created"]

"#]]);
    emu.dojo(&["--json", "webhooks", "list"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
[
  {
    "accountId": "acc_sandbox_emulator",
    "createdAt": "2026-01-01T09:00:00Z",
    "events": [
      "payment_intent.created"
    ],
    "id": "ws_sandbox_[..]",
    "secrets": [
      {
        "createdAt": "2026-01-01T09:00:00Z",
        "id": "whsec_sandbox_[..]",
        "isActive": true,
        "value": "…"
      }
    ],
    "updatedAt": "2026-01-01T09:00:00Z",
    "url": "http://127.0.0.1:9/hooks"
  }
]
"#]]
            .is_json(),
        );
}

#[test]
fn create() {
    let emu = support::emulator("wh-create");
    emu.dojo(&[
        "webhooks",
        "create",
        "--url",
        "http://127.0.0.1:9/hooks",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
ws_sandbox_[..]  http://127.0.0.1:9/hooks  ["payment_intent.created","payment_intent.status_updated","payment_intent.send-receipt"]
signing secret: [..]

"#]]);
    emu.dojo(&[
        "--json",
        "webhooks",
        "create",
        "--url",
        "http://127.0.0.1:9/created",
        "--event",
        "payment_intent.created",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "accountId": "acc_sandbox_emulator",
  "createdAt": "2026-01-01T09:00:00Z",
  "events": [
    "payment_intent.created"
  ],
  "id": "ws_sandbox_[..]",
  "secrets": [
    {
      "createdAt": "2026-01-01T09:00:00Z",
      "id": "whsec_sandbox_[..]",
      "isActive": true,
      "value": "[..]"
    }
  ],
  "updatedAt": "2026-01-01T09:00:00Z",
  "url": "http://127.0.0.1:9/created"
}
"#]]
        .is_json(),
    );
    emu.dojo(&["webhooks", "create", "--url", "http://example.com/hooks"])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: not sent: webhooks_subscribe: invalid request: url must use https (http only to a loopback host: localhost, 127.0.0.0/8 or [::1]), got http to a host off loopback
  hint: nothing was sent: the SDK refused it before sending, as Dojo would

"#]]);
    emu.dojo(&[
        "webhooks",
        "create",
        "--url",
        "http://127.0.0.1:9/",
        "--event",
        "nope",
    ])
    .assert()
    .code(2)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
error: "nope" is not an event Dojo sends
  hint: one of: payment_intent.created, payment_intent.status_updated, payment_intent.send-receipt

"#]]);
}

#[test]
fn delete() {
    let emu = support::emulator("wh-delete");
    let id = subscribed(&emu);
    emu.dojo(&["webhooks", "delete", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
removed ws_sandbox_[..]

"#]]);
    let other = subscribed(&emu);
    emu.dojo(&["--json", "webhooks", "delete", &other])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "deleted": true,
  "id": "ws_sandbox_[..]"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["webhooks", "delete", &other])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: refused: webhooks_delete_subscription: Dojo answered 404 Not Found: webhook subscription ws_sandbox_[..] was not found (trace [..]) (location default)
  hint: check the id, and the location (`--location`) it belongs to

"#]]);
}

#[test]
fn events() {
    let emu = support::emulator("wh-events");
    emu.dojo(&["webhooks", "events"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
payment_intent.created
payment_intent.status_updated
payment_intent.send-receipt

"#]]);
    emu.dojo(&["--json", "webhooks", "events"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
[
  "payment_intent.created",
  "payment_intent.status_updated",
  "payment_intent.send-receipt"
]
"#]]
            .is_json(),
        );
}

#[test]
fn send() {
    let emu = support::emulator("wh-send");
    let (url, received) = crate::receive_one();
    emu.dojo(&[
        "webhooks",
        "send",
        "payment_intent.created",
        "--to",
        &url,
        "--secret",
        "whsec_test",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
payment_intent.created evt_cli_[..] → http://127.0.0.1:[..]/hooks?from=dojo: 200

"#]]);
    received.join().expect("received");
    let (url, received) = crate::receive_one();
    emu.dojo(&[
        "--json",
        "webhooks",
        "send",
        "payment_intent.status_updated",
        "--to",
        &url,
        "--set",
        "data.paymentStatus=Reversed",
    ])
    .env("DOJO_WEBHOOK_SECRET", "whsec_test")
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "event": "payment_intent.status_updated",
  "id": "evt_cli_[..]",
  "status": 200,
  "to": "http://127.0.0.1:[..]/hooks?from=dojo"
}
"#]]
        .is_json(),
    );
    received.join().expect("received");
    emu.dojo(&[
        "webhooks",
        "send",
        "payment_intent.created",
        "--to",
        "http://127.0.0.1:9/",
        "--secret",
        "whsec_test",
    ])
    .assert()
    .code(5)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
error: could not deliver to http://127.0.0.1:9/
  hint: is the receiver running?

"#]]);
}

#[test]
fn verify() {
    let emu = support::emulator("wh-verify");
    let dir = support::TempDir::new("wh-verify-body");
    let (body, signature) = delivery(&dir);
    emu.dojo(&[
        "webhooks",
        "verify",
        "--body",
        &body,
        "--signature",
        &signature,
        "--secret",
        "whsec_test",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
verified: payment_intent.created evt_1

"#]]);
    emu.dojo(&[
        "--json",
        "webhooks",
        "verify",
        "--body",
        "-",
        "--signature",
        &signature,
        "--secret",
        "whsec_test",
    ])
    .stdin(std::fs::read(&body).expect("body"))
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "event": "payment_intent.created",
  "id": "evt_1",
  "verified": true
}
"#]]
        .is_json(),
    );
    emu.dojo(&[
        "--json",
        "webhooks",
        "verify",
        "--body",
        &body,
        "--signature",
        &signature,
        "--secret",
        "whsec_other",
    ])
    .assert()
    .code(7)
    .stdout_eq(str![[r#"
{
  "reason": "no signature matches the body under the webhook secrets trusted for its account",
  "verified": false
}
"#]].is_json())
    .stderr_eq(str![[r#"
{
  "error": "not verified: no signature matches the body under the webhook secrets trusted for its account",
  "exitCode": 7,
  "hint": "check the secret, and that the body is byte for byte as received",
  "idempotencyKey": null
}
"#]].is_json());
}
