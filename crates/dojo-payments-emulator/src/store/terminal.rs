//! The terminals (card machines) of each location account: a default set
//! made the first time the account asks for its terminals, and more added
//! through the builder or the control API. A terminal is `Available`,
//! `Offline` (switched off, or its network gone) or `InUse` (a session is
//! running on it); an `auto` terminal plays the customer itself, with an
//! approved card, a short while after a session starts on it.

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{self, TerminalStatus};
use dojo_payments_types::{Open, TerminalId, TerminalSessionId, Timestamp};

use crate::accounts::DEFAULT_ACCOUNT;

/// One terminal of the default set: the last part of its id, its `tid`,
/// whether it is online and whether it plays the customer itself.
struct Preset {
    name: &'static str,
    tid: &'static str,
    online: bool,
    auto: bool,
}

/// The terminals every location account starts with.
///
/// | id (default account) | tid | status | plays the customer |
/// | --- | --- | --- | --- |
/// | `tm_sandbox_counter1` | `22000001` | Available | yes (`auto`): approves after [`crate::store::terminal_session::AUTO_DELAY`] |
/// | `tm_sandbox_counter2` | `22000002` | Offline | — |
/// | `tm_sandbox_counter3` | `22000003` | Available | no: moves only when told |
const DEFAULTS: [Preset; 3] = [
    Preset {
        name: "counter1",
        tid: "22000001",
        online: true,
        auto: true,
    },
    Preset {
        name: "counter2",
        tid: "22000002",
        online: false,
        auto: false,
    },
    Preset {
        name: "counter3",
        tid: "22000003",
        online: true,
        auto: false,
    },
];

/// A terminal as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct TerminalRecord {
    /// `tm_sandbox_…`.
    pub id: TerminalId,
    /// The 8 digits printed on receipts.
    pub tid: String,
    /// The location account whose terminal it is.
    pub account: String,
    /// Switched on and reachable.
    pub online: bool,
    /// Plays the customer itself (an approved card, after a short delay).
    pub auto: bool,
    /// The session running on it, if any: it is `InUse`.
    pub session: Option<TerminalSessionId>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
    /// Made by default and never changed since: left out of the state
    /// digest, since making it on first sight stores nothing a caller made.
    pub pristine: bool,
}

impl TerminalRecord {
    /// A terminal `id` of `account`.
    pub fn new(
        id: TerminalId,
        tid: String,
        account: String,
        online: bool,
        auto: bool,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            tid,
            account,
            online,
            auto,
            session: None,
            updated_at: now,
            pristine: false,
        }
    }

    /// The default set of `account`: `tm_sandbox_counter1…3` for the
    /// default account, `tm_sandbox_<location>_counter1…3` for location
    /// `acc_<location>` (ids are unique across accounts, so that the
    /// control API names a terminal by its id alone).
    pub fn defaults(account: &str, now: DateTime<Utc>) -> Vec<Self> {
        let infix = if account == DEFAULT_ACCOUNT {
            String::new()
        } else {
            let name = account
                .strip_prefix("acc_sandbox_")
                .or_else(|| account.strip_prefix("acc_"))
                .unwrap_or(account);
            format!("{name}_")
        };
        DEFAULTS
            .iter()
            .map(|d| {
                let mut record = Self::new(
                    TerminalId::from_wire(format!("tm_sandbox_{infix}{}", d.name)),
                    d.tid.to_owned(),
                    account.to_owned(),
                    d.online,
                    d.auto,
                    now,
                );
                record.pristine = true;
                record
            })
            .collect()
    }

    /// Whether `id` is (or, for a location whose key is not used yet, will
    /// be) an id of a default set: `tm_sandbox_counter1…3`, or
    /// `tm_sandbox_<location>_counter1…3`. Default sets are made lazily, so
    /// an id is reserved by its shape, not by the terminals made so far:
    /// a terminal added under it would take a location's terminal before
    /// the location first asks for its own.
    pub fn is_default_id(id: &str) -> bool {
        let Some(rest) = id.strip_prefix("tm_sandbox_") else {
            return false;
        };
        DEFAULTS.iter().any(|d| {
            rest.strip_suffix(d.name)
                .is_some_and(|infix| infix.is_empty() || (infix.len() > 1 && infix.ends_with('_')))
        })
    }

    /// Its status: `Offline` when not online, `InUse` while a session runs
    /// on it, `Available` otherwise.
    pub fn status(&self) -> TerminalStatus {
        if !self.online {
            TerminalStatus::Offline
        } else if self.session.is_some() {
            TerminalStatus::InUse
        } else {
            TerminalStatus::Available
        }
    }

    /// A change of state at `now`.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.pristine = false;
    }

    /// As Dojo answers with it.
    pub fn render(&self) -> types::Terminal {
        types::Terminal {
            id: self.id.clone(),
            properties: types::TerminalProperties {
                tid: self.tid.clone(),
                extra: Default::default(),
            },
            status: Open::Known(self.status()),
            updated_at: Timestamp::new(self.updated_at),
            extra: Default::default(),
        }
    }
}
