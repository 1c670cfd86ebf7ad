//! `dojo journal` on a SQLite journal holding a refund whose answer never
//! came: listed as open, shown by name, and settled by `reconcile`, which
//! leaves it open while it may still be in flight (exit 6).

mod support;

use dojo_payments::Dojo;
use dojo_payments::journal::Journal;
use dojo_payments_sqlx::SqlJournal;
use dojo_payments_types::{ApiKey, Currency, Money};
use snapbox::str;

#[test]
fn an_open_refund_is_listed_shown_and_reconciled() {
    let emu = support::emulator("journal-open");
    let dir = support::TempDir::new("journal-open-db");
    let url = format!("sqlite://{}?mode=rwc", dir.0.join("journal.db").display());
    let created = emu.json(&[
        "payment-intents",
        "create",
        "--amount",
        "10.00",
        "--reference",
        "Order 9",
    ]);
    let id = created["id"].as_str().expect("id").to_owned();
    emu.dojo(&["emulator", "pay", &id]).assert().success();
    emu.dojo(&[
        "emulator",
        "fault",
        "--route",
        "POST /payment-intents/{paymentIntentId}/refunds",
        "--answer",
        "hang-up",
        "--times",
        "50",
    ])
    .assert()
    .success();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dojo = Dojo::builder(ApiKey::new(support::KEY).expect("key"))
            .api_url(emu.api.clone())
            .pci_url(emu.pci.clone())
            .build()
            .expect("client");
        let store = SqlJournal::connect(&url).await.expect("journal");
        let journal = Journal::new(store, &dojo);
        let intent = dojo
            .payment_intents()
            .get(&id.parse().expect("id"))
            .await
            .expect("read");
        let amount = Money::parse_decimal("2.50", Currency::GBP).expect("amount");
        let state = journal
            .refund(&dojo, "order-9-refund-1", &intent, amount)
            .await
            .expect("journaled");
        assert!(state.is_open(), "{state:?}");
        journal.flush().await;
    });

    emu.dojo(&["journal", "list", "--open", "--database-url", &url])
        .assert()
        .success()
        .stdout_eq(str![[r#"
order-9-refund-1  open  pi_sandbox_[..]  Refund [..]  [..]

"#]]);
    emu.dojo(&[
        "--json",
        "journal",
        "show",
        "order-9-refund-1",
        "--database-url",
        &url,
    ])
    .assert()
    .success()
    .stdout_eq(str![[r#"
[
  {
    "detail": null,
    "location": "default",
    "movement": "Refund [..]",
    "name": "order-9-refund-1",
    "openedAt": "[..]",
    "paymentIntentId": "pi_sandbox_[..]",
    "state": "open"
  }
]

"#]]);
    emu.dojo(&["emulator", "fault", "--clear"])
        .assert()
        .success();
    // Just made: it may still be in flight, so reconcile leaves it open
    // and says so (exit 6).
    emu.dojo(&["journal", "reconcile", "--database-url", &url])
        .assert()
        .code(6)
        .stdout_eq(str![[r#"
order-9-refund-1  open  it may still be in flight: reconcile judges it once its window has passed

"#]]);
}
