//! `/epos…`: EPOS events and integrations, kept as registered.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use dojo_api::api::types;
use dojo_types::{Open, Timestamp};

use super::{AppState, Valid};
use crate::App;
use crate::problem::Answer;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/epos/events", post(event))
        .route("/epos/integrations", get(all))
        .route("/epos/integrations/rest", get(rest).put(put_rest))
        .route("/epos/integrations/ws", get(ws).put(put_ws))
        .route("/epos/integrations/dojo", get(dojo_managed))
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

async fn all(State(app): AppState) -> Answer<Json<types::AllIntegrationsResponse>> {
    app.commit(|store, _| {
        Ok(Json(types::AllIntegrationsResponse {
            rest_integrations: store.rest_integrations.clone(),
            ws_integrations: store.ws_integrations.clone(),
            dojo_managed_integrations: Vec::new(),
            extra: Default::default(),
        }))
    })
}

async fn rest(State(app): AppState) -> Answer<Json<Vec<types::RestIntegrationResponse>>> {
    app.commit(|store, _| Ok(Json(store.rest_integrations.clone())))
}

/// Registering replaces the REST integration.
async fn put_rest(
    State(app): AppState,
    Valid(request): Valid<types::RestIntegrationRequest>,
) -> Answer<Json<Vec<types::RestIntegrationResponse>>> {
    app.commit(|store, now| {
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
        Ok(Json(store.rest_integrations.clone()))
    })
}

async fn ws(State(app): AppState) -> Answer<Json<Vec<types::WsIntegrationResponse>>> {
    app.commit(|store, _| Ok(Json(store.ws_integrations.clone())))
}

/// Registering replaces the WebSocket integration.
async fn put_ws(
    State(app): AppState,
    Valid(request): Valid<types::WsIntegrationRequest>,
) -> Answer<Json<Vec<types::WsIntegrationResponse>>> {
    app.commit(|store, now| {
        let at = Timestamp::new(now);
        store.ws_integrations = vec![types::WsIntegrationResponse {
            capabilities: capabilities(&request.capabilities, at),
            created_at: at,
            extra: Default::default(),
        }];
        Ok(Json(store.ws_integrations.clone()))
    })
}

async fn dojo_managed() -> Json<Vec<types::DojoManagedIntegrationResponse>> {
    Json(Vec::new())
}
