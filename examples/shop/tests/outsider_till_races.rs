//! An outsider's attacks on the till's "money moves once": the same sale
//! form sent ten times at once, accept and reject of a signature sent
//! together, a cancel racing the card, and two refunds at the counter of
//! the whole sale started together. The emulator's state is the oracle
//! (sessions created, intents made, refunded amount).

mod agent;

use std::sync::Arc;
use std::time::Duration;

use agent::{Agent, PASSWORD, account};
use dojo_payments::types::TerminalId;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use dojo_payments_emulator::{Card, Emulator, Presentation};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const SESSIONS: &str = "POST /terminal-sessions";
const INTENTS: &str = "POST /payment-intents";
const AUTO: &str = "tm_sandbox_counter1";
const MANUAL: &str = "tm_sandbox_counter3";

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

async fn staff(shop: &Shop, email: &str, role: Role) -> Agent {
    account(shop.db(), email, role).await;
    let agent = Agent::new(shop.url());
    agent.sign_in(email, PASSWORD).await;
    agent
}

fn form(page: &str, action: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = Agent::hidden_fields(page, action);
    for (name, value) in fields {
        all.retain(|(n, _)| n != name);
        all.push(((*name).to_owned(), (*value).to_owned()));
    }
    all
}

async fn post(agent: &Agent, action: &str, fields: &[(String, String)]) -> agent::Answer {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    agent.post_raw(action, &pairs).await
}

/// Ten copies of one sale form at once: one order, one intent, one
/// session; every answer a 303 (to the session, or the till saying it was
/// started already), never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_copies_of_one_sale_form_at_once_are_one_sale() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    let page = staff.get("/staff/till").await;
    let fields = form(
        &page.body,
        "/staff/till/sale",
        &[("terminal", MANUAL), ("amount", "9.99")],
    );
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (staff, fields) = (staff.clone(), fields.clone());
        tasks.push(tokio::spawn(async move {
            post(&staff, "/staff/till/sale", &fields).await
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        statuses.push((answer.status, answer.location.clone()));
        assert!(answer.status < 500, "{}: {}", answer.status, answer.body);
    }
    assert_eq!(count(&emulator, SESSIONS), 1, "{statuses:?}");
    assert_eq!(count(&emulator, INTENTS), 1, "{statuses:?}");
    assert_eq!(shop.db().orders().await.unwrap().len(), 1);
    assert_eq!(shop.db().recent_till_sessions().await.unwrap().len(), 1);
}

/// Two different sale forms at once on the same Available terminal: Dojo
/// takes one session on it; the other is refused in words, and nothing is
/// paid twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sales_at_once_on_one_terminal_start_one_session() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    let mut forms = Vec::new();
    for amount in ["3.00", "4.00"] {
        let page = staff.get("/staff/till").await;
        forms.push(form(
            &page.body,
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", amount)],
        ));
    }
    let tasks: Vec<_> = forms
        .into_iter()
        .map(|fields| {
            let staff = staff.clone();
            tokio::spawn(async move { post(&staff, "/staff/till/sale", &fields).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    for answer in &answers {
        assert!(answer.status < 500, "{}: {}", answer.status, answer.body);
    }
    let started: Vec<_> = answers.iter().filter(|a| a.status == 303).collect();
    assert!(!started.is_empty(), "one starts");
    let terminal = TerminalId::from_wire(MANUAL);
    let _ = emulator
        .terminal(&terminal)
        .present_card(&Card::test(APPROVED_VISA).unwrap());
    let mut captured = 0;
    for order in shop.db().orders().await.unwrap() {
        if let Some(id) = order.payment_intent_id {
            let intent = emulator.payment_intent(&id).unwrap();
            if intent.status.map(|s| s.to_string()).as_deref() == Some("Captured") {
                captured += 1;
            }
        }
    }
    assert_eq!(captured, 1, "one card, one payment");
}

/// A sale on the manual terminal, swiped: the session waits for the
/// signature check. Its page.
async fn swiped_sale(staff: &Agent, emulator: &Emulator, amount: &str) -> String {
    let page = staff.get("/staff/till").await;
    let fields = form(
        &page.body,
        "/staff/till/sale",
        &[("terminal", MANUAL), ("amount", amount)],
    );
    let sold = post(staff, "/staff/till/sale", &fields).await;
    assert_eq!(sold.status, 303, "{}", sold.body);
    let session = sold.location.unwrap();
    emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present(&Card::test(APPROVED_VISA).unwrap(), Presentation::Swipe)
        .unwrap();
    session
}

/// Accept and reject of one signature check, sent together (five each):
/// every answer a 303, and the payment ends one way: captured (accepted)
/// or reversed (rejected), never both, and the till's page says which.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn accept_and_reject_sent_together_end_the_payment_one_way() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    let session = swiped_sale(&staff, &emulator, "15.00").await;
    let page = staff.get(&session).await;
    assert!(page.body.contains("Accept signature"), "{}", page.body);
    let action = format!("{session}/signature");
    let mut tasks = Vec::new();
    for i in 0..10 {
        let answer = if i % 2 == 0 { "accept" } else { "reject" };
        let fields = form(&page.body, &action, &[("answer", answer)]);
        let (staff, action) = (staff.clone(), action.clone());
        tasks.push(tokio::spawn(
            async move { post(&staff, &action, &fields).await },
        ));
    }
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, 303, "{}", answer.body);
    }
    let order = shop.db().orders().await.unwrap().remove(0);
    let intent = emulator
        .payment_intent(&order.payment_intent_id.unwrap())
        .unwrap();
    let status = intent.status.map(|s| s.to_string()).unwrap_or_default();
    let mut shown = String::new();
    for _ in 0..50 {
        shown = staff.get(&session).await.body;
        if shown.contains("Paid: the customer") || shown.contains("Signature rejected") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    match status.as_str() {
        "Captured" => assert!(shown.contains("Paid: the customer"), "{shown}"),
        "Reversed" | "Canceled" => assert!(shown.contains("Signature rejected"), "{shown}"),
        other => panic!("the intent is {other}: {shown}"),
    }
    assert_eq!(count(&emulator, SESSIONS), 1);
}

/// Cancel sent (ten times) while the customer presents a card: whichever
/// wins, the page and the money agree: canceled with nothing taken, or
/// paid once; never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_racing_the_card_leaves_money_and_page_agreeing() {
    let (shop, emulator) = shop().await;
    let staff = staff(&shop, "sam@example.com", Role::Staff).await;
    let page = staff.get("/staff/till").await;
    let fields = form(
        &page.body,
        "/staff/till/sale",
        &[("terminal", MANUAL), ("amount", "8.00")],
    );
    let sold = post(&staff, "/staff/till/sale", &fields).await;
    let session = sold.location.unwrap();
    let page = staff.get(&session).await;
    let action = format!("{session}/cancel");
    let fields = form(&page.body, &action, &[]);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (staff, action, fields) = (staff.clone(), action.clone(), fields.clone());
        tasks.push(tokio::spawn(
            async move { post(&staff, &action, &fields).await },
        ));
    }
    let card = Card::test(APPROVED_VISA).unwrap();
    let presented = emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present(&card, Presentation::Contactless);
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, 303, "{}", answer.body);
    }
    let order = shop.db().orders().await.unwrap().remove(0);
    let intent = emulator
        .payment_intent(&order.payment_intent_id.unwrap())
        .unwrap();
    let status = intent.status.map(|s| s.to_string()).unwrap_or_default();
    let mut shown = String::new();
    for _ in 0..50 {
        shown = staff.get(&session).await.body;
        if shown.contains("Paid: the customer") || shown.contains("Canceled: nothing") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    match status.as_str() {
        "Captured" => {
            assert!(presented.is_ok());
            assert!(shown.contains("Paid: the customer"), "{shown}");
        }
        _ => {
            assert!(
                shown.contains("Canceled: nothing was taken"),
                "{status}: {shown}"
            );
        }
    }
}

/// A paid till sale of `amount` (on the auto terminal); its page.
async fn paid_sale(staff: &Agent, emulator: &Emulator, shop: &Shop, amount: &str) -> String {
    let page = staff.get("/staff/till").await;
    let fields = form(
        &page.body,
        "/staff/till/sale",
        &[("terminal", MANUAL), ("amount", amount)],
    );
    let sold = post(staff, "/staff/till/sale", &fields).await;
    assert_eq!(sold.status, 303, "{}", sold.body);
    emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present_card(&Card::test(APPROVED_VISA).unwrap())
        .unwrap();
    let _ = shop;
    sold.location.unwrap()
}

fn refunded(emulator: &Emulator, shop_order: &dojo_shop::order::Order) -> i64 {
    let intent = emulator
        .payment_intent(shop_order.payment_intent_id.as_ref().unwrap())
        .unwrap();
    intent.refunded_amount.unwrap_or(0)
}

/// Two refunds of the whole sale, from two refund forms, started at once
/// on two terminals (one the customer's card reaches at once, the other
/// later): the refunded total is never more than was captured.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_whole_refunds_at_once_refund_no_more_than_was_paid() {
    let (shop, emulator) = shop().await;
    let admin = staff(&shop, "ida@example.com", Role::Admin).await;
    let session = paid_sale(&admin, &emulator, &shop, "20.00").await;
    let action = format!("{session}/refund");
    let mut forms = Vec::new();
    for terminal in [MANUAL, AUTO] {
        let page = admin.get(&session).await;
        assert!(page.body.contains("up to 20.00 GBP"), "{}", page.body);
        forms.push(form(
            &page.body,
            &action,
            &[("terminal", terminal), ("amount", "20.00")],
        ));
    }
    let tasks: Vec<_> = forms
        .into_iter()
        .map(|fields| {
            let (admin, action) = (admin.clone(), action.clone());
            tokio::spawn(async move { post(&admin, &action, &fields).await })
        })
        .collect();
    for task in tasks {
        let answer = task.await.unwrap();
        assert!(answer.status < 500, "{}: {}", answer.status, answer.body);
    }
    // The auto terminal's customer pays after 2 s; then the manual one's.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present_card(&Card::test(APPROVED_VISA).unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let order = shop
        .db()
        .orders()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.payment_intent_id.is_some())
        .unwrap();
    let sessions = shop.db().recent_till_sessions().await.unwrap();
    eprintln!(
        "refund sessions started: {:?}",
        sessions
            .iter()
            .map(|s| (s.kind, s.status.clone()))
            .collect::<Vec<_>>()
    );
    assert!(
        refunded(&emulator, &order) <= 2000,
        "refunded {} of 2000",
        refunded(&emulator, &order)
    );
}

/// One refund form sent ten times at once: one refund session.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_copies_of_one_refund_form_are_one_refund_session() {
    let (shop, emulator) = shop().await;
    let admin = staff(&shop, "ida@example.com", Role::Admin).await;
    let session = paid_sale(&admin, &emulator, &shop, "12.00").await;
    let before = count(&emulator, SESSIONS);
    let action = format!("{session}/refund");
    let page = admin.get(&session).await;
    let fields = form(
        &page.body,
        &action,
        &[("terminal", MANUAL), ("amount", "5.00")],
    );
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (admin, action, fields) = (admin.clone(), action.clone(), fields.clone());
        tasks.push(tokio::spawn(
            async move { post(&admin, &action, &fields).await },
        ));
    }
    for task in tasks {
        let answer = task.await.unwrap();
        assert!(answer.status < 500, "{}: {}", answer.status, answer.body);
    }
    assert_eq!(count(&emulator, SESSIONS) - before, 1);
}
