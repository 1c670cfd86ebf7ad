//! What has moved on a payment intent, and what proves that one movement
//! took effect or did not: the one place both are decided. The
//! lifecycle's rules (captures ≤ authorized, refunds ≤ captured),
//! `settled()`, the settlement of a resource call that failed ambiguously,
//! [`Unsettled::settle`] and the journal's reconciliation all ask here.
//!
//! What proves what:
//!
//! - **Applied** needs evidence of the movement itself: the created
//!   object's id in Dojo's answer (`Evidence`: `captureId`, `refundId`,
//!   `reversalId`, a charge's `Successful`, a cancel's `Canceled`), or a
//!   read that shows it ([`reading`]: a capture id that was not there
//!   before, the refunded amount grown by this keyed refund, the status the
//!   movement leads to). A `2xx` without it is unknown. A matched refund
//!   at a terminal is never shown by the refunded amount: another refund
//!   may have grown it; only its session is its evidence.
//! - **Not applied** from reads needs all of: the reads made once the call
//!   can no longer be in flight (the client's deadline plus
//!   [`SettlementPolicy::in_flight_margin`]), every field the judgement
//!   depends on present, and two reads that lack it, taken at least
//!   [`SettlementPolicy::read_lag`] apart ([`judge`]), because reads may
//!   lag.
//! - Anything less is unknown, with the reason ([`Undetermined`]).
//!
//! A capture is recognised by the captures that were not there before (by
//! id), never by an equal amount: another capture of the same amount,
//! made meanwhile by someone else, is not this one.
//!
//! ```
//! use dojo_payments::api_types::{CaptureDetails, PaymentIntent};
//! use dojo_payments::settlement::{Before, Movement, Reading, Verdict, judge, reading};
//! use dojo_payments::types::{Currency, Money};
//! use dojo_payments::Undetermined;
//!
//! let capture = |id: &str, amount| CaptureDetails {
//!     id: Some(id.parse().unwrap()),
//!     amount: Some(amount),
//!     ..Default::default()
//! };
//! let before = PaymentIntent { captures: Some(vec![capture("cp_1", 400)]), ..Default::default() };
//! let after = PaymentIntent {
//!     captures: Some(vec![capture("cp_1", 400), capture("cp_2", 400)]),
//!     ..Default::default()
//! };
//! let ours = Movement::Capture { amount: Money::new(400, Currency::GBP) };
//! assert_eq!(reading(&ours, &Before::of(&before), &after), Reading::Shows);  // cp_2 is new
//! assert_eq!(reading(&ours, &Before::of(&after), &after), Reading::Lacks);  // nothing new
//! // A read without its captures tells nothing.
//! let bare = PaymentIntent::default();
//! assert_eq!(
//!     reading(&ours, &Before::of(&before), &bare),
//!     Reading::Unclear(Undetermined::FieldMissing("captures"))
//! );
//! // One read that lacks it proves nothing: reads may lag.
//! assert_eq!(judge(&[Reading::Lacks], true), Verdict::Unknown(Undetermined::NotConfirmed));
//! assert_eq!(judge(&[Reading::Lacks, Reading::Lacks], true), Verdict::NotApplied);
//! // Nor do two, while the call may still be in flight.
//! assert_eq!(judge(&[Reading::Lacks, Reading::Lacks], false), Verdict::Unknown(Undetermined::MayBeInFlight));
//! ```

use std::time::{Duration, Instant};

use dojo_payments_api::api::types::{self, CaptureMode, PaymentIntentStatus};
use dojo_payments_types::{CaptureId, Money, Open, PaymentIntentId, TerminalId, TerminalSessionId};

use crate::error::{Outcome, Undetermined};
use crate::{Dojo, IdempotencyKey};

/// A money-moving call, with what it needs to be sent again (a refund's
/// key) or recognised afterwards (the amount).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Movement {
    /// Capture `amount` of a `Manual` payment intent.
    Capture {
        /// How much.
        amount: Money,
    },
    /// Charge a payment intent made for an authorized setup intent.
    Charge,
    /// Reverse an authorization (or a same-day automatic capture).
    Reverse,
    /// Cancel a payment intent not yet paid.
    Cancel,
    /// Refund `amount`, always with `key`, so that sending it again is safe.
    Refund {
        /// How much.
        amount: Money,
        /// The idempotency key of every attempt, across crashes.
        key: IdempotencyKey,
    },
    /// Start a sale of the payment intent on a card terminal (Pay at
    /// Counter: `POST /terminal-sessions`, no idempotency key). Applied once
    /// the session took the payment (`Captured`, `Authorized`).
    TerminalSale {
        /// The terminal it runs on.
        terminal: TerminalId,
        /// The session Dojo made, once its id is known.
        session: Option<TerminalSessionId>,
    },
    /// Refund `amount` of the payment intent to the card presented at a
    /// terminal (a matched refund). Applied once the session refunded it.
    TerminalMatchedRefund {
        /// How much.
        amount: Money,
        /// The terminal it runs on.
        terminal: TerminalId,
        /// The session Dojo made, once its id is known.
        session: Option<TerminalSessionId>,
    },
    /// Refund `amount` to a card at a terminal, linked to no payment (an
    /// unlinked refund): no payment intent to read, so an ambiguous create
    /// is never settled by reads, nor sent again.
    TerminalUnlinkedRefund {
        /// How much.
        amount: Money,
        /// The terminal it runs on.
        terminal: TerminalId,
        /// The session Dojo made, once its id is known.
        session: Option<TerminalSessionId>,
    },
}

impl Movement {
    /// The name stored (`capture`, `charge`, `reverse`, `cancel`, `refund`,
    /// `counter_sale`, `counter_matched_refund`, `counter_unlinked_refund`).
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Capture { .. } => "capture",
            Self::Charge => "charge",
            Self::Reverse => "reverse",
            Self::Cancel => "cancel",
            Self::Refund { .. } => "refund",
            Self::TerminalSale { .. } => "counter_sale",
            Self::TerminalMatchedRefund { .. } => "counter_matched_refund",
            Self::TerminalUnlinkedRefund { .. } => "counter_unlinked_refund",
        }
    }

    /// The amount moved, for a capture or a refund (at a terminal too).
    pub fn amount(&self) -> Option<Money> {
        match self {
            Self::Capture { amount }
            | Self::Refund { amount, .. }
            | Self::TerminalMatchedRefund { amount, .. }
            | Self::TerminalUnlinkedRefund { amount, .. } => Some(*amount),
            _ => None,
        }
    }

    /// The terminal, for a session at one.
    pub fn terminal(&self) -> Option<&TerminalId> {
        match self {
            Self::TerminalSale { terminal, .. }
            | Self::TerminalMatchedRefund { terminal, .. }
            | Self::TerminalUnlinkedRefund { terminal, .. } => Some(terminal),
            _ => None,
        }
    }

    /// The terminal session Dojo made, for a session at a terminal whose
    /// id is known.
    pub fn session(&self) -> Option<&TerminalSessionId> {
        match self {
            Self::TerminalSale { session, .. }
            | Self::TerminalMatchedRefund { session, .. }
            | Self::TerminalUnlinkedRefund { session, .. } => session.as_ref(),
            _ => None,
        }
    }

    /// The same movement with its session's id recorded (a session at a
    /// terminal; any other is left as it is).
    pub fn with_session(mut self, id: TerminalSessionId) -> Self {
        match &mut self {
            Self::TerminalSale { session, .. }
            | Self::TerminalMatchedRefund { session, .. }
            | Self::TerminalUnlinkedRefund { session, .. } => *session = Some(id),
            _ => {}
        }
        self
    }

    /// The idempotency key, for a refund.
    pub fn key(&self) -> Option<&IdempotencyKey> {
        match self {
            Self::Refund { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The movement stored as `operation`, `amount` and `key`; `None` if
    /// they do not make one (a refund without a key, a capture without an
    /// amount, an unknown operation).
    pub fn from_parts(
        operation: &str,
        amount: Option<Money>,
        key: Option<IdempotencyKey>,
    ) -> Option<Self> {
        Some(match (operation, amount, key) {
            ("capture", Some(amount), None) => Self::Capture { amount },
            ("charge", None, None) => Self::Charge,
            ("reverse", None, None) => Self::Reverse,
            ("cancel", None, None) => Self::Cancel,
            ("refund", Some(amount), Some(key)) => Self::Refund { amount, key },
            _ => return None,
        })
    }

    /// The movement stored as `operation`, `amount`, `key`, and for a
    /// session at a terminal its `terminal` and (once known) `session`:
    /// what [`Movement::from_parts`] reads, and the sessions. `None` if
    /// they do not make one.
    pub fn from_stored(
        operation: &str,
        amount: Option<Money>,
        key: Option<IdempotencyKey>,
        terminal: Option<TerminalId>,
        session: Option<TerminalSessionId>,
    ) -> Option<Self> {
        Some(match (operation, amount, key, terminal) {
            ("counter_sale", None, None, Some(terminal)) => {
                Self::TerminalSale { terminal, session }
            }
            ("counter_matched_refund", Some(amount), None, Some(terminal)) => {
                Self::TerminalMatchedRefund {
                    amount,
                    terminal,
                    session,
                }
            }
            ("counter_unlinked_refund", Some(amount), None, Some(terminal)) => {
                Self::TerminalUnlinkedRefund {
                    amount,
                    terminal,
                    session,
                }
            }
            (_, amount, key, None) if session.is_none() => {
                return Self::from_parts(operation, amount, key);
            }
            _ => return None,
        })
    }

    /// Whether `other` is the same call (a refund's key and a session's id
    /// aside: the first entry's are the ones that count).
    pub(crate) fn same_call(&self, other: &Self) -> bool {
        self.operation() == other.operation()
            && self.amount() == other.amount()
            && self.terminal() == other.terminal()
    }

    /// Whether it is a session at a terminal.
    pub(crate) fn at_terminal(&self) -> bool {
        self.terminal().is_some()
    }
}

/// What a payment intent was before a movement: what a read afterwards is
/// compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    /// Its status, as Dojo reported it.
    pub status: Option<Open<PaymentIntentStatus>>,
    /// The ids of its captures; `None` when they were not recorded (a
    /// journal entry written before they were), and a capture then cannot
    /// be recognised.
    pub captures: Option<Vec<CaptureId>>,
    /// Minor units refunded (`refundedAmount`); `None` when not recorded,
    /// and a refund then cannot be recognised by a read.
    pub refunded: Option<i64>,
}

impl Before {
    /// The snapshot of `intent`; a capture Dojo sent without an id leaves
    /// the captures unrecorded (none can then be told apart), and so does
    /// an answer without `captures`, unless the intent is `Authorized`:
    /// Dojo's document makes `captures` nullable, and an authorized intent
    /// has none (its first capture makes it `Captured`).
    pub fn of(intent: &types::PaymentIntent) -> Self {
        let captures = match &intent.captures {
            Some(captures) => captures.iter().map(|c| c.id.clone()).collect(),
            None if uncaptured(intent) => Some(Vec::new()),
            None => None,
        };
        Self {
            status: intent.status.clone(),
            captures,
            refunded: intent.refunded_amount,
        }
    }

    /// Nothing recorded: a read can then recognise no movement.
    pub fn unrecorded() -> Self {
        Self {
            status: None,
            captures: None,
            refunded: None,
        }
    }
}

/// What one read of the payment intent, made after a movement was sent,
/// shows of it. The one mapping from a read to its meaning: resource calls,
/// lifecycles, [`Unsettled::settle`] and the journal all judge reads here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The read shows the movement: a capture id that was not there
    /// before with this amount, the refunded amount grown by exactly this
    /// refund, the status the movement leads to.
    Shows,
    /// The read shows the intent without it, every field the judgement
    /// needs present. This proves "not applied" only of a read made once
    /// the call can no longer be in flight *and* no more behind than reads
    /// lag: see [`judge`].
    Lacks,
    /// The read does not tell, for this reason.
    Unclear(Undetermined),
}

/// Whether `movement` shows in `after`, the payment intent as read after
/// it was sent, compared with `before`.
pub fn reading(movement: &Movement, before: &Before, after: &types::PaymentIntent) -> Reading {
    let moved_to = |target: PaymentIntentStatus| match (&after.status, &before.status) {
        (None, _) => Reading::Unclear(Undetermined::FieldMissing("status")),
        (Some(Open::Known(status)), _) if *status == target => Reading::Shows,
        (_, None) => Reading::Unclear(Undetermined::NoSnapshot),
        (Some(now), Some(was)) if now == was => Reading::Lacks,
        _ => Reading::Unclear(Undetermined::ReadDoesNotTell),
    };
    match movement {
        Movement::Capture { amount } => new_capture(before, after, *amount),
        Movement::Charge => moved_to(CHARGED),
        Movement::Reverse => moved_to(PaymentIntentStatus::Reversed),
        Movement::Cancel => moved_to(PaymentIntentStatus::Canceled),
        Movement::Refund { amount, .. } => new_refund(before, after, *amount),
        // The refunded amount is one sum for every refund of the intent
        // (another entry's, one made at the counter or online): its growth
        // is no evidence that *this* session exists. Unchanged, it still
        // lacks it; the session itself (found by its id, or in the intent's
        // `terminalSessionHistory`: `journal/session.rs`) is the evidence.
        Movement::TerminalMatchedRefund { amount, .. } => {
            match new_refund(before, after, *amount) {
                Reading::Shows => Reading::Unclear(Undetermined::ReadDoesNotTell),
                other => other,
            }
        }
        Movement::TerminalSale { .. } => sold(before, after),
        // No payment intent: nothing a read can show.
        Movement::TerminalUnlinkedRefund { .. } => Reading::Unclear(Undetermined::NoSnapshot),
    }
}

/// Whether a sale at a terminal shows on `after`, an intent that was
/// `Created`: paid (`Authorized`, `Captured`, `Refunded` since) shows it;
/// still `Created` (or `Canceled`, which no card can pay) lacks it; a
/// `Reversed` one does not tell (a signature the operator rejected, whose
/// session took nothing, or a sale reversed since).
fn sold(before: &Before, after: &types::PaymentIntent) -> Reading {
    use PaymentIntentStatus as S;
    match (&after.status, &before.status) {
        (None, _) => Reading::Unclear(Undetermined::FieldMissing("status")),
        (Some(Open::Known(S::Authorized | S::Captured | S::Refunded)), _) => Reading::Shows,
        (_, None) => Reading::Unclear(Undetermined::NoSnapshot),
        (Some(Open::Known(S::Created | S::Canceled)), Some(Open::Known(S::Created))) => {
            Reading::Lacks
        }
        _ => Reading::Unclear(Undetermined::ReadDoesNotTell),
    }
}

/// Where a charge leaves its payment intent: `Captured` (Dojo's
/// tokenization guide: "Created → Captured: POST …/charge"). The one place
/// this is decided: the lifecycle's `charge` promises it, and a read is
/// judged by it.
pub const CHARGED: PaymentIntentStatus = PaymentIntentStatus::Captured;

/// Whether a capture of `amount` is among the captures `after` has and
/// `before` had not.
fn new_capture(before: &Before, after: &types::PaymentIntent, amount: Money) -> Reading {
    let Some(known) = before.captures.as_ref() else {
        return Reading::Unclear(Undetermined::NoSnapshot);
    };
    let captures = match after.captures.as_ref() {
        Some(captures) => captures.as_slice(),
        // Still authorized, with no captures before: none now either (a
        // capture would have made it `Captured`); the status says so.
        None if known.is_empty() && uncaptured(after) => &[],
        None => return Reading::Unclear(Undetermined::FieldMissing("captures")),
    };
    let mut new = Vec::new();
    for capture in captures {
        let Some(id) = capture.id.as_ref() else {
            return Reading::Unclear(Undetermined::FieldMissing("captures[].id"));
        };
        if !known.contains(id) {
            new.push(capture);
        }
    }
    match new.as_slice() {
        [] => Reading::Lacks,
        [one] => match one.amount {
            Some(minor) if minor == amount.minor_units() => Reading::Shows,
            Some(_) => Reading::Unclear(Undetermined::ReadDoesNotTell),
            None => Reading::Unclear(Undetermined::FieldMissing("captures[].amount")),
        },
        _ => Reading::Unclear(Undetermined::ReadDoesNotTell),
    }
}

/// Whether `intent` is an authorized one, which has no captures yet.
fn uncaptured(intent: &types::PaymentIntent) -> bool {
    intent.status == Some(Open::Known(PaymentIntentStatus::Authorized))
}

/// Whether `after`'s refunded amount grew by exactly `amount` since
/// `before` (unchanged: lacks; grown otherwise: another refund too, so it
/// does not tell).
fn new_refund(before: &Before, after: &types::PaymentIntent, amount: Money) -> Reading {
    let Some(was) = before.refunded else {
        return Reading::Unclear(Undetermined::NoSnapshot);
    };
    let Some(now) = after.refunded_amount else {
        return Reading::Unclear(Undetermined::FieldMissing("refundedAmount"));
    };
    match now.checked_sub(was) {
        Some(0) => Reading::Lacks,
        Some(grown) if grown == amount.minor_units() => Reading::Shows,
        _ => Reading::Unclear(Undetermined::ReadDoesNotTell),
    }
}

/// The verdict of the reads made to settle a movement, in order: the
/// movement is applied if any read shows it (a read proves what it shows,
/// whenever it was made); it is not applied only if the call could no
/// longer be in flight when the first read was made (`finished`), and
/// every read lacks it, and there were two of them (taken at least the
/// read lag apart, so that the second is no further behind than the
/// movement: reads may lag). Anything less is unknown, with the first
/// reason found.
pub fn judge(readings: &[Reading], finished: bool) -> Verdict {
    if readings.contains(&Reading::Shows) {
        return Verdict::Applied;
    }
    if let Some(why) = readings.iter().find_map(|r| match r {
        Reading::Unclear(why) => Some(*why),
        _ => None,
    }) {
        return Verdict::Unknown(why);
    }
    match (finished, readings.len()) {
        (false, _) => Verdict::Unknown(Undetermined::MayBeInFlight),
        (true, 0) => Verdict::Unknown(Undetermined::ReadFailed),
        (true, 1) => Verdict::Unknown(Undetermined::NotConfirmed),
        (true, _) => Verdict::NotApplied,
    }
}

/// What reads proved of a movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A read shows it.
    Applied,
    /// Two reads, made once it could no longer be in flight and a read lag
    /// apart, lack it.
    NotApplied,
    /// Not known, and why.
    Unknown(Undetermined),
}

/// How the SDK settles a movement by reading the payment intent: how long
/// a call may still land at Dojo after the client gave up on it, and how
/// far behind a read may be. Defaults: 30 s and 3 s.
///
/// The read-lag assumption: a read of Dojo's shows every change committed
/// more than `read_lag` before it was made. Under it, a read made at least
/// `read_lag` after the end of the in-flight window shows the movement if
/// it was ever made, which is what the second read of [`judge`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementPolicy {
    /// How much longer than the client's deadline a call may still be
    /// worked on by Dojo (default 30 s): the in-flight window is the
    /// deadline plus this.
    pub in_flight_margin: Duration,
    /// How far behind a read may be (default 3 s): the two reads that
    /// prove "not applied" are taken at least this far apart.
    pub read_lag: Duration,
}

impl Default for SettlementPolicy {
    fn default() -> Self {
        Self {
            in_flight_margin: Duration::from_secs(30),
            read_lag: Duration::from_secs(3),
        }
    }
}

/// Reads payment intent `id` to settle `movement`: once if the call may
/// still be in flight (`finished` false: only "applied" can come of it),
/// otherwise twice, `read_lag` apart, unless the first read shows it;
/// judged by [`judge`].
pub(crate) async fn by_reads(
    dojo: &Dojo,
    id: &PaymentIntentId,
    movement: &Movement,
    before: &Before,
    finished: bool,
) -> Outcome {
    let mut readings = Vec::with_capacity(2);
    let mut last = None;
    let reads = if finished { 2 } else { 1 };
    for n in 0..reads {
        if n > 0 {
            tokio::time::sleep(dojo.settlement_policy().read_lag).await;
        }
        match dojo.payment_intents().get_including_canceled(id).await {
            Ok(after) => {
                let read = reading(movement, before, &after);
                last = Some(after);
                readings.push(read);
                if read == Reading::Shows {
                    break;
                }
            }
            Err(_) => readings.push(Reading::Unclear(Undetermined::ReadFailed)),
        }
    }
    match (judge(&readings, finished), last) {
        (Verdict::Applied, Some(read)) => Outcome::Applied(Box::new(read)),
        (Verdict::NotApplied, Some(read)) => Outcome::NotApplied(Box::new(read)),
        (Verdict::Unknown(why), _) => Outcome::Unknown(why),
        // A verdict of applied or not is made only from a read.
        (_, None) => Outcome::Unknown(Undetermined::ReadFailed),
    }
}

/// A movement without an idempotency key whose outcome is unknown, with
/// what it takes to settle it later ([`crate::Error::unsettled`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsettled {
    /// The payment intent it moves money on.
    pub payment_intent: PaymentIntentId,
    /// The movement.
    pub movement: Movement,
    /// The payment intent before it.
    pub before: Before,
    /// When it was sent, by the client's monotonic clock.
    pub sent_at: Instant,
}

impl Unsettled {
    /// Waits until the call can no longer be in flight (the client's
    /// deadline and the policy's margin after it was sent), then settles
    /// it by two reads, the read lag apart: `Applied`, `NotApplied`, or
    /// still `Unknown` with the reason. Use the same client (location) the
    /// call was made with. A journal does this for you, across restarts.
    pub async fn settle(&self, dojo: &Dojo) -> Outcome {
        let window = dojo
            .retry_policy()
            .deadline
            .saturating_add(dojo.settlement_policy().in_flight_margin);
        let waited = self.sent_at.elapsed();
        if waited < window {
            tokio::time::sleep(window - waited).await;
        }
        by_reads(
            dojo,
            &self.payment_intent,
            &self.movement,
            &self.before,
            true,
        )
        .await
    }
}

/// What a successful answer to a money-moving call must carry to prove the
/// movement was made: the created object's id, or the state it leads to.
/// A `2xx` without it proves nothing ([`crate::Error::Unproven`]).
pub(crate) trait Evidence {
    /// What this answer lacks of its proof, if anything.
    fn missing_proof(&self) -> Option<&'static str>;
}

impl Evidence for types::Capture {
    fn missing_proof(&self) -> Option<&'static str> {
        self.capture_id.is_none().then_some("captureId")
    }
}

impl Evidence for types::Refund {
    fn missing_proof(&self) -> Option<&'static str> {
        self.refund_id.is_none().then_some("refundId")
    }
}

impl Evidence for types::Reversal {
    fn missing_proof(&self) -> Option<&'static str> {
        self.reversal_id.is_none().then_some("reversalId")
    }
}

impl Evidence for types::ChargeResponse {
    fn missing_proof(&self) -> Option<&'static str> {
        let charged = matches!(
            self.status,
            Some(Open::Known(types::CaptureStatus::Successful))
        );
        (!charged).then_some("status Successful")
    }
}

/// A cancel's answer: the payment intent, `Canceled`.
impl Evidence for types::PaymentIntent {
    fn missing_proof(&self) -> Option<&'static str> {
        let canceled = self.status == Some(Open::Known(PaymentIntentStatus::Canceled));
        (!canceled).then_some("status Canceled")
    }
}

/// Minor units captured so far of `data`: the sum of a `Manual` intent's
/// captures, the whole of a captured `Auto` one. `None` when it cannot be
/// known: a capture without an amount, or a sum that overflows.
pub(crate) fn captured_minor(data: &types::PaymentIntent) -> Option<i64> {
    match data.capture_mode {
        Some(Open::Known(CaptureMode::Manual)) => data
            .captures
            .iter()
            .flatten()
            .try_fold(0i64, |sum, c| sum.checked_add(c.amount?)),
        _ => match data.status {
            Some(Open::Known(PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded)) => {
                total(data).map(|t| t.minor_units())
            }
            _ => Some(0),
        },
    }
}

/// What the customer pays for `data` (amount and tips: `totalAmount`, or
/// `amount` where Dojo sent no total), when Dojo says.
pub(crate) fn total(data: &types::PaymentIntent) -> Option<Money> {
    data.total_amount.or(data.amount)
}

/// Minor units refunded so far of `data` (Dojo's `refundedAmount`).
pub(crate) fn refunded_minor(data: &types::PaymentIntent) -> i64 {
    data.refunded_amount.unwrap_or(0)
}

/// How much of a payment intent has moved: captured, and refunded of that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Captured so far (all captures of a `Manual` intent; the total of a
    /// captured `Auto` one; zero before).
    pub captured: Money,
    /// Refunded so far (Dojo's `refundedAmount`).
    pub refunded: Money,
}

/// The money of `data` captured and refunded so far, in its currency;
/// `None` when Dojo sent no amount, or a capture without one.
pub(crate) fn settled(data: &types::PaymentIntent) -> Option<Settled> {
    let currency = total(data)?.currency();
    Some(Settled {
        captured: Money::new(captured_minor(data)?, currency),
        refunded: Money::new(refunded_minor(data), currency),
    })
}
