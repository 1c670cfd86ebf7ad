//! What the raw client puts on the wire, seen by a loopback server.

mod support;

use dojo_payments_api::{api, pci};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_types::{ApiKey, CardExpiry, CardNumber, CardholderName, CustomerSecret, Cvv};
use support::recorder::Recorder;

const KEY: &str = "sk_sandbox_c8oLGaI__msxsXbpBDpdtwJEz_eIhfQoKHmedqgZPCdBx59zpKZLSk8OPLT0cZolbeuYJSBvzDVVsYvtpo5RkQ";
const PAYMENT_INTENT: &str =
    r#"{"id":"pi_sandbox_1","status":"Created","amount":{"value":1000,"currencyCode":"GBP"}}"#;

fn key() -> ApiKey {
    ApiKey::new(KEY).unwrap()
}

#[tokio::test]
async fn every_call_sends_the_key_verbatim_the_pinned_version_and_the_user_agent() {
    let server = Recorder::start(200, PAYMENT_INTENT).await;
    let client = api::Client::from_key_at(&server.base_url, &key()).unwrap();
    let intent = client
        .payment_intents_get(&"pi_sandbox_1".parse().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        intent.id.as_ref().map(|id| id.as_str()),
        Some("pi_sandbox_1")
    );

    let request = server.only();
    assert_eq!(
        request.one("authorization"),
        format!("Basic {KEY}"),
        "not base64, verbatim"
    );
    assert_eq!(request.one("version"), api::API_VERSION);
    // The version pinned is the one of the document the code came from.
    let root = xtask::regen::workspace_root();
    let lock = std::fs::read_to_string(root.join("spec/dojo.lock")).unwrap();
    let lock = xtask::lock::parse(&lock).unwrap();
    assert_eq!(api::Client::pinned_version(), lock["api"].version);
    assert_eq!(pci::Client::pinned_version(), lock["pci"].version);
    assert!(
        request.one("user-agent").starts_with("dojo-rust-sdk/0."),
        "{:?}",
        request.headers
    );
    assert!(
        request.all("api-version").is_empty(),
        "no stray api-version header"
    );
    assert_eq!(request.uri.path(), "/payment-intents/pi_sandbox_1");
}

#[tokio::test]
async fn path_ids_are_percent_encoded() {
    let server = Recorder::start(200, PAYMENT_INTENT).await;
    let client = api::Client::from_key_at(&server.base_url, &key()).unwrap();
    client
        .payment_intents_get(
            &dojo_payments_types::PaymentIntentId::from_wire("pi/../refunds?x=1 #"),
            Some(true),
        )
        .await
        .unwrap();
    let request = server.only();
    assert_eq!(
        request.uri.path(),
        "/payment-intents/pi%2F..%2Frefunds%3Fx=1%20%23"
    );
    assert_eq!(request.uri.query(), Some("returnCanceled=true"));
}

#[tokio::test]
async fn a_customer_secret_call_carries_only_the_customer_secret() {
    let server = Recorder::start(200, r#"{"customerId":"cust_1","savedPaymentMethods":[]}"#).await;
    let client = api::Client::from_key_at(&server.base_url, &key()).unwrap();
    let secret = CustomerSecret::new("cs_sandbox_qNkU6yob0vOMxUlb2oynUw").unwrap();
    client
        .customers_get_payment_methods(&"cust_1".parse().unwrap(), &secret)
        .await
        .unwrap();
    let request = server.only();
    assert_eq!(
        request.all("authorization"),
        vec!["Basic cs_sandbox_qNkU6yob0vOMxUlb2oynUw"]
    );
    assert_eq!(request.one("version"), api::API_VERSION);
    assert_eq!(
        request.uri.path(),
        "/customers/public/cust_1/payment-methods"
    );
}

#[tokio::test]
async fn a_refund_carries_its_idempotency_key() {
    let refund = r#"{"refundId":"rfnd_1","status":"Refunded","amount":500}"#;
    let server = Recorder::start(200, refund).await;
    let client = api::Client::from_key_at(&server.base_url, &key()).unwrap();
    let body = api::types::CreateRefundRequest {
        amount: 500,
        notes: None,
        previous_transaction_id: None,
        refund_reason: Some("damaged".into()),
    };
    client
        .refunds_create(&"pi_1".parse().unwrap(), "order-42-refund-1", &body)
        .await
        .unwrap();
    let request = server.only();
    assert_eq!(request.method, "POST");
    assert_eq!(request.one("idempotencykey"), "order-42-refund-1");
    assert_eq!(request.one("content-type"), "application/json");
    let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"amount": 500, "refundReason": "damaged"})
    );
}

#[tokio::test]
async fn the_pci_call_sends_card_data_and_its_own_version() {
    let setup_intent = r#"{"id":"si_sandbox_1","status":"Authorized"}"#;
    let server = Recorder::start(200, setup_intent).await;
    let client = pci::Client::from_key_at(&server.base_url, &key()).unwrap();
    let body = pci::types::CreateTokenizedSetupIntentRequest {
        reference: "Booking 4".into(),
        merchant_initiated_transaction_type: api::types::MerchantInitiatedTransactionType::NoShow
            .into(),
        terms: "No-show fee applies.".into(),
        intended_amount: Some(dojo_payments_types::Money::new(
            1000,
            dojo_payments_types::Currency::GBP,
        )),
        card_details: pci::types::TokenizationCardDetails {
            card_number: CardNumber::new("5200 0000 0000 1005").unwrap(),
            card_name: CardholderName::new("Ada Lovelace").unwrap(),
            expiry_date: "12/30".parse::<CardExpiry>().unwrap(),
            c_v2: Cvv::new("123").unwrap(),
            billing_address: None,
        },
        billing_address: None,
        capture_mode: None,
        config: None,
        customer: None,
        description: None,
        expire_at: None,
        metadata: None,
        order_details: None,
        payment_methods: None,
        shipping_details: None,
    };
    let created = client.setup_intents_create_tokenized(&body).await.unwrap();
    assert_eq!(
        created.id.as_ref().map(|id| id.as_str()),
        Some("si_sandbox_1")
    );
    let request = server.only();
    assert_eq!(request.uri.path(), "/setup-intents");
    assert_eq!(request.one("authorization"), format!("Basic {KEY}"));
    assert_eq!(request.one("version"), pci::Client::pinned_version());
    let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        sent["cardDetails"],
        serde_json::json!({"cardNumber": APPROVED_MASTERCARD, "cardName": "Ada Lovelace", "expiryDate": "12/30", "cV2": "123"})
    );
    assert_eq!(
        sent["intendedAmount"],
        serde_json::json!({"value": 1000, "currencyCode": "GBP"})
    );
    // The request's Debug never shows the card.
    let debug = format!("{body:?}");
    assert!(
        !debug.contains(APPROVED_MASTERCARD) && !debug.contains("\"123\""),
        "{debug}"
    );
}

#[test]
fn a_client_never_prints_its_key() {
    let client = api::Client::from_key_at("http://127.0.0.1:1", &key()).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("c8oLGaI"), "{debug}");
    let secret_part = &KEY["sk_sandbox_".len()..];
    assert!(!debug.contains(secret_part), "{debug}");
}
