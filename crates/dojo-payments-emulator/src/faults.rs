//! Faults on demand, per route, and the log of routes called.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::problem::Problem;
use crate::server::Hangup;

/// A route the emulator serves, named by method and the document's path
/// template: `POST /payment-intents/{paymentIntentId}/refunds`. Made only
/// from the router's own list, so a fault cannot aim at a route that does
/// not exist ([`crate::Emulator::route`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route(String);

impl Route {
    pub(crate) fn new(method: &Method, template: &str) -> Self {
        Self(format!("{method} {template}"))
    }

    /// `POST /payment-intents/{paymentIntentId}/refunds`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A route name the emulator does not serve: a typo, which would otherwise
/// be a fault that silently never fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRoute {
    /// The name given.
    pub name: String,
}

impl fmt::Display for UnknownRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a route the emulator serves; name one by method and the document's path template, as \"POST /payment-intents/{{paymentIntentId}}/refunds\"",
            self.name
        )
    }
}

impl std::error::Error for UnknownRoute {}

/// What to do to the matching calls: every way an answer can go wrong
/// that a client must survive, each with the change made or not.
///
/// ```
/// use dojo_payments_emulator::{BadAnswer, Fault};
/// // Dojo makes the capture, then answers 500: the client must not take
/// // the 500 for "nothing happened".
/// let fault = Fault::Answer { acted: true, answer: BadAnswer::Status { status: 500, retry_after: None } };
/// assert_eq!(fault, Fault::fail_after_commit(500));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long (at most [`Fault::MAX_DELAY`]), then act and answer
    /// as usual.
    Latency(Duration),
    /// Make the change (`acted`) or not, then answer `answer` instead of
    /// the real answer.
    Answer {
        /// Whether the change is made, and committed, before the answer.
        acted: bool,
        /// What the client gets.
        answer: BadAnswer,
    },
}

/// An answer that is not the one the document promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadAnswer {
    /// This status (200–599) with a problem document, and `Retry-After`
    /// when given: a 5xx, a 429, or a status the document does not list.
    Status {
        /// The status.
        status: u16,
        /// Seconds for `Retry-After`.
        retry_after: Option<u64>,
    },
    /// 200 with a body that is not the document's JSON.
    Undecodable,
    /// 200 and the start of a body, then the connection closes mid-way.
    CutOff,
    /// Nothing at all: the connection is held open until the client gives
    /// up (and closed after [`Fault::MAX_STALL`] at the most).
    Stall,
    /// The connection closes with nothing sent.
    HangUp,
}

impl BadAnswer {
    /// Every kind of bad answer, with `status` for the one that has a
    /// status: what a test iterates over.
    pub fn every(status: u16) -> [Self; 5] {
        [
            Self::Status {
                status,
                retry_after: None,
            },
            Self::Undecodable,
            Self::CutOff,
            Self::Stall,
            Self::HangUp,
        ]
    }
}

impl Fault {
    /// The longest [`Fault::Latency`] served; a longer one is refused.
    pub const MAX_DELAY: Duration = Duration::from_secs(60);
    /// The longest a [`BadAnswer::Stall`] holds a connection.
    pub const MAX_STALL: Duration = Duration::from_secs(60);

    /// Answer `status` without acting (nothing changes).
    pub fn fail(status: u16) -> Self {
        Self::Answer {
            acted: false,
            answer: BadAnswer::Status {
                status,
                retry_after: None,
            },
        }
    }

    /// Act (the change is made), then answer `status`.
    pub fn fail_after_commit(status: u16) -> Self {
        Self::Answer {
            acted: true,
            answer: BadAnswer::Status {
                status,
                retry_after: None,
            },
        }
    }

    /// Act, then close the connection without answering: the client cannot
    /// tell whether anything happened.
    pub fn drop_after_commit() -> Self {
        Self::Answer {
            acted: true,
            answer: BadAnswer::HangUp,
        }
    }

    /// Close the connection without acting.
    pub fn drop_before_commit() -> Self {
        Self::Answer {
            acted: false,
            answer: BadAnswer::HangUp,
        }
    }

    /// Why the emulator would not serve this fault, if it would not.
    fn refusal(&self) -> Option<String> {
        match self {
            Self::Latency(delay) if *delay > Self::MAX_DELAY => Some(format!(
                "a latency of {delay:?} is more than the {:?} the emulator waits",
                Self::MAX_DELAY
            )),
            Self::Answer {
                answer: BadAnswer::Status { status, .. },
                ..
            } if !(200..=599).contains(status) => {
                Some(format!("{status} is not a final HTTP status (200–599)"))
            }
            _ => None,
        }
    }
}

/// Why a fault was not armed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultError {
    /// The route is not one the emulator serves.
    UnknownRoute(UnknownRoute),
    /// The fault cannot be served as asked (a status outside 200–599, a
    /// latency over [`Fault::MAX_DELAY`]).
    Invalid(String),
}

impl fmt::Display for FaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownRoute(unknown) => unknown.fmt(f),
            Self::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for FaultError {}

impl From<UnknownRoute> for FaultError {
    fn from(unknown: UnknownRoute) -> Self {
        Self::UnknownRoute(unknown)
    }
}

#[derive(Debug, Clone)]
struct Rule {
    route: Route,
    fault: Fault,
    remaining: usize,
}

/// Marks the PCI host's requests, so the log can tell its `POST
/// /setup-intents` from the api host's.
#[derive(Debug, Clone, Copy)]
pub struct PciHost;

/// The routes called, newest last (`"POST /payment-intents"`; the PCI
/// host's prefixed: `"pci POST /setup-intents"`), so that a test
/// can see what reached the emulator, and what did not. Bounded: the oldest
/// are forgotten past [`RequestLog::CAPACITY`].
#[derive(Debug, Default)]
pub struct RequestLog(Mutex<std::collections::VecDeque<(String, Option<String>)>>);

impl RequestLog {
    /// How many routes are remembered.
    pub const CAPACITY: usize = 10_000;

    fn record(&self, route: String, account: Option<String>) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= Self::CAPACITY {
            log.pop_front();
        }
        log.push_back((route, account));
    }

    /// The routes called so far.
    pub fn routes(&self) -> Vec<String> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().map(|(route, _)| route.clone()).collect()
    }

    /// The routes called so far, each with its caller's account.
    pub fn entries(&self) -> Vec<(String, Option<String>)> {
        let log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect()
    }
}

/// The faults armed, by route (`"POST /payment-intents/{paymentIntentId}/refunds"`,
/// the method and the document's path template).
#[derive(Debug, Default)]
pub struct Faults(Mutex<Vec<Rule>>);

impl Faults {
    /// How many faults may be armed at once (each is kept until used up).
    pub const MAX_RULES: usize = 10_000;

    /// Applies `fault` to the next `times` calls of `route`, unless the
    /// fault cannot be served as asked.
    pub fn arm(&self, route: Route, fault: Fault, times: usize) -> Result<(), FaultError> {
        if let Some(why) = fault.refusal() {
            return Err(FaultError::Invalid(why));
        }
        let mut rules = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if rules.len() >= Self::MAX_RULES {
            return Err(FaultError::Invalid(format!(
                "{} faults are armed already: disarm some first",
                Self::MAX_RULES
            )));
        }
        rules.push(Rule {
            route,
            fault,
            remaining: times,
        });
        Ok(())
    }

    /// Disarms every fault.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn take(&self, route: &Route) -> Option<Fault> {
        let mut rules = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let index = rules
            .iter()
            .position(|r| &r.route == route && r.remaining > 0)?;
        rules[index].remaining -= 1;
        let fault = rules[index].fault.clone();
        rules.retain(|r| r.remaining > 0);
        Some(fault)
    }
}

/// Middleware: logs the call's route, and applies the armed fault for it,
/// if any.
pub async fn inject(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
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
    }
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
