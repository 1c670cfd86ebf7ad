//! Sessions at a terminal (Pay at Counter), journaled: see [`Started`].

use dojo_payments_api::api::types::{self, TerminalSessionStatus as Status};
use dojo_payments_api::operations::TERMINAL_SESSION_CREATE;
use dojo_payments_types::{Money, Open, PaymentIntentId, TerminalId, TerminalSessionId};

use super::{
    Entry, EntryState, Journal, JournalError, JournalStore, Opened, POLL, Reconciled, refused,
};
use crate::counter::{
    Counter, Outcome, matched_refund_details, sale_details, unlinked_refund_details,
};
use crate::lifecycle::LifecycleRule;
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
///    can no longer be in flight, reads settle it: a sale's intent read
///    paid is `Applied`; a matched refund is credited only with its own
///    session, found in the intent's `terminalSessionHistory` (a matched
///    refund of this intent and amount, on this terminal, made inside the
///    entry's in-flight window, recorded by no other entry, no other open
///    entry that could own it), whose id is then recorded and whose status
///    settles it — never with the refunded amount's growth, which may be
///    another refund's (grown, and no such session: open, with the
///    reason); `NotApplied` needs
///    the terminal read `Available` (no session of this entry's can still
///    run on it: Dojo's terminal does not say which session runs on it, so
///    an `InUse` or `Offline` one leaves the entry open) and then, the read
///    lag after it, the two reads of the intent that lack the movement (a
///    matched refund's: the refunded amount unchanged since the journal's
///    own read before the create).
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
    /// once under `name`.
    ///
    /// The journal reads the intent itself before it writes the entry: its
    /// snapshot ("before") is that read, not `intent` (which may have been
    /// read before another refund), and the amount is checked against it
    /// before anything is written or sent: more than zero, in the intent's
    /// currency, no more than is left to refund
    /// ([`JournalError::Refused`], with the lifecycle's
    /// [`crate::lifecycle::LifecycleRule`]). A create whose answer is lost
    /// is never credited with the refunded amount's growth (another refund
    /// may have grown it): only with its own session, found by its id or in
    /// the intent's `terminalSessionHistory` (see [`Started`]).
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
        let id = intent.id().clone();
        let details = matched_refund_details(&id, Some(amount));
        let dojo = counter.dojo();
        let location = dojo.location_id().clone();
        // The same name again answers the first call's outcome: no read, no
        // check (the first refund may have used up what is refundable).
        if self.store.entry(&location, name).await?.is_some() {
            return self
                .start(counter, name, id, Before::unrecorded(), movement, details)
                .await;
        }
        let fresh = match dojo.payment_intents().get_including_canceled(&id).await {
            Ok(fresh) => fresh,
            Err(error) => return Err(JournalError::Unread(Box::new(error))),
        };
        if let Err(rule) = crate::lifecycle::rules::refund_allowed(&fresh, amount) {
            // Another caller of the name may have claimed it meanwhile (and
            // used up what is refundable): its outcome is the answer.
            if self.store.entry(&location, name).await?.is_some() {
                return self
                    .start(counter, name, id, Before::unrecorded(), movement, details)
                    .await;
            }
            return Err(refused(dojo, TERMINAL_SESSION_CREATE.id, rule));
        }
        let before = Before::of(&fresh);
        self.start(counter, name, id, before, movement, details)
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
        if amount.minor_units() <= 0 {
            return Err(refused(
                counter.dojo(),
                TERMINAL_SESSION_CREATE.id,
                LifecycleRule::AmountNotPositive,
            ));
        }
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
        // A matched refund is credited only with its own session: found in
        // the intent's history, recorded, then settled by its status.
        if let Movement::TerminalMatchedRefund { amount, .. } = &entry.movement {
            match self.attribute(counter, entry, terminal, *amount).await {
                Ok(Some(id)) => {
                    if let Err(error) = self
                        .store
                        .record_session(&entry.location, &entry.name, &id)
                        .await
                    {
                        return (
                            EntryState::Open,
                            format!(
                                "terminal session {id}, found in the payment intent's history, could not be recorded: {error}"
                            ),
                        );
                    }
                    return match counter.calls().session(&id).await {
                        Ok(data) => by_session(&data),
                        Err(error) => (
                            EntryState::Open,
                            format!("terminal session {id} could not be read: {error}"),
                        ),
                    };
                }
                Ok(None) => {}
                Err(why) => return (EntryState::Open, why),
            }
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
        let (state, why) = EntryState::of(&read(true).await);
        match (&state, &entry.movement) {
            (EntryState::Open, Movement::TerminalMatchedRefund { .. }) => (
                state,
                format!(
                    "{why}: the refunded amount is not what it was before this matched refund, but its growth may be another refund's, and no session of this entry's is in the payment intent's history; it is never credited without its session, nor sent again: look at terminal {terminal}'s receipts and settle it by hand"
                ),
            ),
            _ => (state, why),
        }
    }

    /// The one session of the payment intent's `terminalSessionHistory`
    /// that can be this matched refund's, whose create went unanswered:
    /// a matched refund of this intent and amount, on this entry's
    /// terminal, created (by Dojo's clock) no earlier than the entry was
    /// opened (by the store's) and inside its in-flight window (the create
    /// could land no later), and recorded by no other entry. `None`:
    /// no such session (the reads of the refunded amount then decide, and
    /// may only say "not applied"). An error, with the reason, when the
    /// read does not tell whose a session is: several such sessions,
    /// another open entry of the same kind that could own it, a store that
    /// cannot list its entries, or a refunded amount that has not grown by
    /// the refunds those sessions made (so a session counted new was
    /// there before: the two clocks disagree).
    async fn attribute(
        &self,
        counter: &Counter,
        entry: &Entry,
        terminal: &TerminalId,
        amount: Money,
    ) -> Result<Option<TerminalSessionId>, String> {
        let read = counter
            .dojo()
            .payment_intents()
            .get_including_canceled(&entry.payment_intent)
            .await
            .map_err(|error| {
                format!(
                    "payment intent {} could not be read: {error}",
                    entry.payment_intent
                )
            })?;
        let Some(history) = read.terminal_session_history.as_ref() else {
            return Ok(None);
        };
        // Sessions of matched refunds of this intent made since the entry.
        let window =
            chrono::Duration::from_std(self.in_flight_for).unwrap_or(chrono::Duration::MAX);
        let until = entry.opened_at.checked_add_signed(window);
        let new: Vec<&types::TerminalSessionResponse> = history
            .iter()
            .filter_map(|h| h.terminal_session.as_ref())
            .filter(|s| {
                refund_of(s).is_some_and(|(intent, _)| *intent == entry.payment_intent)
                    && s.created_at
                        .and_then(|at| at.instant())
                        .is_some_and(|at| at >= entry.opened_at)
            })
            .collect();
        // This entry's create could land only inside its in-flight window.
        let candidates: Vec<&types::TerminalSessionResponse> = new
            .iter()
            .copied()
            .filter(|s| {
                let inside = match (s.created_at.and_then(|at| at.instant()), until) {
                    (Some(at), Some(until)) => at <= until,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                inside
                    && s.terminal_id.as_ref() == Some(terminal)
                    && refund_of(s).is_some_and(|(_, minor)| minor == Some(amount.minor_units()))
                    && s.id.is_some()
            })
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let Some(entries) = self
            .store
            .entries_of(&entry.location, &entry.payment_intent)
            .await
            .map_err(|error| format!("the journal's entries could not be listed: {error}"))?
        else {
            return Err(format!(
                "a session in the payment intent's history may be this entry's, but this journal's store cannot list its entries to tell whether another entry's it is; look at terminal {terminal}'s receipts and settle it by hand"
            ));
        };
        let others: Vec<&Entry> = entries.iter().filter(|e| e.name != entry.name).collect();
        let candidates: Vec<&TerminalSessionId> = candidates
            .iter()
            .filter_map(|s| s.id.as_ref())
            .filter(|id| !others.iter().any(|e| e.movement.session() == Some(*id)))
            .collect();
        let [id] = candidates.as_slice() else {
            return match candidates.len() {
                0 => Ok(None),
                n => Err(format!(
                    "{n} sessions in the payment intent's history could be this matched refund's ({}); not credited to any",
                    candidates
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
        };
        let rivals: Vec<&str> = others
            .iter()
            .filter(|e| e.state.is_open() && e.movement.session().is_none())
            .filter(|e| entry.movement.same_call(&e.movement))
            .map(|e| e.name.as_str())
            .collect();
        if !rivals.is_empty() {
            return Err(format!(
                "terminal session {id} could be this entry's or that of {}, whose creates went unanswered too (same terminal and amount); not credited to either",
                rivals.join(", ")
            ));
        }
        // The refunds the new sessions made must all be in the refunded
        // amount's growth since the entry's own read: if not, one of them
        // was there before the entry (its creation time is by another clock
        // than the entry's), and no session here can be told new.
        let made: i64 = new
            .iter()
            .filter(|s| s.status == Some(Open::Known(Status::Captured)))
            .filter_map(|s| refund_of(s).and_then(|(_, minor)| minor))
            .sum();
        let grown = match (read.refunded_amount, entry.before.refunded) {
            (Some(now), Some(was)) => now.saturating_sub(was),
            _ => {
                return Err(
                    "the refunded amount, before or now, is not known: a session in the history cannot be told new"
                        .to_owned(),
                );
            }
        };
        if made > grown {
            return Err(format!(
                "the payment intent's history shows {made} refunded by sessions made since this entry, its refunded amount grew by {grown}: a session counted new was there before (Dojo's clock and the journal's disagree); not credited"
            ));
        }
        Ok(Some((*id).clone()))
    }
}

/// The payment intent and amount (minor units) of a matched refund's
/// session, as the history shows it; `None` for any other session.
fn refund_of(session: &types::TerminalSessionResponse) -> Option<(&PaymentIntentId, Option<i64>)> {
    let details = session.details.as_ref()?;
    if details.session_type != Open::Known(types::TerminalSessionType::MatchedRefund) {
        return None;
    }
    let refund = details.matched_refund.as_ref()?;
    Some((
        &refund.payment_intent_id,
        refund.amount.map(|a| a.minor_units()),
    ))
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
