//! A tour of Dojo's flows: `cargo run -p dojo --example tour`.
//!
//! Without `DOJO_API_KEY` it runs against the embedded emulator, which also
//! plays the customer at checkout, so every flow runs to the end. With
//! `DOJO_API_KEY=sk_sandbox_…` it runs the merchant's side against Dojo's
//! real sandbox; a person would have to pay at the printed checkout links,
//! so there it creates, reads and cancels.
//!
//! It speaks the raw client (`dojo::raw`) until the ergonomic client exists.

use std::error::Error;

use dojo::raw::{api, pci};
use dojo::types::{ApiKey, Currency, Money, SetupIntentId};
use dojo_emulator::{Card, Emulator};
use serde_json::json;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    match std::env::var("DOJO_API_KEY") {
        Ok(key) => sandbox(ApiKey::new(key)?).await,
        Err(_) => emulated().await,
    }
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn request<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    Ok(serde_json::from_value(value)?)
}

async fn emulated() -> Result<()> {
    let emulator = Emulator::start().await?;
    println!(
        "Dojo emulator: api {} · PCI {}",
        emulator.api_url(),
        emulator.pci_url()
    );
    let client = api::Client::from_key_at(emulator.api_url(), &emulator.api_key())?;
    let card = Card::test("5200000000001005");

    step("1. Take a payment (auto capture), then refund part of it");
    let amount = Money::parse_decimal("24.50", Currency::GBP)?;
    let body = request(json!({"amount": amount, "reference": "Order 1001"}))?;
    let intent = client.payment_intents_create_payment_intent(&body).await?;
    let id = intent.id.clone().ok_or("Dojo sent no id")?;
    println!(
        "created {id} for {amount}; the customer pays at {}",
        intent.payment_link.as_deref().unwrap_or("?")
    );
    emulator.pay(&id, &card, false)?;
    let paid = client.payment_intents_get(&id, None).await?;
    println!(
        "status: {}",
        paid.status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    let refund = request(json!({"amount": 450, "refundReason": "one item damaged"}))?;
    let refunded = client
        .refunds_create(&id, "order-1001-refund-1", &refund)
        .await?;
    let again = client
        .refunds_create(&id, "order-1001-refund-1", &refund)
        .await?;
    println!(
        "refund {} (retried with the same idempotency key: {}, still one refund)",
        refunded.refund_id.as_ref().map_or("?", |id| id.as_str()),
        again.refund_id.as_ref().map_or("?", |id| id.as_str())
    );

    step("2. Authorize now, capture later (manual capture, in two parts)");
    let body = request(
        json!({"amount": {"value": 8000, "currencyCode": "GBP"}, "reference": "Hotel deposit", "captureMode": "Manual"}),
    )?;
    let id = client
        .payment_intents_create_payment_intent(&body)
        .await?
        .id
        .clone()
        .ok_or("Dojo sent no id")?;
    emulator.pay(&id, &card, false)?;
    for part in [5000, 3000] {
        let capture = request(json!({"amount": part}))?;
        let done = client.captures_create(&id, &capture).await?;
        println!(
            "captured {} → {}",
            Money::new(part, Currency::GBP),
            done.capture_id.as_ref().map_or("?", |id| id.as_str())
        );
    }

    step("3. Save a card at checkout, pay with it next time");
    let customer = client
        .customers_create(&request(
            json!({"name": "Gabriel", "emailAddress": "g@example.com"}),
        )?)
        .await?;
    let customer_id = customer.id.clone().ok_or("Dojo sent no id")?;
    let secret = client
        .customers_create_customer_secret(&customer_id)
        .await?
        .into_inner()
        .secret
        .ok_or("no secret")?;
    println!("customer {customer_id}, secret {secret:?} (never printed in full)");
    let body = request(json!({
        "amount": {"value": 3200, "currencyCode": "GBP"}, "reference": "Groceries",
        "paymentMethods": ["Card", "SavedCard"], "customer": {"id": customer_id, "secret": secret.expose()},
    }))?;
    let first = client
        .payment_intents_create_payment_intent(&body)
        .await?
        .id
        .clone()
        .ok_or("Dojo sent no id")?;
    emulator.pay(&first, &card, true)?;
    let methods = client
        .customers_get_payment_methods(&customer_id, &secret)
        .await?;
    let saved = methods.saved_payment_methods.clone().unwrap_or_default();
    let saved_id = saved
        .first()
        .and_then(|m| m.id.clone())
        .ok_or("no saved card")?;
    println!(
        "saved card {saved_id}: {}",
        saved[0]
            .card_details
            .as_ref()
            .and_then(|c| c.pan.clone())
            .unwrap_or_default()
    );
    let body = request(json!({
        "amount": {"value": 1800, "currencyCode": "GBP"}, "reference": "Groceries again",
        "customer": {"id": customer_id, "savedCardId": saved_id},
    }))?;
    let second = client
        .payment_intents_create_payment_intent(&body)
        .await?
        .id
        .clone()
        .ok_or("Dojo sent no id")?;
    emulator.pay_with_saved_card(&second, &saved_id)?;
    println!("paid {second} with the saved card");

    step("4. Setup intent: the customer agrees to terms, the merchant charges later");
    let body = request(json!({
        "reference": "Table for 4", "merchantInitiatedTransactionType": "NoShow",
        "terms": "A no-show costs £10.", "intendedAmount": {"value": 1000, "currencyCode": "GBP"},
    }))?;
    let setup = client
        .setup_intents_create(&body)
        .await?
        .id
        .clone()
        .ok_or("Dojo sent no id")?;
    emulator.authorize_setup_intent(&setup, &card)?;
    charge(&client, &setup, 1000).await?;

    step("5. Tokenization: card data to the PCI host, then charge on the api host");
    let pci = pci::Client::from_key_at(emulator.pci_url(), &emulator.api_key())?;
    // Card fields decode through dojo-types: the number is Luhn-checked, the
    // code is 3–4 digits, and neither ever prints.
    let body: pci::types::CreateTokenizedSetupIntentRequest = request(json!({
        "reference": "Card on file", "merchantInitiatedTransactionType": "Unscheduled",
        "terms": "Charged when you order.", "intendedAmount": {"value": 2500, "currencyCode": "GBP"},
        "cardDetails": {"cardNumber": "4456530000001005", "cardName": "Ada Lovelace", "expiryDate": "12/30", "cV2": "123"},
    }))?;
    println!(
        "card: {} (Debug: {:?})",
        body.card_details.card_number, body.card_details.c_v2
    );
    let tokenized = pci.setup_intents_create_tokenized(&body).await?;
    let setup = tokenized.id.clone().ok_or("Dojo sent no id")?;
    println!(
        "{setup}: {}",
        tokenized
            .status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    charge(&client, &setup, 2500).await?;

    println!("\nTour done. Run it against Dojo's sandbox with DOJO_API_KEY=sk_sandbox_….");
    Ok(())
}

/// Creates a payment intent for the setup intent's full amount and charges it.
async fn charge(client: &api::Client, setup: &SetupIntentId, minor: i64) -> Result<()> {
    let body = request(
        json!({"amount": {"value": minor, "currencyCode": "GBP"}, "reference": "Charge", "setupIntentId": setup}),
    )?;
    let intent = client
        .payment_intents_create_payment_intent(&body)
        .await?
        .id
        .clone()
        .ok_or("Dojo sent no id")?;
    client
        .payment_intents_charge_payment_intent(&intent)
        .await?;
    let after = client.setup_intents_get_by_id(setup).await?;
    println!(
        "charged {} through {intent}; setup intent {setup} is {}",
        Money::new(minor, Currency::GBP),
        after
            .status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    Ok(())
}

/// Against Dojo's sandbox: the merchant's side only.
async fn sandbox(key: ApiKey) -> Result<()> {
    println!("Dojo sandbox at {} with {key:?}", dojo::raw::API_BASE_URL);
    let client = api::Client::from_key(&key)?;
    step("Create a payment intent, read it back, cancel it");
    let body =
        request(json!({"amount": {"value": 100, "currencyCode": "GBP"}, "reference": "SDK tour"}))?;
    let intent = client.payment_intents_create_payment_intent(&body).await?;
    let id = intent.id.clone().ok_or("Dojo sent no id")?;
    println!(
        "created {id}; a customer would pay at {}",
        intent.payment_link.as_deref().unwrap_or("?")
    );
    let read = client.payment_intents_get(&id, None).await?;
    println!(
        "status: {}",
        read.status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    let canceled = client.payment_intents_delete(&id).await?;
    println!(
        "status: {}",
        canceled
            .status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    step("Create a customer and a customer secret");
    let customer = client
        .customers_create(&request(json!({"name": "SDK tour"}))?)
        .await?;
    let customer_id = customer.id.clone().ok_or("Dojo sent no id")?;
    let secret = client
        .customers_create_customer_secret(&customer_id)
        .await?;
    println!("customer {customer_id}, secret {:?}", secret.secret);
    client.customers_delete(&customer_id).await?;
    println!("deleted {customer_id}");
    Ok(())
}
