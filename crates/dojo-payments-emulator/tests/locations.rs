//! Location accounts: each key sees only its own payment and setup
//! intents, customers and webhook subscriptions (another's id is a 404, as
//! Dojo answers), its events carry its `accountId` and reach only its
//! subscriptions, and the request log says which account's key each call
//! carried.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use common::*;
use dojo_payments_api::api::Client;
use dojo_payments_emulator::{Emulator, LocationRefused};
use dojo_payments_types::{ApiKey, LocationId};
use serde_json::{Value, json};

fn key(text: &str) -> ApiKey {
    ApiKey::new(text).unwrap()
}

fn name(text: &str) -> LocationId {
    text.parse().unwrap()
}

/// A receiver of webhook deliveries: what it got.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |body: Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_slice::<Value>(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

#[tokio::test]
async fn each_location_sees_only_its_own_and_hears_only_its_own_events() {
    let (soho, camden) = (
        key("sk_sandbox_soho_0123456789abcdef"),
        key("sk_sandbox_camden_0123456789abcdef"),
    );
    let emulator = Emulator::builder()
        .location(name("soho"), soho.clone())
        .location(name("camden"), camden.clone())
        .start()
        .await
        .unwrap();
    let at_soho = Client::from_key_at(emulator.api_url(), &soho).unwrap();
    let at_camden = Client::from_key_at(emulator.api_url(), &camden).unwrap();
    let (soho_hooks, soho_got) = receiver().await;
    let (camden_hooks, camden_got) = receiver().await;
    for (client, url) in [(&at_soho, &soho_hooks), (&at_camden, &camden_hooks)] {
        let request = serde_json::from_value(json!({
            "events": ["payment_intent.created", "payment_intent.status_updated"],
            "url": url,
        }))
        .unwrap();
        client.webhooks_subscribe(&request).await.unwrap();
    }

    let intent = create_intent(&at_soho, 1000, "Auto").await;
    emulator.pay(&intent, &good_card(), false).unwrap();
    let before = emulator.state_digest();
    // Camden's key: Soho's intent does not exist.
    let read = at_camden
        .payment_intents_get(&intent, None)
        .await
        .unwrap_err();
    assert_eq!(read.status().map(|s| s.as_u16()), Some(404));
    let refund = serde_json::from_value(json!({"amount": 100})).unwrap();
    let refused = at_camden
        .refunds_create(&intent, "k-1", &refund)
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(emulator.state_digest(), before, "nothing changed");
    let search = serde_json::from_value(json!({})).unwrap();
    let camden_sees = at_camden.payment_intents_search(&search).await.unwrap();
    assert!(camden_sees.data.clone().unwrap_or_default().is_empty());
    let soho_sees = at_soho.payment_intents_search(&search).await.unwrap();
    assert_eq!(soho_sees.data.clone().unwrap_or_default().len(), 1);
    assert!(at_soho.payment_intents_get(&intent, None).await.is_ok());

    // Customers, setup intents, subscriptions likewise.
    let customer = at_soho
        .customers_create(
            &serde_json::from_value(json!({"emailAddress": "a@example.com"})).unwrap(),
        )
        .await
        .unwrap();
    let customer_id = customer.id.clone().unwrap();
    let other = at_camden.customers_get(&customer_id).await.unwrap_err();
    assert_eq!(other.status().map(|s| s.as_u16()), Some(404));
    let setup = at_soho
        .setup_intents_create(
            &serde_json::from_value(json!({
                "reference": "Booking", "terms": "Terms.",
                "merchantInitiatedTransactionType": "NoShow",
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let setup_id = setup.id.clone().unwrap();
    let other = at_camden
        .setup_intents_get_by_id(&setup_id)
        .await
        .unwrap_err();
    assert_eq!(other.status().map(|s| s.as_u16()), Some(404));
    let camden_subscriptions = at_camden.webhooks_get_all_subscriptions().await.unwrap();
    assert_eq!(camden_subscriptions.len(), 1, "only its own");
    assert_eq!(
        camden_subscriptions[0].account_id.as_deref(),
        Some("acc_camden")
    );
    let soho_subscription = at_soho.webhooks_get_all_subscriptions().await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let other = at_camden
        .webhooks_get_secrets(&soho_subscription)
        .await
        .unwrap_err();
    assert_eq!(other.status().map(|s| s.as_u16()), Some(404));

    // Soho's events: to Soho's receiver, with Soho's accountId; none to Camden's.
    for _ in 0..200 {
        if soho_got.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let events = soho_got.lock().unwrap().clone();
    assert!(events.len() >= 2, "{events:?}");
    assert!(
        events.iter().all(|e| e["accountId"] == "acc_soho"),
        "{events:?}"
    );
    assert!(camden_got.lock().unwrap().is_empty());
    assert_eq!(
        emulator.location_account(&name("soho")).as_deref(),
        Some("acc_soho")
    );

    // The log says whose key each call carried; a key not named is refused.
    let log = emulator.requests_by_account();
    let refunds: Vec<_> = log
        .iter()
        .filter(|(route, _)| route == "POST /payment-intents/{paymentIntentId}/refunds")
        .collect();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].1.as_deref(), Some("acc_camden"));
    let stranger = Client::from_key_at(
        emulator.api_url(),
        &key("sk_sandbox_someone_else_0123456789"),
    )
    .unwrap();
    let refused = stranger
        .payment_intents_get(&intent, None)
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn without_named_keys_each_key_is_an_account_of_its_own() {
    let emulator = Emulator::start().await.unwrap();
    let a = Client::from_key_at(emulator.api_url(), &key("sk_sandbox_a_0123456789abcdef")).unwrap();
    let b = Client::from_key_at(emulator.api_url(), &key("sk_sandbox_b_0123456789abcdef")).unwrap();
    let default = Client::from_key_at(emulator.api_url(), &emulator.api_key()).unwrap();
    let intent = create_intent(&a, 500, "Auto").await;
    assert!(a.payment_intents_get(&intent, None).await.is_ok());
    assert_eq!(
        b.payment_intents_get(&intent, None)
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(404)
    );
    assert!(default.payment_intents_get(&intent, None).await.is_err());
    // And one added while it runs.
    let kiosk = key("sk_sandbox_kiosk_0123456789ab");
    let added = emulator.add_location(&name("kiosk"), &kiosk);
    assert_eq!(added, Ok("acc_kiosk".to_owned()));
    assert_eq!(
        emulator.add_location(&name("kiosk"), &kiosk),
        Ok("acc_kiosk".to_owned()),
        "the same again is no change"
    );
    // A key is one account's; a name is one key's.
    assert_eq!(
        emulator.add_location(&name("stall"), &kiosk),
        Err(LocationRefused::KeyTaken("kiosk".to_owned()))
    );
    assert_eq!(
        emulator.add_location(&name("kiosk"), &key("sk_sandbox_other_0123456789ab")),
        Err(LocationRefused::NameTaken("kiosk".to_owned()))
    );
    assert_eq!(
        emulator.add_location(&name("stall"), &emulator.api_key()),
        Err(LocationRefused::KeyTaken("default".to_owned())),
        "the default key stays the default account's"
    );
    assert!(
        default
            .payment_intents_search(&serde_json::from_value(json!({})).unwrap())
            .await
            .is_ok()
    );
}
