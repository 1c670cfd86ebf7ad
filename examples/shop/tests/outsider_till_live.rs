//! An outsider's attacks on the till's live view (server-sent events):
//! many clients holding a running session's events open. Each stream reads
//! the session from Dojo; what must hold is that a stream whose client went
//! away stops reading (no poller left behind for its 300 s), and that the
//! events end with where the session stands once it ends; and that twenty
//! streams of one session read Dojo no more than one does.

mod agent;

use std::sync::Arc;
use std::time::Duration;

use agent::{Agent, PASSWORD, SECOND_FACTOR, account};
use dojo_payments::types::TerminalId;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use dojo_payments_emulator::{Card, Emulator};
use dojo_shop::auth::Role;
use dojo_shop::backend::Backend;
use dojo_shop::{Options, Shop};
use workspace_tests::databases;

const MANUAL: &str = "tm_sandbox_counter3";
const READ: &str = "GET /terminal-sessions/{terminalSessionId}";

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

fn reads(emulator: &Emulator) -> usize {
    emulator.requests().iter().filter(|r| *r == READ).count()
}

/// A client of the shop that can hold a stream open: signed in as `email`
/// (staff, made here) with the second factor.
async fn streaming_staff(shop: &Shop, email: &str) -> reqwest::Client {
    account(shop.db(), email, Role::Staff).await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = dojo_payments::raw::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar)
        .build()
        .unwrap();
    let base = shop.url();
    let page = http
        .get(format!("{base}/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut fields = Agent::hidden_fields(&page, "/signin");
    fields.push(("email".into(), email.into()));
    fields.push(("password".into(), PASSWORD.into()));
    let signed = http
        .post(format!("{base}/signin"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let code_page = signed.headers()["location"].to_str().unwrap().to_owned();
    let page = http
        .get(format!("{base}{code_page}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let code = dojo_shop::auth::second_factor::code_at(SECOND_FACTOR, now).unwrap();
    let mut fields = Agent::hidden_fields(&page, "/signin/code");
    fields.push(("code".into(), code));
    let done = http
        .post(format!("{base}/signin/code"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    http
}

/// Opens the session's events; the response, its head read.
async fn open(http: &reqwest::Client, shop: &Shop, session: &str) -> reqwest::Response {
    let answer = http
        .get(format!("{}{session}/events", shop.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    answer
}

/// A sale on the manual terminal, left waiting for a card; its page.
async fn waiting_sale(shop: &Shop) -> (Agent, String) {
    account(shop.db(), "ida@example.com", Role::Staff).await;
    let agent = Agent::new(shop.url());
    agent.sign_in("ida@example.com", PASSWORD).await;
    let sold = agent
        .submit(
            "/staff/till",
            "/staff/till/sale",
            &[("terminal", MANUAL), ("amount", "6.00")],
        )
        .await;
    assert_eq!(sold.status, 303, "{}", sold.body);
    (agent, sold.location.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn streams_whose_clients_went_away_stop_reading_dojo() {
    let (shop, emulator) = shop().await;
    let (_agent, session) = waiting_sale(&shop).await;
    let http = streaming_staff(&shop, "sam@example.com").await;
    let mut streams = Vec::new();
    for _ in 0..20 {
        streams.push(open(&http, &shop, &session).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let while_open = reads(&emulator);
    drop(streams);
    // Gone: within a poll or two each stream notices and stops.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = reads(&emulator);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = reads(&emulator);
    // One poller per session, shared by the twenty (see
    // outsider_till_live_breaks.rs): it read while they were open.
    assert!(while_open >= 2, "the streams read while open: {while_open}");
    assert!(
        later - settled <= 2,
        "still reading after every client left: {settled} then {later}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_events_end_with_the_outcome_when_the_card_comes() {
    let (shop, emulator) = shop().await;
    let (agent, session) = waiting_sale(&shop).await;
    let http = streaming_staff(&shop, "sam@example.com").await;
    let mut stream = open(&http, &shop, &session).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    emulator
        .terminal(&TerminalId::from_wire(MANUAL))
        .present_card(&Card::test(APPROVED_VISA).unwrap())
        .unwrap();
    let mut text = String::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream did not end: {text}");
    assert!(text.contains("event: settled\ndata: Captured"), "{text}");
    // The till's list knows it too (the live view noted it).
    let till = agent.get("/staff/till").await;
    assert!(till.body.contains("Paid"), "{}", till.body);
}

/// One shared poller per session: twenty streams of one session read Dojo
/// as one does (each stream used to poll on its own, for up to 300 s, with
/// no bound, against Dojo's rate limits shared with every call of the shop).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_streams_of_one_session_read_dojo_no_more_than_one_does() {
    let (shop, emulator) = shop().await;
    let (_agent, session) = waiting_sale(&shop).await;
    let http = streaming_staff(&shop, "sam@example.com").await;

    let start = reads(&emulator);
    let one = open(&http, &shop, &session).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let by_one = reads(&emulator) - start;
    drop(one);
    tokio::time::sleep(Duration::from_secs(2)).await;

    let start = reads(&emulator);
    let mut many = Vec::new();
    for _ in 0..20 {
        many.push(open(&http, &shop, &session).await);
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let by_twenty = reads(&emulator) - start;
    drop(many);
    eprintln!("reads of the session in 4 s: one stream {by_one}, twenty streams {by_twenty}");
    assert!(
        by_twenty <= 3 * by_one.max(1),
        "the reads of Dojo grow with the streams: one stream {by_one}, twenty {by_twenty}"
    );
}
