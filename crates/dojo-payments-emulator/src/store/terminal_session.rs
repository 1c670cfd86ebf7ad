//! Terminal sessions and their (small) state machine: created
//! `InitiateRequested`, then moved only when the merchant says so.
//!
//! ```text
//! InitiateRequested ──cancel──▶ CancelRequested
//!        └──signature──▶ SignatureVerificationAccepted | …Rejected
//! (no change once Captured, Canceled, Expired or Declined)
//! ```

use chrono::{DateTime, Duration, Utc};
use dojo_payments_api::api::types::{self, TerminalSessionStatus};
use dojo_payments_types::{Open, TerminalSessionId, Timestamp};

use super::refusal::{Action, Outcome, Refusal};

/// How long a terminal session waits for the terminal.
pub const LIFETIME: Duration = Duration::minutes(5);

/// A terminal session as the emulator keeps it: the answer itself.
#[derive(Debug, Clone)]
pub struct TerminalSessionRecord(types::TerminalSession);

impl TerminalSessionRecord {
    /// A new session on `terminal_id` for `details`.
    pub fn new(
        id: TerminalSessionId,
        terminal_id: dojo_payments_types::TerminalId,
        details: types::TerminalSessionDetails,
        now: DateTime<Utc>,
    ) -> Self {
        let first = TerminalSessionStatus::InitiateRequested;
        Self(types::TerminalSession {
            id,
            terminal_id,
            details: Some(details),
            status: Open::Known(first),
            status_events: vec![status_event(first, now)],
            notification_events: Vec::new(),
            created_at: Timestamp::new(now),
            updated_at: Timestamp::new(now),
            expire_at: Timestamp::new(now + LIFETIME),
            payment_details: None,
            receipt: None,
            extra: Default::default(),
        })
    }

    /// Its id.
    pub fn id(&self) -> &TerminalSessionId {
        &self.0.id
    }

    /// Moves to `to`, unless the session is over.
    pub fn move_to(&mut self, to: TerminalSessionStatus, now: DateTime<Utc>) -> Outcome<()> {
        let over = matches!(
            self.0.status,
            Open::Known(
                TerminalSessionStatus::Captured
                    | TerminalSessionStatus::Canceled
                    | TerminalSessionStatus::Expired
                    | TerminalSessionStatus::Declined
            )
        );
        if over {
            return Err(Refusal::state(
                Action::UpdateTerminalSession,
                format!("terminal session {} is {}", self.0.id, self.0.status),
            ));
        }
        self.0.status = Open::Known(to);
        self.0.status_events.push(status_event(to, now));
        self.0.updated_at = Timestamp::new(now);
        Ok(())
    }

    /// As Dojo answers with it.
    pub fn render(&self) -> types::TerminalSession {
        self.0.clone()
    }
}

fn status_event(
    status: TerminalSessionStatus,
    at: DateTime<Utc>,
) -> types::TerminalSessionStatusEvent {
    types::TerminalSessionStatusEvent {
        status: Open::Known(status),
        created_at: Timestamp::new(at),
        debug_message: status.to_string(),
        extra: Default::default(),
    }
}
