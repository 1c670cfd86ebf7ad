//! A terminal session as the emulator keeps it, and its state machine.
//! What moves it (the terminal, the customer, the operator, time) is in
//! `store/counter.rs`; this file holds the record and its rules.
//!
//! ```text
//! InitiateRequested ──(terminal picks it up, 200 ms)──▶ Initiated ──card approved──▶ Captured | Authorized
//!   │  (expires after 10 s if the terminal is Offline)    │  ├──card declined──▶ Declined
//!   │                                                      │  ├──(no card in 90 s, walk away)──▶ Expired
//!   ├──cancel──▶ CancelRequested ──(500 ms)──▶ Canceled ◀──┘ cancel (before a card is presented)
//!   │                                                      └──signature card──▶ SignatureVerificationRequired
//!   │                                                              ├──accepted (or 80 s pass)──▶ SignatureVerificationAccepted ──(500 ms)──▶ Captured | Authorized
//!   └──(10 s)──▶ Expired                                           └──rejected──▶ SignatureVerificationRejected (the payment reversed)
//! ```
//!
//! Final: `Captured`, `Authorized`, `Declined`, `Expired`, `Canceled`,
//! `SignatureVerificationRejected`. Dojo's document calls `Captured` the
//! final status of a successful session, while its signature example
//! shows `Captured` followed by `SignatureVerificationAccepted`; the
//! emulator keeps `Captured` final: `SignatureVerificationAccepted` is what
//! the `PUT …/signature` answers, and the session is `Captured` (or
//! `Authorized`) once the terminal has finished, [`SETTLE_AFTER`] later
//! (the README, "Where the emulator differs from Dojo").

use chrono::{DateTime, Duration, Utc};
use dojo_payments_api::api::types::{
    self, TerminalSessionNotificationType as Notice, TerminalSessionStatus as Status,
    TerminalSessionType,
};
use dojo_payments_types::{Open, TerminalId, TerminalSessionId, Timestamp};

/// How long after it is created a session is picked up by an online
/// terminal (`InitiateRequested` → `Initiated`).
pub const INITIATE_AFTER: Duration = Duration::milliseconds(200);
/// How long a session waits to be picked up before it expires (Dojo's
/// create example: `expireAt` 10 s after `createdAt`).
pub const UNCLAIMED_FOR: Duration = Duration::seconds(10);
/// How long the terminal waits for a card (and, once one is presented, for
/// the payment to finish) before the session expires (Dojo's read example:
/// 90 s).
pub const PRESENT_WITHIN: Duration = Duration::seconds(90);
/// How long the operator has to answer a signature request; then Dojo
/// accepts the signature.
pub const SIGNATURE_WINDOW: Duration = Duration::seconds(80);
/// How long the terminal takes to finish a cancel (`CancelRequested` →
/// `Canceled`) or an accepted signature (→ `Captured`).
pub const SETTLE_AFTER: Duration = Duration::milliseconds(500);
/// How long an `auto` terminal waits, once the session is `Initiated`,
/// before its customer presents an approved card.
pub const AUTO_DELAY: Duration = Duration::seconds(2);

/// What happens to a session at a time, unless something else happens
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// An online terminal picks the session up.
    Initiate,
    /// An `auto` terminal's customer presents an approved card.
    AutoPresent,
    /// An online terminal finishes a cancel.
    Cancel,
    /// The terminal finishes: the session's final status.
    Finish(Status),
    /// The operator did not answer the signature request: accepted.
    SignatureTimeout,
}

/// A terminal session as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct TerminalSessionRecord {
    session: types::TerminalSession,
    /// The location account whose session it is.
    pub account: String,
    /// A card was presented: too late to cancel.
    pub card_presented: bool,
    /// What happens next by itself, and when.
    pending: Option<(DateTime<Utc>, Pending)>,
}

impl TerminalSessionRecord {
    /// A new session on `terminal_id` for `details`, made by `account`:
    /// `InitiateRequested`, picked up after [`INITIATE_AFTER`].
    pub fn new(
        id: TerminalSessionId,
        terminal_id: TerminalId,
        details: types::TerminalSessionDetails,
        account: String,
        now: DateTime<Utc>,
    ) -> Self {
        let first = Status::InitiateRequested;
        Self {
            session: types::TerminalSession {
                id,
                terminal_id,
                details: Some(details),
                status: Open::Known(first),
                status_events: vec![status_event(first, now)],
                notification_events: Vec::new(),
                created_at: Timestamp::new(now),
                updated_at: Timestamp::new(now),
                expire_at: Timestamp::new(now + UNCLAIMED_FOR),
                payment_details: None,
                receipt: None,
                extra: Default::default(),
            },
            account,
            card_presented: false,
            pending: Some((now + INITIATE_AFTER, Pending::Initiate)),
        }
    }

    /// Its id.
    pub fn id(&self) -> &TerminalSessionId {
        &self.session.id
    }

    /// The terminal it runs on.
    pub fn terminal_id(&self) -> &TerminalId {
        &self.session.terminal_id
    }

    /// What it was created for.
    pub fn details(&self) -> Option<&types::TerminalSessionDetails> {
        self.session.details.as_ref()
    }

    /// Sale, matched or unlinked refund.
    pub fn kind(&self) -> Option<TerminalSessionType> {
        match self.details()?.session_type {
            Open::Known(kind) => Some(kind),
            Open::Unknown(_) => None,
        }
    }

    /// Its status (the emulator only ever sets documented ones).
    pub fn status(&self) -> Status {
        match self.session.status {
            Open::Known(status) => status,
            Open::Unknown(_) => Status::Expired,
        }
    }

    /// Whether nothing more can happen to it.
    pub fn is_final(&self) -> bool {
        is_final(self.status())
    }

    /// Whether it expires at `expireAt`: while waiting for the terminal, a
    /// card or a cancel to finish.
    fn expires(&self) -> bool {
        matches!(
            self.status(),
            Status::InitiateRequested | Status::Initiated | Status::CancelRequested
        )
    }

    /// When `expireAt` is.
    pub fn expire_at(&self) -> DateTime<Utc> {
        self.session.expire_at.instant().unwrap_or_default()
    }

    /// Moves `expireAt`.
    pub fn set_expire_at(&mut self, at: DateTime<Utc>) {
        self.session.expire_at = Timestamp::new(at);
    }

    /// When time alone next changes it, and how: its pending step, or its
    /// expiry if that comes first.
    pub fn next(&self) -> Option<(DateTime<Utc>, Option<Pending>)> {
        if self.is_final() {
            return None;
        }
        let expiry = self.expires().then(|| (self.expire_at(), None));
        let pending = self.pending.map(|(at, step)| (at, Some(step)));
        match (expiry, pending) {
            (Some(e), Some(p)) => Some(if e.0 <= p.0 { e } else { p }),
            (e, p) => e.or(p),
        }
    }

    /// The time of [`Self::next`], for the store's deadlines.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.next().map(|(at, _)| at)
    }

    /// Sets (or clears) what happens next by itself.
    pub fn schedule(&mut self, pending: Option<(DateTime<Utc>, Pending)>) {
        self.pending = pending;
    }

    /// Moves to `to` at `at`, recording it; clears what was pending.
    pub fn set_status(&mut self, to: Status, at: DateTime<Utc>) {
        self.set_status_saying(to, at, String::new());
    }

    /// [`Self::set_status`], with the event's `debugMessage`.
    pub fn set_status_saying(&mut self, to: Status, at: DateTime<Utc>, debug: String) {
        self.session.status = Open::Known(to);
        let mut event = status_event(to, at);
        event.debug_message = debug;
        self.session.status_events.push(event);
        self.session.updated_at = Timestamp::new(at);
        self.pending = None;
    }

    /// The terminal shows `notice` at `at`.
    pub fn notify(&mut self, notice: Notice, at: DateTime<Utc>) {
        self.session
            .notification_events
            .push(types::TerminalSessionNotificationEvent {
                created_at: Timestamp::new(at),
                notification_type: Open::Known(notice),
                extra: Default::default(),
            });
        self.session.updated_at = Timestamp::new(at);
    }

    /// The payment's details, once it is made.
    pub fn set_payment_details(&mut self, details: types::PaymentDetails) {
        self.session.payment_details = Some(details);
    }

    /// As Dojo answers with it.
    pub fn render(&self) -> types::TerminalSession {
        self.session.clone()
    }
}

/// Whether `status` ends a session.
pub fn is_final(status: Status) -> bool {
    matches!(
        status,
        Status::Captured
            | Status::Authorized
            | Status::Declined
            | Status::Expired
            | Status::Canceled
            | Status::SignatureVerificationRejected
    )
}

fn status_event(status: Status, at: DateTime<Utc>) -> types::TerminalSessionStatusEvent {
    types::TerminalSessionStatusEvent {
        status: Open::Known(status),
        created_at: Timestamp::new(at),
        debug_message: String::new(),
        extra: Default::default(),
    }
}
