//! `TerminalSession<S>`: a terminal session whose state is in its type.
//! Only a session in progress can be canceled or waited on; only one
//! waiting for the operator's signature check can be accepted or
//! rejected; a finished one only read.
//!
//! A finished session has no `cancel`:
//!
//! ```compile_fail,E0599
//! # async fn f(session: dojo_payments::counter::TerminalSession<dojo_payments::counter::Finished>) {
//! session.cancel().await; // error[E0599]: no method named `cancel`
//! # }
//! ```
//!
//! while one in progress has (so the failure above is the state):
//!
//! ```no_run
//! # async fn f(session: dojo_payments::counter::TerminalSession<dojo_payments::counter::InProgress>) {
//! session.cancel().await;
//! # }
//! ```

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{self, TerminalSessionStatus as Status};
use dojo_payments_types::{Open, PaymentIntentId, TerminalId, TerminalSessionId};
use futures_util::Stream;

use super::Counter;
use super::wait::{self, SessionUpdate, WaitPolicy};
use crate::lifecycle::payment_intent::AnyPaymentIntent;
use crate::{Error, Result};

mod sealed {
    pub trait Sealed {}
}

/// A terminal session's state, as a type.
pub trait SessionState: sealed::Sealed + Copy + std::fmt::Debug {}

/// In progress: waiting for the terminal, for a card, or for the payment
/// to finish (`InitiateRequested`, `Initiated`, `CancelRequested`,
/// `SignatureVerificationAccepted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InProgress;

/// The card was approved, and the terminal asks the operator to check the
/// customer's signature (`SignatureVerificationRequired`). **Answer within
/// 80 seconds** ([`TerminalSession::respond_by`]): after that Dojo accepts
/// the signature itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureRequired;

/// Over: nothing more happens to it (`Captured`, `Authorized`, `Declined`,
/// `Expired`, `Canceled`, `SignatureVerificationRejected`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished;

impl sealed::Sealed for InProgress {}
impl sealed::Sealed for SignatureRequired {}
impl sealed::Sealed for Finished {}
impl SessionState for InProgress {}
impl SessionState for SignatureRequired {}
impl SessionState for Finished {}

/// A terminal session known to be in state `S` (as of its last read), with
/// the id Dojo always sends.
#[derive(Debug, Clone)]
pub struct TerminalSession<S: SessionState> {
    counter: Counter,
    data: Box<types::TerminalSession>,
    state: PhantomData<S>,
}

impl<S: SessionState> TerminalSession<S> {
    fn typed(counter: Counter, data: types::TerminalSession) -> Self {
        Self {
            counter,
            data: Box::new(data),
            state: PhantomData,
        }
    }

    /// Its id.
    pub fn id(&self) -> &TerminalSessionId {
        &self.data.id
    }

    /// The terminal it runs on.
    pub fn terminal_id(&self) -> &TerminalId {
        &self.data.terminal_id
    }

    /// Its status as last read (a status Dojo adds later is
    /// `Open::Unknown`).
    pub fn status(&self) -> &Open<Status> {
        &self.data.status
    }

    /// When Dojo will mark it `Expired` if nothing happens (it moves as
    /// the session advances); for a session waiting for a signature check,
    /// when Dojo accepts the signature itself.
    pub fn expire_at(&self) -> Option<DateTime<Utc>> {
        self.data.expire_at.instant()
    }

    /// The payment intent it sells or refunds (none for an unlinked
    /// refund).
    pub fn payment_intent_id(&self) -> Option<&PaymentIntentId> {
        let details = self.data.details.as_ref()?;
        details
            .sale
            .as_ref()
            .map(|s| &s.payment_intent_id)
            .or_else(|| {
                details
                    .matched_refund
                    .as_ref()
                    .map(|r| &r.payment_intent_id)
            })
    }

    /// The session as Dojo last answered it.
    pub fn data(&self) -> &types::TerminalSession {
        &self.data
    }

    /// The session as Dojo last answered it, owned.
    pub fn into_data(self) -> types::TerminalSession {
        *self.data
    }
}

impl TerminalSession<InProgress> {
    pub(super) fn new(counter: Counter, data: types::TerminalSession) -> Self {
        Self::typed(counter, data)
    }

    /// What the till shows, as it happens: each status and each
    /// notification of the terminal (PresentCard, EnterPin, …), from the
    /// session's first (those of its last read come at once, in time
    /// order) to the ones read by polling with back-off (Dojo sends no
    /// webhooks for sessions), until the session finishes, asks for a
    /// signature check, reaches a status this SDK does not know, or
    /// `policy`'s deadline passes. Then read the
    /// [`TerminalSession::outcome`].
    pub fn updates(
        &self,
        policy: WaitPolicy,
    ) -> impl Stream<Item = Result<SessionUpdate>> + Send + 'static {
        wait::updates(self.counter.clone(), (*self.data).clone(), policy)
    }

    /// Waits (polling with back-off, within `policy`'s deadline) until the
    /// session finishes or asks for a signature check.
    pub async fn outcome(self, policy: WaitPolicy) -> Result<Outcome> {
        let last = wait::until_settled(&self.counter, *self.data, policy).await?;
        Ok(Outcome::of(self.counter, last))
    }

    /// Reads it again, in whichever state it is now.
    pub async fn refresh(&self) -> Result<Outcome> {
        self.counter.session(self.id()).await
    }

    /// Asks Dojo to cancel it. Dojo allows it only before a card is
    /// presented. Requested, the session is `CancelRequested` until the
    /// terminal confirms it (`Canceled`, read through
    /// [`TerminalSession::outcome`]).
    ///
    /// Dojo's 422 says only that the session cannot be canceled now, not
    /// why: a card was presented, or a cancel was already asked, or the
    /// session is over (canceled, expired, paid). So after a 422, and
    /// after any failure that proves nothing (an answer lost; a resend
    /// refused because the first attempt landed), the session is read and
    /// the answer is what the read shows:
    ///
    /// - `CancelRequested`: [`Canceling::Requested`] (this cancel, or an
    ///   earlier one);
    /// - over (`Canceled`, `Expired`, `Declined`, paid, …):
    ///   [`Canceling::Over`], with the outcome as read;
    /// - still running (on the terminal, or waiting for the signature
    ///   check) after a 422 that refused the first attempt:
    ///   [`Canceling::CardPresented`] (keep waiting on it).
    ///
    /// Anything else (the read failed, a status this SDK does not know, a
    /// session still running after an answer that proves nothing) is the
    /// call's error, whose delivery says what is known.
    pub async fn cancel(&self) -> Result<Canceling> {
        let error = match self.counter.calls().cancel_session(self.id()).await {
            Ok(data) => {
                return Ok(Canceling::Requested(Self::typed(
                    self.counter.clone(),
                    data,
                )));
            }
            // A refusal other than the 422 (an unknown session, a bad
            // request) says nothing about the session's state to read.
            Err(error) if error.delivery().moved_nothing() && error.status() != Some(422) => {
                return Err(error);
            }
            Err(error) => error,
        };
        // A 422 that refused the first attempt proves the cancel did
        // nothing; one answering a resend, or a lost answer, proves nothing.
        let refused = error.status() == Some(422) && error.delivery().moved_nothing();
        let Ok(data) = self.counter.calls().session(self.id()).await else {
            return Err(error);
        };
        match Outcome::of(self.counter.clone(), data) {
            Outcome::InProgress(session)
                if session.status() == &Open::Known(Status::CancelRequested) =>
            {
                Ok(Canceling::Requested(session))
            }
            over if over.is_final() => Ok(Canceling::Over(over)),
            Outcome::InProgress(_) | Outcome::SignatureRequired(_) if refused => {
                Ok(Canceling::CardPresented(error))
            }
            _ => Err(error),
        }
    }
}

impl TerminalSession<SignatureRequired> {
    /// When Dojo accepts the signature itself if the operator has not
    /// answered: 80 seconds after it asked (its `expireAt`).
    pub fn respond_by(&self) -> Option<DateTime<Utc>> {
        self.expire_at()
    }

    /// The signature matches the card's: the payment goes through (wait on
    /// the session for `Captured` or `Authorized`).
    pub async fn accept(self) -> Result<TerminalSession<InProgress>> {
        let data = self.answer(true).await?;
        Ok(TerminalSession::typed(self.counter, data))
    }

    /// The signature does not match: Dojo reverses the payment, and the
    /// session is over (`SignatureVerificationRejected`).
    pub async fn reject(self) -> Result<TerminalSession<Finished>> {
        let data = self.answer(false).await?;
        Ok(TerminalSession::typed(self.counter, data))
    }

    /// Sends the answer. Dojo's 422 says the session is not waiting for
    /// the check (any more): the operator answered after the 80 seconds
    /// and Dojo accepted the signature itself, or an earlier attempt of
    /// this answer landed. Such a refusal, and any failure that proves
    /// nothing (the answer lost), is settled by a read of the session:
    /// past the check the way asked (accepted: `SignatureVerificationAccepted`,
    /// `Captured` or `Authorized`; rejected: `SignatureVerificationRejected`),
    /// the answer is the session as read, so an accept after 80 s answers
    /// the session Dojo accepted, paid. Otherwise the error stands, its
    /// delivery saying what is known: a 422 is `Refused` (this answer did
    /// nothing) only when the read shows the session not moved the way
    /// asked; if the read fails after a 422 to an accept, nothing can say
    /// whether Dojo accepted it itself, and the error is
    /// [`Error::EarlierAttemptMaybeApplied`] (`MaybeApplied`), never a
    /// claim that nothing moved.
    async fn answer(&self, accepted: bool) -> Result<types::TerminalSession> {
        let error = match self
            .counter
            .calls()
            .verify_signature(self.id(), accepted)
            .await
        {
            Ok(data) => return Ok(data),
            Err(error) if error.delivery().moved_nothing() && error.status() != Some(422) => {
                return Err(error);
            }
            Err(error) => error,
        };
        match self.counter.calls().session(self.id()).await {
            Ok(data) if answered(&deciding_status(&data), accepted) => Ok(data),
            Ok(_) => Err(error),
            // An accept refused with a 422 may have been taken by Dojo
            // itself (80 s): without a read, say that it may have moved.
            Err(_) if accepted && error.delivery().moved_nothing() => Err(maybe_taken(error)),
            Err(_) => Err(error),
        }
    }
}

impl TerminalSession<Finished> {
    /// The payment's details (card, auth code), once Dojo has them.
    pub fn payment_details(&self) -> Option<&types::PaymentDetails> {
        self.data.payment_details.as_ref()
    }

    /// Reads the payment intent it sold or refunded, typed by its state:
    /// an `Authorized` one (a `Manual` sale) is captured through it
    /// (`PaymentIntent<Authorized>::capture`). `None` for an unlinked
    /// refund.
    pub async fn payment_intent(&self) -> Result<Option<AnyPaymentIntent>> {
        let Some(id) = self.payment_intent_id() else {
            return Ok(None);
        };
        let data = self.counter.dojo.payment_intents().get(id).await?;
        Ok(Some(AnyPaymentIntent::from(data)))
    }
}

/// A 422 to an accept that no read could settle: Dojo may have accepted
/// the signature itself (after 80 s), so the error says `MaybeApplied`
/// (Dojo's refusal kept as its last attempt), never that nothing moved.
fn maybe_taken(refused: Error) -> Error {
    let context = Box::new(refused.context().cloned().unwrap_or_default());
    Error::EarlierAttemptMaybeApplied {
        operation: refused.operation(),
        last: Box::new(refused),
        idempotency_key: None,
        context,
    }
}

/// Whether a session read with `status` took the signature answer
/// `accepted`.
fn answered(status: &Open<Status>, accepted: bool) -> bool {
    match status {
        Open::Known(Status::SignatureVerificationRejected) => !accepted,
        Open::Known(
            Status::SignatureVerificationAccepted | Status::Captured | Status::Authorized,
        ) => accepted,
        _ => false,
    }
}

/// The answer to [`TerminalSession::cancel`]: what the cancel did, or
/// what a read of the session showed after Dojo refused it.
#[derive(Debug)]
#[must_use]
pub enum Canceling {
    /// The session is `CancelRequested` (by this cancel, or by an earlier
    /// one), and `Canceled` once the terminal confirms: wait on it.
    Requested(TerminalSession<InProgress>),
    /// Too late: Dojo refused the cancel (its 422) and the session, read,
    /// still runs (a card was presented; the payment goes on, perhaps to
    /// a signature check). Keep waiting on it.
    CardPresented(Error),
    /// Nothing to cancel: Dojo refused the cancel and the session, read,
    /// was already over: `Canceled` (an earlier cancel), `Expired` (the
    /// customer walked away), `Declined`, paid, or its signature
    /// rejected. The outcome as read ([`Outcome::is_final`] holds).
    Over(Outcome),
}

/// Where a session stands once waiting ends (or as read): over, waiting for
/// the operator's signature check, or still going at the deadline.
#[derive(Debug, Clone)]
#[must_use]
pub enum Outcome {
    /// Paid (an `Auto` sale, or a refund made).
    Captured(TerminalSession<Finished>),
    /// Authorized: a `Manual` sale, to capture through its payment intent.
    Authorized(TerminalSession<Finished>),
    /// The card was declined.
    Declined(TerminalSession<Finished>),
    /// Nobody presented a card in time (or the terminal was offline).
    Expired(TerminalSession<Finished>),
    /// Canceled at the merchant's request.
    Canceled(TerminalSession<Finished>),
    /// The operator rejected the signature; the payment is reversed.
    SignatureRejected(TerminalSession<Finished>),
    /// The operator must check the signature: accept or reject it within
    /// 80 seconds.
    SignatureRequired(TerminalSession<SignatureRequired>),
    /// Still in progress when the deadline passed (or as read): wait again.
    InProgress(TerminalSession<InProgress>),
    /// A status this SDK does not know (Dojo added one): kept as read.
    Other(Box<types::TerminalSession>),
}

/// The status a session's outcome is judged by: its own, except after an
/// accepted signature. A session left `SignatureVerificationAccepted`
/// once it was `Captured` or `Authorized` (the order of the document's
/// `PUT …/signature` example, and so perhaps Dojo's) is over, ended so;
/// one accepted before it is either (this SDK's and the emulator's order)
/// still runs. The one place the SDK and the journal decide it.
pub(crate) fn deciding_status(data: &types::TerminalSession) -> Open<Status> {
    if data.status == Open::Known(Status::SignatureVerificationAccepted) {
        let paid = data
            .status_events
            .iter()
            .rev()
            .find_map(|event| match event.status {
                Open::Known(status @ (Status::Captured | Status::Authorized)) => Some(status),
                _ => None,
            });
        if let Some(paid) = paid {
            return Open::Known(paid);
        }
    }
    data.status.clone()
}

impl Outcome {
    pub(super) fn of(counter: Counter, data: types::TerminalSession) -> Self {
        let Open::Known(status) = deciding_status(&data) else {
            return Self::Other(Box::new(data));
        };
        let finished = |counter, data| TerminalSession::<Finished>::typed(counter, data);
        match status {
            Status::Captured => Self::Captured(finished(counter, data)),
            Status::Authorized => Self::Authorized(finished(counter, data)),
            Status::Declined => Self::Declined(finished(counter, data)),
            Status::Expired => Self::Expired(finished(counter, data)),
            Status::Canceled => Self::Canceled(finished(counter, data)),
            Status::SignatureVerificationRejected => {
                Self::SignatureRejected(finished(counter, data))
            }
            Status::SignatureVerificationRequired => {
                Self::SignatureRequired(TerminalSession::typed(counter, data))
            }
            Status::InitiateRequested
            | Status::Initiated
            | Status::CancelRequested
            | Status::SignatureVerificationAccepted => {
                Self::InProgress(TerminalSession::typed(counter, data))
            }
        }
    }

    /// The session as Dojo last answered it.
    pub fn data(&self) -> &types::TerminalSession {
        match self {
            Self::Captured(s)
            | Self::Authorized(s)
            | Self::Declined(s)
            | Self::Expired(s)
            | Self::Canceled(s)
            | Self::SignatureRejected(s) => s.data(),
            Self::SignatureRequired(s) => s.data(),
            Self::InProgress(s) => s.data(),
            Self::Other(data) => data,
        }
    }

    /// Its status, as Dojo names it.
    pub fn status(&self) -> &Open<Status> {
        &self.data().status
    }

    /// Whether the session is over.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            Self::SignatureRequired(_) | Self::InProgress(_) | Self::Other(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A status Dojo adds later is kept, not mistaken for one this SDK
    /// knows, and ends the waiting (nothing to wait for that the SDK can
    /// name).
    #[test]
    fn an_unknown_status_is_other() {
        let dojo = crate::Dojo::builder(
            dojo_payments_types::ApiKey::new("sk_sandbox_unit_0123456789").expect("a key"),
        )
        .build()
        .expect("a client");
        let counter = Counter::new(dojo, "my-epos");
        let data: types::TerminalSession = serde_json::from_value(serde_json::json!({
            "id": "ts_sandbox_1", "terminalId": "tm_sandbox_1", "status": "PrintingReceipt",
            "createdAt": "2026-03-02T10:00:00Z", "updatedAt": "2026-03-02T10:00:00Z",
            "expireAt": "2026-03-02T10:01:30Z", "notificationEvents": [], "statusEvents": [],
        }))
        .expect("decodes");
        let outcome = Outcome::of(counter, data);
        assert!(matches!(outcome, Outcome::Other(_)));
        assert_eq!(outcome.status().to_string(), "PrintingReceipt");
        assert!(!outcome.is_final());
    }
}
