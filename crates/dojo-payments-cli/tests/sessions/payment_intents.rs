//! `dojo payment-intents …`, one golden session per command.

use snapbox::{IntoData, str};

use crate::support::{self, Running};

/// A new intent's id (`--manual`: authorize only).
pub fn created(emu: &Running, amount: &str, manual: bool) -> String {
    let mut args = vec![
        "payment-intents",
        "create",
        "--amount",
        amount,
        "--reference",
        "Order 1",
    ];
    if manual {
        args.push("--manual");
    }
    emu.json(&args)["id"].as_str().expect("id").to_owned()
}

/// A new intent, paid at checkout.
pub fn paid(emu: &Running, amount: &str, manual: bool) -> String {
    let id = created(emu, amount, manual);
    emu.dojo(&["emulator", "pay", &id]).assert().success();
    id
}

#[test]
fn create() {
    let emu = support::emulator("pi-create");
    emu.dojo(&[
        "payment-intents",
        "create",
        "--amount",
        "12.50",
        "--reference",
        "Order 1",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
pi_sandbox_[..]  Created  12.50 GBP  Order 1
checkout: http://127.0.0.1:[..]/checkout/pi_sandbox_[..]

"#]])
    .stderr_eq(str![]);
    emu.dojo(&[
        "--json",
        "payment-intents",
        "create",
        "--amount",
        "7",
        "--currency",
        "eur",
        "--reference",
        "Order 2",
        "--manual",
        "--description",
        "Two books",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "amount": {
    "currencyCode": "EUR",
    "value": 700
  },
  "captureMode": "Manual",
  "captures": [],
  "cardHolderNotPresent": false,
  "checkoutLink": "http://127.0.0.1:[..]/checkout/pi_sandbox_[..]",
  "clientSessionSecret": "…",
  "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
  "createdAt": "2026-01-01T09:00:00Z",
  "description": "Two books",
  "expireAt": "2026-01-31T09:00:00Z",
  "id": "pi_sandbox_[..]",
  "itemLines": "{...}",
  "merchantConfig": "{...}",
  "paymentLink": "http://127.0.0.1:[..]/checkout/pi_sandbox_[..]",
  "paymentMethods": "{...}",
  "reference": "Order 2",
  "refundedAmount": 0,
  "requestedAmount": {
    "currencyCode": "EUR",
    "value": 700
  },
  "status": "Created",
  "taxLines": "{...}",
  "terminalSessionHistory": "{...}",
  "totalAmount": {
    "currencyCode": "EUR",
    "value": 700
  },
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
        .is_json(),
    );
    emu.dojo(&[
        "payment-intents",
        "create",
        "--amount",
        "12.505",
        "--reference",
        "Order 3",
    ])
    .assert()
    .code(2)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
error: --amount 12.505: amount must have at most 2 digits after the decimal point, got "12.505"
  hint: give a decimal in GBP, e.g. 12.50

"#]]);
}

#[test]
fn get() {
    let emu = support::emulator("pi-get");
    let id = created(&emu, "12.50", false);
    emu.dojo(&["payment-intents", "get", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
pi_sandbox_[..]  Created  12.50 GBP  Order 1

"#]]);
    emu.dojo(&["--json", "payment-intents", "get", &id])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "amount": {
    "currencyCode": "GBP",
    "value": 1250
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
  "reference": "Order 1",
  "refundedAmount": 0,
  "requestedAmount": {
    "currencyCode": "GBP",
    "value": 1250
  },
  "status": "Created",
  "taxLines": "{...}",
  "terminalSessionHistory": "{...}",
  "totalAmount": {
    "currencyCode": "GBP",
    "value": 1250
  },
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["payment-intents", "get", "pi_sandbox_nothere"])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: refused: payment_intents_get: Dojo answered 404 Not Found: payment intent pi_sandbox_nothere was not found (trace [..]) (location default)
  hint: check the id, and the location (`--location`) it belongs to

"#]]);
}

#[test]
fn list() {
    let emu = support::emulator("pi-list");
    created(&emu, "1.00", false);
    created(&emu, "2.00", false);
    emu.dojo(&["payment-intents", "list"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
pi_sandbox_[..]  Created  2.00 GBP  Order 1
pi_sandbox_[..]  Created  1.00 GBP  Order 1

"#]])
        .stderr_eq(str![]);
    emu.dojo(&["--json", "payment-intents", "list", "--limit", "1"])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
[
  {
    "amount": {
      "currencyCode": "GBP",
      "value": 200
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
    "reference": "Order 1",
    "refundedAmount": 0,
    "requestedAmount": {
      "currencyCode": "GBP",
      "value": 200
    },
    "status": "Created",
    "taxLines": "{...}",
    "terminalSessionHistory": "{...}",
    "totalAmount": {
      "currencyCode": "GBP",
      "value": 200
    },
    "updatedAt": "2026-01-01T09:00:00Z"
  }
]
"#]]
            .is_json(),
        );
}

#[test]
fn capture() {
    let emu = support::emulator("pi-capture");
    let id = paid(&emu, "12.50", true);
    emu.dojo(&["payment-intents", "capture", &id, "--amount", "10"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
captured 10.00 GBP of pi_sandbox_[..]
pi_sandbox_[..]  Captured  12.50 GBP  Order 1

"#]]);
    let other = paid(&emu, "3.00", true);
    emu.dojo(&["--json", "payment-intents", "capture", &other])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "amount": {
    "currencyCode": "GBP",
    "value": 300
  },
  "captureMode": "Manual",
  "captures": [
    {
      "amount": 300,
      "createdAt": "2026-01-01T09:00:00Z",
      "id": "cp_sandbox_[..]",
      "status": "Successful"
    }
  ],
  "cardHolderNotPresent": false,
  "clientSessionSecret": "…",
  "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
  "createdAt": "2026-01-01T09:00:00Z",
  "expireAt": "2026-01-31T09:00:00Z",
  "id": "pi_sandbox_[..]",
  "itemLines": "{...}",
  "merchantConfig": "{...}",
  "paymentDetails": {
    "authCode": "EMU123",
    "card": {
      "cardNumber": "44565300****1005",
      "cardType": "VISA",
      "expiryDate": "12/30"
    },
    "message": "Approved",
    "transactionDateTime": "2026-01-01T09:00:00Z",
    "transactionId": "[..]"
  },
  "paymentLink": "http://127.0.0.1:[..]/checkout/pi_sandbox_[..]",
  "paymentMethods": "{...}",
  "reference": "Order 1",
  "refundedAmount": 0,
  "requestedAmount": {
    "currencyCode": "GBP",
    "value": 300
  },
  "status": "Captured",
  "taxLines": "{...}",
  "terminalSessionHistory": "{...}",
  "totalAmount": {
    "currencyCode": "GBP",
    "value": 300
  },
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["payment-intents", "capture", &other])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: not sent: captures_create: invalid request: captures may not exceed the authorized amount: 0.00 GBP remains, 3.00 GBP asked (location default)
  hint: nothing was sent: the SDK refused it before sending, as Dojo would

"#]]);
}

#[test]
fn refund() {
    let emu = support::emulator("pi-refund");
    let id = paid(&emu, "12.50", false);
    emu.dojo(&[
        "payment-intents",
        "refund",
        &id,
        "--amount",
        "2.00",
        "--idempotency-key",
        "order-1-refund-1",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
refunded 2.00 GBP of pi_sandbox_[..]: rfnd_sandbox_[..] (idempotency key order-1-refund-1)

"#]]);
    emu.dojo(&[
        "--json",
        "payment-intents",
        "refund",
        &id,
        "--amount",
        "1.50",
        "--reason",
        "Broken",
        "--idempotency-key",
        "order-1-refund-2",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "idempotencyKey": "order-1-refund-2",
  "paymentIntentId": "pi_sandbox_[..]",
  "refundId": "rfnd_sandbox_[..]",
  "refundReason": "Broken"
}
"#]]
        .is_json(),
    );
    // With a reason too: the same check before sending.
    for reason in [&[][..], &["--reason", "Broken"][..]] {
        let args = [
            &["payment-intents", "refund", &id, "--amount", "200"][..],
            reason,
        ]
        .concat();
        emu.dojo(&args)
            .assert()
            .code(4)
            .stdout_eq(str![])
            .stderr_eq(str![[r#"
error: not sent: refunds_create: invalid request: refunds may not exceed what was captured: 9.00 GBP is refundable, 200.00 GBP asked (location default)
  hint: nothing was sent: the SDK refused it before sending, as Dojo would

"#]]);
    }
}

#[test]
fn reverse() {
    let emu = support::emulator("pi-reverse");
    let id = paid(&emu, "12.50", true);
    emu.dojo(&["payment-intents", "reverse", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
pi_sandbox_[..]  Reversed  12.50 GBP  Order 1

"#]]);
    let other = paid(&emu, "4.00", true);
    emu.dojo(&["--json", "payment-intents", "reverse", &other])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "amount": {
    "currencyCode": "GBP",
    "value": 400
  },
  "captureMode": "Manual",
  "captures": [],
  "cardHolderNotPresent": false,
  "clientSessionSecret": "…",
  "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
  "createdAt": "2026-01-01T09:00:00Z",
  "expireAt": "2026-01-31T09:00:00Z",
  "id": "pi_sandbox_[..]",
  "itemLines": "{...}",
  "merchantConfig": "{...}",
  "paymentDetails": {
    "authCode": "EMU123",
    "card": {
      "cardNumber": "44565300****1005",
      "cardType": "VISA",
      "expiryDate": "12/30"
    },
    "message": "Approved",
    "transactionDateTime": "2026-01-01T09:00:00Z",
    "transactionId": "[..]"
  },
  "paymentLink": "http://127.0.0.1:[..]/checkout/pi_sandbox_[..]",
  "paymentMethods": "{...}",
  "reference": "Order 1",
  "refundedAmount": 0,
  "requestedAmount": {
    "currencyCode": "GBP",
    "value": 400
  },
  "status": "Reversed",
  "taxLines": "{...}",
  "terminalSessionHistory": "{...}",
  "totalAmount": {
    "currencyCode": "GBP",
    "value": 400
  },
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["payment-intents", "reverse", &other])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: pi_sandbox_[..] is Reversed: only an authorized or captured one can be reversed
  hint: nothing was sent; see where it stands: dojo payment-intents get pi_sandbox_[..]

"#]]);
}

#[test]
fn cancel() {
    let emu = support::emulator("pi-cancel");
    let id = created(&emu, "5", false);
    emu.dojo(&["payment-intents", "cancel", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
pi_sandbox_[..]  Canceled  5.00 GBP  Order 1

"#]]);
    let other = created(&emu, "6", false);
    emu.dojo(&["--json", "payment-intents", "cancel", &other])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "amount": {
    "currencyCode": "GBP",
    "value": 600
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
  "reference": "Order 1",
  "refundedAmount": 0,
  "requestedAmount": {
    "currencyCode": "GBP",
    "value": 600
  },
  "status": "Canceled",
  "taxLines": "{...}",
  "terminalSessionHistory": "{...}",
  "totalAmount": {
    "currencyCode": "GBP",
    "value": 600
  },
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    let paid = paid(&emu, "7", false);
    emu.dojo(&["payment-intents", "cancel", &paid])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: pi_sandbox_[..] is Captured: only one not yet paid can be canceled
  hint: nothing was sent; see where it stands: dojo payment-intents get pi_sandbox_[..]

"#]]);
}

/// A capture whose answer never comes, and whose effect no read can show
/// (every read after it fails): the SDK cannot prove either way and a
/// capture has no key, so exit 6, and the advice is to settle it by a
/// read, never to send it again.
#[test]
fn capture_whose_outcome_is_unknown() {
    let emu = support::emulator("pi-capture-unknown");
    let id = paid(&emu, "12.50", true);
    emu.dojo(&[
        "emulator",
        "fault",
        "--route",
        "POST /payment-intents/{paymentIntentId}/captures",
        "--answer",
        "hang-up",
        "--acted",
    ])
    .assert()
    .success();
    // The command's own read passes; every one after it fails.
    let reads = format!(
        "sequence=[{{\"latencyMs\": 0}}{}]",
        ", {\"status\": 503}".repeat(30)
    );
    emu.dojo(&[
        "emulator",
        "fault",
        "--route",
        "GET /payment-intents/{paymentIntentId}",
        "--set",
        &reads,
    ])
    .assert()
    .success();
    emu.dojo(&["payment-intents", "capture", &id])
        .assert()
        .code(6)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: the outcome is unknown, money may have moved: captures_create: the connection failed (MaybeApplied) (location default); whether it was applied is unknown (the payment intent could not be read): settle it later (Error::unsettled, or a journal), do not send it again now
  hint: do not send it again yet: it may still be in flight. Read it in a few minutes (`dojo payment-intents get pi_sandbox_[..]`) and act on what it shows

"#]]);
}

/// A capture whose answer is lost but which a read shows made: done.
#[test]
fn capture_whose_answer_is_lost() {
    let emu = support::emulator("pi-capture-lost");
    let id = paid(&emu, "12.50", true);
    emu.dojo(&[
        "emulator",
        "fault",
        "--route",
        "POST /payment-intents/{paymentIntentId}/captures",
        "--answer",
        "hang-up",
        "--acted",
    ])
    .assert()
    .success();
    emu.dojo(&["payment-intents", "capture", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
captured 12.50 GBP of pi_sandbox_[..]
pi_sandbox_[..]  Captured  12.50 GBP  Order 1

"#]])
        .stderr_eq(str![[r#"
note: the answer was lost; a read shows it was made (captures_create: the connection failed (MaybeApplied) (location default); a read of the payment intent shows it was applied)

"#]]);
}
