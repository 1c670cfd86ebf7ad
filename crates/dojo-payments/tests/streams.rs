//! Searches as streams: lazy, across pages (empty ones too), ending on the
//! last page, and never looping.

mod common;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use common::*;
use dojo_payments::Error;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

#[tokio::test]
async fn a_search_pages_through_every_intent_of_the_emulator() {
    let (emulator, dojo) = dojo().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let intent = dojo
            .payment_intents()
            .create(gbp(100 + i), format!("Order {i}"))
            .send()
            .await
            .unwrap();
        created.push(intent.id.unwrap());
    }
    let found: Vec<_> = dojo
        .payment_intents()
        .search()
        .page_size(3)
        .stream()
        .map_ok(|intent| intent.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    created.sort();
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(sorted, created);
    assert_eq!(
        calls(&emulator, "POST /payment-intents/search"),
        3,
        "3 + 3 + 1"
    );
}

/// What the scripted server records, and the pages it has left.
type Script = (
    Arc<Mutex<Vec<Value>>>,
    Arc<Mutex<std::vec::IntoIter<Value>>>,
);

/// A server answering each search with the next of `pages` (a body each),
/// recording the cursors it was sent.
async fn scripted(pages: Vec<Value>) -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(pages.into_iter()));
    let state = (seen.clone(), script);
    let app = axum::Router::new()
        .route(
            "/payment-intents/search",
            post(
                |State((seen, script)): State<Script>, Json(body): Json<Value>| async move {
                    seen.lock().unwrap().push(body["cursor"].clone());
                    Json(script.lock().unwrap().next().unwrap_or(json!({"data": []})))
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn client(url: &str) -> dojo_payments::Dojo {
    let key = dojo_payments::types::ApiKey::new("sk_sandbox_test_0123456789").unwrap();
    dojo_payments::Dojo::builder(key)
        .api_url(url)
        .retry_policy(quick_retries())
        .build()
        .unwrap()
}

fn intent(id: &str) -> Value {
    json!({"id": id, "status": "Created"})
}

#[tokio::test]
async fn empty_pages_are_passed_over_and_the_last_page_ends_the_stream() {
    let (url, seen) = scripted(vec![
        json!({"data": [intent("pi_1"), intent("pi_2")], "after": "c1"}),
        json!({"data": [], "after": "c2"}),
        json!({"data": [intent("pi_3")], "after": "c3"}),
        json!({"data": [intent("pi_4")]}),
    ])
    .await;
    let dojo = client(&url);
    let stream = dojo.payment_intents().search().page_size(2).stream();
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing is sent until polled"
    );
    let ids: Vec<String> = stream
        .map_ok(|i| i.id.unwrap().to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["pi_1", "pi_2", "pi_3", "pi_4"]);
    let cursors: Vec<Value> = seen.lock().unwrap().clone();
    assert_eq!(
        cursors,
        [
            json!({"limit": 2}),
            json!({"limit": 2, "after": "c1"}),
            json!({"limit": 2, "after": "c2"}),
            json!({"limit": 2, "after": "c3"}),
        ]
    );
}

#[tokio::test]
async fn a_cursor_seen_twice_ends_the_stream_with_an_error() {
    let (url, seen) = scripted(vec![
        json!({"data": [intent("pi_1")], "after": "same"}),
        json!({"data": [intent("pi_2")], "after": "same"}),
        json!({"data": [intent("pi_3")], "after": "same"}),
    ])
    .await;
    let dojo = client(&url);
    let items: Vec<Result<_, Error>> = dojo.payment_intents().search().stream().collect().await;
    assert_eq!(items.len(), 3, "two intents, then the error: {items:?}");
    assert!(items[0].is_ok() && items[1].is_ok());
    assert!(matches!(
        &items[2],
        Err(Error::PaginationLoop { cursor, .. }) if cursor == "same"
    ));
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "the repeated cursor is never followed"
    );
}

#[tokio::test]
async fn customers_stream_too() {
    let (_emulator, dojo) = dojo().await;
    for name in ["Ada", "Grace", "Edsger", "Barbara"] {
        dojo.customers().create().name(name).send().await.unwrap();
    }
    let names: Vec<String> = dojo
        .customers()
        .search(3)
        .map_ok(|c| c.name.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names.len(), 4, "{names:?}");
    let refused = dojo.customers().search(0).next().await.unwrap();
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("limit must be 1–100, got 0")
    );
}
