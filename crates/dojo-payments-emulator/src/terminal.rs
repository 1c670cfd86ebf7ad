//! The emulated terminal from Rust: the customer and the card machine at
//! the counter (`Emulator::terminal(&id).present_card(&card)`), and new
//! terminals (`Emulator::add_terminal`, `EmulatorBuilder::terminal`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use dojo_payments_emulator::{Emulator, NewTerminal, TerminalOutcome};
//! use dojo_payments_emulator::cards::APPROVED_VISA;
//! use dojo_payments_emulator::Card;
//!
//! let emulator = Emulator::start().await?;
//! let till = emulator.add_terminal(NewTerminal::new("tm_sandbox_till"))?;
//! // …the merchant starts a sale on it (`POST /terminal-sessions`), then:
//! let terminal = emulator.terminal(&till);
//! assert!(terminal.present_card(&Card::test(APPROVED_VISA)?).is_err()); // no session yet
//! # let _ = TerminalOutcome::Approved;
//! # Ok(()) }
//! ```

use dojo_payments_types::{LocationId, Money, TerminalId};

use crate::app::App;
use crate::cards::Card;
use crate::store::counter::{CardProblem, Presentation, TerminalOutcome};
use crate::store::refusal::Refusal;
use crate::store::terminal::TerminalRecord;

/// The longest id an added terminal may have, in characters. Dojo's own
/// are `tm_sandbox_` and 24 hex digits (35 characters, its document's
/// examples); 64 leaves room for a readable test name, and keeps the store
/// bounded (with the store's bound on how many terminals there are) under any
/// control call.
pub const MAX_TERMINAL_ID_CHARS: usize = 64;

/// A terminal to add: manual (it moves only when told), online, the
/// default account's, unless said otherwise. Its id: 1 to
/// [`MAX_TERMINAL_ID_CHARS`] characters, no spaces or control characters,
/// and not one of a default set's (`tm_sandbox_counter1…3`,
/// `tm_sandbox_<location>_counter1…3`), which every location is given.
#[derive(Debug, Clone)]
pub struct NewTerminal {
    id: String,
    tid: String,
    location: Option<LocationId>,
    online: bool,
    auto: bool,
}

impl NewTerminal {
    /// A terminal with id `id` (`tm_sandbox_…` by convention).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            tid: "22009999".to_owned(),
            location: None,
            online: true,
            auto: false,
        }
    }

    /// Its `tid`, the 8 digits printed on receipts.
    pub fn tid(mut self, tid: impl Into<String>) -> Self {
        self.tid = tid.into();
        self
    }

    /// Location `location`'s (added with its key first), not the default
    /// account's.
    pub fn at(mut self, location: LocationId) -> Self {
        self.location = Some(location);
        self
    }

    /// Plays the customer itself: an approved card, a short while after a
    /// session starts on it.
    pub fn auto(mut self) -> Self {
        self.auto = true;
        self
    }

    /// Starts `Offline`.
    pub fn offline(mut self) -> Self {
        self.online = false;
        self
    }

    /// Adds it to `app`; its id.
    pub(crate) fn add(self, app: &App) -> Result<TerminalId, Refusal> {
        let account = match &self.location {
            None => crate::accounts::DEFAULT_ACCOUNT.to_owned(),
            Some(name) => app
                .accounts
                .location_account(name.as_str())
                .ok_or_else(|| Refusal::not_found("location", name.as_str()))?,
        };
        let chars = self.id.chars().count();
        if chars > MAX_TERMINAL_ID_CHARS {
            return Err(Refusal::field(
                "Id",
                format!(
                    "terminal id must be at most {MAX_TERMINAL_ID_CHARS} characters, got {chars}"
                ),
            ));
        }
        if TerminalRecord::is_default_id(&self.id) {
            return Err(Refusal::field(
                "Id",
                format!(
                    "terminal id {} is reserved: tm_sandbox_counter1…3 and \
                     tm_sandbox_<location>_counter1…3 are the default terminals every location \
                     is given (made when its key is first used); choose another",
                    self.id
                ),
            ));
        }
        let id = TerminalId::new(self.id).map_err(|e| Refusal::field("Id", e.to_string()))?;
        let tid = self.tid;
        let (online, auto) = (self.online, self.auto);
        app.commit(|store, now| {
            let record = TerminalRecord::new(id.clone(), tid, account, online, auto, now);
            store.add_terminal(record, now)
        })?;
        Ok(id)
    }
}

/// One terminal of the emulator, as its customer and its hardware: what
/// the control API's `/_emulator/terminals/{id}/…` calls do.
#[derive(Debug, Clone, Copy)]
pub struct EmulatedTerminal<'e> {
    app: &'e App,
    id: &'e TerminalId,
}

impl<'e> EmulatedTerminal<'e> {
    pub(crate) fn new(app: &'e App, id: &'e TerminalId) -> Self {
        Self { app, id }
    }

    /// The customer inserts `card` and enters the PIN: the session running
    /// on the terminal is approved (`Captured` or `Authorized`, its payment
    /// intent with it) or declined. Refused unless a session is waiting
    /// for a card on an online terminal.
    pub fn present_card(&self, card: &Card) -> Result<TerminalOutcome, Refusal> {
        self.present(card, Presentation::Chip)
    }

    /// The customer presents `card` as `how` says (tapped, over the
    /// contactless limit, swiped for a signature).
    pub fn present(&self, card: &Card, how: Presentation) -> Result<TerminalOutcome, Refusal> {
        let card = card.clone();
        self.app
            .commit(|store, now| store.present_card(self.id.as_str(), card, how, now))
    }

    /// The terminal cannot read the card, or takes it for none: it says
    /// so and waits for a card again.
    pub fn card_problem(&self, problem: CardProblem) -> Result<(), Refusal> {
        self.app
            .commit(|store, now| store.card_problem(self.id.as_str(), problem, now))
    }

    /// The customer adds a gratuity on the terminal before paying: the
    /// sale's payment intent takes `tips` (it must have been created with
    /// `config.payment.tipsAllowed`).
    pub fn add_tip(&self, tips: Money) -> Result<(), Refusal> {
        self.app
            .commit(|store, now| store.add_tip(self.id.as_str(), tips, now))
    }

    /// The customer walks away before presenting a card: the session
    /// expires now.
    pub fn walk_away(&self) -> Result<(), Refusal> {
        self.app
            .commit(|store, now| store.walk_away(self.id.as_str(), now))
    }

    /// The terminal loses its connection (or is switched off): `Offline`,
    /// and a session on it stops moving until it expires.
    pub fn go_offline(&self) -> Result<(), Refusal> {
        self.app
            .commit(|store, now| store.set_terminal_online(self.id.as_str(), false, now))
    }

    /// The terminal is back online.
    pub fn come_online(&self) -> Result<(), Refusal> {
        self.app
            .commit(|store, now| store.set_terminal_online(self.id.as_str(), true, now))
    }
}
