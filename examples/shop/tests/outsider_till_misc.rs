//! An outsider's odd corners of the till: staff who never enrolled a
//! second factor; refunds of a sale not paid yet, or through a refund's
//! own session; and Dojo failing under the till: the page names no secret.

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, account, bare_account};
use dojo_payments::types::TerminalId;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use dojo_payments_emulator::{Card, Emulator, Fault};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const MANUAL: &str = "tm_sandbox_counter3";
const SESSIONS: &str = "POST /terminal-sessions";

async fn shop() -> (Shop, Arc<Emulator>) {
    let emulator = Arc::new(Emulator::start().await.unwrap());
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "outsider_till").await),
        ..Options::default()
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap();
    (shop, emulator)
}

fn count(emulator: &Emulator, route: &str) -> usize {
    emulator.requests().iter().filter(|r| *r == route).count()
}

async fn admin(shop: &Shop) -> Agent {
    account(shop.db(), "ida@example.com", Role::Admin).await;
    let agent = Agent::new(shop.url());
    agent.sign_in("ida@example.com", PASSWORD).await;
    agent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_who_never_enrolled_a_second_factor_are_sent_to_enrol() {
    let (shop, emulator) = shop().await;
    bare_account(shop.db(), "old@example.com", Role::Admin).await;
    let old = Agent::new(shop.url());
    let signed = old
        .submit(
            "/signin",
            "/signin",
            &[("email", "old@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed.status, 303);
    let home = old.get("/").await;
    let csrf = Agent::hidden_fields(&home.body, "/signout");
    for path in [
        "/staff/till",
        "/staff/till/sessions/ts_sandbox_x",
        "/staff/till/sessions/ts_sandbox_x/events",
    ] {
        let door = old.get(path).await;
        assert_eq!(door.status, 303, "{path}");
        assert!(
            door.location
                .unwrap()
                .starts_with("/account/second-factor?next="),
            "{path}"
        );
    }
    for path in [
        "/staff/till/sale",
        "/staff/till/refund",
        "/staff/till/sessions/ts_sandbox_x/cancel",
        "/staff/till/sessions/ts_sandbox_x/signature",
        "/staff/till/sessions/ts_sandbox_x/refund",
    ] {
        let mut fields: Vec<(&str, &str)> =
            csrf.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        fields.extend([
            ("token", "t"),
            ("terminal", MANUAL),
            ("amount", "1.00"),
            ("answer", "accept"),
        ]);
        let door = old.post_raw(path, &fields).await;
        assert_eq!(door.status, 303, "{path}: {}", door.body);
        assert!(
            door.location
                .unwrap()
                .starts_with("/account/second-factor?next="),
            "{path}"
        );
    }
    assert_eq!(count(&emulator, SESSIONS), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_refunded_of_a_sale_not_paid_nor_through_a_refunds_session() {
    let (shop, emulator) = shop().await;
    let admin = admin(&shop).await;
    let sold = admin
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", "9.00")],
        )
        .await;
    let sale = sold.location.unwrap();
    let before = count(&emulator, SESSIONS);
    // Not paid yet: the page offers no refund; the form sent anyway (a
    // token of the till page's) is refused in words, nothing sent.
    let page = admin.get(&sale).await;
    assert!(!page.body.contains("Refund at the counter"));
    let till = admin.get("/staff/till").await;
    let mut fields = Agent::hidden_fields(&till.body, "/staff/till/sale");
    fields.push(("terminal".into(), "tm_sandbox_counter1".into()));
    fields.push(("amount".into(), "9.00".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let early = admin.post_raw(&format!("{sale}/refund"), &pairs).await;
    assert_eq!(early.status, 303, "{}", early.body);
    let said = admin.get(&early.location.unwrap()).await;
    assert!(
        said.body
            .contains("amount: must be at most 0.00 GBP, what is left to refund")
            || said.body.contains("Nothing to refund"),
        "{}",
        said.body
    );
    assert_eq!(count(&emulator, SESSIONS), before, "nothing sent");

    // Paid, refunded in part: the refund's own session takes no refund.
    emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present_card(&Card::test(APPROVED_VISA).unwrap())
        .unwrap();
    let refund = admin
        .submit(
            &sale,
            &format!("{sale}/refund"),
            &[("terminal", MANUAL), ("amount", "1.00")],
        )
        .await;
    assert_eq!(refund.status, 303, "{}", refund.body);
    let refund_session = refund.location.unwrap();
    assert_ne!(refund_session, sale);
    let before = count(&emulator, SESSIONS);
    let through = admin
        .post_raw(&format!("{refund_session}/refund"), &pairs)
        .await;
    assert_eq!(through.status, 404, "{}", through.body);
    assert_eq!(count(&emulator, SESSIONS), before, "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dojo_failing_under_the_till_shows_no_secret() {
    let (shop, emulator) = shop().await;
    let admin = admin(&shop).await;
    let key = emulator.api_key().to_string();
    let page = admin.get("/staff/till").await;
    for (route, fault) in [
        ("GET /terminals/{terminalId}", Fault::fail(500)),
        ("GET /terminals/{terminalId}", Fault::fail(401)),
        ("POST /payment-intents", Fault::fail(500)),
    ] {
        emulator.inject_fault(route, fault, 50).unwrap();
        let answer = admin
            .submit_on(
                &page.body,
                "/staff/till/sale",
                &[("terminal", MANUAL), ("amount", "2.00")],
            )
            .await;
        assert_ne!(answer.status, 303, "{route}: {}", answer.body);
        eprintln!("{route} failing: the till answers {}", answer.status);
        assert!(!answer.body.contains(&key), "{route}: the API key shown");
        assert!(!answer.body.contains("sk_sandbox"), "{route}");
        assert!(!answer.body.contains("Bearer"), "{route}");
        emulator.clear_faults();
    }
    assert_eq!(count(&emulator, SESSIONS), 0);
}
