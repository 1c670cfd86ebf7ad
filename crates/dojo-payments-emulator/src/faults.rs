//! Faults on demand, per route: what can be armed ([`Fault`], a
//! [`BadAnswer`], fields [`Omitted`]) and the table of armed faults
//! ([`Faults`]). The route a fault aims at is `route.rs`; the log of routes
//! called, `request_log.rs`; the middleware that applies the armed fault to
//! a call, `inject.rs`.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

mod inject;
mod request_log;
mod route;

pub use inject::inject;
pub use request_log::{PciHost, RequestLog};
pub use route::{Route, UnknownRoute};

/// What to do to the matching calls: every way an answer can go wrong
/// that a client must survive, each with the change made or not, and the
/// ways a distributed system answers a read (late, or in part).
///
/// ```
/// use dojo_payments_emulator::{BadAnswer, Fault};
/// // Dojo makes the capture, then answers 500: the client must not take
/// // the 500 for "nothing happened".
/// let fault = Fault::Answer { acted: true, answer: BadAnswer::Status { status: 500, retry_after: None } };
/// assert_eq!(fault, Fault::fail_after_commit(500));
/// ```
///
/// Several faults armed on one route fire in the order they were armed,
/// each for its `times` calls before the next
/// ([`crate::Emulator::inject_fault`]): "the first attempt one way, the
/// retry another" is two faults armed in turn, or one
/// [`crate::Emulator::inject_faults`].
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
    /// A read that lags: the record as it was `lag` ago (real, monotonic
    /// time; at most [`Fault::MAX_LAG`]), or a 404 if it did not exist
    /// yet. Served on the reads of [`Fault::STALE_ROUTES`] only; armed on
    /// another route, it is refused.
    Stale {
        /// How far behind the read is.
        lag: Duration,
    },
    /// The real answer (the change made as usual), with JSON fields left
    /// out. Only a success with a JSON body is changed; a refusal, or an
    /// answer with no body, comes as it is.
    Omit(Omitted),
    /// A change committed only after the answer was sent: the client gets
    /// `answer` at once, and the request is handled, its change committed,
    /// `after` later (at most [`Fault::MAX_DELAY`]), whatever became of the
    /// connection. Disarming faults does not recall a commit already
    /// promised; dropping the [`crate::Emulator`] does.
    CommitLater {
        /// How long after the answer the change is committed.
        after: Duration,
        /// What the client gets at once.
        answer: BadAnswer,
    },
}

/// The fields a [`Fault::Omit`] leaves out of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Omitted {
    /// These fields: a name is a top-level key (`"refundedAmount"`); a
    /// dotted path (`"captures.id"`) walks into objects, and into every
    /// element of an array on the way. A field the answer lacks is no
    /// error. At most [`Omitted::MAX_FIELDS`], none empty.
    Fields(Vec<String>),
    /// All of them: the answer is `{}`, with its real success status.
    Everything,
}

impl Omitted {
    /// The most fields one fault may name.
    pub const MAX_FIELDS: usize = 100;
    /// The longest path one field may be, in bytes.
    pub const MAX_FIELD_LEN: usize = 200;

    /// [`Omitted::Fields`] from any names.
    ///
    /// ```
    /// use dojo_payments_emulator::{Fault, Omitted};
    /// let fault = Fault::Omit(Omitted::fields(["captures", "refundedAmount"]));
    /// # let _ = fault;
    /// ```
    pub fn fields<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::Fields(names.into_iter().map(Into::into).collect())
    }

    /// Why these fields cannot be left out, if they cannot.
    fn refusal(&self) -> Option<String> {
        let Self::Fields(fields) = self else {
            return None;
        };
        if fields.is_empty() {
            return Some("name at least one field to omit, or omit everything".to_owned());
        }
        if fields.len() > Self::MAX_FIELDS {
            return Some(format!(
                "{} fields to omit are more than the {} a fault may name",
                fields.len(),
                Self::MAX_FIELDS
            ));
        }
        fields.iter().find_map(|field| {
            if field.len() > Self::MAX_FIELD_LEN {
                Some(format!(
                    "a field to omit is longer than {} bytes",
                    Self::MAX_FIELD_LEN
                ))
            } else if field.split('.').any(str::is_empty) {
                Some(format!(
                    "{field:?} is not a field: name a key, or a dotted path of keys (\"captures.id\")"
                ))
            } else {
                None
            }
        })
    }

    /// Leaves the fields out of `value`.
    fn apply(&self, value: &mut serde_json::Value) {
        match self {
            Self::Everything => *value = serde_json::Value::Object(serde_json::Map::new()),
            Self::Fields(fields) => {
                for field in fields {
                    let path: Vec<&str> = field.split('.').collect();
                    remove_path(value, &path);
                }
            }
        }
    }
}

/// Removes `path` from `value`: a key of an object, walking into objects
/// by the path's first keys, and into every element of an array.
fn remove_path(value: &mut serde_json::Value, path: &[&str]) {
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                remove_path(item, path);
            }
        }
        serde_json::Value::Object(map) => match path {
            [] => {}
            [key] => {
                map.remove(*key);
            }
            [key, rest @ ..] => {
                if let Some(child) = map.get_mut(*key) {
                    remove_path(child, rest);
                }
            }
        },
        _ => {}
    }
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
    /// 200 with `{}`: JSON that decodes (every field of an answer is
    /// optional) but carries nothing, not even the created object's id.
    /// With `acted: false`, a success that proves nothing, when nothing
    /// was done.
    EmptyObject,
    /// 200 and the start of a body, then the connection closes mid-way.
    CutOff,
    /// Nothing at all: the connection is held open until the client gives
    /// up (and closed after [`Fault::MAX_STALL`] at the most).
    Stall,
    /// The connection closes with nothing sent.
    HangUp,
}

impl BadAnswer {
    /// Why the emulator would not serve this answer, if it would not.
    fn refusal(&self) -> Option<String> {
        match self {
            Self::Status { status, .. } if !(200..=599).contains(status) => {
                Some(format!("{status} is not a final HTTP status (200–599)"))
            }
            _ => None,
        }
    }

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
    /// The longest a [`Fault::Stale`] read lags; a longer lag is refused
    /// (and versions older than this are forgotten).
    pub const MAX_LAG: Duration = Duration::from_secs(60);
    /// The routes a [`Fault::Stale`] is served on: the reads of payment and
    /// setup intents.
    pub const STALE_ROUTES: [&'static str; 2] = [
        "GET /payment-intents/{paymentIntentId}",
        "GET /setup-intents/{setupIntentId}",
    ];

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

    /// Why the emulator would not serve this fault on `route`, if it would
    /// not.
    fn refusal(&self, route: &Route) -> Option<String> {
        match self {
            Self::Latency(delay) if *delay > Self::MAX_DELAY => Some(format!(
                "a latency of {delay:?} is more than the {:?} the emulator waits",
                Self::MAX_DELAY
            )),
            Self::Latency(_) => None,
            Self::Answer { answer, .. } => answer.refusal(),
            Self::Stale { lag } if *lag > Self::MAX_LAG => Some(format!(
                "a lag of {lag:?} is more than the {:?} the emulator remembers",
                Self::MAX_LAG
            )),
            Self::Stale { .. } if !Self::STALE_ROUTES.contains(&route.as_str()) => Some(format!(
                "a stale read is served only on {}, not on {route}",
                Self::STALE_ROUTES.join(" and ")
            )),
            Self::Stale { .. } => None,
            Self::Omit(omitted) => omitted.refusal(),
            Self::CommitLater { after, .. } if *after > Self::MAX_DELAY => Some(format!(
                "a commit {after:?} later is more than the {:?} the emulator waits",
                Self::MAX_DELAY
            )),
            Self::CommitLater { answer, .. } => answer.refusal(),
        }
    }
}

/// Why a fault was not armed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultError {
    /// The route is not one the emulator serves.
    UnknownRoute(UnknownRoute),
    /// The fault cannot be served as asked (a status outside 200–599, a
    /// latency or a later commit over [`Fault::MAX_DELAY`], a lag over
    /// [`Fault::MAX_LAG`] or on a route not in [`Fault::STALE_ROUTES`], no
    /// field to omit).
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

/// The faults armed, by route (`"POST /payment-intents/{paymentIntentId}/refunds"`,
/// the method and the document's path template), and the commits they
/// promised for later.
///
/// The faults of one route fire in the order they were armed, each for
/// all its `times` calls before the next: the rules are kept in one list,
/// in the order armed, and a call takes the first rule of its route that is
/// not used up, under the lock (so of two calls at once, the first to reach
/// it gets the first fault).
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
    /// The [`Fault::CommitLater`] requests still waiting to be handled.
    later: Mutex<tokio::task::JoinSet<()>>,
}

impl Faults {
    /// How many faults may be armed at once (each is kept until used up).
    pub const MAX_RULES: usize = 10_000;

    /// Applies `fault` to the next `times` calls of `route`, after the
    /// faults armed on it before, unless the fault cannot be served as
    /// asked.
    pub fn arm(&self, route: Route, fault: Fault, times: usize) -> Result<(), FaultError> {
        self.arm_all(route, [(fault, times)])
    }

    /// Arms each fault for its `times` calls of `route`, in order, after
    /// the faults armed on it before: all of them, or none if one cannot
    /// be served as asked (the error names which).
    pub fn arm_all(
        &self,
        route: Route,
        faults: impl IntoIterator<Item = (Fault, usize)>,
    ) -> Result<(), FaultError> {
        let faults: Vec<(Fault, usize)> = faults.into_iter().collect();
        for (index, (fault, _)) in faults.iter().enumerate() {
            if let Some(why) = fault.refusal(&route) {
                return Err(FaultError::Invalid(match faults.len() {
                    1 => why,
                    _ => format!("fault {} of the sequence: {why}", index + 1),
                }));
            }
        }
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        if rules.len().saturating_add(faults.len()) > Self::MAX_RULES {
            return Err(FaultError::Invalid(format!(
                "{} faults are armed already, and {} may be: disarm some first",
                rules.len(),
                Self::MAX_RULES
            )));
        }
        rules.extend(faults.into_iter().map(|(fault, times)| Rule {
            route: route.clone(),
            fault,
            remaining: times,
        }));
        Ok(())
    }

    /// Disarms every fault (a commit already promised still lands).
    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The fault for this call of `route`: the first armed of those not
    /// used up.
    fn take(&self, route: &Route) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let index = rules
            .iter()
            .position(|r| &r.route == route && r.remaining > 0)?;
        rules[index].remaining -= 1;
        let fault = rules[index].fault.clone();
        // `retain` keeps the order of the rules left.
        rules.retain(|r| r.remaining > 0);
        Some(fault)
    }

    /// Runs `commit` on its own task, which outlives the connection.
    fn later(&self, commit: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut later = self.later.lock().unwrap_or_else(|e| e.into_inner());
        // Forget the commits done.
        while later.try_join_next().is_some() {}
        later.spawn(commit);
    }

    /// Drops the commits still waiting: the emulator is stopping.
    pub fn abandon_later(&self) {
        self.later
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .abort_all();
    }
}

/// Marks a request whose answer lags ([`Fault::Stale`]): the handler
/// answers with the record as it was this long ago.
#[derive(Debug, Clone, Copy)]
pub struct Lag(pub Duration);
