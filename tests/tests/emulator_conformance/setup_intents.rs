//! Setup intents: Created → Authorized → Completed by a charge; Created →
//! Canceled; Authorized → Closed; each state read back in both views.

use dojo_payments_emulator::Card;
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_types::SetupIntentId;
use serde_json::json;

use super::{Conformance, id};

const ONE: &str = "/setup-intents/{setupIntentId}";

pub async fn lifecycles(t: &mut Conformance) {
    let create = json!({
        "reference": "Booking 4",
        "merchantInitiatedTransactionType": "NoShow",
        "terms": "No-show fee.",
        "intendedAmount": {"value": "1000", "currencyCode": "GBP"},
        "billingAddress": {"city": "London", "countryCode": "GB"},
    });
    let (_, si) = t
        .call("POST", "/setup-intents", &[], Some(create.clone()))
        .await;
    let si = id(&si, "id");
    let at = [("setupIntentId", si.as_str())];
    assert_eq!(t.read_setup_intent(&si).await["status"], "Created");
    t.call(
        "POST",
        &format!("{ONE}/refresh-client-session-secret"),
        &at,
        None,
    )
    .await;
    t.call(
        "POST",
        "/setup-intents/public/{setupIntentId}/refresh-client-session-secret",
        &at,
        None,
    )
    .await;
    let card = Card::test(APPROVED_MASTERCARD).unwrap();
    t.emulator
        .authorize_setup_intent(&SetupIntentId::from_wire(si.as_str()), &card)
        .unwrap();
    assert_eq!(t.read_setup_intent(&si).await["status"], "Authorized");

    let charge = json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "No-show", "setupIntentId": si});
    let (_, pi) = t.call("POST", "/payment-intents", &[], Some(charge)).await;
    let pi = id(&pi, "id");
    let (status, _) = t
        .call(
            "POST",
            "/payment-intents/{paymentIntentId}/charge",
            &[("paymentIntentId", &pi)],
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(t.read_setup_intent(&si).await["status"], "Completed");
    assert_eq!(t.read_payment_intent(&pi).await["status"], "Captured");

    let (_, other) = t
        .call("POST", "/setup-intents", &[], Some(create.clone()))
        .await;
    let other = id(&other, "id");
    let (status, canceled) = t
        .call("DELETE", ONE, &[("setupIntentId", &other)], None)
        .await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (200, Some("Canceled"))
    );
    assert_eq!(t.read_setup_intent(&other).await["status"], "Canceled");

    let (_, closing) = t.call("POST", "/setup-intents", &[], Some(create)).await;
    let closing = id(&closing, "id");
    t.emulator
        .authorize_setup_intent(&SetupIntentId::from_wire(closing.as_str()), &card)
        .unwrap();
    let (status, closed) = t
        .call_with(
            "DELETE",
            ONE,
            &[("setupIntentId", &closing)],
            "?includeAuthorized=true",
            None,
            None,
        )
        .await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("Closed")));
    assert_eq!(t.read_setup_intent(&closing).await["status"], "Closed");
}
