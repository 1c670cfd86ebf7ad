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
//! | `POST /_emulator/faults` `{"route", "times"?, "latencyMs"?}` or `{"route", "times"?, "acted"?, "answer"?: "status" \| "undecodable" \| "empty-object" \| "cut-off" \| "stall" \| "hang-up", "status"?, "retryAfter"?}` | arms a fault |
//! | `POST /_emulator/faults` `{"route", "times"?, "staleMs"}` | a lagging read: the intent as it was `staleMs` ago (≤ 60 000; `GET` of a payment or setup intent) |
//! | `POST /_emulator/faults` `{"route", "times"?, "omit": ["captures", "captures.id", …] \| "*"}` | the real answer without those fields (`"*"`: `{}`) |
//! | `POST /_emulator/faults` `{"route", "times"?, "commitAfterMs", "answer"?, "status"?, "retryAfter"?}` | the bad answer at once, the change committed `commitAfterMs` later (≤ 60 000) |
//! | `POST /_emulator/faults` `{"route", "sequence": [{…a fault's fields…}, …]}` | each fault for one call, in order |
//! | `DELETE /_emulator/faults` | disarms all |
//! | `GET /_emulator/state` | `{"digest"}`: changes exactly when a stored resource does |
//! | `GET /_emulator/requests` | `{"requests": ["POST /payment-intents", …], "accounts": ["acc_…", …]}`: every API call, oldest first, with the account of its key |
//! | `POST /_emulator/locations` `{"name", "key"}` | `{"accountId"}`: a location account from now on |

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::{AppState, PathParam};
use crate::app::App;
use crate::cards::{Card, CardOutcome};
use crate::faults::{BadAnswer, Fault, FaultError, Omitted};
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
        .route("/_emulator/locations", post(add_location))
}

/// A control call's JSON body, or a 400 naming what is wrong with it
/// (axum's own rejection is plain text).
struct Body<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(body)| Body(body))
            .map_err(|rejection| Problem::field("$", rejection.body_text()))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    Body(request): Body<CardRequest>,
) -> Answer<Json<Outcome>> {
    let card = Card::parse(&request.card_number, request.expiry_date.as_deref())?;
    let result = app.commit(|store, now| store.pay(&id, card, request.save_card, now))?;
    Ok(outcome(result))
}

async fn authorize(
    State(app): AppState,
    PathParam(id): PathParam<String>,
    Body(request): Body<CardRequest>,
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
    /// The account of each request's key (`null`: no key).
    accounts: Vec<Option<String>>,
}

async fn requests(State(app): AppState) -> Json<Requests> {
    let (requests, accounts) = app.requests.entries().into_iter().unzip();
    Json(Requests { requests, accounts })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLocation {
    name: String,
    key: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationAdded {
    account_id: String,
}

/// A location account, with its key, from now on.
async fn add_location(
    State(app): AppState,
    Body(request): Body<NewLocation>,
) -> Answer<Json<LocationAdded>> {
    let name = dojo_payments_types::LocationId::new(request.name)
        .map_err(|e| Problem::field("Name", e.rule().to_owned()))?;
    let key = dojo_payments_types::ApiKey::new(request.key)
        .ok()
        .filter(|k| k.environment() == dojo_payments_types::Environment::Sandbox)
        .ok_or_else(|| Problem::field("Key", "must be a sandbox key, sk_sandbox_…"))?;
    let account_id = app
        .accounts
        .add_location(name.as_str(), key.expose())
        .map_err(|refused| Problem::bad_request(refused.to_string()))?;
    Ok(Json(LocationAdded { account_id }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn advance(State(app): AppState, Body(request): Body<Advance>) -> Answer<StatusCode> {
    let by = Duration::try_seconds(request.seconds)
        .ok_or_else(|| Problem::field("Seconds", "is out of range"))?;
    app.clock
        .advance(by)
        .map_err(|refused| Problem::field("Seconds", refused.to_string()))?;
    app.read(|_| ());
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_emulator/faults`: one fault for `times` calls, or a
/// `sequence` of faults, each for one call, in order.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRequest {
    route: String,
    times: Option<usize>,
    sequence: Option<Vec<FaultSpec>>,
    latency_ms: Option<u64>,
    acted: Option<bool>,
    answer: Option<AnswerKind>,
    status: Option<u16>,
    retry_after: Option<u64>,
    stale_ms: Option<u64>,
    omit: Option<serde_json::Value>,
    commit_after_ms: Option<u64>,
}

/// One fault's fields: a fault request's, or one element of its
/// `sequence`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultSpec {
    latency_ms: Option<u64>,
    acted: Option<bool>,
    answer: Option<AnswerKind>,
    status: Option<u16>,
    retry_after: Option<u64>,
    stale_ms: Option<u64>,
    omit: Option<serde_json::Value>,
    commit_after_ms: Option<u64>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum AnswerKind {
    Status,
    Undecodable,
    EmptyObject,
    CutOff,
    Stall,
    HangUp,
}

impl FaultRequest {
    /// The request's own fault fields, moved out.
    fn spec(&mut self) -> FaultSpec {
        FaultSpec {
            latency_ms: self.latency_ms.take(),
            acted: self.acted.take(),
            answer: self.answer.take(),
            status: self.status.take(),
            retry_after: self.retry_after.take(),
            stale_ms: self.stale_ms.take(),
            omit: self.omit.take(),
            commit_after_ms: self.commit_after_ms.take(),
        }
    }

    /// The faults to arm, each with its `times`.
    fn faults(mut self) -> Result<Vec<(Fault, usize)>, Problem> {
        let spec = self.spec();
        let Some(sequence) = self.sequence else {
            return Ok(vec![(spec.fault("")?, self.times.unwrap_or(1))]);
        };
        if self.times.is_some() {
            return Err(Problem::field(
                "Times",
                "each fault of a sequence is for one call: give no times",
            ));
        }
        if let Some(field) = spec.fields().first() {
            return Err(Problem::field(
                field,
                "with a sequence, give each fault's fields in its element",
            ));
        }
        if sequence.is_empty() {
            return Err(Problem::field("Sequence", "name at least one fault"));
        }
        sequence
            .iter()
            .enumerate()
            .map(|(index, spec)| Ok((spec.fault(&format!("Sequence[{index}]."))?, 1)))
            .collect()
    }
}

impl FaultSpec {
    /// The fields given, by their names in errors.
    fn fields(&self) -> Vec<&'static str> {
        [
            ("LatencyMs", self.latency_ms.is_some()),
            ("Acted", self.acted.is_some()),
            ("Answer", self.answer.is_some()),
            ("Status", self.status.is_some()),
            ("RetryAfter", self.retry_after.is_some()),
            ("StaleMs", self.stale_ms.is_some()),
            ("Omit", self.omit.is_some()),
            ("CommitAfterMs", self.commit_after_ms.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// The fault these fields name, or a 400 naming the field (after
    /// `at`, the element's place in a sequence) that does not fit.
    fn fault(&self, at: &str) -> Result<Fault, Problem> {
        let field = |name: &str, why: &str| Problem::field(&format!("{at}{name}"), why);
        // A stale read or omitted fields come alone.
        let alone = [
            ("StaleMs", self.stale_ms.is_some()),
            ("Omit", self.omit.is_some()),
        ];
        if let Some((kind, _)) = alone.iter().find(|(_, given)| *given) {
            if let Some(other) = self.fields().into_iter().find(|name| name != kind) {
                return Err(field(other, &format!("{kind} takes no other fault field")));
            }
            if let Some(ms) = self.stale_ms {
                return Ok(Fault::Stale {
                    lag: StdDuration::from_millis(ms),
                });
            }
            return self
                .omitted()
                .map(Fault::Omit)
                .map_err(|why| field("Omit", why));
        }
        if let Some(ms) = self.commit_after_ms {
            if self.acted.is_some() {
                return Err(field(
                    "Acted",
                    "a commit-later fault acts after its answer: give no acted",
                ));
            }
            if self.latency_ms.is_some() {
                return Err(field("LatencyMs", "a commit-later fault has no latency"));
            }
            let Some(answer) = self.bad_answer(at)? else {
                return Err(field(
                    "Answer",
                    "a commit-later fault needs its answer (and a status for \"status\")",
                ));
            };
            return Ok(Fault::CommitLater {
                after: StdDuration::from_millis(ms),
                answer,
            });
        }
        let Some(answer) = self.bad_answer(at)? else {
            return match self.latency_ms {
                Some(ms) if self.acted != Some(true) => {
                    Ok(Fault::Latency(StdDuration::from_millis(ms)))
                }
                _ => Err(Problem::bad_request(
                    "give latencyMs alone, or an answer (and a status for \"status\")",
                )),
            };
        };
        if self.latency_ms.is_some() {
            return Err(field("LatencyMs", "a bad answer has no latency"));
        }
        Ok(Fault::Answer {
            acted: self.acted.unwrap_or(false),
            answer,
        })
    }

    /// The bad answer the fields name, if they name one.
    fn bad_answer(&self, at: &str) -> Result<Option<BadAnswer>, Problem> {
        Ok(Some(match (self.answer, self.status) {
            (None | Some(AnswerKind::Status), Some(status)) => BadAnswer::Status {
                status,
                retry_after: self.retry_after,
            },
            (None | Some(AnswerKind::Status), None) => return Ok(None),
            (Some(AnswerKind::Undecodable), None) => BadAnswer::Undecodable,
            (Some(AnswerKind::EmptyObject), None) => BadAnswer::EmptyObject,
            (Some(AnswerKind::CutOff), None) => BadAnswer::CutOff,
            (Some(AnswerKind::Stall), None) => BadAnswer::Stall,
            (Some(AnswerKind::HangUp), None) => BadAnswer::HangUp,
            (Some(_), Some(_)) => {
                return Err(Problem::field(
                    &format!("{at}Status"),
                    "only the \"status\" answer has one",
                ));
            }
        }))
    }

    /// `omit`: `"*"` for everything, or a list of field names.
    fn omitted(&self) -> Result<Omitted, &'static str> {
        const SHAPE: &str =
            "give \"*\" (everything), or a list of field names (\"captures\", \"captures.id\")";
        match &self.omit {
            Some(serde_json::Value::String(all)) if all == "*" => Ok(Omitted::Everything),
            Some(serde_json::Value::Array(names)) => names
                .iter()
                .map(|name| name.as_str().map(str::to_owned).ok_or(SHAPE))
                .collect::<Result<Vec<_>, _>>()
                .map(Omitted::Fields),
            _ => Err(SHAPE),
        }
    }
}

async fn arm(State(app): AppState, Body(request): Body<FaultRequest>) -> Answer<StatusCode> {
    let route = app
        .route(&request.route)
        .map_err(|unknown| Problem::field("Route", unknown.to_string()))?;
    let faults = request.faults()?;
    app.faults
        .arm_all(route, faults)
        .map_err(|refused| match refused {
            FaultError::UnknownRoute(unknown) => Problem::field("Route", unknown.to_string()),
            FaultError::Invalid(why) => Problem::bad_request(why),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn clear(State(app): AppState) -> StatusCode {
    app.faults.clear();
    StatusCode::NO_CONTENT
}
