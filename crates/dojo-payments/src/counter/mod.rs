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
//!    │ cancel (before a card: Canceling::Requested; after a 422 the        | SignatureRejected | Other (a status Dojo added)
//!    │   session is read: CardPresented if it runs on, Over(outcome) if it was over)
//!    │                                                                       | InProgress (still going at the deadline)
//!    └──────────────────────────────────────────────────────────────▶ Outcome::SignatureRequired(TerminalSession<SignatureRequired>)
//!                                         accept() ──▶ TerminalSession<InProgress> ──outcome──▶ Captured | Authorized
//!                                         reject() ──▶ TerminalSession<Finished> (SignatureVerificationRejected; the payment reversed)
//!                                         (no answer within 80 s: Dojo accepts the signature;
//!                                          an accept after that answers the session Dojo accepted)
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
//! let counter = Counter::try_new(dojo, "my-epos")?.try_reseller("my-reseller")?;
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
use dojo_payments_api::operations as ops;
use dojo_payments_types::{
    Money, PaymentIntentId, TerminalId, TerminalSessionId, check_partner_id,
};

use crate::error::Invalid;
use crate::lifecycle::LifecycleRule;
use crate::lifecycle::payment_intent::{Created, PaymentIntent, Refundable};
use crate::resources::TerminalsAs;
use crate::{Dojo, Error, Result};

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
///
/// Both ids must be 1 to [`dojo_payments_types::MAX_PARTNER_ID_CHARS`]
/// printable ASCII characters ([`check_partner_id`]): an empty one is a
/// missing one to Dojo. [`Counter::try_new`] and [`Counter::try_reseller`]
/// check them at once; [`Counter::new`] and [`Counter::reseller`] take
/// them as given, and every call checks them before anything is sent
/// ([`crate::Error::InvalidRequest`] naming the header).
#[derive(Debug, Clone)]
pub struct Counter {
    dojo: Dojo,
    software_house_id: String,
    reseller_id: Option<String>,
}

impl Counter {
    /// Calls through `dojo` as software house `software_house_id` (the same
    /// for every customer of your EPOS software; Dojo requires it). The id
    /// is checked at each call, before anything is sent: an empty or
    /// over-long one makes every call an [`Error::InvalidRequest`]. To know
    /// at once, use [`Counter::try_new`].
    pub fn new(dojo: Dojo, software_house_id: impl Into<String>) -> Self {
        Self {
            dojo,
            software_house_id: software_house_id.into(),
            reseller_id: None,
        }
    }

    /// As [`Counter::new`], with `software_house_id` checked now: an
    /// [`Error::InvalidRequest`] naming `software-house-id` and the rule
    /// when it is empty, longer than
    /// [`dojo_payments_types::MAX_PARTNER_ID_CHARS`] or not printable ASCII.
    pub fn try_new(dojo: Dojo, software_house_id: impl Into<String>) -> Result<Self> {
        let counter = Self::new(dojo, software_house_id);
        counter.check_id("software-house-id", &counter.software_house_id)?;
        Ok(counter)
    }

    /// Calls through reseller `reseller_id` too (`reseller-id`), checked at
    /// each call as the software house's id is (see [`Counter::new`]).
    pub fn reseller(mut self, reseller_id: impl Into<String>) -> Self {
        self.reseller_id = Some(reseller_id.into());
        self
    }

    /// As [`Counter::reseller`], with `reseller_id` checked now (the rules
    /// of [`Counter::try_new`], naming `reseller-id`).
    pub fn try_reseller(self, reseller_id: impl Into<String>) -> Result<Self> {
        let counter = self.reseller(reseller_id);
        if let Some(reseller) = &counter.reseller_id {
            counter.check_id("reseller-id", reseller)?;
        }
        Ok(counter)
    }

    /// `value` as header `header`, by [`check_partner_id`].
    fn check_id(&self, header: &'static str, value: &str) -> Result<()> {
        check_partner_id(header, value).map_err(|e| {
            Error::invalid(ops::TERMINAL_SESSION_CREATE.id, Invalid::Value(e))
                .made_for(self.dojo.location_id())
        })
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
    ///
    /// An amount is checked before anything is sent, by the rules of the
    /// payment intent's own refund (`PaymentIntent::refund`): more than
    /// zero ([`LifecycleRule::AmountNotPositive`]), in the intent's
    /// currency ([`LifecycleRule::CurrencyMismatch`]), and no more than
    /// what `intent` shows captured and not yet refunded
    /// ([`LifecycleRule::RefundExceedsCaptured`]); each an
    /// [`Error::InvalidRequest`]. `intent` is as read: a refund made since
    /// (at another till) is Dojo's to refuse.
    pub async fn matched_refund<S: Refundable>(
        &self,
        terminal: &TerminalId,
        intent: &PaymentIntent<S>,
        amount: Option<Money>,
    ) -> Result<TerminalSession<InProgress>> {
        if let Some(amount) = amount {
            self.check_refund(intent, amount)?;
        }
        self.start(terminal, matched_refund_details(intent.id(), amount))
            .await
    }

    /// Refunds `amount` to a card, linked to no payment: with the card
    /// presented, or keyed by the operator when `cardholder_present` is
    /// false (Dojo's `cardholderNotPresent`). An amount of zero or less is
    /// refused before anything is sent ([`Error::InvalidRequest`],
    /// [`LifecycleRule::AmountNotPositive`]): Dojo would refuse it (400).
    pub async fn unlinked_refund(
        &self,
        terminal: &TerminalId,
        amount: Money,
        cardholder_present: bool,
    ) -> Result<TerminalSession<InProgress>> {
        if amount.minor_units() <= 0 {
            return Err(self.refuse(LifecycleRule::AmountNotPositive));
        }
        self.start(
            terminal,
            unlinked_refund_details(amount, cardholder_present),
        )
        .await
    }

    /// `amount`, refunded of `intent`, after the rules of the intent's own
    /// refund (see [`Counter::matched_refund`]).
    fn check_refund<S: Refundable>(&self, intent: &PaymentIntent<S>, amount: Money) -> Result<()> {
        crate::lifecycle::rules::refund_allowed(intent.data(), amount)
            .map_err(|rule| self.refuse(rule))
    }

    /// A session create refused before sending, for `rule`.
    fn refuse(&self, rule: LifecycleRule) -> Error {
        crate::lifecycle::rules::refuse(&self.dojo, ops::TERMINAL_SESSION_CREATE.id, rule)
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
