//! An outsider's late answer to a signature check: the customer's
//! signature is asked for, nobody answers for 80 s, and Dojo accepts it by
//! itself (the payment goes through). A *Reject* sent after that, from the
//! page still open, reverses nothing and says why; the sale stays paid.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, account};
use dojo_payments::types::TerminalId;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use dojo_payments_emulator::{Card, Emulator, Presentation};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const MANUAL: &str = "tm_sandbox_counter3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reject_after_dojo_accepted_by_itself_reverses_nothing() {
    let emulator = Arc::new(
        Emulator::builder()
            .manual_clock(chrono::Utc::now())
            .start()
            .await
            .unwrap(),
    );
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "outsider_till").await),
        ..Options::default()
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap();
    account(shop.db(), "sam@example.com", Role::Staff).await;
    let staff = Agent::new(shop.url());
    staff.sign_in("sam@example.com", PASSWORD).await;
    let sold = staff
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", "30.00")],
        )
        .await;
    assert_eq!(sold.status, 303, "{}", sold.body);
    let session = sold.location.unwrap();
    emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present(&Card::test(APPROVED_VISA).unwrap(), Presentation::Swipe)
        .unwrap();
    let page = staff.get(&session).await;
    assert!(page.body.contains("Reject signature"), "{}", page.body);

    // Nobody answers: Dojo accepts by itself.
    emulator
        .advance_clock(chrono::Duration::seconds(81))
        .unwrap();
    let action = format!("{session}/signature");
    let late = staff
        .submit_on(&page.body, &action, &[("answer", "reject")])
        .await;
    assert_eq!(late.status, 303, "{}", late.body);
    let said = staff.get(&late.location.unwrap()).await;
    assert!(
        said.body.contains("not waiting for a signature check"),
        "{}",
        said.body
    );
    assert!(said.body.contains("Paid: the customer"), "{}", said.body);
    let order = shop.db().orders().await.unwrap().remove(0);
    let intent = emulator
        .payment_intent(&order.payment_intent_id.unwrap())
        .unwrap();
    assert_eq!(
        intent.status.map(|s| s.to_string()).as_deref(),
        Some("Captured")
    );
}
