//! A card terminal of the location, as last read.

use dojo_payments_api::api::types::{self, TerminalStatus};
use dojo_payments_types::{Open, TerminalId};

/// A terminal: its id, the `tid` printed on receipts, and its status
/// (`Available`, `Offline`, `InUse`; a status Dojo adds later is
/// `Open::Unknown`).
#[derive(Debug, Clone, PartialEq)]
pub struct Terminal {
    data: types::Terminal,
}

impl From<types::Terminal> for Terminal {
    fn from(data: types::Terminal) -> Self {
        Self { data }
    }
}

impl Terminal {
    /// Its id.
    pub fn id(&self) -> &TerminalId {
        &self.data.id
    }

    /// The 8 digits printed on receipts.
    pub fn tid(&self) -> &str {
        &self.data.properties.tid
    }

    /// Its status when read.
    pub fn status(&self) -> &Open<TerminalStatus> {
        &self.data.status
    }

    /// Whether it was `Available` (online, no session running) when read.
    pub fn is_available(&self) -> bool {
        self.data.status == Open::Known(TerminalStatus::Available)
    }

    /// The terminal as Dojo answered it.
    pub fn data(&self) -> &types::Terminal {
        &self.data
    }
}
