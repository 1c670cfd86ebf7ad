//! `/terminals…` and `/terminal-sessions…`: a fixed pair of terminals and
//! sessions that complete at once. Simpler than Dojo's, but valid.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use dojo_api::api::types::{self, TerminalSessionStatus, TerminalStatus};
use dojo_types::{Open, TerminalId, TerminalSessionId, Timestamp};

use super::{AppState, Valid};
use crate::App;
use crate::problem::{Answer, Problem};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/terminals", get(list))
        .route("/terminals/{terminalId}", get(read))
        .route("/terminal-sessions", post(create))
        .route("/terminal-sessions/{terminalSessionId}", get(read_session))
        .route("/terminal-sessions/{terminalSessionId}/cancel", put(cancel))
        .route(
            "/terminal-sessions/{terminalSessionId}/signature",
            put(signature),
        )
        .layer(axum::middleware::map_response(coded))
}

/// Terminal endpoints answer failures with Dojo's `Error` shape, which adds
/// a machine-readable `code` (`TERMINAL_UNAVAILABLE`, `INVALID_REQUEST`) to
/// the problem document.
async fn coded(response: axum::response::Response) -> axum::response::Response {
    if response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let code = if parts.status == axum::http::StatusCode::NOT_FOUND {
        "TERMINAL_UNAVAILABLE"
    } else {
        "INVALID_REQUEST"
    };
    if let Some(object) = value.as_object_mut() {
        object.entry("code").or_insert_with(|| code.into());
    }
    let body = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    axum::response::Response::from_parts(parts, axum::body::Body::from(body))
}

const TERMINALS: [(&str, &str, TerminalStatus); 2] = [
    ("tm_sandbox_counter1", "22000001", TerminalStatus::Available),
    ("tm_sandbox_counter2", "22000002", TerminalStatus::Offline),
];

/// Terminal calls carry `software-house-id`, as Dojo requires.
fn software_house(headers: &HeaderMap) -> Answer<()> {
    match headers.get("software-house-id") {
        Some(v) if !v.is_empty() => Ok(()),
        _ => Err(Problem::field(
            "software-house-id",
            "The software-house-id header is required.",
        )),
    }
}

fn terminal(entry: &(&str, &str, TerminalStatus), now: DateTime<Utc>) -> types::Terminal {
    types::Terminal {
        id: TerminalId::from_wire(entry.0),
        properties: types::TerminalProperties {
            tid: entry.1.to_owned(),
            extra: Default::default(),
        },
        status: Open::Known(entry.2),
        updated_at: Timestamp::new(now),
        extra: Default::default(),
    }
}

async fn list(State(app): AppState, headers: HeaderMap) -> Answer<Json<Vec<types::Terminal>>> {
    software_house(&headers)?;
    let now = app.clock.now();
    Ok(Json(TERMINALS.iter().map(|t| terminal(t, now)).collect()))
}

async fn read(
    State(app): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer<Json<types::Terminal>> {
    software_house(&headers)?;
    let entry = TERMINALS
        .iter()
        .find(|t| t.0 == id)
        .ok_or_else(|| Problem::not_found("terminal", &id))?;
    Ok(Json(terminal(entry, app.clock.now())))
}

fn status_event(
    status: TerminalSessionStatus,
    at: DateTime<Utc>,
) -> types::TerminalSessionStatusEvent {
    types::TerminalSessionStatusEvent {
        status: Open::Known(status),
        created_at: Timestamp::new(at),
        debug_message: format!("{status}"),
        extra: Default::default(),
    }
}

async fn create(
    State(app): AppState,
    headers: HeaderMap,
    Valid(request): Valid<types::CreateTerminalSessionRequest>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    if !TERMINALS
        .iter()
        .any(|t| t.0 == request.terminal_id.as_str())
    {
        return Err(Problem::not_found("terminal", request.terminal_id.as_str()));
    }
    let session = app.commit(|store, now| {
        if let Some(sale) = &request.details.sale {
            store.payment_intent(&sale.payment_intent_id)?;
        }
        let session = types::TerminalSession {
            id: TerminalSessionId::from_wire(store.ids.id("ts")),
            terminal_id: request.terminal_id,
            details: Some(request.details),
            status: Open::Known(TerminalSessionStatus::InitiateRequested),
            status_events: vec![status_event(TerminalSessionStatus::InitiateRequested, now)],
            notification_events: Vec::new(),
            created_at: Timestamp::new(now),
            updated_at: Timestamp::new(now),
            expire_at: Timestamp::new(now + Duration::minutes(5)),
            payment_details: None,
            receipt: None,
            extra: Default::default(),
        };
        store
            .terminal_sessions
            .insert(session.id.to_string(), session.clone());
        Ok(session)
    })?;
    Ok(Json(session))
}

async fn read_session(
    State(app): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let session = app.commit(|store, _| {
        store
            .terminal_sessions
            .get(&id)
            .cloned()
            .ok_or_else(|| Problem::not_found("terminal session", &id))
    })?;
    Ok(Json(session))
}

fn transition(app: &App, id: &str, to: TerminalSessionStatus) -> Answer<types::TerminalSession> {
    app.commit(|store, now| {
        let session = store
            .terminal_sessions
            .get_mut(id)
            .ok_or_else(|| Problem::not_found("terminal session", id))?;
        let finished = matches!(
            session.status,
            Open::Known(TerminalSessionStatus::Captured | TerminalSessionStatus::Canceled)
        );
        if finished {
            return Err(Problem::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("terminal session {id} is {}", session.status),
            ));
        }
        session.status = Open::Known(to);
        session.status_events.push(status_event(to, now));
        session.updated_at = Timestamp::new(now);
        Ok(session.clone())
    })
}

async fn cancel(
    State(app): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    Ok(Json(transition(
        &app,
        &id,
        TerminalSessionStatus::CancelRequested,
    )?))
}

async fn signature(
    State(app): AppState,
    headers: HeaderMap,
    Path(id): Path<String>,
    Valid(request): Valid<types::SignatureVerificationRequest>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let next = if request.accepted {
        TerminalSessionStatus::SignatureVerificationAccepted
    } else {
        TerminalSessionStatus::SignatureVerificationRejected
    };
    Ok(Json(transition(&app, &id, next)?))
}
