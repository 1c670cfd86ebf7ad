//! Customers: create, read, update, a secret, a card saved at checkout and
//! deleted with that secret, search, delete.

use dojo_payments_emulator::Card;
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_types::PaymentIntentId;
use serde_json::json;

use super::{Conformance, id};

const ONE: &str = "/customers/{customerId}";
const METHODS: &str = "/customers/public/{customerId}/payment-methods";

pub async fn all(t: &mut Conformance) {
    let ada = json!({"name": "Ada", "emailAddress": "ada@example.com"});
    let (_, customer) = t.call("POST", "/customers", &[], Some(ada)).await;
    let customer = id(&customer, "id");
    let at = [("customerId", customer.as_str())];
    t.call("GET", ONE, &at, None).await;
    let phone = json!({"phoneNumber": "+44 20 0000 0000"});
    t.call("PATCH", ONE, &at, Some(phone)).await;
    let (_, secret) = t
        .call("POST", &format!("{ONE}/create-secret"), &at, None)
        .await;
    let secret = format!("Basic {}", id(&secret, "secret"));

    let pay = json!({"amount": {"value": 700, "currencyCode": "GBP"}, "reference": "Groceries", "customer": {"id": customer}, "paymentMethods": ["Card", "SavedCard"]});
    let (_, pi) = t.call("POST", "/payment-intents", &[], Some(pay)).await;
    let card = Card::test(APPROVED_MASTERCARD).unwrap();
    t.emulator
        .pay(&PaymentIntentId::from_wire(id(&pi, "id")), &card, true)
        .unwrap();
    let (_, methods) = t
        .call_with("GET", METHODS, &at, "", None, Some(&secret))
        .await;
    let method = id(&methods["savedPaymentMethods"][0], "id");
    let (status, _) = t
        .call_with(
            "DELETE",
            &format!("{METHODS}/{{paymentMethodId}}"),
            &[("customerId", &customer), ("paymentMethodId", &method)],
            "",
            None,
            Some(&secret),
        )
        .await;
    assert_eq!(status, 204);
    t.call("POST", "/customers/search", &[], Some(json!({"limit": 10})))
        .await;
    let (status, _) = t.call("DELETE", ONE, &at, None).await;
    assert_eq!(status, 204);
}
