//! Payment intents through both capture modes' lifecycles, read back after
//! every step.

use dojo_payments_emulator::Card;
use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, APPROVED_VISA, DECLINED_VISA};
use dojo_payments_types::PaymentIntentId;
use serde_json::json;

use super::{Conformance, id};

const ONE: &str = "/payment-intents/{paymentIntentId}";

async fn create(t: &mut Conformance, body: serde_json::Value) -> String {
    let (status, intent) = t.call("POST", "/payment-intents", &[], Some(body)).await;
    assert_eq!(status, 200, "{intent}");
    id(&intent, "id")
}

fn pay(t: &Conformance, pi: &str, card: &str) {
    let card = Card::test(card).unwrap();
    t.emulator
        .pay(&PaymentIntentId::from_wire(pi), &card, false)
        .unwrap();
}

/// Reverses payment intent `pi`, and reads it back Reversed.
async fn reverse(t: &mut Conformance, pi: &str) {
    let (status, _) = t
        .call(
            "POST",
            &format!("{ONE}/reversal"),
            &[("paymentIntentId", pi)],
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(t.read_payment_intent(pi).await["status"], "Reversed");
}

pub async fn lifecycles(t: &mut Conformance) {
    manual(t).await;
    auto(t).await;
    canceled_and_reversed(t).await;
    let search = json!({"statuses": ["Refunded", "Reversed"], "cursor": {"limit": 10}});
    let (_, page) = t
        .call("POST", "/payment-intents/search", &[], Some(search))
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 3, "{page}");
    let (_, all) = t
        .call(
            "POST",
            "/payment-intents/search",
            &[],
            Some(json!({"cursor": {"limit": 1}})),
        )
        .await;
    assert!(all["after"].is_string(), "a next page: {all}");
}

/// Manual: Created (amount, tips, secret, receipt) → Authorized → Captured
/// in two parts → Refunded.
async fn manual(t: &mut Conformance) {
    let pi = create(
        t,
        json!({
            "amount": {"value": 1000, "currencyCode": "GBP"},
            "reference": "Order 1",
            "captureMode": "Manual",
            "config": {"payment": {"customAmountAllowed": true, "tipsAllowed": true}},
        }),
    )
    .await;
    let at = [("paymentIntentId", pi.as_str())];
    assert_eq!(t.read_payment_intent(&pi).await["status"], "Created");
    t.call(
        "POST",
        &format!("{ONE}/refresh-client-session-secret"),
        &at,
        None,
    )
    .await;
    let amount = json!({"amount": {"value": 1200, "currencyCode": "GBP"}});
    t.call("POST", &format!("{ONE}/amount"), &at, Some(amount))
        .await;
    let tips = json!({"tipsAmount": {"value": 100, "currencyCode": "GBP"}});
    t.call("POST", &format!("{ONE}/tips-amount"), &at, Some(tips))
        .await;
    let emails = json!({"emails": ["ada@example.com"]});
    let (status, _) = t
        .call("POST", &format!("{ONE}/receipt"), &at, Some(emails))
        .await;
    assert_eq!(status, 204);

    pay(t, &pi, APPROVED_MASTERCARD);
    assert_eq!(t.read_payment_intent(&pi).await["status"], "Authorized");
    for part in [1000, 300] {
        let (status, capture) = t
            .call(
                "POST",
                &format!("{ONE}/captures"),
                &at,
                Some(json!({"amount": part})),
            )
            .await;
        assert_eq!(status, 200, "{capture}");
        assert_eq!(t.read_payment_intent(&pi).await["status"], "Captured");
    }
    let (status, refund) = t
        .call(
            "POST",
            &format!("{ONE}/refunds"),
            &at,
            Some(json!({"amount": 300})),
        )
        .await;
    assert_eq!(status, 200, "{refund}");
    let refund = id(&refund, "refundId");
    t.call(
        "GET",
        "/payment-intents/refunds/{refundId}",
        &[("refundId", &refund)],
        None,
    )
    .await;
    let refunded = t.read_payment_intent(&pi).await;
    assert_eq!(
        (
            refunded["status"].as_str(),
            refunded["refundedAmount"].as_i64()
        ),
        (Some("Refunded"), Some(300))
    );
}

/// Auto: Created → Captured → Reversed the same day.
async fn auto(t: &mut Conformance) {
    let order = json!({"amount": {"value": 500, "currencyCode": "GBP"}, "reference": "Order 2"});
    let pi = create(t, order).await;
    pay(t, &pi, APPROVED_VISA);
    assert_eq!(t.read_payment_intent(&pi).await["status"], "Captured");
    reverse(t, &pi).await;
}

/// Created → Canceled; Manual Authorized → Reversed; a declined card
/// leaves it Created.
async fn canceled_and_reversed(t: &mut Conformance) {
    let order = json!({"amount": {"value": 500, "currencyCode": "GBP"}, "reference": "Order 3"});
    let pi = create(t, order.clone()).await;
    pay(t, &pi, DECLINED_VISA);
    assert_eq!(t.read_payment_intent(&pi).await["status"], "Created");
    let (status, canceled) = t
        .call("DELETE", ONE, &[("paymentIntentId", &pi)], None)
        .await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (200, Some("Canceled"))
    );
    assert_eq!(t.read_payment_intent(&pi).await["status"], "Canceled");

    let mut manual = order;
    manual["captureMode"] = json!("Manual");
    let pi = create(t, manual).await;
    pay(t, &pi, APPROVED_MASTERCARD);
    reverse(t, &pi).await;
}
