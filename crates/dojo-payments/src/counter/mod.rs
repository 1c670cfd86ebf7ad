//! Pay at Counter: card terminals and their sessions as types.
//!
//! A till holds one [`Counter`], which carries the software house's id (and
//! the reseller's) once, picks an available [`Terminal`], and starts a
//! session on it: a [`Counter::sale`] of a `PaymentIntent<Created>`, a
//! [`Counter::matched_refund`] of a captured one, or an
//! [`Counter::unlinked_refund`]. Dojo sends no webhooks for sessions: the
//! SDK polls, with back-off, within a deadline ([`WaitPolicy`]), either as a
//! stream of what the till shows ([`TerminalSession::updates`]) or straight
//! to the outcome ([`TerminalSession::outcome`]). A session still going at
//! the deadline is [`Outcome::InProgress`]: wait on it again. A page drawn
//! after the fact (a reload, a session already over) shows what a read
//! holds with [`Counter::history`].
//!
//! ```text
//! TerminalSession<InProgress> ──outcome──▶ Outcome::Captured | Authorized | Declined | Expired | Canceled
//!    │ cancel (before a card: else Canceling::CardPresented, Dojo's 422)     | SignatureRejected | Other (a status Dojo added)
//!    │                                                                       | InProgress (still going at the deadline)
//!    └──────────────────────────────────────────────────────────────▶ Outcome::SignatureRequired(TerminalSession<SignatureRequired>)
//!                                         accept() ──▶ TerminalSession<InProgress> ──outcome──▶ Captured | Authorized
//!                                         reject() ──▶ TerminalSession<Finished> (SignatureVerificationRejected; the payment reversed)
//!                                         (no answer within 80 s: Dojo accepts the signature)
//! ```
//!
//! # `Captured` is final: the document against its own example
//!
//! Dojo's document contradicts itself about an accepted signature. Its
//! prose (`TerminalSessionStatus`) says "a finalized, successful session
//! will be `Captured`"; its `PUT …/signature` example answers a session
//! whose `statusEvents` run `Initiated`, `Captured`,
//! `SignatureVerificationAccepted`, with no `SignatureVerificationRequired`
//! at all. This SDK follows the prose, and so does the emulator:
//!
//! - a card that needs a signature leaves the session
//!   `SignatureVerificationRequired` ([`Outcome::SignatureRequired`]);
//! - [`TerminalSession::accept`] answers `SignatureVerificationAccepted`,
//!   which is **in progress** (a [`TerminalSession<InProgress>`]: wait on
//!   it), and the session becomes `Captured` (`Authorized` for a `Manual`
//!   intent) once the terminal has finished: that status is the last, and
//!   final; [`TerminalSession::reject`] ends it
//!   `SignatureVerificationRejected`, the payment reversed;
//! - a session Dojo answers in the example's order (left
//!   `SignatureVerificationAccepted` after `Captured` or `Authorized` in
//!   its `statusEvents`) is over all the same: it is read as that earlier
//!   status ([`Outcome::Captured`], [`Outcome::Authorized`]), waiting on it
//!   ends, and a journal entry for it is settled applied. Only an accepted
//!   signature with no payment status before it is in progress. So
//!   whichever order Dojo keeps, no session that took the money is left
//!   waiting until the deadline, and none is claimed paid before it was.
//!
//! `tests/session_values_from_document.rs` holds all of it: the
//! contradiction is still the locked document's, an accepted signature
//! runs `SignatureVerificationRequired`, `SignatureVerificationAccepted`,
//! `Captured` with nothing after, and a session served in the example's
//! order reads as paid. The same test reaches every status and
//! notification the document names, watched through
//! [`TerminalSession::updates`].
//!
//! ```no_run
//! # async fn till(dojo: dojo_payments::Dojo, intent: dojo_payments::lifecycle::payment_intent::PaymentIntent<dojo_payments::lifecycle::payment_intent::Created>) -> dojo_payments::Result<()> {
//! use dojo_payments::counter::{Counter, Outcome, WaitPolicy};
//!
//! let counter = Counter::new(dojo, "my-epos").reseller("my-reseller");
//! let Some(terminal) = counter.available_terminal().await? else {
//!     println!("no terminal is free");
//!     return Ok(());
//! };
//! let session = counter.sale(terminal.id(), &intent).await?;
//! match session.outcome(WaitPolicy::default()).await? {
//!     Outcome::Captured(done) | Outcome::Authorized(done) => println!("paid: {}", done.id()),
//!     Outcome::SignatureRequired(check) => {
//!         // Compare the signature within check.respond_by() (80 s)…
//!         let session = check.accept().await?;
//!         let _ = session.outcome(WaitPolicy::default()).await?;
//!     }
//!     other => println!("not paid: {}", other.status()),
//! }
//! # Ok(()) }
//! ```

mod session;
mod terminal;
mod wait;

use dojo_payments_api::api::types;
use dojo_payments_types::{Money, PaymentIntentId, TerminalId, TerminalSessionId};

use crate::lifecycle::payment_intent::{Created, PaymentIntent, Refundable};
use crate::resources::TerminalsAs;
use crate::{Dojo, Result};

pub(crate) use session::deciding_status;
pub use session::{
    Canceling, Finished, InProgress, Outcome, SessionState, SignatureRequired, TerminalSession,
};
pub use terminal::Terminal;
pub use wait::{SessionUpdate, WaitPolicy};

/// A sale's details: payment intent `intent`.
pub(crate) fn sale_details(intent: &PaymentIntentId) -> types::TerminalSessionDetails {
    types::TerminalSessionDetails {
        sale: Some(types::TerminalSessionSaleDetails {
            payment_intent_id: intent.clone(),
            extra: Default::default(),
        }),
        matched_refund: None,
        unlinked_refund: None,
        session_type: types::TerminalSessionType::Sale.into(),
        extra: Default::default(),
    }
}

/// A matched refund's details: `amount` (all that is left, when `None`) of
/// payment intent `intent`.
pub(crate) fn matched_refund_details(
    intent: &PaymentIntentId,
    amount: Option<Money>,
) -> types::TerminalSessionDetails {
    types::TerminalSessionDetails {
        sale: None,
        matched_refund: Some(types::TerminalSessionMatchedRefundDetails {
            payment_intent_id: intent.clone(),
            amount,
            extra: Default::default(),
        }),
        unlinked_refund: None,
        session_type: types::TerminalSessionType::MatchedRefund.into(),
        extra: Default::default(),
    }
}

/// An unlinked refund's details.
pub(crate) fn unlinked_refund_details(
    amount: Money,
    cardholder_present: bool,
) -> types::TerminalSessionDetails {
    types::TerminalSessionDetails {
        sale: None,
        matched_refund: None,
        unlinked_refund: Some(types::TerminalSessionUnlinkedRefundDetails {
            amount,
            cardholder_not_present: (!cardholder_present).then_some(true),
            extra: Default::default(),
        }),
        session_type: types::TerminalSessionType::UnlinkedRefund.into(),
        extra: Default::default(),
    }
}

/// A till's handle on the terminal endpoints: the client, and the
/// `software-house-id` (and `reseller-id`) every terminal call carries.
/// Cheap to clone; owns what it needs, so a till can keep it.
#[derive(Debug, Clone)]
pub struct Counter {
    dojo: Dojo,
    software_house_id: String,
    reseller_id: Option<String>,
}

impl Counter {
    /// Calls through `dojo` as software house `software_house_id` (the same
    /// for every customer of your EPOS software; Dojo requires it).
    pub fn new(dojo: Dojo, software_house_id: impl Into<String>) -> Self {
        Self {
            dojo,
            software_house_id: software_house_id.into(),
            reseller_id: None,
        }
    }

    /// Calls through reseller `reseller_id` too (`reseller-id`).
    pub fn reseller(mut self, reseller_id: impl Into<String>) -> Self {
        self.reseller_id = Some(reseller_id.into());
        self
    }

    /// The client it calls through.
    pub fn dojo(&self) -> &Dojo {
        &self.dojo
    }

    pub(crate) fn calls(&self) -> TerminalsAs<'_> {
        let calls = self
            .dojo
            .terminals()
            .as_software_house(&self.software_house_id);
        match &self.reseller_id {
            Some(reseller) => calls.reseller(reseller),
            None => calls,
        }
    }

    /// Every terminal of the location.
    pub async fn terminals(&self) -> Result<Vec<Terminal>> {
        let list = self.calls().list(None).await?;
        Ok(list.into_iter().map(Terminal::from).collect())
    }

    /// The first `Available` terminal (asked of Dojo by status), or `None`
    /// when every terminal is offline or in use.
    pub async fn available_terminal(&self) -> Result<Option<Terminal>> {
        let list = self
            .calls()
            .list(Some(vec![types::TerminalStatus::Available]))
            .await?;
        Ok(list
            .into_iter()
            .map(Terminal::from)
            .find(Terminal::is_available))
    }

    /// Terminal `id`, as it is now.
    pub async fn terminal(&self, id: &TerminalId) -> Result<Terminal> {
        Ok(Terminal::from(self.calls().get(id).await?))
    }

    /// Takes payment of `intent` on terminal `terminal`: the customer's card
    /// pays it (an `Auto` intent is captured, a `Manual` one authorized, to
    /// capture later through the intent). `POST /terminal-sessions` has no
    /// idempotency key: a create whose answer is lost is not sent again;
    /// to have it written down before it is sent and settled after a
    /// crash, start it through [`crate::journal::Journal::sale`].
    pub async fn sale(
        &self,
        terminal: &TerminalId,
        intent: &PaymentIntent<Created>,
    ) -> Result<TerminalSession<InProgress>> {
        self.start(terminal, sale_details(intent.id())).await
    }

    /// Refunds `amount` (all that is left, when `None`) of `intent` to the
    /// card the customer presents.
    pub async fn matched_refund<S: Refundable>(
        &self,
        terminal: &TerminalId,
        intent: &PaymentIntent<S>,
        amount: Option<Money>,
    ) -> Result<TerminalSession<InProgress>> {
        self.start(terminal, matched_refund_details(intent.id(), amount))
            .await
    }

    /// Refunds `amount` to a card, linked to no payment: with the card
    /// presented, or keyed by the operator when `cardholder_present` is
    /// false (Dojo's `cardholderNotPresent`).
    pub async fn unlinked_refund(
        &self,
        terminal: &TerminalId,
        amount: Money,
        cardholder_present: bool,
    ) -> Result<TerminalSession<InProgress>> {
        self.start(
            terminal,
            unlinked_refund_details(amount, cardholder_present),
        )
        .await
    }

    /// Every session starts here: `POST /terminal-sessions`, once (the
    /// engine never resends a call that may have left). The journal wraps
    /// it ([`crate::journal::Journal::sale`] and its siblings).
    async fn start(
        &self,
        terminal: &TerminalId,
        details: types::TerminalSessionDetails,
    ) -> Result<TerminalSession<InProgress>> {
        let data = self.create(terminal, details).await?;
        Ok(TerminalSession::new(self.clone(), data))
    }

    /// `POST /terminal-sessions`: the session as Dojo answered it.
    pub(crate) async fn create(
        &self,
        terminal: &TerminalId,
        details: types::TerminalSessionDetails,
    ) -> Result<types::TerminalSession> {
        let request = types::CreateTerminalSessionRequest {
            terminal_id: terminal.clone(),
            details,
        };
        self.calls().create_session(request).await
    }

    /// The same software house (and reseller), calling through `dojo`
    /// (another location's handle): how the journal settles an entry with
    /// its own location's key.
    pub(crate) fn through(&self, dojo: Dojo) -> Self {
        Self {
            dojo,
            software_house_id: self.software_house_id.clone(),
            reseller_id: self.reseller_id.clone(),
        }
    }

    /// A session as read, in whichever state (the journal's reads).
    pub(crate) fn outcome_of(&self, data: types::TerminalSession) -> Outcome {
        Outcome::of(self.clone(), data)
    }

    /// Session `id`, as it is now, in whichever state.
    pub async fn session(&self, id: &TerminalSessionId) -> Result<Outcome> {
        let data = self.calls().session(id).await?;
        Ok(Outcome::of(self.clone(), data))
    }
}
