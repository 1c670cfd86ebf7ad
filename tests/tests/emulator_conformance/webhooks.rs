//! Webhook subscriptions and their secrets.

use serde_json::json;

use super::{Conformance, id};

const ONE: &str = "/webhooks/{subscriptionId}";

pub async fn all(t: &mut Conformance) {
    t.call("GET", "/webhooks/events", &[], None).await;
    let subscribe =
        json!({"events": ["payment_intent.status_updated"], "url": "https://127.0.0.1:9/hooks"});
    let (_, subscription) = t.call("POST", "/webhooks", &[], Some(subscribe)).await;
    let sub = id(&subscription, "id");
    let at = [("subscriptionId", sub.as_str())];
    t.call("GET", "/webhooks", &[], None).await;
    t.call("GET", &format!("{ONE}/secrets"), &at, None).await;
    let (_, secrets) = t.call("POST", &format!("{ONE}/secrets"), &at, None).await;
    let secret = id(&secrets["secrets"][1], "id");
    let both = [
        ("subscriptionId", sub.as_str()),
        ("secretId", secret.as_str()),
    ];
    let (status, _) = t
        .call(
            "PUT",
            &format!("{ONE}/secrets/{{secretId}}/activate"),
            &both,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = t
        .call(
            "DELETE",
            &format!("{ONE}/secrets/{{secretId}}"),
            &both,
            None,
        )
        .await;
    assert_eq!(status, 204);
    t.call("PATCH", ONE, &at, Some(json!({"description": "orders"})))
        .await;
    let (status, _) = t.call("DELETE", ONE, &at, None).await;
    assert_eq!(status, 204);
}
