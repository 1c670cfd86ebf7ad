//! `dojo setup-intents …`, one golden session per command.

use snapbox::{IntoData, str};

use crate::support::{self, Running};

fn created(emu: &Running) -> String {
    emu.json(&[
        "setup-intents",
        "create",
        "--amount",
        "80.00",
        "--reference",
        "Deposit",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[test]
fn create() {
    let emu = support::emulator("si-create");
    emu.dojo(&[
        "setup-intents",
        "create",
        "--amount",
        "80.00",
        "--reference",
        "Deposit",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
si_sandbox_[..]  Created  80.00 GBP  Deposit

"#]]);
    emu.dojo(&[
        "--json",
        "setup-intents",
        "create",
        "--amount",
        "25",
        "--currency",
        "EUR",
        "--reference",
        "Room 12",
        "--terms",
        "Charged for damage only.",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "clientSessionSecret": "…",
  "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
  "createdAt": "2026-01-01T09:00:00Z",
  "id": "si_sandbox_[..]",
  "intendedAmount": {
    "currencyCode": "EUR",
    "value": 2500
  },
  "merchantConfig": "{...}",
  "merchantInitiatedTransactionType": "Unscheduled",
  "paymentMethods": "{...}",
  "paymentSource": "api",
  "reference": "Room 12",
  "setupEvents": [
    {
      "eventType": "Created",
      "transactionDateTime": "2026-01-01T09:00:00Z"
    }
  ],
  "status": "Created",
  "terms": "Charged for damage only.",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
        .is_json(),
    );
    emu.dojo(&[
        "setup-intents",
        "create",
        "--amount",
        "-1",
        "--reference",
        "Deposit",
    ])
    .assert()
    .code(2)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
error: --amount -1: must be more than zero
  hint: give a decimal in GBP, e.g. 12.50

"#]]);
}

#[test]
fn get() {
    let emu = support::emulator("si-get");
    let id = created(&emu);
    emu.dojo(&["setup-intents", "get", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
si_sandbox_[..]  Created  80.00 GBP  Deposit

"#]]);
    emu.dojo(&["--json", "setup-intents", "get", &id])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "clientSessionSecret": "…",
  "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
  "createdAt": "2026-01-01T09:00:00Z",
  "id": "si_sandbox_[..]",
  "intendedAmount": {
    "currencyCode": "GBP",
    "value": 8000
  },
  "merchantConfig": "{...}",
  "merchantInitiatedTransactionType": "Unscheduled",
  "paymentMethods": "{...}",
  "paymentSource": "api",
  "reference": "Deposit",
  "setupEvents": [
    {
      "eventType": "Created",
      "transactionDateTime": "2026-01-01T09:00:00Z"
    }
  ],
  "status": "Created",
  "terms": "The amount is charged when the service is provided.",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["setup-intents", "get", "si_sandbox_nothere"])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: refused: setup_intents_get_by_id: Dojo answered 404 Not Found: setup intent si_sandbox_nothere was not found (trace [..]) (location default)
  hint: check the id, and the location (`--location`) it belongs to

"#]]);
}

#[test]
fn cancel() {
    let emu = support::emulator("si-cancel");
    let id = created(&emu);
    emu.dojo(&["setup-intents", "cancel", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
si_sandbox_[..]  Canceled  80.00 GBP  Deposit

"#]]);
    let other = created(&emu);
    emu.dojo(&[
        "--json",
        "setup-intents",
        "cancel",
        &other,
        "--include-authorized",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "clientSessionSecret": "…",
  "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
  "createdAt": "2026-01-01T09:00:00Z",
  "id": "si_sandbox_[..]",
  "intendedAmount": {
    "currencyCode": "GBP",
    "value": 8000
  },
  "merchantConfig": "{...}",
  "merchantInitiatedTransactionType": "Unscheduled",
  "paymentMethods": "{...}",
  "paymentSource": "api",
  "reference": "Deposit",
  "setupEvents": [
    {
      "eventType": "Created",
      "transactionDateTime": "2026-01-01T09:00:00Z"
    },
    {
      "eventType": "Canceled",
      "transactionDateTime": "2026-01-01T09:00:00Z"
    }
  ],
  "status": "Canceled",
  "terms": "The amount is charged when the service is provided.",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
        .is_json(),
    );
    emu.dojo(&["setup-intents", "cancel", &other])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: si_sandbox_[..] is Canceled: only a created one (or with --include-authorized an authorized one) can be canceled
  hint: nothing was sent; see where it stands: dojo setup-intents get si_sandbox_[..]

"#]]);
}

#[test]
fn charge() {
    let emu = support::emulator("si-charge");
    let id = created(&emu);
    emu.dojo(&["setup-intents", "charge", &id])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: si_sandbox_[..] is Created: only an authorized one (a card saved) can be charged
  hint: nothing was sent; see where it stands: dojo setup-intents get si_sandbox_[..]

"#]]);
    emu.dojo(&["emulator", "authorize", &id]).assert().success();
    emu.dojo(&["setup-intents", "charge", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
charged si_sandbox_[..]: pi_sandbox_[..]  Captured  80.00 GBP  Deposit
si_sandbox_[..]  Completed  80.00 GBP  Deposit

"#]])
        .stderr_eq(str![]);
    let other = created(&emu);
    emu.dojo(&["emulator", "authorize", &other])
        .assert()
        .success();
    emu.dojo(&["--json", "setup-intents", "charge", &other])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "paymentIntent": {
    "amount": {
      "currencyCode": "GBP",
      "value": 8000
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
    "reference": "Deposit",
    "refundedAmount": 0,
    "requestedAmount": {
      "currencyCode": "GBP",
      "value": 8000
    },
    "setupIntentId": "si_sandbox_[..]",
    "status": "Captured",
    "taxLines": "{...}",
    "terminalSessionHistory": "{...}",
    "totalAmount": {
      "currencyCode": "GBP",
      "value": 8000
    },
    "updatedAt": "2026-01-01T09:00:00Z"
  },
  "setupIntent": {
    "clientSessionSecret": "…",
    "clientSessionSecretExpirationDate": "2026-01-01T09:30:00Z",
    "createdAt": "2026-01-01T09:00:00Z",
    "id": "si_sandbox_[..]",
    "intendedAmount": {
      "currencyCode": "GBP",
      "value": 8000
    },
    "merchantConfig": "{...}",
    "merchantInitiatedTransactionType": "Unscheduled",
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
    "paymentMethods": "{...}",
    "paymentSource": "api",
    "reference": "Deposit",
    "setupEvents": [
      {
        "eventType": "Created",
        "transactionDateTime": "2026-01-01T09:00:00Z"
      },
      {
        "authCode": "EMU123",
        "cardNumber": "44565300****1005",
        "cardType": "VISA",
        "eventType": "Authorized",
        "expiryDate": "12/30",
        "transactionDateTime": "2026-01-01T09:00:00Z",
        "transactionId": "[..]"
      },
      {
        "authCode": "EMU123",
        "cardNumber": "44565300****1005",
        "cardType": "VISA",
        "eventType": "Captured",
        "expiryDate": "12/30",
        "transactionDateTime": "2026-01-01T09:00:00Z",
        "transactionId": "[..]"
      }
    ],
    "status": "Completed",
    "terms": "The amount is charged when the service is provided.",
    "updatedAt": "2026-01-01T09:00:00Z"
  }
}
"#]]
            .is_json(),
        );
    emu.dojo(&["setup-intents", "charge", &other])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: si_sandbox_[..] is Completed: only an authorized one (a card saved) can be charged
  hint: nothing was sent; see where it stands: dojo setup-intents get si_sandbox_[..]

"#]]);
}
