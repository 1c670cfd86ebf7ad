//! Waiting on a terminal session: Dojo sends no webhooks for sessions, so
//! the SDK polls `GET /terminal-sessions/{id}`, sooner after a change (a
//! customer at the terminal acts in seconds) and less often while nothing
//! moves, never past the deadline.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{
    self, TerminalSessionNotificationType as Notice, TerminalSessionStatus as Status,
};
use dojo_payments_types::Open;
use futures_util::Stream;
use tokio::time::Instant;

use super::Counter;
use crate::Result;

/// How to wait on a session: the first interval between reads (and the one
/// after each change), the longest, and the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitPolicy {
    /// The first interval, and the one after a read that showed a change.
    pub first_interval: Duration,
    /// The interval doubles while nothing changes, up to this.
    pub max_interval: Duration,
    /// How long to wait in all. Long enough for a customer (90 s to
    /// present a card) and an operator's signature check (80 s) by default.
    pub deadline: Duration,
}

impl Default for WaitPolicy {
    /// 250 ms, then up to 2 s between reads; 5 minutes in all.
    fn default() -> Self {
        Self {
            first_interval: Duration::from_millis(250),
            max_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(300),
        }
    }
}

impl WaitPolicy {
    /// The default intervals, with deadline `deadline`.
    pub fn within(deadline: Duration) -> Self {
        Self {
            deadline,
            ..Self::default()
        }
    }

    /// Reads every `first` at first (and after each change), backing off
    /// to `max`.
    pub fn polling(mut self, first: Duration, max: Duration) -> Self {
        self.first_interval = first;
        self.max_interval = max.max(first);
        self
    }
}

/// One thing a till shows: a new status of the session, or a new
/// notification of the terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionUpdate {
    /// The session's status changed.
    Status {
        /// The new status (a status Dojo adds later is `Open::Unknown`).
        status: Open<Status>,
        /// When.
        at: Option<DateTime<Utc>>,
    },
    /// The terminal shows something to the customer.
    Notification {
        /// What (a notification Dojo adds later is `Open::Unknown`).
        notification: Open<Notice>,
        /// When.
        at: Option<DateTime<Utc>>,
    },
}

impl SessionUpdate {
    /// A line for the till's screen.
    pub fn till_message(&self) -> String {
        match self {
            Self::Status { status, .. } => match status {
                Open::Known(status) => status_message(*status).to_owned(),
                Open::Unknown(other) => format!("Status: {other}"),
            },
            Self::Notification { notification, .. } => match notification {
                Open::Known(notice) => notice_message(*notice).to_owned(),
                Open::Unknown(other) => format!("Terminal: {other}"),
            },
        }
    }
}

fn status_message(status: Status) -> &'static str {
    match status {
        Status::InitiateRequested => "Sending to the terminal…",
        Status::Initiated => "On the terminal",
        Status::Authorized => "Authorized",
        Status::Captured => "Paid",
        Status::CancelRequested => "Canceling…",
        Status::Canceled => "Canceled",
        Status::SignatureVerificationAccepted => "Signature accepted",
        Status::SignatureVerificationRejected => "Signature rejected: payment reversed",
        Status::SignatureVerificationRequired => "Check the customer's signature",
        Status::Expired => "Timed out",
        Status::Declined => "Declined",
    }
}

fn notice_message(notice: Notice) -> &'static str {
    match notice {
        Notice::Approved => "Approved",
        Notice::Declined => "Declined",
        Notice::InsertCard => "Insert card",
        Notice::EnterPin => "Enter PIN",
        Notice::PleaseWait => "Please wait",
        Notice::PresentCard => "Present card",
        Notice::PresentOnlyOneCard => "Present only one card",
        Notice::RemoveCard => "Remove card",
        Notice::CardUnsupported => "Card not supported",
        Notice::CardError => "Card error",
        Notice::ReEnterCard => "Re-enter card",
    }
}

/// Whether waiting ends at `session`: it is over, it waits for the
/// operator, or its status is one this SDK does not know.
fn settled(session: &types::TerminalSession) -> bool {
    ends_waiting(&super::session::deciding_status(session))
}

/// Whether a session in `status` is over, waits for the operator, or is
/// in a status this SDK does not know.
fn ends_waiting(status: &Open<Status>) -> bool {
    match *status {
        Open::Known(status) => !matches!(
            status,
            Status::InitiateRequested
                | Status::Initiated
                | Status::CancelRequested
                | Status::SignatureVerificationAccepted
        ),
        Open::Unknown(_) => true,
    }
}

/// The polling of one session.
struct Poller {
    counter: Counter,
    last: types::TerminalSession,
    seen_statuses: usize,
    seen_notices: usize,
    interval: Duration,
    policy: WaitPolicy,
    deadline: Instant,
    buffer: VecDeque<SessionUpdate>,
}

impl Poller {
    fn new(counter: Counter, first: types::TerminalSession, policy: WaitPolicy) -> Self {
        let mut poller = Self {
            counter,
            last: first.clone(),
            seen_statuses: 0,
            seen_notices: 0,
            interval: policy.first_interval,
            policy,
            deadline: Instant::now() + policy.deadline,
            buffer: VecDeque::new(),
        };
        poller.absorb(first);
        poller
    }

    /// Notes what `read` shows that was not seen; whether anything was new.
    ///
    /// New events come in time order; at the same instant a status that
    /// ends the waiting comes after the notifications (Approved, then
    /// Captured), and any other status before them (Initiated, then
    /// PresentCard).
    fn absorb(&mut self, read: types::TerminalSession) -> bool {
        let mut fresh: Vec<(Option<DateTime<Utc>>, u8, SessionUpdate)> = Vec::new();
        for event in read.status_events.iter().skip(self.seen_statuses) {
            let rank = if ends_waiting(&event.status) { 2 } else { 0 };
            fresh.push((
                event.created_at.instant(),
                rank,
                SessionUpdate::Status {
                    status: event.status.clone(),
                    at: event.created_at.instant(),
                },
            ));
        }
        for event in read.notification_events.iter().skip(self.seen_notices) {
            fresh.push((
                event.created_at.instant(),
                1,
                SessionUpdate::Notification {
                    notification: event.notification_type.clone(),
                    at: event.created_at.instant(),
                },
            ));
        }
        // A stable sort: events of one kind keep Dojo's order.
        fresh.sort_by_key(|(at, rank, _)| (*at, *rank));
        let mut new = !fresh.is_empty();
        self.buffer
            .extend(fresh.into_iter().map(|(_, _, update)| update));
        self.seen_statuses = self.seen_statuses.max(read.status_events.len());
        self.seen_notices = self.seen_notices.max(read.notification_events.len());
        if self.last.status != read.status && read.status_events.len() <= self.seen_statuses {
            // A status change without an event to show it.
            if !new {
                self.buffer.push_back(SessionUpdate::Status {
                    status: read.status.clone(),
                    at: read.updated_at.instant(),
                });
            }
            new = true;
        }
        self.last = read;
        new
    }

    /// Reads the session once more, after the interval; `false` when
    /// waiting is over (settled, or the deadline passed).
    async fn step(&mut self) -> Result<bool> {
        if settled(&self.last) {
            return Ok(false);
        }
        let now = Instant::now();
        if now >= self.deadline {
            return Ok(false);
        }
        tokio::time::sleep(self.interval.min(self.deadline - now)).await;
        let read = self.counter.calls().session(&self.last.id).await?;
        self.interval = if self.absorb(read) {
            self.policy.first_interval
        } else {
            (self.interval * 2).min(self.policy.max_interval)
        };
        Ok(true)
    }
}

impl Counter {
    /// What the till has shown of a session so far, as read: each status
    /// and notification of `outcome`'s last read, in the order
    /// [`super::TerminalSession::updates`] yields them first. For a page
    /// drawn after the fact (a reload, a session already over), which has
    /// no stream to follow; nothing is read from Dojo.
    pub fn history(&self, outcome: &super::Outcome) -> Vec<SessionUpdate> {
        let poller = Poller::new(self.clone(), outcome.data().clone(), WaitPolicy::default());
        poller.buffer.into()
    }
}

/// The updates of session `first` as a stream (see
/// `TerminalSession::updates`); an error ends it.
pub(super) fn updates(
    counter: Counter,
    first: types::TerminalSession,
    policy: WaitPolicy,
) -> impl Stream<Item = Result<SessionUpdate>> + Send + 'static {
    let poller = Poller::new(counter, first, policy);
    futures_util::stream::try_unfold(poller, |mut poller| async move {
        loop {
            if let Some(update) = poller.buffer.pop_front() {
                return Ok(Some((update, poller)));
            }
            if !poller.step().await? {
                return Ok(None);
            }
        }
    })
}

/// Polls session `first` until it settles or the deadline passes; the last
/// read.
pub(super) async fn until_settled(
    counter: &Counter,
    first: types::TerminalSession,
    policy: WaitPolicy,
) -> Result<types::TerminalSession> {
    let mut poller = Poller::new(counter.clone(), first, policy);
    while poller.step().await? {
        poller.buffer.clear();
    }
    Ok(poller.last)
}
