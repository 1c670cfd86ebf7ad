//! `/webhooks…`: subscriptions, their signing secrets, the event list.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use dojo_api::api::types;
use dojo_types::WebhookSubscriptionId;

use super::{AppState, Valid};
use crate::App;
use crate::problem::{Answer, Problem};
use crate::store::webhook::{EVENTS, SecretRecord, SubscriptionRecord};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/webhooks/events", get(events))
        .route("/webhooks", get(list).post(subscribe))
        .route(
            "/webhooks/{subscriptionId}",
            axum::routing::patch(update).delete(unsubscribe),
        )
        .route(
            "/webhooks/{subscriptionId}/secrets",
            get(secrets).post(generate_secret),
        )
        .route(
            "/webhooks/{subscriptionId}/secrets/{secretId}/activate",
            put(activate),
        )
        .route(
            "/webhooks/{subscriptionId}/secrets/{secretId}",
            delete(delete_secret),
        )
}

async fn events() -> Json<Vec<types::WebhookEvents>> {
    Json(vec![types::WebhookEvents {
        model: Some("paymentIntent".into()),
        events: EVENTS.iter().map(|e| (*e).to_owned()).collect(),
        extra: Default::default(),
    }])
}

fn check_events(events: &[String]) -> Answer<()> {
    match events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        Some(unknown) => Err(Problem::field(
            "Events",
            format!("Unknown event {unknown:?}."),
        )),
        None if events.is_empty() => {
            Err(Problem::field("Events", "At least one event is required."))
        }
        None => Ok(()),
    }
}

fn check_url(url: &str) -> Answer<()> {
    if url.starts_with("https://") || dojo_api::validate::is_loopback_http(url) {
        Ok(())
    } else {
        Err(Problem::field(
            "Url",
            "The Url field must be an https:// URL (or http:// to loopback, in the emulator).",
        ))
    }
}

async fn list(State(app): AppState) -> Answer<Json<Vec<types::Subscription>>> {
    let all =
        app.commit(|store, _| Ok(store.subscriptions.values().cloned().collect::<Vec<_>>()))?;
    Ok(Json(
        all.iter().map(|s| s.render(&app.account_id)).collect(),
    ))
}

/// A new subscription comes with one active secret.
async fn subscribe(
    State(app): AppState,
    Valid(request): Valid<types::SubscriptionRequest>,
) -> Answer<Json<types::Subscription>> {
    check_events(&request.events)?;
    check_url(&request.url)?;
    let record = app.commit(|store, now| {
        if store.subscriptions.values().any(|s| s.url == request.url) {
            return Err(Problem::conflict(format!(
                "{} is already subscribed",
                request.url
            )));
        }
        let secret = SecretRecord {
            id: store.ids.id("whsec"),
            value: store.ids.token(16),
            active: true,
            created_at: now,
        };
        let record = SubscriptionRecord {
            id: store.ids.id("ws"),
            events: request.events,
            url: request.url,
            description: request.description,
            secrets: vec![secret],
            created_at: now,
            updated_at: now,
        };
        store
            .subscriptions
            .insert(record.id.clone(), record.clone());
        Ok(record)
    })?;
    Ok(Json(record.render(&app.account_id)))
}

async fn update(
    State(app): AppState,
    Path(id): Path<String>,
    Valid(request): Valid<types::SubscriptionUpdateRequest>,
) -> Answer<Json<types::Subscription>> {
    if let Some(events) = &request.events {
        check_events(events)?;
    }
    if let Some(url) = &request.url {
        check_url(url)?;
    }
    let record = app.commit(|store, now| {
        let subscription = store.subscription(&id)?;
        if let Some(events) = request.events {
            subscription.events = events;
        }
        if let Some(url) = request.url {
            subscription.url = url;
        }
        if request.description.is_some() {
            subscription.description = request.description;
        }
        subscription.updated_at = now;
        Ok(subscription.clone())
    })?;
    Ok(Json(record.render(&app.account_id)))
}

async fn unsubscribe(State(app): AppState, Path(id): Path<String>) -> Answer<StatusCode> {
    app.commit(|store, _| {
        store
            .subscriptions
            .remove(&id)
            .ok_or_else(|| Problem::not_found("webhook subscription", &id))
    })?;
    Ok(StatusCode::NO_CONTENT)
}

fn secrets_of(record: &SubscriptionRecord) -> Json<types::SecretsResponse> {
    Json(types::SecretsResponse {
        id: Some(WebhookSubscriptionId::from_wire(record.id.clone())),
        secrets: record.render_secrets(),
        extra: Default::default(),
    })
}

async fn secrets(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::SecretsResponse>> {
    let record = app.commit(|store, _| Ok(store.subscription(&id)?.clone()))?;
    Ok(secrets_of(&record))
}

/// A generated secret starts inactive; activate it to sign with it too.
async fn generate_secret(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::SecretsResponse>> {
    let record = app.commit(|store, now| {
        let secret = SecretRecord {
            id: store.ids.id("whsec"),
            value: store.ids.token(16),
            active: false,
            created_at: now,
        };
        let subscription = store.subscription(&id)?;
        if subscription.secrets.len() >= 5 {
            return Err(Problem::conflict("a subscription has at most 5 secrets"));
        }
        subscription.secrets.push(secret);
        Ok(subscription.clone())
    })?;
    Ok(secrets_of(&record))
}

async fn activate(
    State(app): AppState,
    Path((id, secret_id)): Path<(String, String)>,
) -> Answer<StatusCode> {
    app.commit(|store, _| {
        let secret = store
            .subscription(&id)?
            .secrets
            .iter_mut()
            .find(|s| s.id == secret_id)
            .ok_or_else(|| Problem::not_found("webhook secret", &secret_id))?;
        secret.active = true;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_secret(
    State(app): AppState,
    Path((id, secret_id)): Path<(String, String)>,
) -> Answer<StatusCode> {
    app.commit(|store, _| {
        let secrets = &mut store.subscription(&id)?.secrets;
        let before = secrets.len();
        secrets.retain(|s| s.id != secret_id);
        if secrets.len() == before {
            return Err(Problem::not_found("webhook secret", &secret_id));
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}
