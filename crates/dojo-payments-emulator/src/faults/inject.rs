//! The middleware that logs each call's route and applies the fault armed
//! for it: the answers a fault makes instead of the emulator's.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{BadAnswer, Fault, Lag, Omitted, PciHost, Route};
use crate::app::App;
use crate::problem::Problem;
use crate::server::Hangup;

/// The largest body a [`Fault::Omit`] or [`Fault::CommitLater`] reads
/// whole (the emulator's answers, and the requests it accepts, are far
/// smaller).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Middleware: logs the call's route, and applies the armed fault for it,
/// if any.
pub async fn inject(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| Route::new(request.method(), p.as_str()));
    if let Some(route) = &route {
        let account = request
            .extensions()
            .get::<crate::accounts::Caller>()
            .map(|caller| caller.account.clone());
        match request.extensions().get::<PciHost>() {
            Some(_) => app.requests.record(format!("pci {route}"), account),
            None => app.requests.record(route.to_string(), account),
        }
    }
    let hangup = request.extensions().get::<Hangup>().cloned();
    let Some(fault) = route.and_then(|r| app.faults.take(&r)) else {
        return next.run(request).await;
    };
    match fault {
        Fault::Latency(delay) => {
            tokio::time::sleep(delay.min(Fault::MAX_DELAY)).await;
            next.run(request).await
        }
        Fault::Answer { acted, answer } => {
            if acted {
                // The real answer is made, then thrown away.
                let _ = next.run(request).await;
            }
            bad_answer(answer, hangup).await
        }
        Fault::Stale { lag } => {
            request
                .extensions_mut()
                .insert(Lag(lag.min(Fault::MAX_LAG)));
            next.run(request).await
        }
        Fault::Omit(omitted) => omit(next.run(request).await, &omitted).await,
        Fault::CommitLater { after, answer } => {
            // The body is read now: once the answer is sent (or the
            // connection closed) it could not be.
            let (parts, body) = request.into_parts();
            if let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await {
                let request = Request::from_parts(parts, Body::from(bytes));
                app.faults.later(async move {
                    tokio::time::sleep(after.min(Fault::MAX_DELAY)).await;
                    let _ = next.run(request).await;
                });
            }
            bad_answer(answer, hangup).await
        }
    }
}

/// `response` with `omitted` left out, if it is a success with a JSON
/// body; as it is otherwise.
async fn omit(response: Response, omitted: &Omitted) -> Response {
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !response.status().is_success() || !json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the emulator could not read its own answer to leave fields out",
        )
        .into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    omitted.apply(&mut value);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

/// A body whose first bytes look like the document's JSON and whose end
/// never comes: hyper closes the connection when the stream fails.
const CUT_OFF_START: &str = "{\"id\":\"pi_sandbox_cut_";

async fn bad_answer(answer: BadAnswer, hangup: Option<Hangup>) -> Response {
    match answer {
        BadAnswer::Status {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let problem = Problem::new(status, "fault injected by the emulator");
            match retry_after {
                Some(seconds) => problem.retry_after(seconds).into_response(),
                None => problem.into_response(),
            }
        }
        BadAnswer::Undecodable => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "<html>the emulator garbled this answer</html>",
        )
            .into_response(),
        BadAnswer::EmptyObject => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{}",
        )
            .into_response(),
        BadAnswer::CutOff => {
            // The start is flushed (head and first bytes) before the
            // stream fails; failing at once, hyper would send nothing.
            let body = futures_util::stream::unfold(0u8, |step| async move {
                match step {
                    0 => Some((Ok(CUT_OFF_START), 1)),
                    1 => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Some((Err(std::io::Error::other("cut off by the emulator")), 2))
                    }
                    _ => None,
                }
            });
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CONTENT_LENGTH, "1000"),
                ],
                Body::from_stream(body),
            )
                .into_response()
        }
        BadAnswer::Stall => {
            tokio::time::sleep(Fault::MAX_STALL).await;
            hang_up(hangup).await
        }
        BadAnswer::HangUp => hang_up(hangup).await,
    }
}

async fn hang_up(hangup: Option<Hangup>) -> Response {
    match hangup {
        Some(hangup) => {
            hangup.now();
            std::future::pending().await
        }
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
