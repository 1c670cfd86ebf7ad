//! `/webhooks…`: subscriptions, their signing secrets, the event list.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use dojo_payments_api::api::types;
use dojo_payments_types::{WebhookEventName, WebhookSecret};

use super::{AppState, PathParam, Served, Valid};
use crate::accounts::Caller;
use crate::problem::Answer;
use crate::store::Store;
use crate::store::refusal::{Action, Refusal};
use crate::store::webhook::{SecretRecord, SubscriptionRecord, events_named};

pub fn routes() -> Served {
    Served::new()
        .at(Method::GET, "/webhooks/events", events)
        .at(Method::GET, "/webhooks", list)
        .at(Method::POST, "/webhooks", subscribe)
        .at(Method::PATCH, "/webhooks/{subscriptionId}", update)
        .at(Method::DELETE, "/webhooks/{subscriptionId}", unsubscribe)
        .at(Method::GET, "/webhooks/{subscriptionId}/secrets", secrets)
        .at(
            Method::POST,
            "/webhooks/{subscriptionId}/secrets",
            generate_secret,
        )
        .at(
            Method::PUT,
            "/webhooks/{subscriptionId}/secrets/{secretId}/activate",
            activate,
        )
        .at(
            Method::DELETE,
            "/webhooks/{subscriptionId}/secrets/{secretId}",
            delete_secret,
        )
}

async fn events() -> Json<Vec<types::WebhookEvents>> {
    Json(vec![types::WebhookEvents {
        model: Some("paymentIntent".into()),
        events: WebhookEventName::DOCUMENTED
            .iter()
            .map(ToString::to_string)
            .collect(),
        extra: Default::default(),
    }])
}

/// A new signing secret, active or not.
fn new_secret(store: &mut Store, active: bool, now: chrono::DateTime<chrono::Utc>) -> SecretRecord {
    let value =
        WebhookSecret::new(store.ids.token(16)).expect("22 URL-safe characters are a valid secret");
    SecretRecord {
        id: store.ids.issue(),
        value,
        active,
        created_at: now,
    }
}

async fn list(State(app): AppState, caller: Caller) -> Json<Vec<types::Subscription>> {
    let all = app.read_as(&caller, |store| {
        store
            .subscriptions()
            .map(SubscriptionRecord::render)
            .collect()
    });
    Json(all)
}

/// A new subscription comes with one active secret.
async fn subscribe(
    State(app): AppState,
    caller: Caller,
    Valid(request): Valid<types::SubscriptionRequest>,
) -> Answer<Json<types::Subscription>> {
    let events = events_named(&request.events)?;
    let record = app.commit_as(&caller, |store, now| {
        if store.subscriptions().any(|s| s.url == request.url) {
            return Err(Refusal::state(
                Action::Subscribe,
                format!("{} is already subscribed", request.url),
            ));
        }
        let secret = new_secret(store, true, now);
        let id: dojo_payments_types::WebhookSubscriptionId = store.ids.issue();
        let record = SubscriptionRecord {
            id: id.clone(),
            account: String::new(),
            events,
            url: request.url,
            description: request.description,
            secrets: vec![secret],
            created_at: now,
            updated_at: now,
        };
        store.insert_subscription(record);
        store.subscription(id.as_str()).cloned()
    })?;
    Ok(Json(record.render()))
}

async fn update(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    Valid(request): Valid<types::SubscriptionUpdateRequest>,
) -> Answer<Json<types::Subscription>> {
    let events = request.events.as_deref().map(events_named).transpose()?;
    let record = app.commit_as(&caller, |store, now| {
        let subscription = store.subscription(&id)?;
        if let Some(events) = events {
            subscription.events = events;
        }
        if let Some(url) = request.url {
            subscription.url = url;
        }
        if request.description.is_some() {
            subscription.description = request.description;
        }
        subscription.updated_at = now;
        Ok::<_, Refusal>(subscription.clone())
    })?;
    Ok(Json(record.render()))
}

async fn unsubscribe(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<StatusCode> {
    app.commit_as(&caller, |store, _| store.remove_subscription(&id))?;
    Ok(StatusCode::NO_CONTENT)
}

fn secrets_of(record: &SubscriptionRecord) -> Json<types::SecretsResponse> {
    Json(types::SecretsResponse {
        id: Some(record.id.clone()),
        secrets: record.render_secrets(),
        extra: Default::default(),
    })
}

async fn secrets(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::SecretsResponse>> {
    let record = app.commit_as(&caller, |store, _| store.subscription(&id).cloned())?;
    Ok(secrets_of(&record))
}

/// A generated secret starts inactive; activate it to sign with it too.
async fn generate_secret(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::SecretsResponse>> {
    let record = app.commit_as(&caller, |store, now| {
        let secret = new_secret(store, false, now);
        let subscription = store.subscription(&id)?;
        subscription.add_secret(secret)?;
        Ok::<_, Refusal>(subscription.clone())
    })?;
    Ok(secrets_of(&record))
}

async fn activate(
    State(app): AppState,
    caller: Caller,
    PathParam((id, secret_id)): PathParam<(String, String)>,
) -> Answer<StatusCode> {
    app.commit_as(&caller, |store, _| {
        store.subscription(&id)?.secret(&secret_id)?.active = true;
        Ok::<_, Refusal>(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_secret(
    State(app): AppState,
    caller: Caller,
    PathParam((id, secret_id)): PathParam<(String, String)>,
) -> Answer<StatusCode> {
    app.commit_as(&caller, |store, _| {
        store.subscription(&id)?.remove_secret(&secret_id)
    })?;
    Ok(StatusCode::NO_CONTENT)
}
