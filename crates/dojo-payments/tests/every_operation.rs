//! Every operation of Dojo's document (49) and the PCI host's one is
//! reachable through the client's handles: each is called here, and the
//! emulator's request log must then hold all 50 routes.

mod common;

use std::collections::BTreeSet;

use common::*;
use dojo_payments::api_types::{CaptureMode, MerchantInitiatedTransactionType, PaymentMethod};
use dojo_payments::resources::Card;
use dojo_payments::types::WebhookEventName;
use dojo_payments::types::{CardExpiry, CardNumber, CardholderName, Cvv};
use dojo_payments_emulator::testkit::APPROVED_VISA;
use serde_json::json;

fn raw<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
async fn all_fifty_operations_are_reachable() {
    let (emulator, dojo) = dojo().await;
    let intents = dojo.payment_intents();

    // Payment intents (13).
    let created = intents
        .create(gbp(1000), "Order 1")
        .with(|r| {
            r.config = Some(raw(
                json!({"payment": {"customAmountAllowed": true, "tipsAllowed": true}}),
            ));
        })
        .send()
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    intents.get(&id).await.unwrap();
    intents.set_amount(&id, gbp(1200)).await.unwrap();
    intents.set_tips(&id, gbp(100)).await.unwrap();
    intents.refresh_client_session_secret(&id).await.unwrap();
    let _ = futures_util::StreamExt::next(&mut intents.search().stream()).await;
    let auto = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let auto_id = auto.id.clone().unwrap();
    let refunded = intents.refund(&auto_id, gbp(100)).send().await.unwrap();
    intents
        .get_refund(refunded.refund.refund_id.as_ref().unwrap())
        .await
        .unwrap();
    intents
        .send_receipt(&auto_id, ["ada@example.com"])
        .await
        .unwrap();
    let manual = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    intents.capture(&manual, gbp(400)).await.unwrap();
    let to_reverse = paid(&emulator, &dojo, 500, CaptureMode::Manual).await;
    intents.reverse(&to_reverse).await.unwrap();
    let to_cancel = intents.create(gbp(100), "Order 2").send().await.unwrap();
    intents.cancel(&to_cancel).await.unwrap();

    // Setup intents (6) and the PCI host (1), and the charge of one.
    let setups = dojo.setup_intents();
    let setup = setups
        .create(
            "Booking",
            "A no-show costs £10.",
            MerchantInitiatedTransactionType::NoShow,
        )
        .intended_amount(gbp(1000))
        .send()
        .await
        .unwrap();
    let setup_id = setup.id.clone().unwrap();
    setups.get(&setup_id).await.unwrap();
    setups.get_public(&setup_id).await.unwrap();
    setups
        .refresh_client_session_secret(&setup_id)
        .await
        .unwrap();
    setups
        .refresh_client_session_secret_public(&setup_id)
        .await
        .unwrap();
    setups.cancel(&setup_id).await.unwrap();
    let card = Card {
        number: CardNumber::new(APPROVED_VISA).unwrap(),
        cvv: Cvv::new("123").unwrap(),
        expiry: CardExpiry::new(12, 2030).unwrap(),
        holder: CardholderName::new("Ada Lovelace").unwrap(),
    };
    let tokenized = setups
        .tokenize(
            "Card on file",
            "Charged later.",
            MerchantInitiatedTransactionType::Unscheduled,
            card,
        )
        .intended_amount(gbp(2500))
        .send()
        .await
        .unwrap();
    let tokenized_id = tokenized.id.clone().unwrap();
    let charge = intents
        .create(gbp(2500), "Charge")
        .setup_intent(&tokenized_id)
        .send()
        .await
        .unwrap();
    intents.charge(&charge).await.unwrap();
    let authorized = setups
        .create(
            "Booking 2",
            "Terms.",
            MerchantInitiatedTransactionType::NoShow,
        )
        .send()
        .await
        .unwrap();
    let authorized_id = authorized.id.unwrap();
    emulator
        .authorize_setup_intent(&authorized_id, &good_card())
        .unwrap();
    setups.close(&authorized_id).await.unwrap();

    // Customers (8).
    let customers = dojo.customers();
    let customer = customers
        .create()
        .name("Ada")
        .email("ada@example.com")
        .send()
        .await
        .unwrap();
    let customer_id = customer.id.unwrap();
    customers.get(&customer_id).await.unwrap();
    customers
        .update(&customer_id)
        .phone("+44 20 7946 0000")
        .send()
        .await
        .unwrap();
    let secret = customers.create_secret(&customer_id).await.unwrap();
    let saving = intents
        .create(gbp(300), "Save")
        .customer(&customer_id)
        .payment_methods([PaymentMethod::Card, PaymentMethod::SavedCard])
        .send()
        .await
        .unwrap();
    emulator
        .pay(saving.id.as_ref().unwrap(), &good_card(), true)
        .unwrap();
    let saved = customers
        .payment_methods(&customer_id, &secret)
        .await
        .unwrap();
    customers
        .delete_payment_method(&customer_id, &saved[0].id, &secret)
        .await
        .unwrap();
    let _ = futures_util::StreamExt::next(&mut customers.search(10)).await;
    customers.delete(&customer_id).await.unwrap();

    // Webhooks (9).
    let webhooks = dojo.webhooks();
    webhooks.events().await.unwrap();
    let subscription = webhooks
        .subscribe(
            "https://shop.example/hooks",
            [WebhookEventName::PaymentIntentCreated],
        )
        .description("orders")
        .send()
        .await
        .unwrap();
    let sub_id = subscription.id.unwrap();
    webhooks.list().await.unwrap();
    webhooks
        .update(&sub_id, raw(json!({"description": "all orders"})))
        .await
        .unwrap();
    webhooks.rotate_secret(&sub_id, |_| {}).await.unwrap(); // get, generate, activate, delete
    webhooks.delete(&sub_id).await.unwrap();

    // Terminals (6).
    let terminals = dojo.terminals();
    let terminals = terminals.as_software_house("sh-tour");
    let list = terminals.list(None).await.unwrap();
    // The emulator's manual terminal (`tm_sandbox_counter3`): a swiped card
    // asks for the signature check answered below.
    let terminal_id = list[2].id.clone();
    terminals.get(&terminal_id).await.unwrap();
    let sale = |pi: Option<dojo_payments::types::PaymentIntentId>,
                terminal: &dojo_payments::types::TerminalId| {
        raw(
            json!({"terminalId": terminal, "details": {"sessionType": "Sale", "sale": {"paymentIntentId": pi}}}),
        )
    };
    let counter = intents.create(gbp(100), "Counter").send().await.unwrap();
    let session = terminals
        .create_session(sale(counter.id, &terminal_id))
        .await
        .unwrap();
    terminals.session(&session.id).await.unwrap();
    let card = dojo_payments_emulator::Card::test(APPROVED_VISA).unwrap();
    emulator
        .terminal(&terminal_id)
        .present(&card, dojo_payments_emulator::Presentation::Swipe)
        .unwrap();
    terminals.verify_signature(&session.id, true).await.unwrap();
    let counter = intents.create(gbp(100), "Counter").send().await.unwrap();
    let other = terminals
        .create_session(sale(counter.id, &list[0].id))
        .await
        .unwrap();
    terminals.cancel_session(&other.id).await.unwrap();

    // EPOS (7).
    let epos = dojo.epos();
    epos.send_event(raw(
        json!({"eventType": "Order", "event": {"orderId": "o-1", "status": "Created"}}),
    ))
    .await
    .unwrap();
    epos.set_rest_integration(raw(json!({"url": "https://epos.example/orders", "capabilities": [{"name": "GetOrder", "version": "1.0.0"}], "auth": {"authType": "basic", "basic": {"username": "epos", "password": "pw"}}}))).await.unwrap();
    epos.rest_integrations().await.unwrap();
    epos.set_ws_integration(raw(
        json!({"capabilities": [{"name": "GetOrder", "version": "1.0.0"}]}),
    ))
    .await
    .unwrap();
    epos.ws_integrations().await.unwrap();
    epos.dojo_integrations().await.unwrap();
    epos.integrations().await.unwrap();

    let reached: BTreeSet<String> = emulator.requests().into_iter().collect();
    assert_eq!(reached.len(), 50, "{reached:#?}");
}
