//! The shop's webhook endpoint and event store, without a browser: only a
//! delivery Dojo signed is read; each event is applied once, whatever the
//! order and however often it arrives, and an order never moves back.

use dojo_payments::settlement::Settled;
use dojo_payments::types::{WebhookEventId, WebhookSecret, WebhookSignature};
use dojo_payments::webhook::SIGNATURE_HEADER;
use dojo_payments_emulator::testkit::gbp;
use dojo_shop::backend::Backend;
use dojo_shop::order::{OrderKind, OrderStatus};
use dojo_shop::store::{Applied, Db, NewOrder};
use dojo_shop::{Options, Shop};
use proptest::prelude::*;
use workspace_tests::databases;

/// A fresh database file.
async fn fresh_db(name: &str) -> Db {
    let url = databases::fresh(databases::Kind::Sqlite, name).await;
    Db::connect(&url).await.unwrap()
}

/// The events of one manual order's life: created, authorized, captured
/// in two parts, part refunded; each with the state Dojo reported then.
fn life() -> Vec<(&'static str, OrderStatus, i64, i64)> {
    vec![
        ("evt_created", OrderStatus::Pending, 0, 0),
        ("evt_authorized", OrderStatus::Authorized, 0, 0),
        ("evt_captured_1", OrderStatus::Paid, 3000, 0),
        ("evt_captured_2", OrderStatus::Paid, 8000, 0),
        ("evt_refunded", OrderStatus::Refunded, 8000, 1000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Deliveries in any order, with redeliveries: each event is applied
    /// once, and the order ends as the furthest event says.
    #[test]
    fn events_apply_once_and_never_move_an_order_back(
        deliveries in proptest::collection::vec(0usize..5, 1..16)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let db = fresh_db("events").await;
            let order = db
                .insert_order(&NewOrder {
                    kind: OrderKind::Purchase,
                    reference: None,
                    email: "ada@example.com",
                    description: "Hamper",
                    amount: gbp(8000),
                    manual_capture: true,
                    owner: "account:acct_1",
                })
                .await
                .unwrap();
            let life = life();
            let mut applied = std::collections::BTreeSet::new();
            for &index in &deliveries {
                let (id, status, captured, refunded) = life[index];
                let said = db
                    .apply_event(
                        &WebhookEventId::from_wire(id),
                        Some(&order.id),
                        "payment_intent.status_updated",
                        Some(status),
                        status.as_str(),
                        Some(Settled { captured: gbp(captured), refunded: gbp(refunded) }),
                    )
                    .await
                    .unwrap();
                let first = applied.insert(index);
                assert_eq!(said == Applied::Applied, first, "event {id}: applied once");
            }
            let furthest = applied.iter().map(|&i| life[i]).max_by_key(|e| (e.1.rank(), e.2, e.3)).unwrap();
            let stored = db.order(&order.id).await.unwrap().unwrap();
            assert_eq!(stored.status.rank(), furthest.1.rank(), "{deliveries:?}");
            let most_captured = applied.iter().map(|&i| life[i].2).max().unwrap();
            let most_refunded = applied.iter().map(|&i| life[i].3).max().unwrap();
            assert_eq!(stored.captured.minor_units(), most_captured);
            assert_eq!(stored.refunded.minor_units(), most_refunded);
            assert_eq!(db.events(&order.id).await.unwrap().len(), applied.len());
        });
    }
}

async fn start_shop() -> Shop {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let options = Options {
        database_url: Some(databases::fresh(databases::Kind::Sqlite, "webhooks").await),
        ..Options::default()
    };
    Shop::start_on(Backend::Emulator(emulator.into()), options)
        .await
        .unwrap()
}

#[tokio::test]
async fn only_a_delivery_dojo_signed_is_read_and_a_redelivery_is_a_no_op() {
    let shop = start_shop().await;
    let intent = shop
        .dojo()
        .payment_intents()
        .create(gbp(500), "not an order of the shop")
        .created()
        .await
        .unwrap();
    // Dojo's envelope, as its webhook guide shows it.
    let body = format!(
        r#"{{"id":"evt_replayed","event":"payment_intent.status_updated","accountId":"acc_1","createdAt":"2026-12-02T10:00:00Z","data":{{"paymentIntentId":"{}","paymentStatus":"Created"}}}}"#,
        intent.id()
    );
    let http = dojo_payments::raw::http_client().unwrap();
    let endpoint = format!("{}/webhooks/dojo", shop.url());
    let post = |signature: Option<String>| {
        let mut request = http.post(&endpoint).body(body.clone());
        if let Some(signature) = signature {
            request = request.header(SIGNATURE_HEADER, signature);
        }
        request.send()
    };

    assert_eq!(post(None).await.unwrap().status(), 401, "unsigned");
    let forged = WebhookSignature::sign(
        &WebhookSecret::new("not Dojo's secret").unwrap(),
        body.as_bytes(),
    );
    assert_eq!(
        post(Some(forged.to_string())).await.unwrap().status(),
        401,
        "signed by someone else"
    );
    assert_eq!(stored_events(&shop, "evt_replayed").await, 0);

    let subscriptions = shop.dojo().webhooks().list().await.unwrap();
    let secret = subscriptions[0].secrets[0].value.clone().unwrap();
    let signed = WebhookSignature::sign(&secret, body.as_bytes()).to_string();
    for _ in 0..3 {
        assert_eq!(post(Some(signed.clone())).await.unwrap().status(), 200);
    }
    assert_eq!(
        stored_events(&shop, "evt_replayed").await,
        1,
        "applied once"
    );
}

async fn stored_events(shop: &Shop, id: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM webhook_events WHERE event_id = $1")
        .bind(id)
        .fetch_one(shop.db().pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}
