//! `/_emulator/…`: the customer's side and the emulator's knobs over HTTP,
//! for tests written in other languages or driven from a shell.
//!
//! | call | does |
//! | --- | --- |
//! | `POST /_emulator/payment-intents/{id}/pay` `{"cardNumber", "expiryDate"?, "saveCard"?}` | pays at checkout |
//! | `POST /_emulator/setup-intents/{id}/authorize` `{"cardNumber", "expiryDate"?}` | adds a card |
//! | `POST /_emulator/setup-intents/{id}/expire` | expires it |
//! | `GET /_emulator/clock` | `{"now"}`: the emulator's time |
//! | `POST /_emulator/clock/advance` `{"seconds"}` | moves the clock |
//! | `POST /_emulator/faults` `{"route", "status"?, "retryAfter"?, "latencyMs"?, "drop"?: "after-commit" \| "before-commit", "times"?}` | arms a fault |
//! | `DELETE /_emulator/faults` | disarms all |
//! | `GET /_emulator/state` | `{"digest"}`: changes exactly when a stored resource does |
//! | `GET /_emulator/requests` | `{"requests": ["POST /payment-intents", …]}`: every API call, oldest first |

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::{AppState, PathParam};
use crate::app::App;
use crate::cards::{Card, CardOutcome};
use crate::faults::Fault;
use crate::problem::{Answer, Problem};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/_emulator/payment-intents/{id}/pay", post(pay))
        .route("/_emulator/setup-intents/{id}/authorize", post(authorize))
        .route("/_emulator/setup-intents/{id}/expire", post(expire))
        .route("/_emulator/clock", get(clock))
        .route("/_emulator/clock/advance", post(advance))
        .route("/_emulator/faults", post(arm).delete(clear))
        .route("/_emulator/state", get(state))
        .route("/_emulator/requests", get(requests))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CardRequest {
    card_number: String,
    expiry_date: Option<String>,
    #[serde(default)]
    save_card: bool,
}

#[derive(Serialize)]
struct Outcome {
    outcome: &'static str,
}

fn outcome(result: CardOutcome) -> Json<Outcome> {
    Json(Outcome {
        outcome: match result {
            CardOutcome::Approved => "approved",
            CardOutcome::Declined => "declined",
            CardOutcome::Expired => "expired",
        },
    })
}

async fn pay(
    State(app): AppState,
    PathParam(id): PathParam<String>,
    Json(request): Json<CardRequest>,
) -> Answer<Json<Outcome>> {
    let card = Card::parse(&request.card_number, request.expiry_date.as_deref())?;
    let result = app.commit(|store, now| store.pay(&id, card, request.save_card, now))?;
    Ok(outcome(result))
}

async fn authorize(
    State(app): AppState,
    PathParam(id): PathParam<String>,
    Json(request): Json<CardRequest>,
) -> Answer<Json<Outcome>> {
    let card = Card::parse(&request.card_number, request.expiry_date.as_deref())?;
    let result = app.commit(|store, now| store.authorize(&id, card, now))?;
    Ok(outcome(result))
}

async fn expire(State(app): AppState, PathParam(id): PathParam<String>) -> Answer<StatusCode> {
    app.commit(|store, now| store.setup_intent(&id)?.expire(now))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct Now {
    now: chrono::DateTime<chrono::Utc>,
}

async fn clock(State(app): AppState) -> Json<Now> {
    Json(Now {
        now: app.clock.now(),
    })
}

#[derive(Serialize)]
struct Digest {
    /// Hex: a JSON number would lose a u64's low bits in many clients.
    digest: String,
}

async fn state(State(app): AppState) -> Json<Digest> {
    Json(Digest {
        digest: format!("{:016x}", app.digest()),
    })
}

#[derive(Serialize)]
struct Requests {
    requests: Vec<String>,
}

async fn requests(State(app): AppState) -> Json<Requests> {
    Json(Requests {
        requests: app.requests.routes(),
    })
}

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance(State(app): AppState, Json(request): Json<Advance>) -> Answer<StatusCode> {
    let by = Duration::try_seconds(request.seconds)
        .filter(|d| *d >= Duration::zero())
        .ok_or_else(|| Problem::field("Seconds", "must be a non-negative number of seconds"))?;
    app.clock.advance(by);
    app.read(|_| ());
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FaultRequest {
    route: String,
    status: Option<u16>,
    retry_after: Option<u64>,
    latency_ms: Option<u64>,
    drop: Option<String>,
    times: Option<usize>,
}

async fn arm(State(app): AppState, Json(request): Json<FaultRequest>) -> Answer<StatusCode> {
    let route = app
        .route(&request.route)
        .map_err(|unknown| Problem::field("Route", unknown.to_string()))?;
    let fault = match (request.drop.as_deref(), request.latency_ms, request.status) {
        (Some("after-commit"), _, _) => Fault::DropAfterCommit,
        (Some("before-commit"), _, _) => Fault::DropBeforeCommit,
        (Some(other), _, _) => {
            return Err(Problem::field(
                "Drop",
                format!("unknown drop mode {other:?}"),
            ));
        }
        (None, Some(ms), _) => Fault::Latency(StdDuration::from_millis(ms)),
        (None, None, Some(status)) => Fault::Fail {
            status,
            retry_after: request.retry_after,
        },
        (None, None, None) => return Err(Problem::bad_request("give status, latencyMs or drop")),
    };
    app.faults.arm(route, fault, request.times.unwrap_or(1));
    Ok(StatusCode::NO_CONTENT)
}

async fn clear(State(app): AppState) -> StatusCode {
    app.faults.clear();
    StatusCode::NO_CONTENT
}
