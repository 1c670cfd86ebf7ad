//! `/terminals…` and `/terminal-sessions…`: each location account's
//! terminals (`store/terminal.rs`) and the sessions on them, which move as
//! Dojo's do (`store/terminal_session.rs`, `store/counter.rs`): by the
//! merchant's calls here, by the terminal and its customer through the
//! control API, and by time.

use axum::Json;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use dojo_payments_api::api::types::{self, TerminalStatus};
use dojo_payments_types::check_partner_id;

use super::{AppState, PathParam, Served, Valid, required_header};
use crate::accounts::Caller;
use crate::problem::{Answer, Problem};

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

/// Terminal calls carry `software-house-id`, as Dojo requires: an empty
/// (or blank) value is a missing one, the same 400. Both ids are held to
/// the SDK's rule ([`check_partner_id`]: at most 256 printable ASCII
/// characters); the length is the emulator's guess, Dojo's document gives
/// none (the README's "Where the emulator differs from Dojo").
/// `reseller-id` stays optional, as the emulator has always taken it.
fn software_house(headers: &HeaderMap) -> Answer<()> {
    const HOUSE: &str = "software-house-id";
    let house = required_header(headers, HOUSE)?;
    if house.trim().is_empty() {
        return Err(Problem::field(
            HOUSE,
            format!("The {HOUSE} header is required."),
        ));
    }
    check_partner_id(HOUSE, &house).map_err(|e| Problem::field(HOUSE, e.to_string()))?;
    if headers.contains_key("reseller-id") {
        let reseller = required_header(headers, "reseller-id")?;
        if !reseller.trim().is_empty() {
            check_partner_id("reseller-id", &reseller)
                .map_err(|e| Problem::field("reseller-id", e.to_string()))?;
        }
    }
    Ok(())
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
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Answer<Json<Vec<types::Terminal>>> {
    software_house(&headers)?;
    let asked = statuses(query.as_deref())?;
    let terminals = app.commit_as(&caller, |store, now| {
        Ok::<_, std::convert::Infallible>(store.terminals(now))
    });
    let Ok(terminals) = terminals;
    Ok(Json(
        terminals
            .iter()
            .filter(|t| asked.as_ref().is_none_or(|s| s.contains(&t.status())))
            .map(|t| t.render())
            .collect(),
    ))
}

async fn read(
    State(app): AppState,
    caller: Caller,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::Terminal>> {
    software_house(&headers)?;
    let terminal = app.commit_as(&caller, |store, now| {
        store.terminal(&id, now).map(|t| t.render())
    })?;
    Ok(Json(terminal))
}

async fn create(
    State(app): AppState,
    caller: Caller,
    headers: HeaderMap,
    Valid(request): Valid<types::CreateTerminalSessionRequest>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let session = app.commit_as(&caller, |store, now| {
        store.create_terminal_session(request.terminal_id, request.details, now)
    })?;
    Ok(Json(session.render()))
}

async fn read_session(
    State(app): AppState,
    caller: Caller,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let session = app.commit_as(&caller, |store, _| {
        store.find_terminal_session(&id).map(|s| s.render())
    })?;
    Ok(Json(session))
}

async fn cancel(
    State(app): AppState,
    caller: Caller,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let session = app.commit_as(&caller, |store, now| {
        store.cancel_terminal_session(&id, now)?;
        store.find_terminal_session(&id).map(|s| s.render())
    })?;
    Ok(Json(session))
}

async fn signature(
    State(app): AppState,
    caller: Caller,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
    Valid(request): Valid<types::SignatureVerificationRequest>,
) -> Answer<Json<types::TerminalSession>> {
    software_house(&headers)?;
    let session = app.commit_as(&caller, |store, now| {
        store.answer_signature(&id, request.accepted, now)?;
        store.find_terminal_session(&id).map(|s| s.render())
    })?;
    Ok(Json(session))
}
