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

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use dojo_payments::counter::{Counter, Outcome, SessionUpdate, WaitPolicy};
use dojo_payments::types::TerminalSessionId;
use futures_util::StreamExt;
use futures_util::stream;
use tokio::sync::watch;

use super::till::{counter, note, recorded};
use super::{AppState, PageError};
use crate::auth::Staff;
use crate::store::TillSession;

/// How long one page follows a session before it says to reload: longer
/// than a customer's 90 s to present a card and staff's 80 s to check a
/// signature together.
pub const FOLLOW_FOR: Duration = Duration::from_secs(300);

/// How often the session is read: soon after each change (a customer acts
/// in seconds), at most a second apart while nothing moves.
fn policy() -> WaitPolicy {
    WaitPolicy::within(FOLLOW_FOR).polling(Duration::from_millis(250), Duration::from_secs(1))
}

/// The sessions followed live now, by id: one poller each, whose story
/// every stream of the session reads. Twenty tabs (or a script) opening
/// one session's events read Dojo as one does, so no page multiplies the
/// shop's calls against Dojo's rate limits. A poller starts with a
/// session's first stream, and ends when its last stream goes or the
/// session settles; the next stream then starts another.
#[derive(Debug, Clone, Default)]
pub struct Followers(Arc<Mutex<HashMap<String, Arc<watch::Sender<Story>>>>>);

/// What a session's poller has read so far: its events, in order, and the
/// one that ended it.
#[derive(Debug, Default)]
pub struct Story {
    events: Vec<Said>,
    end: Option<Said>,
}

/// One event: its name and its data (on one line).
type Said = (&'static str, String);

impl Followers {
    /// The map, even if a holder of its lock panicked (it holds it for
    /// no call that can).
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<watch::Sender<Story>>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The story of `session`, read by its poller: the running one, or
    /// one started now.
    fn follow(
        &self,
        state: &AppState,
        counter: Counter,
        session: TillSession,
    ) -> watch::Receiver<Story> {
        let mut map = self.map();
        if let Some(story) = map.get(&session.session_id) {
            return story.subscribe();
        }
        let (story, reader) = watch::channel(Story::default());
        let story = Arc::new(story);
        map.insert(session.session_id.clone(), story.clone());
        let poller = Poller {
            state: state.clone(),
            counter,
            session,
            story,
        };
        tokio::spawn(poller.run());
        reader
    }

    /// Forgets the poller of `id` whose story is `story`: when it ended,
    /// or (`if_unread`) when no stream reads it any more. Under the lock a
    /// new stream takes: one that came meanwhile keeps it, and `false`.
    fn forget(&self, id: &str, story: &Arc<watch::Sender<Story>>, if_unread: bool) -> bool {
        let mut map = self.map();
        if if_unread && story.receiver_count() > 0 {
            return false;
        }
        if map.get(id).is_some_and(|kept| Arc::ptr_eq(kept, story)) {
            map.remove(id);
        }
        true
    }
}

/// The one reader of a session for its live view.
struct Poller {
    state: AppState,
    counter: Counter,
    session: TillSession,
    story: Arc<watch::Sender<Story>>,
}

impl Poller {
    /// Follows the session until it settles or its last stream goes.
    async fn run(self) {
        let id = self.session.session_id.clone();
        tokio::select! {
            () = self.follow() => {}
            () = self.unread() => {}
        }
        self.state.live.forget(&id, &self.story, false);
    }

    /// Resolves once no stream reads the story (a stream that came as the
    /// last went keeps it going).
    async fn unread(&self) {
        loop {
            self.story.closed().await;
            if self
                .state
                .live
                .forget(&self.session.session_id, &self.story, true)
            {
                return;
            }
        }
    }

    /// Tells the session's updates as they happen, then where it stands.
    async fn follow(&self) {
        let id = TerminalSessionId::from_wire(self.session.session_id.clone());
        match self.counter.session(&id).await {
            Ok(Outcome::InProgress(running)) => {
                let mut updates = pin!(running.updates(policy()));
                while let Some(update) = updates.next().await {
                    let said = match update {
                        Ok(update) => said_of(&update),
                        Err(error) => trouble(&error),
                    };
                    self.story.send_modify(|story| story.events.push(said));
                }
            }
            Ok(_) => {}
            Err(error) => {
                let end = trouble(&error);
                self.story.send_modify(|story| story.end = Some(end));
                return;
            }
        }
        // Once the updates end: where the session stands, noted for the
        // till's list (and its journal entry settled, if it is over).
        let end = match self.counter.session(&id).await {
            Ok(outcome) => {
                if let Err(error) = note(&self.state, &self.counter, &self.session, &outcome).await
                {
                    eprintln!("till: noting {id}: {error}");
                }
                ("settled", one_line(&outcome.status().to_string()))
            }
            Err(error) => trouble(&error),
        };
        self.story.send_modify(|story| story.end = Some(end));
    }
}

/// One stream's place in its session's story.
struct Reader {
    story: watch::Receiver<Story>,
    sent: usize,
    over: bool,
    poller_gone: bool,
}

impl Reader {
    /// The next event of the story, waited for; `None` after its end.
    async fn next(mut self) -> Option<(Event, Self)> {
        if self.over {
            return None;
        }
        loop {
            let next = {
                let story = self.story.borrow_and_update();
                match (story.events.get(self.sent), &story.end) {
                    (Some(said), _) => Some((said.clone(), false)),
                    (None, Some(end)) => Some((end.clone(), true)),
                    (None, None) => None,
                }
            };
            match next {
                Some(((kind, data), over)) => {
                    self.sent += 1;
                    self.over = over;
                    return Some((Event::default().event(kind).data(data), self));
                }
                None if self.poller_gone => {
                    // Its poller stopped without an end (the runtime
                    // shutting down): the page says to reload.
                    self.over = true;
                    let (kind, data) = stopped();
                    return Some((Event::default().event(kind).data(data), self));
                }
                None => self.poller_gone = self.story.changed().await.is_err(),
            }
        }
    }
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
    let story = state.live.follow(&state, counter, session);
    let reader = Reader {
        story,
        sent: 0,
        over: false,
        poller_gone: false,
    };
    let stream = stream::unfold(reader, Reader::next).map(Ok::<_, Infallible>);
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
fn said_of(update: &SessionUpdate) -> Said {
    let kind = match update {
        SessionUpdate::Status { .. } => "status",
        _ => "notice",
    };
    (kind, one_line(&update.till_message()))
}

/// The event saying the live view stopped, because Dojo could not be read.
fn trouble(error: &dojo_payments::Error) -> Said {
    let why = format!("Dojo could not be read ({error}): reload the page.");
    ("trouble", one_line(&why))
}

/// The event saying the live view stopped, for no word of Dojo's.
fn stopped() -> Said {
    (
        "trouble",
        "The live view stopped: reload the page.".to_owned(),
    )
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
