//! `/_emulator/terminals…`: the card machines at the counter and their
//! customers, over HTTP (what `Emulator::terminal` does from Rust).
//!
//! | call | does |
//! | --- | --- |
//! | `GET /_emulator/terminals` | `{"terminals": [{"id", "tid", "account", "status", "auto", "session"}]}`: every terminal made so far (the default account's at least) |
//! | `POST /_emulator/terminals` `{"id", "tid"?, "location"?, "auto"?, "offline"?}` | `{"id"}`: one more terminal (an id of at most 64 characters, not a default set's: 400 otherwise) |
//! | `POST /_emulator/terminals/{id}/present-card` `{"cardNumber", "expiryDate"?, "method"?: "chip" \| "contactless" \| "contactless-over-limit" \| "swipe"}` | `{"outcome": "approved" \| "declined" \| "signature-required"}` |
//! | `POST /_emulator/terminals/{id}/card-problem` `{"problem": "CardError" \| "CardUnsupported" \| "PresentOnlyOneCard"}` | the terminal says so and waits for a card again |
//! | `POST /_emulator/terminals/{id}/tip` `{"value", "currencyCode"}` | the customer adds a gratuity (the intent must allow tips) |
//! | `POST /_emulator/terminals/{id}/walk-away` | the session expires now |
//! | `POST /_emulator/terminals/{id}/offline`, `…/online` | the terminal loses or regains its connection |

use std::sync::Arc;

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use dojo_payments_types::{LocationId, Money};
use serde::{Deserialize, Serialize};

use super::{AppState, PathParam};
use crate::app::App;
use crate::cards::Card;
use crate::problem::{Answer, Problem};
use crate::store::counter::{CardProblem, Presentation, TerminalOutcome};
use crate::terminal::NewTerminal;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/_emulator/terminals", get(list).post(add))
        .route("/_emulator/terminals/{id}/present-card", post(present))
        .route("/_emulator/terminals/{id}/card-problem", post(problem))
        .route("/_emulator/terminals/{id}/tip", post(tip))
        .route("/_emulator/terminals/{id}/walk-away", post(walk_away))
        .route("/_emulator/terminals/{id}/offline", post(offline))
        .route("/_emulator/terminals/{id}/online", post(online))
}

/// A control call's JSON body, or a 400 naming what is wrong with it.
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

#[derive(Serialize)]
struct Listed {
    terminals: Vec<TerminalView>,
}

#[derive(Serialize)]
struct TerminalView {
    id: String,
    tid: String,
    account: String,
    status: String,
    auto: bool,
    session: Option<String>,
}

async fn list(State(app): AppState) -> Json<Listed> {
    let terminals = app.apply(|store, now| store.terminals(now));
    Json(Listed {
        terminals: terminals
            .into_iter()
            .map(|t| TerminalView {
                status: t.status().to_string(),
                id: t.id.to_string(),
                tid: t.tid,
                account: t.account,
                auto: t.auto,
                session: t.session.map(|s| s.to_string()),
            })
            .collect(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Add {
    id: String,
    tid: Option<String>,
    location: Option<String>,
    #[serde(default)]
    auto: bool,
    #[serde(default)]
    offline: bool,
}

#[derive(Serialize)]
struct Added {
    id: String,
}

async fn add(State(app): AppState, Body(request): Body<Add>) -> Answer<Json<Added>> {
    let mut terminal = NewTerminal::new(request.id);
    if let Some(tid) = request.tid {
        terminal = terminal.tid(tid);
    }
    if let Some(location) = request.location {
        let name = LocationId::new(location)
            .map_err(|e| Problem::field("Location", e.rule().to_owned()))?;
        terminal = terminal.at(name);
    }
    if request.auto {
        terminal = terminal.auto();
    }
    if request.offline {
        terminal = terminal.offline();
    }
    let id = terminal.add(&app)?;
    Ok(Json(Added { id: id.to_string() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Method {
    Chip,
    Contactless,
    ContactlessOverLimit,
    Swipe,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Present {
    card_number: String,
    expiry_date: Option<String>,
    method: Option<Method>,
}

#[derive(Serialize)]
struct Outcome {
    outcome: &'static str,
}

async fn present(
    State(app): AppState,
    PathParam(id): PathParam<String>,
    Body(request): Body<Present>,
) -> Answer<Json<Outcome>> {
    let card = Card::parse(&request.card_number, request.expiry_date.as_deref())?;
    let how = match request.method.unwrap_or(Method::Chip) {
        Method::Chip => Presentation::Chip,
        Method::Contactless => Presentation::Contactless,
        Method::ContactlessOverLimit => Presentation::ContactlessOverLimit,
        Method::Swipe => Presentation::Swipe,
    };
    let outcome = app.commit(|store, now| store.present_card(&id, card, how, now))?;
    Ok(Json(Outcome {
        outcome: match outcome {
            TerminalOutcome::Approved => "approved",
            TerminalOutcome::Declined => "declined",
            TerminalOutcome::SignatureRequired => "signature-required",
        },
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Problemed {
    problem: Kind,
}

#[derive(Deserialize)]
enum Kind {
    CardError,
    CardUnsupported,
    PresentOnlyOneCard,
}

async fn problem(
    State(app): AppState,
    PathParam(id): PathParam<String>,
    Body(request): Body<Problemed>,
) -> Answer<StatusCode> {
    let problem = match request.problem {
        Kind::CardError => CardProblem::CardError,
        Kind::CardUnsupported => CardProblem::CardUnsupported,
        Kind::PresentOnlyOneCard => CardProblem::PresentOnlyOneCard,
    };
    app.commit(|store, now| store.card_problem(&id, problem, now))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn tip(
    State(app): AppState,
    PathParam(id): PathParam<String>,
    Body(tips): Body<Money>,
) -> Answer<StatusCode> {
    app.commit(|store, now| store.add_tip(&id, tips, now))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn walk_away(State(app): AppState, PathParam(id): PathParam<String>) -> Answer<StatusCode> {
    app.commit(|store, now| store.walk_away(&id, now))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn offline(State(app): AppState, PathParam(id): PathParam<String>) -> Answer<StatusCode> {
    app.commit(|store, now| store.set_terminal_online(&id, false, now))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn online(State(app): AppState, PathParam(id): PathParam<String>) -> Answer<StatusCode> {
    app.commit(|store, now| store.set_terminal_online(&id, true, now))?;
    Ok(StatusCode::NO_CONTENT)
}
