//! `/epos…`: EPOS events and integrations, kept as registered.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use dojo_payments_api::api::types;
use dojo_payments_types::{Open, Timestamp};

use super::{AppState, Served, Valid};

pub fn routes() -> Served {
    Served::new()
        .at(Method::POST, "/epos/events", event)
        .at(Method::GET, "/epos/integrations", all)
        .at(Method::GET, "/epos/integrations/rest", rest)
        .at(Method::PUT, "/epos/integrations/rest", put_rest)
        .at(Method::GET, "/epos/integrations/ws", ws)
        .at(Method::PUT, "/epos/integrations/ws", put_ws)
        .at(Method::GET, "/epos/integrations/dojo", dojo_managed)
}

/// Accepted and echoed, as documented.
async fn event(Valid(request): Valid<types::EventRequest>) -> Json<types::EventRequest> {
    Json(request)
}

fn capabilities(
    requested: &[types::CapabilityRequest],
    at: Timestamp,
) -> Vec<types::CapabilityResponse> {
    requested
        .iter()
        .map(|c| types::CapabilityResponse {
            name: c.name.to_string(),
            version: c.version.clone(),
            updated_at: Some(at),
            extra: Default::default(),
        })
        .collect()
}

async fn all(State(app): AppState) -> Json<types::AllIntegrationsResponse> {
    app.read(|store| {
        Json(types::AllIntegrationsResponse {
            rest_integrations: store.rest_integrations.clone(),
            ws_integrations: store.ws_integrations.clone(),
            dojo_managed_integrations: Vec::new(),
            extra: Default::default(),
        })
    })
}

async fn rest(State(app): AppState) -> Json<Vec<types::RestIntegrationResponse>> {
    app.read(|store| Json(store.rest_integrations.clone()))
}

/// Registering replaces the REST integration.
async fn put_rest(
    State(app): AppState,
    Valid(request): Valid<types::RestIntegrationRequest>,
) -> Json<Vec<types::RestIntegrationResponse>> {
    app.apply(|store, now| {
        let at = Timestamp::new(now);
        store.rest_integrations = vec![types::RestIntegrationResponse {
            url: request.url,
            capabilities: capabilities(&request.capabilities, at),
            auth: Some(types::RestAuthResponse {
                auth_type: Open::Known(types::RestAuthResponseAuthType::Basic),
                basic: request.auth.basic.map(|b| types::RestBasicAuthResponse {
                    username: b.username,
                    extra: Default::default(),
                }),
                extra: Default::default(),
            }),
            created_at: at,
            extra: Default::default(),
        }];
        Json(store.rest_integrations.clone())
    })
}

async fn ws(State(app): AppState) -> Json<Vec<types::WsIntegrationResponse>> {
    app.read(|store| Json(store.ws_integrations.clone()))
}

/// Registering replaces the WebSocket integration.
async fn put_ws(
    State(app): AppState,
    Valid(request): Valid<types::WsIntegrationRequest>,
) -> Json<Vec<types::WsIntegrationResponse>> {
    app.apply(|store, now| {
        let at = Timestamp::new(now);
        store.ws_integrations = vec![types::WsIntegrationResponse {
            capabilities: capabilities(&request.capabilities, at),
            created_at: at,
            extra: Default::default(),
        }];
        Json(store.ws_integrations.clone())
    })
}

async fn dojo_managed() -> Json<Vec<types::DojoManagedIntegrationResponse>> {
    Json(Vec::new())
}
