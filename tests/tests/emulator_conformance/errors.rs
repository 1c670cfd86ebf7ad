//! Failures are problem documents valid against each operation's error
//! schema too.

use serde_json::json;

use super::Conformance;

pub async fn all(t: &mut Conformance) {
    let no_reference = json!({"amount": {"value": 1, "currencyCode": "GBP"}});
    let (status, problem) = t
        .call("POST", "/payment-intents", &[], Some(no_reference))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        problem["errors"]["Reference"][0],
        "The Reference field is required."
    );
    let missing = [("paymentIntentId", "pi_missing")];
    let (status, _) = t
        .call("GET", "/payment-intents/{paymentIntentId}", &missing, None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = t
        .call_with(
            "GET",
            "/payment-intents/{paymentIntentId}",
            &missing,
            "",
            None,
            Some("Basic sk_prod_live"),
        )
        .await;
    assert_eq!(status, 401);
    // Unknown ids, under each family of error schema: ErrorResponse
    // (webhooks), Error (terminals), ProblemDetailsTerminals (sessions).
    let not_found = [
        (
            "/webhooks/{subscriptionId}/secrets",
            "subscriptionId",
            "ws_missing",
        ),
        ("/terminals/{terminalId}", "terminalId", "tm_missing"),
        (
            "/terminal-sessions/{terminalSessionId}",
            "terminalSessionId",
            "ts_missing",
        ),
    ];
    for (template, name, value) in not_found {
        let (status, _) = t.call("GET", template, &[(name, value)], None).await;
        assert_eq!(status, 404, "{template}");
    }
}
