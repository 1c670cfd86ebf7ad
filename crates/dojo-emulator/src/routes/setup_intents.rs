//! `/setup-intents…` on the api host.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use dojo_api::api::types::{self, SetupIntentStatus};
use serde::Deserialize;

use super::payment_intents::known_currency;
use super::{AppState, Valid, ValidQuery};
use crate::App;
use crate::problem::Answer;
use crate::store::setup_intent::SetupIntentRecord;
use crate::store::{Store, Watched};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/setup-intents", post(create))
        .route("/setup-intents/{setupIntentId}", get(read).delete(delete))
        .route("/setup-intents/public/{setupIntentId}", get(read_public))
        .route(
            "/setup-intents/{setupIntentId}/refresh-client-session-secret",
            post(refresh),
        )
        .route(
            "/setup-intents/public/{setupIntentId}/refresh-client-session-secret",
            post(refresh_public),
        )
}

/// Creates a setup intent in `Created`; shared with the PCI host.
pub(crate) fn insert(
    store: &mut Store,
    now: DateTime<Utc>,
    request: types::CreateSetupIntentRequest,
    source: &'static str,
) -> Answer<String> {
    if let Some(amount) = request.intended_amount {
        known_currency("IntendedAmount", amount)?;
    }
    let record = SetupIntentRecord {
        id: store.ids.id("si"),
        status: SetupIntentStatus::Created,
        client_session_secret: store.ids.token(96),
        secret_expires_at: now + Duration::minutes(30),
        created_at: now,
        updated_at: now,
        card: None,
        events: vec![(SetupIntentStatus::Created, now)],
        source,
        request,
    };
    let id = record.id.clone();
    if let Some(at) = record.request.expire_at.and_then(|t| t.instant()) {
        store.watch(at, Watched::SetupIntent(id.clone()));
    }
    store.setup_intents.insert(id.clone(), record);
    Ok(id)
}

async fn create(
    State(app): AppState,
    Valid(request): Valid<types::CreateSetupIntentRequest>,
) -> Answer<Json<types::SetupIntentResponse>> {
    let record = app.commit(|store, now| {
        let id = insert(store, now, request, "api")?;
        Ok(store.setup_intent(&id)?.clone())
    })?;
    Ok(Json(record.render()))
}

async fn read(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::SetupIntentResponse>> {
    let record = app.commit(|store, _| Ok(store.setup_intent(&id)?.clone()))?;
    Ok(Json(record.render()))
}

async fn read_public(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::SetupIntentPublicResponse>> {
    let record = app.commit(|store, _| Ok(store.setup_intent(&id)?.clone()))?;
    Ok(Json(record.render_public()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteQuery {
    include_authorized: Option<bool>,
}

async fn delete(
    State(app): AppState,
    Path(id): Path<String>,
    ValidQuery(query): ValidQuery<DeleteQuery>,
) -> Answer<Json<types::SetupIntentResponse>> {
    let record = app.commit(|store, now| {
        let setup = store.setup_intent(&id)?;
        setup.delete(query.include_authorized.unwrap_or(false), now)?;
        Ok(setup.clone())
    })?;
    Ok(Json(record.render()))
}

fn refreshed(app: &App, id: &str) -> Answer<SetupIntentRecord> {
    app.commit(|store, now| {
        let secret = store.ids.token(96);
        let setup = store.setup_intent(id)?;
        setup.new_secret(secret, now);
        Ok(setup.clone())
    })
}

async fn refresh(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::SetupIntentResponse>> {
    Ok(Json(refreshed(&app, &id)?.render()))
}

async fn refresh_public(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::SetupIntentPublicResponse>> {
    Ok(Json(refreshed(&app, &id)?.render_public()))
}
