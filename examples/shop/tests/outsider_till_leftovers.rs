//! An outsider's attack on refunds to a card linked to no sale: the same
//! form sent ten times at once is one session (the journal's name, fixed
//! by the form's token, taken once).

mod agent;

use std::sync::Arc;

use agent::{Agent, PASSWORD, account};
use dojo_payments_emulator::Emulator;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_copies_of_one_unlinked_refund_form_are_one_session() {
    let (shop, emulator) = shop().await;
    let admin = admin(&shop).await;
    let page = admin.get("/staff/till").await;
    let mut fields = Agent::hidden_fields(&page.body, "/staff/till/refund");
    fields.push(("terminal".into(), MANUAL.into()));
    fields.push(("amount".into(), "3.00".into()));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (admin, fields) = (admin.clone(), fields.clone());
        tasks.push(tokio::spawn(async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            admin.post_raw("/staff/till/refund", &pairs).await
        }));
    }
    for task in tasks {
        let answer = task.await.unwrap();
        assert!(answer.status < 500, "{}: {}", answer.status, answer.body);
    }
    assert_eq!(count(&emulator, SESSIONS), 1);
    assert_eq!(shop.db().recent_till_sessions().await.unwrap().len(), 1);
}
