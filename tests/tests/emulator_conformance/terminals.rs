//! Terminals and a terminal session: a signature answer before any card
//! (a 422, which the document lists), then a cancel.

use serde_json::json;

use super::{Conformance, id};

const SESSION: &str = "/terminal-sessions/{terminalSessionId}";

pub async fn all(t: &mut Conformance) {
    let (_, list) = t.call("GET", "/terminals", &[], None).await;
    // The terminal that moves only when told (`tm_sandbox_counter3`): the
    // first one plays its customer after 2 s, when the cancel below would
    // be too late.
    let terminal = id(&list[2], "id");
    t.call(
        "GET",
        "/terminals/{terminalId}",
        &[("terminalId", &terminal)],
        None,
    )
    .await;
    let sale = json!({"amount": {"value": 100, "currencyCode": "GBP"}, "reference": "Counter"});
    let (_, pi) = t.call("POST", "/payment-intents", &[], Some(sale)).await;
    let session = json!({"terminalId": terminal, "details": {"sessionType": "Sale", "sale": {"paymentIntentId": id(&pi, "id")}}});
    let (_, first) = t
        .call("POST", "/terminal-sessions", &[], Some(session))
        .await;
    let first = id(&first, "id");
    let at = [("terminalSessionId", first.as_str())];
    t.call("GET", SESSION, &at, None).await;
    t.call(
        "PUT",
        &format!("{SESSION}/signature"),
        &at,
        Some(json!({"accepted": true})),
    )
    .await;
    let (status, _) = t.call("PUT", &format!("{SESSION}/cancel"), &at, None).await;
    assert_eq!(status, 200);
}
