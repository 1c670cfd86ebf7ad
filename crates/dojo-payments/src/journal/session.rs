//! Sessions at a terminal (Pay at Counter), journaled: see [`Started`].

use dojo_payments_api::api::types::{self, TerminalSessionStatus as Status};
use dojo_payments_types::{Money, Open, PaymentIntentId, TerminalId};

use super::{Entry, EntryState, Journal, JournalError, JournalStore, Opened, POLL, Reconciled};
use crate::counter::{
    Counter, Outcome, matched_refund_details, sale_details, unlinked_refund_details,
};
use crate::lifecycle::payment_intent::{Created, PaymentIntent, Refundable};
use crate::settlement::{self, Before, Movement};

/// Where a session started through the journal stands. Sessions at a
/// terminal (Pay at Counter), journaled: `POST
/// /terminal-sessions` has no idempotency key and Dojo lists no sessions,
/// so a create whose answer is lost can be neither sent again nor looked
/// up. What the journal does instead:
///
/// 1. the entry (the terminal, the payment intent and its snapshot, the
///    amount) is written before the create is sent, as for any call;
/// 2. the session's id is recorded on the open entry as soon as Dojo
///    answers it ([`super::JournalStore::record_session`]): from then on
///    the session itself tells its outcome, read by its id;
/// 3. the entry stays open while the session runs, and is settled by the
///    session's final status: `Captured` or `Authorized` (the money moved)
///    → `Applied`; `Declined`, `Expired`, `Canceled`,
///    `SignatureVerificationRejected` (the payment reversed) →
///    `NotApplied`; a status Dojo adds later leaves it open;
/// 4. a create refused (a documented 4xx, or never sent) is `NotApplied`;
///    any other failure leaves the entry open without an id, and the
///    session is **never created again** under that name. Once the create
///    can no longer be in flight, reads settle it: the payment intent
///    showing the movement (a sale's intent paid, a matched refund's
///    refunded amount grown by exactly it) is `Applied`; `NotApplied` needs
///    the terminal read `Available` (no session of this entry's can still
///    run on it: Dojo's terminal does not say which session runs on it, so
///    an `InUse` or `Offline` one leaves the entry open) and then, the read
///    lag after it, the two reads of the intent that lack the movement.
///    An unlinked refund has no intent to read: its entry stays open with
///    the reason, for a person to look at the terminal's receipts and say
///    what they found ([`Journal::settle_by_hand`]).
#[derive(Debug)]
#[must_use]
pub enum Started {
    /// The session: made now, or by the first caller of the name (read
    /// now). Follow it ([`crate::counter::TerminalSession::outcome`]); its
    /// entry stays open until it ends, and [`Journal::finish_session`] (or
    /// [`Journal::reconcile_counter`]) then settles it by its final status.
    Session(Outcome),
    /// The entry is settled, with no session to follow: Dojo refused the
    /// create (`NotApplied`), or the session ended, or reads settled it.
    Settled(EntryState),
    /// Dojo may or may not have made the session (its answer was lost, or
    /// its id could not be read): the entry stays open, the session is
    /// never created again under this name, and
    /// [`Journal::reconcile_counter`] settles it once it can (never an
    /// unlinked refund's: see above). Why.
    Unknown(String),
}

impl<S: JournalStore + 'static> Journal<S> {
    /// Starts a sale of `intent` on `terminal` once under `name` (see the
    /// [`Started`]): the entry is written before the session is created,
    /// and its id recorded as soon as Dojo answers it.
    pub async fn sale(
        &self,
        counter: &Counter,
        name: &str,
        terminal: &TerminalId,
        intent: &PaymentIntent<Created>,
    ) -> Result<Started, JournalError> {
        let movement = Movement::TerminalSale {
            terminal: terminal.clone(),
            session: None,
        };
        let details = sale_details(intent.id());
        let before = Before::of(intent.data());
        self.start(
            counter,
            name,
            intent.id().clone(),
            before,
            movement,
            details,
        )
        .await
    }

    /// Refunds `amount` of `intent` to the card presented at `terminal`,
    /// once under `name` (the amount is named: a read recognises the refund
    /// by the refunded amount grown by exactly it).
    pub async fn matched_refund<St: Refundable>(
        &self,
        counter: &Counter,
        name: &str,
        terminal: &TerminalId,
        intent: &PaymentIntent<St>,
        amount: Money,
    ) -> Result<Started, JournalError> {
        let movement = Movement::TerminalMatchedRefund {
            amount,
            terminal: terminal.clone(),
            session: None,
        };
        let details = matched_refund_details(intent.id(), Some(amount));
        let before = Before::of(intent.data());
        self.start(
            counter,
            name,
            intent.id().clone(),
            before,
            movement,
            details,
        )
        .await
    }

    /// Refunds `amount` to a card at `terminal`, linked to no payment, once
    /// under `name`. Its entry's payment intent is empty (it has none);
    /// a create whose answer is lost stays open for ever, with the reason:
    /// nothing can be read to settle it, and it is never sent again.
    pub async fn unlinked_refund(
        &self,
        counter: &Counter,
        name: &str,
        terminal: &TerminalId,
        amount: Money,
        cardholder_present: bool,
    ) -> Result<Started, JournalError> {
        let movement = Movement::TerminalUnlinkedRefund {
            amount,
            terminal: terminal.clone(),
            session: None,
        };
        let details = unlinked_refund_details(amount, cardholder_present);
        let none = PaymentIntentId::from_wire("");
        self.start(counter, name, none, Before::unrecorded(), movement, details)
            .await
    }

    /// Settles the entry `name` (at the counter's location) by its
    /// session's outcome, once the till has it: `Applied` (the money
    /// moved), `NotApplied`, or still open, with the reason (the session
    /// is not over, or its create is still unknown).
    pub async fn finish_session(
        &self,
        counter: &Counter,
        name: &str,
    ) -> Result<Reconciled, JournalError> {
        let location = counter.dojo().location_id().clone();
        let Some(entry) = self.store.entry(&location, name).await? else {
            return Err(JournalError::Store(super::StoreError(
                format!("no journal entry {name:?} at {location}").into(),
            )));
        };
        if !entry.state.is_open() {
            return Ok(Reconciled {
                name: entry.name,
                state: entry.state,
                still_open_because: None,
            });
        }
        self.settle(counter.dojo(), Some(counter), &entry).await
    }

    /// Records what a person found of an entry no read can settle (an
    /// unlinked refund whose create went unanswered: they looked at the
    /// terminal's receipts, or at Dojo's portal): `state`, `Applied` or
    /// `NotApplied` with their words. Use it for nothing a read can
    /// settle; an entry settled already keeps its state (answered), and
    /// one settled otherwise is [`JournalError::ConflictingClose`].
    pub async fn settle_by_hand(
        &self,
        location: &dojo_payments_types::LocationId,
        name: &str,
        state: EntryState,
    ) -> Result<EntryState, JournalError> {
        if state.is_open() {
            return Ok(state);
        }
        self.close(location, name, state).await
    }

    /// Writes the entry, then creates the session once; or, if the name is
    /// taken, answers where the first caller's session stands.
    async fn start(
        &self,
        counter: &Counter,
        name: &str,
        payment_intent: PaymentIntentId,
        before: Before,
        movement: Movement,
        details: types::TerminalSessionDetails,
    ) -> Result<Started, JournalError> {
        let dojo = counter.dojo();
        super::check_window(self.in_flight_for, dojo)?;
        let Some(terminal) = movement.terminal().cloned() else {
            return Err(JournalError::NoId);
        };
        let mut entry = Entry {
            name: name.to_owned(),
            movement,
            payment_intent,
            location: dojo.location_id().clone(),
            before,
            state: EntryState::Open,
            opened_at: chrono::DateTime::UNIX_EPOCH,
        };
        match self.store.open_now(&mut entry).await? {
            Opened::Claimed => match counter.create(&terminal, details).await {
                Ok(data) => {
                    // The one way to find the session again after a crash.
                    if let Err(error) = self
                        .store
                        .record_session(&entry.location, name, &data.id)
                        .await
                    {
                        tracing::warn!(
                            entry = %name,
                            location = %entry.location,
                            session = %data.id,
                            %error,
                            "the terminal session's id was not recorded; its entry is settled by reads"
                        );
                    }
                    Ok(Started::Session(counter.outcome_of(data)))
                }
                Err(error) if error.delivery().moved_nothing() => {
                    let state = EntryState::NotApplied {
                        reason: error.to_string(),
                    };
                    let state = self.close(&entry.location, name, state).await?;
                    Ok(Started::Settled(state))
                }
                Err(error) => Ok(Started::Unknown(format!(
                    "Dojo may or may not have made the session ({error}); it is not created again: reconcile settles it"
                ))),
            },
            Opened::Existing(existing) => {
                if !existing.movement.same_call(&entry.movement)
                    || existing.payment_intent != entry.payment_intent
                {
                    return Err(JournalError::NameReused {
                        name: name.to_owned(),
                        existing: existing.movement.operation(),
                        payment_intent: existing.payment_intent,
                    });
                }
                self.session_of(counter, *existing).await
            }
        }
    }

    /// Where the session of an entry another caller wrote stands: waited
    /// for while its create may be in flight and its id is not recorded,
    /// then read by its id, or settled as reconcile does.
    async fn session_of(
        &self,
        counter: &Counter,
        mut entry: Entry,
    ) -> Result<Started, JournalError> {
        while entry.state.is_open()
            && entry.movement.session().is_none()
            && !self.stale(&entry).await?
        {
            tokio::time::sleep(POLL).await;
            match self.store.entry(&entry.location, &entry.name).await? {
                Some(now) => entry = now,
                None => break,
            }
        }
        if !entry.state.is_open() {
            return Ok(Started::Settled(entry.state));
        }
        if let Some(id) = entry.movement.session() {
            return Ok(match counter.calls().session(id).await {
                Ok(data) => Started::Session(counter.outcome_of(data)),
                Err(error) => {
                    Started::Unknown(format!("terminal session {id} could not be read: {error}"))
                }
            });
        }
        let settled = self.settle(counter.dojo(), Some(counter), &entry).await?;
        Ok(match settled.state {
            EntryState::Open => Started::Unknown(settled.still_open_because.unwrap_or_default()),
            state => Started::Settled(state),
        })
    }

    /// Where an open session entry stands (`counter` calls with the
    /// entry's location's key; `stale`: its create can no longer be in
    /// flight), and why it is still open if it is.
    pub(super) async fn settle_session(
        &self,
        counter: &Counter,
        entry: &Entry,
        stale: bool,
    ) -> (EntryState, String) {
        if let Some(id) = entry.movement.session() {
            return match counter.calls().session(id).await {
                Ok(data) => by_session(&data),
                Err(error) => (
                    EntryState::Open,
                    format!("terminal session {id} could not be read: {error}"),
                ),
            };
        }
        let Some(terminal) = entry.movement.terminal() else {
            return (EntryState::Open, "no terminal recorded".to_owned());
        };
        if let Movement::TerminalUnlinkedRefund { .. } = entry.movement {
            return (
                EntryState::Open,
                format!(
                    "an unlinked refund on terminal {terminal} whose create went unanswered: it has no payment intent to read and Dojo lists no sessions, so it is never sent again; look at the terminal's receipts"
                ),
            );
        }
        if !stale {
            return (
                EntryState::Open,
                crate::Undetermined::MayBeInFlight.to_string(),
            );
        }
        let dojo = counter.dojo();
        let read = |finished| {
            settlement::by_reads(
                dojo,
                &entry.payment_intent,
                &entry.movement,
                &entry.before,
                finished,
            )
        };
        // A read that shows it settles it, whatever runs on the terminal.
        let shown = read(false).await;
        if let crate::Outcome::Applied(_) = shown {
            return EntryState::of(&shown);
        }
        // The terminal, read at least the read lag after the create could
        // land: `Available` means no session of this entry's still runs.
        let lag = dojo.settlement_policy().read_lag;
        tokio::time::sleep(lag).await;
        match counter.terminal(terminal).await {
            Ok(now) if now.is_available() => {}
            Ok(now) => {
                return (
                    EntryState::Open,
                    format!(
                        "terminal {terminal} is {}: a session runs on it, perhaps this entry's (Dojo does not say whose); settled once it is free",
                        now.status()
                    ),
                );
            }
            Err(error) => {
                return (
                    EntryState::Open,
                    format!("terminal {terminal} could not be read: {error}"),
                );
            }
        }
        // The intent, the read lag after that: a session that ended before
        // the terminal was read free shows in it, if it moved money.
        tokio::time::sleep(lag).await;
        EntryState::of(&read(true).await)
    }
}

/// Where a session's status, as read, leaves its entry.
fn by_session(data: &types::TerminalSession) -> (EntryState, String) {
    let id = &data.id;
    match &crate::counter::deciding_status(data) {
        Open::Known(Status::Captured | Status::Authorized) => (
            EntryState::Applied {
                detail: Some(id.to_string()),
            },
            String::new(),
        ),
        Open::Known(
            status @ (Status::Declined
            | Status::Expired
            | Status::Canceled
            | Status::SignatureVerificationRejected),
        ) => (
            EntryState::NotApplied {
                reason: format!("terminal session {id} ended {status}"),
            },
            String::new(),
        ),
        other => (
            EntryState::Open,
            format!("terminal session {id} is {other}: not over yet"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: &str, events: &[&str]) -> types::TerminalSession {
        let events: Vec<_> = events
            .iter()
            .map(|status| {
                serde_json::json!({
                    "status": status, "createdAt": "2026-03-02T10:00:00Z", "debugMessage": "",
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": "ts_sandbox_1", "terminalId": "tm_sandbox_1", "status": status,
            "createdAt": "2026-03-02T10:00:00Z", "updatedAt": "2026-03-02T10:00:00Z",
            "expireAt": "2026-03-02T10:01:30Z", "notificationEvents": [], "statusEvents": events,
        }))
        .expect("decodes")
    }

    /// An entry whose session Dojo left `SignatureVerificationAccepted`
    /// after `Captured` (the document's example) took the money: applied,
    /// not left open for ever. Accepted with nothing paid before, it is
    /// not over.
    #[test]
    fn an_accepted_signature_after_the_payment_settles_the_entry_applied() {
        let accepted = "SignatureVerificationAccepted";
        let (state, _) = by_session(&session(accepted, &["Initiated", "Captured", accepted]));
        assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");
        let (state, _) = by_session(&session(accepted, &["Initiated", "Authorized", accepted]));
        assert!(matches!(state, EntryState::Applied { .. }), "{state:?}");
        let (state, why) = by_session(&session(
            accepted,
            &["Initiated", "SignatureVerificationRequired", accepted],
        ));
        assert_eq!(state, EntryState::Open);
        assert!(why.contains("not over yet"), "{why}");
    }
}
