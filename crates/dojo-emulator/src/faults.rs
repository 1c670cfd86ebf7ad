//! Faults on demand, per route.

use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use crate::App;
use crate::problem::Problem;
use crate::server::Hangup;

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
    route: String,
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

    fn record(&self, route: &str) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= Self::CAPACITY {
            log.pop_front();
        }
        log.push_back(route.to_owned());
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
    pub fn arm(&self, route: &str, fault: Fault, times: usize) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(Rule {
            route: route.to_owned(),
            fault,
            remaining: times,
        });
    }

    /// Disarms every fault.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn take(&self, route: &str) -> Option<Fault> {
        let mut rules = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let index = rules
            .iter()
            .position(|r| r.route == route && r.remaining > 0)?;
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
        .map(|p| format!("{} {}", request.method(), p.as_str()));
    if let Some(route) = &route {
        match request.extensions().get::<PciHost>() {
            Some(_) => app.requests.record(&format!("pci {route}")),
            None => app.requests.record(route),
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
