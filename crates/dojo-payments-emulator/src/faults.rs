//! Faults on demand, per route, and the log of routes called.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
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

/// What to do to the matching calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with `status` (and `Retry-After`, if given) without acting.
    Fail {
        /// The status, such as 503, 500 or 429.
        status: u16,
        /// Seconds for `Retry-After`.
        retry_after: Option<u64>,
    },
    /// Wait this long, then act normally.
    Latency(Duration),
    /// Act (the change is made), then drop the connection without answering:
    /// the client cannot tell whether anything happened.
    DropAfterCommit,
    /// Drop the connection without acting.
    DropBeforeCommit,
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
pub struct RequestLog(Mutex<std::collections::VecDeque<String>>);

impl RequestLog {
    /// How many routes are remembered.
    pub const CAPACITY: usize = 10_000;

    fn record(&self, entry: String) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= Self::CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// The routes called so far.
    pub fn routes(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

/// The faults armed, by route (`"POST /payment-intents/{paymentIntentId}/refunds"`,
/// the method and the document's path template).
#[derive(Debug, Default)]
pub struct Faults(Mutex<Vec<Rule>>);

impl Faults {
    /// Applies `fault` to the next `times` calls of `route`.
    pub fn arm(&self, route: Route, fault: Fault, times: usize) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(Rule {
            route,
            fault,
            remaining: times,
        });
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
        match request.extensions().get::<PciHost>() {
            Some(_) => app.requests.record(format!("pci {route}")),
            None => app.requests.record(route.to_string()),
        }
    }
    let hangup = request.extensions().get::<Hangup>().cloned();
    let Some(fault) = route.and_then(|r| app.faults.take(&r)) else {
        return next.run(request).await;
    };
    match fault {
        Fault::Fail {
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
        Fault::Latency(delay) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Fault::DropAfterCommit => {
            let _ = next.run(request).await;
            hang_up(hangup).await
        }
        Fault::DropBeforeCommit => hang_up(hangup).await,
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
