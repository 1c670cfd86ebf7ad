//! `dojo customers …`, one golden session per command.

use snapbox::{IntoData, str};

use crate::support::{self, Running};

fn created(emu: &Running) -> String {
    emu.json(&[
        "customers",
        "create",
        "--email",
        "ada@example.com",
        "--name",
        "Ada",
    ])["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A customer with a card saved at checkout: (customer, payment method).
fn with_a_saved_card(emu: &Running) -> (String, String) {
    let customer = created(emu);
    let intent = emu.json(&[
        "payment-intents",
        "create",
        "--amount",
        "1.00",
        "--reference",
        "Card check",
        "--customer",
        &customer,
    ]);
    let intent = intent["id"].as_str().expect("id").to_owned();
    emu.dojo(&["emulator", "pay", &intent, "--save-card"])
        .assert()
        .success();
    let cards = emu.json(&["customers", "payment-methods", &customer]);
    let card = cards[0]["paymentMethodId"]
        .as_str()
        .expect("a saved card")
        .to_owned();
    (customer, card)
}

#[test]
fn create() {
    let emu = support::emulator("cust-create");
    emu.dojo(&[
        "customers",
        "create",
        "--email",
        "ada@example.com",
        "--name",
        "Ada",
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
cust_sandbox_[..]  ada@example.com  Ada

"#]]);
    emu.dojo(&[
        "--json",
        "customers",
        "create",
        "--phone",
        "+44 20 7946 0000",
    ])
    .assert()
    .success()
    .stdout_eq(
        str![[r#"
{
  "createdAt": "2026-01-01T09:00:00Z",
  "documentVersion": 1,
  "id": "cust_sandbox_[..]",
  "phoneNumber": "+44 20 7946 0000",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
        .is_json(),
    );
}

#[test]
fn get() {
    let emu = support::emulator("cust-get");
    let id = created(&emu);
    emu.dojo(&["customers", "get", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
cust_sandbox_[..]  ada@example.com  Ada

"#]]);
    emu.dojo(&["--json", "customers", "get", &id])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "createdAt": "2026-01-01T09:00:00Z",
  "documentVersion": 1,
  "emailAddress": "ada@example.com",
  "id": "cust_sandbox_[..]",
  "name": "Ada",
  "updatedAt": "2026-01-01T09:00:00Z"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["customers", "get", "cust/../x"])
        .assert()
        .code(2)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: "cust/../x" is not an id
  hint: ids are letters, digits, _ and -

"#]]);
}

#[test]
fn delete() {
    let emu = support::emulator("cust-delete");
    let id = created(&emu);
    emu.dojo(&["customers", "delete", &id])
        .assert()
        .success()
        .stdout_eq(str![[r#"
deleted cust_sandbox_[..]

"#]]);
    let other = created(&emu);
    emu.dojo(&["--json", "customers", "delete", &other])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
{
  "deleted": true,
  "id": "cust_sandbox_[..]"
}
"#]]
            .is_json(),
        );
    emu.dojo(&["customers", "delete", &other])
        .assert()
        .code(4)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
error: refused: customers_delete: Dojo answered 404 Not Found: customer cust_sandbox_[..] was not found (trace [..]) (location default)
  hint: check the id, and the location (`--location`) it belongs to

"#]]);
}

#[test]
fn payment_methods() {
    let emu = support::emulator("cust-cards");
    let (customer, _) = with_a_saved_card(&emu);
    emu.dojo(&["customers", "payment-methods", &customer])
        .assert()
        .success()
        .stdout_eq(str![[r#"
pm_sandbox_[..]  44565300****1005  2030-12-31

"#]]);
    emu.dojo(&["--json", "customers", "payment-methods", &customer])
        .assert()
        .success()
        .stdout_eq(
            str![[r#"
[
  {
    "expiry": "2030-12-31",
    "maskedPan": "44565300****1005",
    "paymentMethodId": "pm_sandbox_[..]",
    "scheme": "VISA"
  }
]
"#]]
            .is_json(),
        );
}

#[test]
fn delete_payment_method() {
    let emu = support::emulator("cust-card-delete");
    let (customer, card) = with_a_saved_card(&emu);
    emu.dojo(&["customers", "delete-payment-method", &customer, &card])
        .assert()
        .success()
        .stdout_eq(str![[r#"
deleted pm_sandbox_[..] of cust_sandbox_[..]

"#]]);
    emu.dojo(&["--json", "customers", "payment-methods", &customer])
        .assert()
        .success()
        .stdout_eq(str!["[]"].is_json());
    emu.dojo(&[
        "--json",
        "customers",
        "delete-payment-method",
        &customer,
        &card,
    ])
    .assert()
    .code(4)
    .stdout_eq(str![])
    .stderr_eq(str![[r#"
{
  "error": "refused: customers_delete_payment_method: Dojo answered 404 Not Found: saved payment method pm_sandbox_[..] was not found (trace [..]) (location default)",
  "exitCode": 4,
  "hint": "check the id, and the location (`--location`) it belongs to",
  "idempotencyKey": null
}
"#]].is_json());
}
