//! Pay at Counter: what moves a terminal session. The merchant (create,
//! cancel, answer a signature request), the terminal and its customer
//! (present a card, a card problem, walk away, the terminal going offline),
//! and time ([`Store::advance_terminal_session`]). The sale moves its
//! payment intent as checkout does (`Store::pay`); a matched refund refunds
//! it; a rejected signature reverses it.

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{
    self, TerminalSessionNotificationType as Notice, TerminalSessionStatus as Status,
    TerminalSessionType,
};
use dojo_payments_types::{Money, Open, PaymentIntentId, TerminalId, TerminalSessionId};

use super::Store;
use super::payment_intent::{Payment, known_currency, payment_details};
use super::refusal::{Action, Outcome, Refusal};
use super::session_secret::SessionSecret;
use super::terminal::TerminalRecord;
use super::terminal_session::{
    AUTO_DELAY, PRESENT_WITHIN, Pending, SETTLE_AFTER, SIGNATURE_WINDOW, TerminalSessionRecord,
};
use crate::cards::{Card, CardOutcome};

/// The most terminals one emulator holds (the default sets included): the
/// store stays bounded under any control call.
pub const MAX_TERMINALS: usize = 100_000;

/// How the customer presents a card, and so what the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Presentation {
    /// Inserted, and a PIN entered: PleaseWait, EnterPin, PleaseWait,
    /// RemoveCard, then Approved or Declined (Dojo's example session).
    #[default]
    Chip,
    /// Tapped: PleaseWait, then Approved or Declined.
    Contactless,
    /// Tapped over the contactless limit: the terminal asks for the card
    /// to be inserted (InsertCard), then as [`Presentation::Chip`].
    ContactlessOverLimit,
    /// Swiped (a card inserted the wrong way round, then swiped, in Dojo's
    /// guide): PleaseWait, then the operator checks the signature
    /// (`SignatureVerificationRequired`).
    Swipe,
}

/// A card problem the terminal reports before a card is read; the session
/// keeps waiting for a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardProblem {
    /// The card could not be read: CardError, then ReEnterCard.
    CardError,
    /// A card the terminal does not take: CardUnsupported, then
    /// PresentCard.
    CardUnsupported,
    /// Two cards in the field: PresentOnlyOneCard.
    PresentOnlyOneCard,
}

/// What happened when a card was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminalOutcome {
    /// Approved: the session is `Captured` or `Authorized`.
    Approved,
    /// Declined (or expired): the session is `Declined`.
    Declined,
    /// Approved, pending the operator's check of the signature.
    SignatureRequired,
}

impl Store {
    /// Makes `account`'s default terminals the first time it is seen.
    fn ensure_terminals(&mut self, account: &str, now: DateTime<Utc>) {
        if self.terminal_accounts.insert(account.to_owned()) {
            for terminal in TerminalRecord::defaults(account, now) {
                self.terminals
                    .entry(terminal.id.clone())
                    .or_insert(terminal);
            }
        }
    }

    /// The account whose default terminals a call in the current scope
    /// sees: the caller's, or the default account's for the emulator
    /// itself (which sees every account's terminals made so far).
    fn terminal_account(&self) -> String {
        self.scope
            .clone()
            .unwrap_or_else(|| crate::accounts::DEFAULT_ACCOUNT.to_owned())
    }

    /// The terminals in scope (the caller's account's; all of them for
    /// the emulator itself, the default account's made if not yet).
    pub fn terminals(&mut self, now: DateTime<Utc>) -> Vec<TerminalRecord> {
        let account = self.terminal_account();
        self.ensure_terminals(&account, now);
        let scope = self.scope.clone();
        self.terminals
            .values()
            .filter(|t| super::in_scope(scope.as_deref(), &t.account))
            .cloned()
            .collect()
    }

    /// Terminal `id` in scope.
    pub fn terminal(&mut self, id: &str, now: DateTime<Utc>) -> Outcome<&mut TerminalRecord> {
        let account = self.terminal_account();
        self.ensure_terminals(&account, now);
        let scope = self.scope.clone();
        self.terminals
            .get_mut(id)
            .filter(|t| super::in_scope(scope.as_deref(), &t.account))
            .ok_or_else(|| Refusal::not_found("terminal", id))
    }

    /// Adds a terminal to `account` (its defaults made first); an id
    /// already taken is refused.
    pub fn add_terminal(&mut self, record: TerminalRecord, now: DateTime<Utc>) -> Outcome<()> {
        self.ensure_terminals(&record.account.clone(), now);
        if self.terminals.len() >= MAX_TERMINALS {
            return Err(Refusal::field(
                "Id",
                format!("the emulator holds {MAX_TERMINALS} terminals already"),
            ));
        }
        if self.terminals.contains_key(record.id.as_str()) {
            return Err(Refusal::field(
                "Id",
                format!("terminal {} exists already", record.id),
            ));
        }
        self.terminals.insert(record.id.clone(), record);
        Ok(())
    }

    /// `POST /terminal-sessions`: on an `Available` terminal of the
    /// caller's (Offline or InUse: 404, as Dojo's `TERMINAL_UNAVAILABLE`),
    /// for a `Created` payment intent (a sale), a captured one (a matched
    /// refund), or an amount (an unlinked refund).
    pub fn create_terminal_session(
        &mut self,
        terminal_id: TerminalId,
        details: types::TerminalSessionDetails,
        now: DateTime<Utc>,
    ) -> Outcome<TerminalSessionRecord> {
        let terminal = self.terminal(terminal_id.as_str(), now)?;
        if terminal.status() != types::TerminalStatus::Available {
            return Err(Refusal::not_found(
                "available terminal",
                format!("{terminal_id} (it is {})", terminal.status()),
            ));
        }
        self.check_details(&details)?;
        let id: TerminalSessionId = self.ids.issue();
        let session =
            TerminalSessionRecord::new(id.clone(), terminal_id, details, self.owner(), now);
        let terminal = self.terminal(session.terminal_id().as_str(), now)?;
        terminal.session = Some(id.clone());
        terminal.touch(now);
        self.terminal_sessions.insert(id.clone(), session.clone());
        self.touched.insert(super::Watched::TerminalSession(id));
        Ok(session)
    }

    /// The one kind of detail `sessionType` names, and what it refers to.
    fn check_details(&self, details: &types::TerminalSessionDetails) -> Outcome<()> {
        let given = [
            details.sale.is_some(),
            details.matched_refund.is_some(),
            details.unlinked_refund.is_some(),
        ];
        let wanted = match details.session_type {
            Open::Known(TerminalSessionType::Sale) => [true, false, false],
            Open::Known(TerminalSessionType::MatchedRefund) => [false, true, false],
            Open::Known(TerminalSessionType::UnlinkedRefund) => [false, false, true],
            Open::Unknown(_) => {
                return Err(Refusal::field(
                    "Details.SessionType",
                    "The session type must be Sale, MatchedRefund or UnlinkedRefund.",
                ));
            }
        };
        if given != wanted {
            return Err(Refusal::field(
                "Details",
                format!(
                    "A {} session takes exactly its own details (sale, matchedRefund or unlinkedRefund).",
                    details.session_type
                ),
            ));
        }
        if let Some(sale) = &details.sale {
            let intent = self.find_payment_intent(sale.payment_intent_id.as_str())?;
            if intent.status() != types::PaymentIntentStatus::Created {
                return Err(Refusal::state(
                    Action::Pay,
                    format!(
                        "payment intent {} is {}; a sale takes a Created payment intent",
                        intent.id,
                        intent.status()
                    ),
                ));
            }
        }
        if let Some(refund) = &details.matched_refund {
            let intent = self.find_payment_intent(refund.payment_intent_id.as_str())?;
            if !matches!(
                intent.status(),
                types::PaymentIntentStatus::Captured | types::PaymentIntentStatus::Refunded
            ) {
                return Err(Refusal::state(
                    Action::Refund,
                    format!(
                        "payment intent {} is {}; only a Captured payment intent can be refunded",
                        intent.id,
                        intent.status()
                    ),
                ));
            }
            if let Some(amount) = refund.amount {
                if amount.currency() != intent.amount.currency() {
                    return Err(Refusal::field(
                        "Details.MatchedRefund.Amount.CurrencyCode",
                        "The currency must be the payment intent's.",
                    ));
                }
                refund_amount(amount, "Details.MatchedRefund.Amount")?;
            }
        }
        if let Some(refund) = &details.unlinked_refund {
            refund_amount(refund.amount, "Details.UnlinkedRefund.Amount")?;
        }
        Ok(())
    }

    /// Terminal session `id` in scope, to change it.
    pub fn terminal_session(&mut self, id: &str) -> Outcome<&mut TerminalSessionRecord> {
        let scope = self.scope.clone();
        let record = self
            .terminal_sessions
            .get_mut(id)
            .filter(|s| super::in_scope(scope.as_deref(), &s.account))
            .ok_or_else(|| Refusal::not_found("terminal session", id))?;
        self.touched
            .insert(super::Watched::TerminalSession(record.id().clone()));
        Ok(record)
    }

    /// Terminal session `id` in scope, to read it.
    pub fn find_terminal_session(&self, id: &str) -> Outcome<&TerminalSessionRecord> {
        self.terminal_sessions
            .get(id)
            .filter(|s| self.visible(&s.account))
            .ok_or_else(|| Refusal::not_found("terminal session", id))
    }

    /// `PUT …/cancel`: only before a card is presented (else 422).
    pub fn cancel_terminal_session(&mut self, id: &str, now: DateTime<Utc>) -> Outcome<()> {
        let session = self.terminal_session(id)?;
        let cancelable = matches!(
            session.status(),
            Status::InitiateRequested | Status::Initiated
        ) && !session.card_presented;
        if !cancelable {
            return Err(Refusal::state(
                Action::UpdateTerminalSession,
                format!(
                    "terminal session {id} is {}{}; a session is canceled only before a card is presented",
                    session.status(),
                    if session.card_presented {
                        " with a card presented"
                    } else {
                        ""
                    }
                ),
            ));
        }
        session.set_status(Status::CancelRequested, now);
        session.schedule(Some((now + SETTLE_AFTER, Pending::Cancel)));
        Ok(())
    }

    /// `PUT …/signature`: only while `SignatureVerificationRequired`
    /// (else 422).
    pub fn answer_signature(
        &mut self,
        id: &str,
        accepted: bool,
        now: DateTime<Utc>,
    ) -> Outcome<()> {
        let session = self.terminal_session(id)?;
        if session.status() != Status::SignatureVerificationRequired {
            return Err(Refusal::state(
                Action::UpdateTerminalSession,
                format!(
                    "terminal session {id} is {}; only a session in SignatureVerificationRequired takes a signature answer",
                    session.status()
                ),
            ));
        }
        let id = session.id().clone();
        if accepted {
            self.accept_signature(&id, now);
        } else {
            self.reject_signature(&id, now);
        }
        Ok(())
    }

    fn accept_signature(&mut self, id: &TerminalSessionId, now: DateTime<Utc>) {
        let final_status = self.complete_payment(id, now);
        if let Some(session) = self.session_mut(id) {
            session.set_status(Status::SignatureVerificationAccepted, now);
            session.notify(Notice::Approved, now);
            let next = final_status.unwrap_or(Status::Declined);
            session.schedule(Some((now + SETTLE_AFTER, Pending::Finish(next))));
        }
    }

    fn reject_signature(&mut self, id: &TerminalSessionId, now: DateTime<Utc>) {
        let sale = self.session_mut(id).and_then(|s| sale_of(s));
        if let Some(intent) = sale
            && let Ok(intent) = self.payment_intent(intent.as_str())
        {
            // Reversed at once: the sale was authorized before the check.
            let _ = intent.reverse(now);
        }
        if let Some(session) = self.session_mut(id) {
            session.set_status(Status::SignatureVerificationRejected, now);
            session.notify(Notice::Declined, now);
        }
        self.free_terminal(id, now);
    }

    /// The session `id`, whatever the scope (the emulator's own moves).
    fn session_mut(&mut self, id: &TerminalSessionId) -> Option<&mut TerminalSessionRecord> {
        self.touched
            .insert(super::Watched::TerminalSession(id.clone()));
        self.terminal_sessions.get_mut(id)
    }

    /// The terminal that ran session `id` is free again.
    fn free_terminal(&mut self, id: &TerminalSessionId, now: DateTime<Utc>) {
        let Some(terminal) = self
            .terminal_sessions
            .get(id)
            .map(|s| s.terminal_id().clone())
        else {
            return;
        };
        if let Some(terminal) = self.terminals.get_mut(terminal.as_str())
            && terminal.session.as_ref() == Some(id)
        {
            terminal.session = None;
            terminal.touch(now);
        }
    }

    /// The session running on terminal `terminal` (any account's: the
    /// control API), if the terminal is online.
    fn running_on(&mut self, terminal: &str, now: DateTime<Utc>) -> Outcome<TerminalSessionId> {
        let record = self.terminal(terminal, now)?;
        let refused = |why: String| Refusal::state(Action::UpdateTerminalSession, why);
        if !record.online {
            return Err(refused(format!("terminal {terminal} is Offline")));
        }
        record
            .session
            .clone()
            .ok_or_else(|| refused(format!("terminal {terminal} has no session running")))
    }

    /// The session on `terminal`, picked up if it was not yet, waiting for
    /// a card.
    fn waiting_for_card(
        &mut self,
        terminal: &str,
        now: DateTime<Utc>,
    ) -> Outcome<TerminalSessionId> {
        let id = self.running_on(terminal, now)?;
        if self
            .terminal_sessions
            .get(&id)
            .is_some_and(|s| s.status() == Status::InitiateRequested)
        {
            self.initiate(&id, now);
        }
        let session = self
            .session_mut(&id)
            .ok_or_else(|| Refusal::not_found("terminal session", id.as_str()))?;
        if session.status() != Status::Initiated || session.card_presented {
            return Err(Refusal::state(
                Action::UpdateTerminalSession,
                format!(
                    "terminal session {} is {}; the terminal is not waiting for a card",
                    session.id(),
                    session.status()
                ),
            ));
        }
        Ok(id)
    }

    /// The customer presents `card` at terminal `terminal`, as `how` says.
    pub fn present_card(
        &mut self,
        terminal: &str,
        card: Card,
        how: Presentation,
        now: DateTime<Utc>,
    ) -> Outcome<TerminalOutcome> {
        let id = self.waiting_for_card(terminal, now)?;
        let outcome = card.outcome(now.date_naive());
        let notices: &[Notice] = match how {
            Presentation::Chip => &[
                Notice::PleaseWait,
                Notice::EnterPin,
                Notice::PleaseWait,
                Notice::RemoveCard,
            ],
            Presentation::ContactlessOverLimit => &[
                Notice::PleaseWait,
                Notice::InsertCard,
                Notice::PleaseWait,
                Notice::EnterPin,
                Notice::PleaseWait,
                Notice::RemoveCard,
            ],
            Presentation::Contactless | Presentation::Swipe => &[Notice::PleaseWait],
        };
        let payment = Payment::new(&mut self.ids, card.clone(), None, now);
        let Some(session) = self.session_mut(&id) else {
            return Err(Refusal::not_found("terminal session", id.as_str()));
        };
        session.card_presented = true;
        session.set_expire_at(now + PRESENT_WITHIN);
        for notice in notices {
            session.notify(*notice, now);
        }
        if outcome != CardOutcome::Approved {
            session.notify(Notice::Declined, now);
            let why = if outcome == CardOutcome::Expired {
                "the card has expired"
            } else {
                "the card was declined"
            };
            session.set_status_saying(Status::Declined, now, why.to_owned());
            self.free_terminal(&id, now);
            return Ok(TerminalOutcome::Declined);
        }
        session.set_payment_details(payment_details(&payment));
        if how == Presentation::Swipe {
            // Authorized now; the operator checks the signature.
            if let Err(why) = self.authorize_sale(&id, card, now) {
                return Ok(decline(self, &id, &why, now));
            }
            let Some(session) = self.session_mut(&id) else {
                return Err(Refusal::not_found("terminal session", id.as_str()));
            };
            session.set_status(Status::SignatureVerificationRequired, now);
            session.set_expire_at(now + SIGNATURE_WINDOW);
            session.schedule(Some((now + SIGNATURE_WINDOW, Pending::SignatureTimeout)));
            return Ok(TerminalOutcome::SignatureRequired);
        }
        if let Err(why) = self.authorize_sale(&id, card, now) {
            return Ok(decline(self, &id, &why, now));
        }
        match self.complete_payment(&id, now) {
            Some(status) => {
                if let Some(session) = self.session_mut(&id) {
                    session.notify(Notice::Approved, now);
                    session.set_status(status, now);
                }
                self.free_terminal(&id, now);
                Ok(TerminalOutcome::Approved)
            }
            None => Ok(decline(
                self,
                &id,
                &Refusal::state(
                    Action::Refund,
                    "the payment intent no longer allows this refund",
                ),
                now,
            )),
        }
    }

    /// A sale's card pays its payment intent (Auto: captured, Manual:
    /// authorized); nothing for a refund.
    fn authorize_sale(
        &mut self,
        id: &TerminalSessionId,
        card: Card,
        now: DateTime<Utc>,
    ) -> Outcome<()> {
        let Some(intent) = self.terminal_sessions.get(id).and_then(sale_of) else {
            return Ok(());
        };
        match self.pay(intent.as_str(), card, false, now)? {
            CardOutcome::Approved => Ok(()),
            _ => Err(Refusal::state(Action::Pay, "the card was declined")),
        }
    }

    /// Finishes an approved session's money: a sale's status is its
    /// intent's (`Captured` or `Authorized`); a matched refund refunds its
    /// intent; an unlinked refund moves nothing here. `None`: refused.
    fn complete_payment(&mut self, id: &TerminalSessionId, now: DateTime<Utc>) -> Option<Status> {
        let session = self.terminal_sessions.get(id)?;
        let details = session.details()?.clone();
        match session.kind()? {
            TerminalSessionType::Sale => {
                let intent = details.sale?.payment_intent_id;
                let status = self.find_payment_intent(intent.as_str()).ok()?.status();
                match status {
                    types::PaymentIntentStatus::Authorized => Some(Status::Authorized),
                    types::PaymentIntentStatus::Captured => Some(Status::Captured),
                    _ => None,
                }
            }
            TerminalSessionType::MatchedRefund => {
                let refund = details.matched_refund?;
                let intent = self
                    .find_payment_intent(refund.payment_intent_id.as_str())
                    .ok()?;
                let amount = refund.amount.map_or_else(
                    || intent.captured().saturating_sub(intent.refunded),
                    |a| a.minor_units(),
                );
                let request = types::CreateRefundRequest {
                    amount,
                    notes: None,
                    previous_transaction_id: None,
                    refund_reason: Some("Refunded at the counter".into()),
                };
                self.refund(
                    refund.payment_intent_id.as_str(),
                    format!("terminal-session-{id}"),
                    request,
                    now,
                )
                .ok()?;
                Some(Status::Captured)
            }
            TerminalSessionType::UnlinkedRefund => Some(Status::Captured),
        }
    }

    /// A card problem at terminal `terminal`: the terminal says so and
    /// waits for a card again.
    pub fn card_problem(
        &mut self,
        terminal: &str,
        problem: CardProblem,
        now: DateTime<Utc>,
    ) -> Outcome<()> {
        let id = self.waiting_for_card(terminal, now)?;
        let notices: &[Notice] = match problem {
            CardProblem::CardError => &[Notice::CardError, Notice::ReEnterCard],
            CardProblem::CardUnsupported => &[Notice::CardUnsupported, Notice::PresentCard],
            CardProblem::PresentOnlyOneCard => &[Notice::PresentOnlyOneCard],
        };
        let session = self
            .session_mut(&id)
            .ok_or_else(|| Refusal::not_found("terminal session", id.as_str()))?;
        for notice in notices {
            session.notify(*notice, now);
        }
        session.set_expire_at(now + PRESENT_WITHIN);
        Ok(())
    }

    /// The customer at terminal `terminal` adds a gratuity before paying:
    /// the sale's payment intent takes `tips` (it must allow tips,
    /// `config.payment.tipsAllowed`).
    pub fn add_tip(&mut self, terminal: &str, tips: Money, now: DateTime<Utc>) -> Outcome<()> {
        let id = self.waiting_for_card(terminal, now)?;
        let intent = self
            .terminal_sessions
            .get(&id)
            .and_then(sale_of)
            .ok_or_else(|| {
                Refusal::state(
                    Action::UpdateTerminalSession,
                    "only a sale takes a gratuity",
                )
            })?;
        let tips = known_currency("TipsAmount", tips)?;
        let secret = SessionSecret::issue(&mut self.ids, now);
        self.payment_intent(intent.as_str())?
            .set_tips(tips, secret, now)
    }

    /// The customer at terminal `terminal` walks away: the session expires
    /// now.
    pub fn walk_away(&mut self, terminal: &str, now: DateTime<Utc>) -> Outcome<()> {
        let id = self.waiting_for_card(terminal, now)?;
        self.expire(&id, now);
        Ok(())
    }

    /// Terminal `terminal` goes offline or comes back: a session on it
    /// stops moving (it expires at its `expireAt`, a signature request is
    /// still accepted after its 80 s).
    pub fn set_terminal_online(
        &mut self,
        terminal: &str,
        online: bool,
        now: DateTime<Utc>,
    ) -> Outcome<()> {
        let record = self.terminal(terminal, now)?;
        if record.online != online {
            record.online = online;
            record.touch(now);
        }
        Ok(())
    }

    fn expire(&mut self, id: &TerminalSessionId, at: DateTime<Utc>) {
        if let Some(session) = self.session_mut(id) {
            session.set_expire_at(at);
            session.set_status(Status::Expired, at);
        }
        self.free_terminal(id, at);
    }

    /// The terminal picks session `id` up: `Initiated`, PresentCard (none
    /// for a cardholder-not-present refund, keyed by the operator),
    /// `expireAt` [`PRESENT_WITHIN`] on; an `auto` terminal's customer will
    /// present a card after [`AUTO_DELAY`].
    fn initiate(&mut self, id: &TerminalSessionId, at: DateTime<Utc>) {
        let Some(terminal) = self
            .terminal_sessions
            .get(id)
            .map(|s| s.terminal_id().clone())
        else {
            return;
        };
        let (online, auto) = self
            .terminals
            .get(terminal.as_str())
            .map_or((false, false), |t| (t.online, t.auto));
        let Some(session) = self.session_mut(id) else {
            return;
        };
        if !online {
            session.schedule(None);
            return;
        }
        let keyed = session
            .details()
            .and_then(|d| d.unlinked_refund.as_ref())
            .and_then(|r| r.cardholder_not_present)
            .unwrap_or(false);
        session.set_status(Status::Initiated, at);
        if !keyed {
            session.notify(Notice::PresentCard, at);
        }
        session.set_expire_at(at + PRESENT_WITHIN);
        if auto {
            session.schedule(Some((at + AUTO_DELAY, Pending::AutoPresent)));
        }
    }

    /// What time alone does to session `id` by `now`: each step at its own
    /// time, in order.
    pub fn advance_terminal_session(&mut self, id: &TerminalSessionId, now: DateTime<Utc>) {
        // Each step either ends the session or moves its next step later;
        // the bound only guards against a rule that would not.
        for _ in 0..16 {
            let Some((at, step)) = self.terminal_sessions.get(id).and_then(|s| s.next()) else {
                return;
            };
            if at > now {
                return;
            }
            let online = self
                .terminal_sessions
                .get(id)
                .and_then(|s| self.terminals.get(s.terminal_id().as_str()))
                .is_some_and(|t| t.online);
            match step {
                None => self.expire(id, at),
                Some(Pending::Initiate) => self.initiate(id, at),
                Some(Pending::AutoPresent) => {
                    let terminal = self
                        .terminal_sessions
                        .get(id)
                        .map(|s| s.terminal_id().clone());
                    let presented = match (
                        online,
                        terminal,
                        Card::test(crate::cards::APPROVED_MASTERCARD),
                    ) {
                        (true, Some(terminal), Ok(card)) => self
                            .present_card(terminal.as_str(), card, Presentation::Chip, at)
                            .is_ok(),
                        _ => false,
                    };
                    if !presented && let Some(session) = self.session_mut(id) {
                        session.schedule(None);
                    }
                }
                Some(Pending::Cancel) => {
                    if let Some(session) = self.session_mut(id) {
                        if online {
                            session.set_status(Status::Canceled, at);
                        } else {
                            session.schedule(None);
                        }
                    }
                    if online {
                        self.free_terminal(id, at);
                    }
                }
                Some(Pending::Finish(status)) => {
                    if let Some(session) = self.session_mut(id) {
                        session.set_status(status, at);
                    }
                    self.free_terminal(id, at);
                }
                Some(Pending::SignatureTimeout) => self.accept_signature(id, at),
            }
        }
    }
}

impl Store {
    /// The terminal sessions made for payment intent `id` (a sale of it, a
    /// matched refund of it), oldest first, as its `terminalSessionHistory`
    /// lists them: what a journal reads to find the session of a create
    /// whose answer was lost.
    pub fn session_history(&self, id: &str) -> Vec<types::TerminalSessionHistoryResponse> {
        let mut sessions: Vec<types::TerminalSession> = self
            .terminal_sessions
            .values()
            .filter(|s| {
                s.details().is_some_and(|d| {
                    d.sale
                        .as_ref()
                        .is_some_and(|x| x.payment_intent_id.as_str() == id)
                        || d.matched_refund
                            .as_ref()
                            .is_some_and(|x| x.payment_intent_id.as_str() == id)
                })
            })
            .map(TerminalSessionRecord::render)
            .collect();
        sessions.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        sessions
            .into_iter()
            .map(|s| types::TerminalSessionHistoryResponse {
                terminal_session: Some(types::TerminalSessionResponse {
                    id: Some(s.id),
                    terminal_id: Some(s.terminal_id),
                    status: Some(s.status),
                    created_at: Some(s.created_at),
                    updated_at: Some(s.updated_at),
                    expire_at: Some(s.expire_at),
                    details: s.details,
                    ..Default::default()
                }),
                payment: None,
                extra: Default::default(),
            })
            .collect()
    }
}

/// The payment intent a sale session pays.
fn sale_of(session: &TerminalSessionRecord) -> Option<PaymentIntentId> {
    session
        .details()?
        .sale
        .as_ref()
        .map(|s| s.payment_intent_id.clone())
}

/// A refund amount: positive, in a known currency.
fn refund_amount(amount: Money, field: &str) -> Outcome<Money> {
    let amount = known_currency(field, amount)?;
    if amount.minor_units() <= 0 {
        return Err(Refusal::field(field, "The amount must be positive."));
    }
    Ok(amount)
}

/// The card was approved but the money could not move (the intent changed
/// meanwhile): the session is declined.
fn decline(
    store: &mut Store,
    id: &TerminalSessionId,
    why: &Refusal,
    now: DateTime<Utc>,
) -> TerminalOutcome {
    if let Some(session) = store.session_mut(id) {
        session.notify(Notice::Declined, now);
        session.set_status_saying(Status::Declined, now, why.to_string());
    }
    store.free_terminal(id, now);
    TerminalOutcome::Declined
}
