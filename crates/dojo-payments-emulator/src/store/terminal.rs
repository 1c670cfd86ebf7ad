//! The terminals: a fixed pair, one available and one offline.

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{self, TerminalStatus};
use dojo_payments_types::{Open, TerminalId, Timestamp};

/// A terminal of the emulated estate.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    /// Its id.
    pub id: &'static str,
    /// Its terminal id (`tid`).
    pub tid: &'static str,
    /// Its status, which never changes.
    pub status: TerminalStatus,
}

/// The emulator's terminals.
pub const TERMINALS: [Terminal; 2] = [
    Terminal {
        id: "tm_sandbox_counter1",
        tid: "22000001",
        status: TerminalStatus::Available,
    },
    Terminal {
        id: "tm_sandbox_counter2",
        tid: "22000002",
        status: TerminalStatus::Offline,
    },
];

impl Terminal {
    /// The terminal `id`, if there is one.
    pub fn find(id: &str) -> Option<&'static Terminal> {
        TERMINALS.iter().find(|t| t.id == id)
    }

    /// As Dojo answers with it.
    pub fn render(&self, now: DateTime<Utc>) -> types::Terminal {
        types::Terminal {
            id: TerminalId::from_wire(self.id),
            properties: types::TerminalProperties {
                tid: self.tid.to_owned(),
                extra: Default::default(),
            },
            status: Open::Known(self.status),
            updated_at: Timestamp::new(now),
            extra: Default::default(),
        }
    }
}
