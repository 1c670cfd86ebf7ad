//! The till's live view: a session's updates as server-sent events, and the
//! small script (`/till.js`, from the shop itself: no inline script, the
//! session's page alone allows `script-src 'self'`) that shows them.
//!
//! Dojo sends no webhooks for terminal sessions: the SDK polls the session
//! ([`dojo_payments::counter::TerminalSession::updates`]), and each status
//! and notification it reads is an event here, from the session's first
//! (a page opened late, or a reconnect, sees the whole story). Events:
//!
//! - `status`: the session's status changed (its words: `On the terminal`);
//! - `notice`: the terminal shows the customer something (`Enter PIN`);
//! - `trouble`: Dojo could not be read (the stream then ends);
//! - `settled`: the stream ends, with Dojo's name of the status it ends at
//!   (`Captured`, `SignatureVerificationRequired`, or still `Initiated`
//!   after [`FOLLOW_FOR`]): the script reloads the page when that is not
//!   the status it was drawn with, so the page offers what may be done now.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use dojo_payments::counter::{Outcome, SessionUpdate, WaitPolicy};
use dojo_payments::types::TerminalSessionId;
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};

use super::till::{counter, note, recorded};
use super::{AppState, PageError};
use crate::auth::Staff;

/// How long one page follows a session before it says to reload: longer
/// than a customer's 90 s to present a card and staff's 80 s to check a
/// signature together.
pub const FOLLOW_FOR: Duration = Duration::from_secs(300);

/// How often the session is read: soon after each change (a customer acts
/// in seconds), at most a second apart while nothing moves.
fn policy() -> WaitPolicy {
    WaitPolicy::within(FOLLOW_FOR).polling(Duration::from_millis(250), Duration::from_secs(1))
}

/// `GET /staff/till/sessions/{id}/events`: the session's updates, as they
/// happen, for as long as it runs (staff; only sessions the till started).
pub async fn events(
    State(state): State<AppState>,
    Staff(_): Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let counter = counter(&state)?.clone();
    let session = recorded(&state, &id).await?;
    let id = TerminalSessionId::from_wire(id);
    let updates: BoxStream<'static, Event> = match counter.session(&id).await? {
        Outcome::InProgress(running) => running
            .updates(policy())
            .map(|update| match update {
                Ok(update) => event_of(&update),
                Err(error) => trouble(&format!(
                    "Dojo could not be read ({error}): reload the page."
                )),
            })
            .boxed(),
        _ => stream::empty().boxed(),
    };
    // Once the updates end: where the session stands, noted for the till's
    // list (and its journal entry settled, if it is over).
    let settled = stream::once(async move {
        match counter.session(&id).await {
            Ok(outcome) => {
                if let Err(error) = note(&state, &counter, &session, &outcome).await {
                    eprintln!("till: noting {id}: {error}");
                }
                Event::default()
                    .event("settled")
                    .data(one_line(&outcome.status().to_string()))
            }
            Err(error) => trouble(&format!(
                "Dojo could not be read ({error}): reload the page."
            )),
        }
    });
    let stream = updates.chain(settled).map(Ok::<_, Infallible>);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    // A proxy in front (nginx and its kin) would hold the events back to
    // fill its buffer: this stream is read as it is written.
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    Ok(response)
}

/// One update as an event: a status or a notification, in the till's words.
fn event_of(update: &SessionUpdate) -> Event {
    let kind = match update {
        SessionUpdate::Status { .. } => "status",
        _ => "notice",
    };
    Event::default()
        .event(kind)
        .data(one_line(&update.till_message()))
}

/// An event saying the live view stopped, and why.
fn trouble(why: &str) -> Event {
    Event::default().event("trouble").data(one_line(why))
}

/// `text` on one line: an event's data may hold no carriage return (axum
/// would panic on one), and Dojo's words may.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// `GET /till.js`: the live view's script, a file of the shop's (the
/// policy allows no inline script).
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../templates/till.js"),
    )
        .into_response()
}
