//! `/terminals…` and `/terminal-sessions…`: the fixed pair of terminals of
//! `store/terminal.rs` and sessions that move only when told
//! (`store/terminal_session.rs`).

use axum::Json;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use dojo_payments_api::api::types::{self, TerminalSessionStatus, TerminalStatus};

use super::{AppState, PathParam, Served, Valid, required_header};
use crate::app::App;
use crate::problem::{Answer, Problem};
use crate::store::refusal::{Outcome, Refusal};
use crate::store::terminal::{TERMINALS, Terminal};
use crate::store::terminal_session::TerminalSessionRecord;

pub fn routes() -> Served {
    Served::new()
        .at(Method::GET, "/terminals", list)
        .at(Method::GET, "/terminals/{terminalId}", read)
        .at(Method::POST, "/terminal-sessions", create)
        .at(
            Method::GET,
            "/terminal-sessions/{terminalSessionId}",
            read_session,
        )
        .at(
            Method::PUT,
            "/terminal-sessions/{terminalSessionId}/cancel",
            cancel,
        )
        .at(
            Method::PUT,
            "/terminal-sessions/{terminalSessionId}/signature",
            signature,
        )
}

/// Middleware for the whole host: terminal endpoints answer failures (their
/// own, and the authentication's) with Dojo's `Error` shape, which adds a
/// machine-readable `code` (`TERMINAL_UNAVAILABLE`, `INVALID_REQUEST`) to
/// the problem document.
pub async fn coded(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let terminal = path.starts_with("/terminals") || path.starts_with("/terminal-sessions");
    let response = next.run(request).await;
    if !terminal || response.status().is_success() {
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
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Terminal calls carry `software-house-id`, as Dojo requires.
fn software_house(headers: &HeaderMap) -> Answer<()> {
    required_header(headers, "software-house-id").map(drop)
}

/// `?statuses=Available&statuses=Offline` (or comma-separated): the
/// statuses asked for, each one the document lists.
fn statuses(query: Option<&str>) -> Answer<Option<Vec<TerminalStatus>>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| Problem::field("$query", format!("The query string is not valid: {e}")))?;
    let mut asked = None::<Vec<TerminalStatus>>;
    for (_, value) in pairs.iter().filter(|(key, _)| key == "statuses") {
        for name in value.split(',') {
            let status = name.parse().map_err(|_| {
                Problem::field(
                    "Statuses",
                    format!("{name:?} is not a terminal status (Available, Offline, InUse)."),
                )
            })?;
            asked.get_or_insert_default().push(status);
        }
    }
    Ok(asked)
}

async fn list(
    State(app): AppState,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Answer<Json<Vec<types::Terminal>>> {
    software_house(&headers)?;
    let asked = statuses(query.as_deref())?;
    let now = app.clock.now();
    Ok(Json(
        TERMINALS
            .iter()
            .filter(|t| asked.as_ref().is_none_or(|s| s.contains(&t.status)))
            .map(|t| t.render(now))
            .collect(),
    ))
}

async fn read(
    State(app): AppState,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::Terminal>> {
    software_house(&headers)?;
    let terminal = Terminal::find(&id).ok_or_else(|| Problem::not_found("terminal", &id))?;
    Ok(Json(terminal.render(app.clock.now())))
}

async fn create(
    State(app): AppState,
    headers: HeaderMap,
    Valid(request): Valid<types::CreateTerminalSessionRequest>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let terminal = request.terminal_id.as_str();
    Terminal::find(terminal).ok_or_else(|| Problem::not_found("terminal", terminal))?;
    let session = app.commit(|store, now| {
        if let Some(sale) = &request.details.sale {
            store.find_payment_intent(sale.payment_intent_id.as_str())?;
        }
        let session = TerminalSessionRecord::new(
            store.ids.issue(),
            request.terminal_id,
            request.details,
            now,
        );
        store
            .terminal_sessions
            .insert(session.id().clone(), session.clone());
        Ok::<_, Refusal>(session)
    })?;
    Ok(Json(session.render()))
}

async fn read_session(
    State(app): AppState,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let session = app.commit(|store, _| store.terminal_session(&id).cloned())?;
    Ok(Json(session.render()))
}

fn move_session(app: &App, id: &str, to: TerminalSessionStatus) -> Outcome<TerminalSessionRecord> {
    app.commit(|store, now| {
        let session = store.terminal_session(id)?;
        session.move_to(to, now)?;
        Ok(session.clone())
    })
}

async fn cancel(
    State(app): AppState,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let session = move_session(&app, &id, TerminalSessionStatus::CancelRequested)?;
    Ok(Json(session.render()))
}

async fn signature(
    State(app): AppState,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
    Valid(request): Valid<types::SignatureVerificationRequest>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let next = if request.accepted {
        TerminalSessionStatus::SignatureVerificationAccepted
    } else {
        TerminalSessionStatus::SignatureVerificationRejected
    };
    Ok(Json(move_session(&app, &id, next)?.render()))
}
