//! Two instances of the shop on one database (PostgreSQL when
//! `DOJO_TEST_POSTGRES_URL` names a server, as in CI; SQLite always),
//! behind one webhook URL: a balancer that hands each delivery to one
//! instance in turn and then delivers it again to the other (a redelivery
//! landing on the other instance). Each event is applied once and none is
//! lost, and the same admin refund clicked on both instances at once is
//! made once.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use dojo_payments::journal::EntryState;
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};
use dojo_shop::backend::Backend;
use dojo_shop::order::OrderStatus;
use dojo_shop::{Options, Shop};
use sqlx::Row;
use workspace_tests::databases;

mod agent;
use agent::Agent;

async fn instance(emulator: &Arc<Emulator>, db: &str, balancer: &str) -> Shop {
    let options = Options {
        addr: ([127, 0, 0, 1], 0).into(),
        database_url: Some(db.to_owned()),
        public_url: Some(balancer.to_owned()),
        ..Options::default()
    };
    Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap()
}

async fn ids(shop: &Shop, sql: &'static str) -> Vec<String> {
    let rows = sqlx::query(sql).fetch_all(shop.db().pool()).await.unwrap();
    rows.iter()
        .map(|row| row.try_get::<String, _>(0).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_refund_once_and_apply_every_event_once() {
    for kind in databases::kinds() {
        let db = databases::fresh(kind, "two_shops").await;
        let emulator = Arc::new(Emulator::start().await.unwrap());
        let (balancer, targets) = Balancer::start().await;
        let a = instance(&emulator, &db, &balancer).await;
        let b = instance(&emulator, &db, &balancer).await;
        targets
            .set([a.url().to_owned(), b.url().to_owned()])
            .unwrap();
        let guest = Agent::new(a.url());
        let bought = guest
            .submit(
                "/buy/teapot",
                "/buy/teapot",
                &[("email", "ada@example.com")],
            )
            .await;
        assert_eq!(bought.status, 303, "{}", bought.body);
        let order = a.db().orders().await.unwrap().remove(0);
        let intent = order.payment_intent_id.clone().unwrap();
        emulator
            .pay(&intent, &Card::test(APPROVED_MASTERCARD).unwrap(), false)
            .unwrap();
        let paid = wait(&b, &order.id, |o| o.status == OrderStatus::Paid).await;
        assert_eq!(paid.captured.minor_units(), 3200, "{kind:?}");

        // One admin page (the admin signed in on instance A: the session is
        // in the shared database), its refund form submitted to both
        // instances at once.
        agent::account(a.db(), "admin@example.com", dojo_shop::auth::Role::Admin).await;
        let admin = Agent::new(a.url());
        admin.sign_in("admin@example.com", agent::PASSWORD).await;
        let page = admin.get(&format!("/admin/orders/{}", order.id)).await;
        let action = format!("/admin/orders/{}/refund", order.id);
        let admin_on_b = admin.at(b.url());
        let (on_a, on_b) = tokio::join!(
            admin.submit_on(&page.body, &action, &[("amount", "5.00")]),
            admin_on_b.submit_on(&page.body, &action, &[("amount", "5.00")]),
        );
        assert_eq!(
            (on_a.status, on_b.status),
            (303, 303),
            "{}{}",
            on_a.body,
            on_b.body
        );
        assert_eq!(emulator.refund_count(&intent), 1, "{kind:?}: refunded once");
        // Outcomes are written behind the answers: read once they are.
        a.journal().flush().await;
        b.journal().flush().await;
        let moves = a.journal().store().entries_for(&intent).await.unwrap();
        assert_eq!(moves.len(), 1, "{kind:?}: {moves:?}");
        assert!(
            matches!(moves[0].state, EntryState::Applied { .. }),
            "{moves:?}"
        );
        let refunded = wait(&a, &order.id, |o| o.refunded.minor_units() == 500).await;
        assert_eq!(refunded.status, OrderStatus::Refunded);

        // Every event reached both instances (the balancer's redelivery);
        // each was applied once, none lost.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent: BTreeSet<String> = emulator
            .webhook_attempts()
            .into_iter()
            .map(|a| a.event_id)
            .collect();
        assert!(sent.len() >= 3, "created, captured, refunded: {sent:?}");
        let processed: BTreeSet<String> = ids(&a, "SELECT event_id FROM dojo_processed_events")
            .await
            .into_iter()
            .collect();
        assert_eq!(processed, sent, "{kind:?}: every event applied, none lost");
        let history = ids(&b, "SELECT event_id FROM webhook_events").await;
        assert_eq!(
            history.len(),
            sent.len(),
            "{kind:?}: each applied once: {history:?}"
        );
    }
}

async fn wait(
    shop: &Shop,
    id: &str,
    done: impl Fn(&dojo_shop::order::Order) -> bool,
) -> dojo_shop::order::Order {
    for _ in 0..200 {
        let order = shop.db().order(id).await.unwrap().unwrap();
        if done(&order) {
            return order;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "order {id} never got there: {:?}",
        shop.db().order(id).await
    );
}

/// One webhook URL in front of both instances: each delivery goes to one
/// in turn (its answer is Dojo's), then again to the other.
struct Balancer;

type Targets = Arc<std::sync::OnceLock<[String; 2]>>;

impl Balancer {
    async fn start() -> (String, Targets) {
        use axum::body::Bytes;
        use axum::extract::State;
        use axum::http::{HeaderMap, StatusCode};
        use std::sync::atomic::{AtomicUsize, Ordering};

        let targets: Targets = Arc::default();
        let turn = Arc::new(AtomicUsize::new(0));
        let http = dojo_payments::raw::http_client().unwrap();
        let state = (targets.clone(), turn, http);
        let forward = async |State((targets, turn, http)): State<(
            Targets,
            Arc<AtomicUsize>,
            reqwest::Client,
        )>,
                             headers: HeaderMap,
                             body: Bytes| {
            let targets = targets.get().expect("both instances started");
            let first = turn.fetch_add(1, Ordering::Relaxed) % 2;
            let send = |to: &str| {
                let mut request = http.post(format!("{to}/webhooks/dojo")).body(body.clone());
                if let Some(signature) = headers.get("dojo-signature") {
                    request = request.header("dojo-signature", signature.as_bytes());
                }
                request.send()
            };
            let answer = send(&targets[first])
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(502);
            let _ = send(&targets[1 - first]).await; // the redelivery, on the other instance
            StatusCode::from_u16(answer).unwrap_or(StatusCode::BAD_GATEWAY)
        };
        let app = axum::Router::new()
            .route("/webhooks/dojo", axum::routing::post(forward))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, targets)
    }
}

/// A refund another instance claimed and then vanished with (killed before
/// it wrote the outcome) is settled by a running shop within its reconcile
/// period, with the entry's own key: not only at the next start-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_shop_settles_what_a_vanished_instance_left_open() {
    use dojo_payments::IdempotencyKey;
    use dojo_payments::journal::{Entry, JournalStore};
    use dojo_payments::settlement::{Before, Movement};
    use dojo_payments::types::{Currency, Money};

    let emulator = Arc::new(Emulator::start().await.unwrap());
    let options = Options {
        addr: ([127, 0, 0, 1], 0).into(),
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "reconciler").await),
        reconcile_every: Duration::from_millis(200),
        ..Options::default()
    };
    let shop = Shop::start_on(Backend::Emulator(emulator.clone()), options)
        .await
        .unwrap();
    let intent = shop
        .dojo()
        .payment_intents()
        .create(Money::new(1000, Currency::GBP), "Vanished")
        .created()
        .await
        .unwrap();
    emulator
        .pay(
            intent.id(),
            &Card::test(APPROVED_MASTERCARD).unwrap(),
            false,
        )
        .unwrap();
    // What the vanished instance wrote before sending, two minutes ago by
    // the database's clock: older than any call can be in flight.
    let store = shop.journal().store();
    let entry = Entry {
        name: "vanished/refund".into(),
        movement: Movement::Refund {
            amount: Money::new(300, Currency::GBP),
            key: IdempotencyKey::new("vanished-key").unwrap(),
        },
        payment_intent: intent.id().clone(),
        location: dojo_payments::types::LocationId::default(),
        before: Before::unrecorded(),
        state: EntryState::Open,
        opened_at: store.now().await.unwrap() - chrono::Duration::minutes(2),
    };
    store.open(&entry).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = store
            .entry(&entry.location, "vanished/refund")
            .await
            .unwrap()
            .unwrap();
        if !now.state.is_open() {
            assert!(matches!(now.state, EntryState::Applied { .. }), "{now:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the running shop never settled it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(emulator.refund_count(intent.id()), 1);
}
