//! `/setup-intents…` on the api host.

use axum::extract::State;
use axum::http::Method;
use axum::{Extension, Json};
use dojo_payments_api::api::types;
use serde::Deserialize;

use super::{AppState, PathParam, Served, Valid, ValidQuery};
use crate::accounts::Caller;
use crate::app::App;
use crate::faults::Lag;
use crate::problem::Answer;
use crate::store::refusal::{Outcome, Refusal};
use crate::store::session_secret::SessionSecret;
use crate::store::setup_intent::{SetupIntentRecord, Source};

pub fn routes() -> Served {
    Served::new()
        .at(Method::POST, "/setup-intents", create)
        .at(Method::GET, "/setup-intents/{setupIntentId}", read)
        .at(Method::DELETE, "/setup-intents/{setupIntentId}", delete)
        .at(
            Method::GET,
            "/setup-intents/public/{setupIntentId}",
            read_public,
        )
        .at(
            Method::POST,
            "/setup-intents/{setupIntentId}/refresh-client-session-secret",
            refresh,
        )
        .at(
            Method::POST,
            "/setup-intents/public/{setupIntentId}/refresh-client-session-secret",
            refresh_public,
        )
}

async fn create(
    State(app): AppState,
    caller: Caller,
    Valid(request): Valid<types::CreateSetupIntentRequest>,
) -> Answer<Json<types::SetupIntentResponse>> {
    super::checkout_urls(request.config.as_ref())?;
    let record = app.commit_as(&caller, |store, now| {
        store.create_setup_intent(request, Source::Api, now)
    })?;
    Ok(Json(record.render()))
}

async fn read(
    State(app): AppState,
    caller: Caller,
    lag: Option<Extension<Lag>>,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::SetupIntentResponse>> {
    let record = app.read_as(&caller, |store| match lag {
        Some(Extension(Lag(lag))) => store.setup_intent_as_of(&id, lag).cloned(),
        None => store.find_setup_intent(&id).cloned(),
    })?;
    Ok(Json(record.render()))
}

async fn read_public(
    State(app): AppState,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::SetupIntentPublicResponse>> {
    let record = app.read(|store| store.find_setup_intent(&id).cloned())?;
    Ok(Json(record.render_public()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteQuery {
    include_authorized: Option<bool>,
}

async fn delete(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    ValidQuery(query): ValidQuery<DeleteQuery>,
) -> Answer<Json<types::SetupIntentResponse>> {
    let record = app.commit_as(&caller, |store, now| {
        let setup = store.setup_intent(&id)?;
        setup.delete(query.include_authorized.unwrap_or(false), now)?;
        Ok::<_, Refusal>(setup.clone())
    })?;
    Ok(Json(record.render()))
}

/// A new secret for setup intent `id`: `caller`'s, or (the public
/// endpoint, no key) whoever's it is.
fn refreshed(app: &App, caller: Option<&Caller>, id: &str) -> Outcome<SetupIntentRecord> {
    let change = |store: &mut crate::store::Store, now| {
        let secret = SessionSecret::issue(&mut store.ids, now);
        let setup = store.setup_intent(id)?;
        setup.new_secret(secret, now);
        Ok(setup.clone())
    };
    match caller {
        Some(caller) => app.commit_as(caller, change),
        None => app.commit(change),
    }
}

async fn refresh(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::SetupIntentResponse>> {
    Ok(Json(refreshed(&app, Some(&caller), &id)?.render()))
}

async fn refresh_public(
    State(app): AppState,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::SetupIntentPublicResponse>> {
    Ok(Json(refreshed(&app, None, &id)?.render_public()))
}
