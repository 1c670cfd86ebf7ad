//! The flows of Dojo's guides, walked end to end with the raw client.

mod common;

use chrono::Duration;
use common::*;
use dojo_payments_api::pci;
use dojo_payments_emulator::CardOutcome;
use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, APPROVED_VISA, DECLINED_VISA};
use dojo_payments_types::CardExpiry;
use serde_json::json;

/// Save card: pay once saving the card; the second checkout lists it, and
/// `savedCardId` preselects it.
#[tokio::test]
async fn save_card_then_pay_with_the_saved_card() {
    let (emulator, client) = emulator().await;
    let customer = client
        .customers_create(
            &serde_json::from_value(json!({"name": "Gabriel", "emailAddress": "g@example.com"}))
                .unwrap(),
        )
        .await
        .unwrap();
    let customer_id = customer.id.clone().unwrap();
    let secret = client
        .customers_create_customer_secret(&customer_id)
        .await
        .unwrap();
    let secret = secret.into_inner().secret.unwrap();

    let first = intent_request(json!({
        "amount": {"value": 4200, "currencyCode": "GBP"}, "reference": "Groceries 1",
        "paymentMethods": ["Card", "SavedCard"],
        "customer": {"id": customer_id, "secret": secret.expose()},
    }));
    let first = client
        .payment_intents_create_payment_intent(&first)
        .await
        .unwrap()
        .id
        .clone()
        .unwrap();
    assert_eq!(
        emulator.pay(&first, &good_card(), true),
        Ok(CardOutcome::Approved)
    );

    let methods = client
        .customers_get_payment_methods(&customer_id, &secret)
        .await
        .unwrap();
    let saved = methods.saved_payment_methods.as_ref().unwrap();
    assert_eq!(saved.len(), 1);
    let saved_id = saved[0].id.clone().unwrap();
    let card = saved[0].card_details.as_ref().unwrap();
    assert_eq!(card.pan.as_deref(), Some("52000000****1005"));
    assert_eq!(card.expiry_date.as_deref(), Some("2030-12-31"));

    let second = intent_request(json!({
        "amount": {"value": 1800, "currencyCode": "GBP"}, "reference": "Groceries 2",
        "paymentMethods": ["Card", "SavedCard"],
        "customer": {"id": customer_id, "secret": secret.expose(), "savedCardId": saved_id},
    }));
    let second = client
        .payment_intents_create_payment_intent(&second)
        .await
        .unwrap();
    let page = dojo_payments_api::http_client()
        .unwrap()
        .get(second.payment_link.clone().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(r#"value="{saved_id}" checked"#)),
        "not preselected:\n{page}"
    );
    // A customer's intent allowing `SavedCard` offers to save a new card.
    assert!(page.contains("Save card for future use"), "{page}");
    let second_id = second.id.clone().unwrap();
    assert_eq!(
        emulator.pay_with_saved_card(&second_id, &saved_id),
        Ok(CardOutcome::Approved)
    );
    assert_eq!(status(&client, &second_id).await, "Captured");
    let paid_with = client.payment_intents_get(&second_id, None).await.unwrap();
    assert_eq!(
        paid_with
            .payment_details
            .as_ref()
            .unwrap()
            .payment_method_id
            .as_ref(),
        Some(&saved_id)
    );

    // Removing the saved card takes it off the list.
    client
        .customers_delete_payment_method(&customer_id, &saved_id, &secret)
        .await
        .unwrap();
    let after = client
        .customers_get_payment_methods(&customer_id, &secret)
        .await
        .unwrap();
    assert!(after.saved_payment_methods.as_ref().unwrap().is_empty());
}

/// A customer secret works only for its customer, and only until it expires.
#[tokio::test]
async fn customer_secrets_are_short_lived_and_bound_to_one_customer() {
    let (emulator, client) = emulator().await;
    let create = serde_json::from_value(json!({"name": "A"})).unwrap();
    let (a, b) = (
        client
            .customers_create(&create)
            .await
            .unwrap()
            .into_inner()
            .id
            .unwrap(),
        client
            .customers_create(&create)
            .await
            .unwrap()
            .into_inner()
            .id
            .unwrap(),
    );
    let secret = client
        .customers_create_customer_secret(&a)
        .await
        .unwrap()
        .into_inner();
    let auth = secret.secret.clone().unwrap();
    assert!(
        client
            .customers_get_payment_methods(&a, &auth)
            .await
            .is_ok()
    );
    assert_eq!(
        http_status(&client.customers_get_payment_methods(&b, &auth).await),
        401
    );
    emulator.advance_clock(Duration::minutes(16)).unwrap();
    assert_eq!(
        http_status(&client.customers_get_payment_methods(&a, &auth).await),
        401
    );
}

/// Setup intent: the customer authorizes at checkout, a payment intent with
/// `setupIntentId` is charged, the setup intent is Completed; once only.
#[tokio::test]
async fn setup_intent_checkout_then_charge() {
    let (emulator, client) = emulator().await;
    let setup = client.setup_intents_create(&setup_request()).await.unwrap();
    let setup_id = setup.id.clone().unwrap();
    let checkout = format!("{}/checkout/{setup_id}", emulator.api_url());
    // What the page's form posts when the customer presses Pay.
    let form = "card_number=5200+0000+0000+1005&expiry=12%2F30&cvv=123";
    let page = dojo_payments_api::http_client()
        .unwrap()
        .post(&checkout)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Payment successful"), "{page}");
    assert_eq!(setup_status(&client, &setup_id).await, "Authorized");

    let intent = intent_for_setup(&client, &setup_id, 1000).await;
    assert_eq!(
        setup_status(&client, &setup_id).await,
        "Authorized",
        "still, until charged"
    );
    client
        .payment_intents_charge_payment_intent(&intent)
        .await
        .unwrap();
    assert_eq!(setup_status(&client, &setup_id).await, "Completed");
    assert_eq!(status(&client, &intent).await, "Captured");
    assert_eq!(
        http_status(&client.payment_intents_charge_payment_intent(&intent).await),
        403
    );
}

/// A tokenization request; the card fields decode through `dojo-payments-types`
/// (Luhn-checked number, `MM/YY` expiry, 3–4 digit code).
fn tokenize_request(card: &str, expiry: &str) -> pci::types::CreateTokenizedSetupIntentRequest {
    serde_json::from_value(json!({
        "reference": "Card on file",
        "terms": "Charged when you order.",
        "merchantInitiatedTransactionType": "Unscheduled",
        "intendedAmount": {"value": 2500, "currencyCode": "GBP"},
        "cardDetails": {"cardNumber": card, "cardName": "Ada Lovelace", "expiryDate": expiry, "cV2": "123"},
    }))
    .unwrap()
}

/// Tokenization: the PCI host authorizes at once; every follow-up is on the
/// api host.
#[tokio::test]
async fn pci_tokenization_then_charge() {
    let (emulator, client) = emulator().await;
    let pci = pci::Client::from_key_at(emulator.pci_url(), &emulator.api_key()).unwrap();
    let setup = pci
        .setup_intents_create_tokenized(&tokenize_request(APPROVED_VISA, "12/30"))
        .await
        .unwrap();
    assert_eq!(setup.status.as_ref().unwrap().to_string(), "Authorized");
    let setup_id = setup.id.clone().unwrap();

    let intent = intent_for_setup(&client, &setup_id, 2500).await;
    client
        .payment_intents_charge_payment_intent(&intent)
        .await
        .unwrap();
    assert_eq!(setup_status(&client, &setup_id).await, "Completed");
    let paid = client.payment_intents_get(&intent, None).await.unwrap();
    let card = paid
        .payment_details
        .as_ref()
        .unwrap()
        .card
        .as_ref()
        .unwrap();
    assert_eq!(card.card_number.as_deref(), Some("44565300****1005"));
}

/// Declined and expired cards authorize nothing.
#[tokio::test]
async fn declining_and_expired_cards_are_not_authorized() {
    let (emulator, client) = emulator().await;
    let intent = create_intent(&client, 1000, "Auto").await;
    assert_eq!(
        emulator.pay(&intent, &declined_card(), false),
        Ok(CardOutcome::Declined)
    );
    assert_eq!(status(&client, &intent).await, "Created");
    assert_eq!(
        emulator.pay(&intent, &good_card(), false),
        Ok(CardOutcome::Approved),
        "a retry with a good card"
    );

    let pci = pci::Client::from_key_at(emulator.pci_url(), &emulator.api_key()).unwrap();
    let declined = pci
        .setup_intents_create_tokenized(&tokenize_request(DECLINED_VISA, "12/30"))
        .await
        .unwrap();
    assert_eq!(declined.status.as_ref().unwrap().to_string(), "Created");
    let expired = pci
        .setup_intents_create_tokenized(&tokenize_request(APPROVED_MASTERCARD, "01/25"))
        .await
        .unwrap();
    assert_eq!(expired.status.as_ref().unwrap().to_string(), "CardExpired");

    let expired_card = good_card().expiring(CardExpiry::new(2, 2026).unwrap());
    let other = create_intent(&client, 1000, "Auto").await;
    assert_eq!(
        emulator.pay(&other, &expired_card, false),
        Ok(CardOutcome::Expired)
    );
    assert_eq!(status(&client, &other).await, "Created");
}

/// The same seed gives the same ids.
#[tokio::test]
async fn seeded_emulators_are_reproducible() {
    let (_a, first) = emulator().await;
    let (_b, second) = emulator().await;
    assert_eq!(
        create_intent(&first, 100, "Auto").await,
        create_intent(&second, 100, "Auto").await
    );
}

/// Many clients at once: every intent is created once, with its own id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_are_safe() {
    let (emulator, client) = emulator().await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..20 {
                ids.push(create_intent(&client, 100, "Auto").await);
            }
            ids
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        ids.extend(task.await.unwrap());
    }
    assert_eq!(ids.len(), 320);
    for id in &ids {
        let intent = client.payment_intents_get(id, None).await.unwrap();
        assert_eq!(intent.id.as_ref(), Some(id));
    }
    // The document allows pages of 1–100.
    let search = serde_json::from_value(json!({"cursor": {"limit": 100}})).unwrap();
    let page = client.payment_intents_search(&search).await.unwrap();
    assert_eq!(page.data.as_ref().unwrap().len(), 100);
    drop(emulator);
}

/// The hosted checkout as a browser meets it: a Cancel link to
/// `config.cancelUrl`; a declined card shown on the page with the form
/// again, the intent still `Created`; then an approved card sends the
/// customer back to `config.redirectUrl` with a 303.
#[tokio::test]
async fn checkout_cancels_shows_a_decline_and_redirects_after_paying() {
    let (emulator, client) = emulator().await;
    let request = intent_request(json!({
        "amount": {"value": 2500, "currencyCode": "GBP"}, "reference": "Order 7",
        "config": {
            "redirectUrl": "https://shop.example/orders/7/return",
            "cancelUrl": "https://shop.example/orders/7/cancelled",
        },
    }));
    let id = client
        .payment_intents_create_payment_intent(&request)
        .await
        .unwrap()
        .id
        .clone()
        .unwrap();
    let checkout = format!("{}/checkout/{id}", emulator.api_url());
    // A browser that shows redirects instead of following them.
    let browser = dojo_payments_api::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let pay = |number: &str| {
        browser
            .post(&checkout)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("card_number={number}&expiry=12%2F30&cvv=123"))
            .send()
    };

    let page = browser
        .get(&checkout)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"<a href="https://shop.example/orders/7/cancelled">Cancel</a>"#),
        "{page}"
    );
    // No customer, no `SavedCard`: nothing to save the card for.
    assert!(!page.contains("Save card for future use"), "{page}");

    let declined = pay(DECLINED_VISA).await.unwrap();
    assert_eq!(declined.status(), 200);
    let page = declined.text().await.unwrap();
    assert!(page.contains(r#"role="alert">Card declined"#), "{page}");
    assert!(
        page.contains(r#"<button type="submit">Pay</button>"#),
        "{page}"
    );
    assert_eq!(status(&client, &id).await, "Created");

    let approved = pay(APPROVED_VISA).await.unwrap();
    assert_eq!(approved.status(), 303);
    assert_eq!(
        approved.headers()["location"],
        "https://shop.example/orders/7/return"
    );
    assert_eq!(status(&client, &id).await, "Captured");
}
