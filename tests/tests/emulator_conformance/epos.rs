//! EPOS events and integrations.

use serde_json::json;

use super::Conformance;

pub async fn all(t: &mut Conformance) {
    let event = json!({"eventType": "Order", "event": {"orderId": "o-1", "status": "Created"}});
    let (status, echoed) = t.call("POST", "/epos/events", &[], Some(event)).await;
    assert_eq!(status, 200, "{echoed}");
    let rest = json!({"url": "https://epos.example/orders", "capabilities": [{"name": "GetOrder", "version": "1.0.0"}], "auth": {"authType": "basic", "basic": {"username": "epos", "password": "secret"}}});
    t.call("PUT", "/epos/integrations/rest", &[], Some(rest))
        .await;
    t.call("GET", "/epos/integrations/rest", &[], None).await;
    let ws = json!({"capabilities": [{"name": "GetOrder", "version": "1.0.0"}]});
    t.call("PUT", "/epos/integrations/ws", &[], Some(ws)).await;
    t.call("GET", "/epos/integrations/ws", &[], None).await;
    t.call("GET", "/epos/integrations/dojo", &[], None).await;
    t.call("GET", "/epos/integrations", &[], None).await;
}
