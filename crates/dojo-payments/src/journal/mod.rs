//! A durable journal of money-moving calls, so that money moves once
//! across crashes, restarts and several instances.
//!
//! Every capture, charge, reversal, cancel and refund made through a
//! [`Journal`] is written, under a name you choose (`order-42/refund-1`),
//! *before* it is sent, and its outcome after. What each crash leaves:
//!
//! | the process dies… | the journal holds | [`Journal::reconcile`] then… |
//! | --- | --- | --- |
//! | before the entry is written | nothing | nothing: nothing was sent |
//! | after it is written, before or while sending, or before the outcome is written | an open entry | a refund: sends it again with the **same** key (Dojo makes it once; a resend refused says nothing of the earlier attempts, which reads then judge); any other, once it can no longer be in flight: reads the intent and compares it with the entry's snapshot ([`crate::settlement::reading`]): `Applied` when a read shows it, `NotApplied` when two reads the read lag apart lack it, otherwise still open with the reason (never guessed) |
//! | after the outcome is written | a settled entry | nothing |
//!
//! Sessions at a card terminal (Pay at Counter) are journaled too
//! ([`Journal::sale`], [`Journal::matched_refund`],
//! [`Journal::unlinked_refund`]): their create has no idempotency key, so
//! it is never sent again; the session's id is recorded as soon as Dojo
//! answers it, and the entry is settled by the session's final status, or,
//! when the create's answer was lost, by what can be read (see
//! [`Started`]).
//!
//! The entry is the one write a call waits for. An outcome that proves the
//! movement (`Applied`) is written behind the answer, in a task of its own:
//! the caller does not wait for it, this journal answers from it until it
//! is written, and a process that ends first leaves the entry open, for
//! `reconcile` to find applied again ([`Journal::flush`] waits for them).
//!
//! The same name asked for again — a retried job, a second instance, a
//! double click — never makes a second movement: it gets the first one's
//! outcome, `NotApplied` included (a name settled `NotApplied` stays so:
//! make the movement again under a new name). An open refund is sent again
//! with the first key (Dojo makes one refund per key); any other open call
//! is waited for while it may still be in flight
//! ([`Journal::in_flight_for`]), then settled by reads.
//!
//! What a call's failure means for its entry is [`crate::proof`]'s one
//! classification ([`crate::Error::delivery`]): nothing moved (`NotSent`,
//! `Refused`, `NotApplied`) closes it `NotApplied`, `Applied` closes it
//! `Applied`, and anything else leaves it open to be settled. That holds
//! for the first attempt only: a later refusal (of a resend) does not
//! erase an earlier "maybe"; the entry keeps it until reads settle it.
//!
//! Each entry records its location (`dojo.location_id()` of the client it
//! was made with), and names are per location: `order-1/refund-1` at two
//! sites is two entries, each one call. An entry is settled with its
//! location's key: `reconcile`
//! finds it on the client it is given (`dojo.location(&id)`), and leaves an
//! entry whose location that client does not know open, with the reason.
//!
//! Time is the store's ([`JournalStore::now`], a database's clock): an
//! entry's age is measured by one clock whichever instance wrote it or
//! reads it, so a host whose clock is minutes off neither settles a call
//! still in flight nor waits for ever. The window is checked against the
//! client's deadline: it must outlast a call.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = dojo_payments_emulator::Emulator::start().await?;
//! # let dojo = dojo_payments::Dojo::builder(emulator.api_key()).endpoints(emulator.endpoints()).build()?;
//! # let intent = dojo.payment_intents().create(dojo_payments::types::Money::new(1000, dojo_payments::types::Currency::GBP), "Order 42").send().await?;
//! # emulator.pay(intent.id.as_ref().unwrap(), &dojo_payments_emulator::Card::test("5200000000001005")?, false)?;
//! use dojo_payments::journal::{EntryState, InMemoryJournal, Journal};
//! use dojo_payments::types::{Currency, Money};
//!
//! let journal = Journal::new(InMemoryJournal::default(), &dojo); // dojo-payments-sqlx: PostgreSQL, SQLite
//! journal.reconcile(&dojo).await?;                          // at start-up: settle what a crash left
//! let id = intent.id.as_ref().unwrap();
//! let intent = dojo.payment_intents().get(id).await?;      // as it is before the refund
//! let refund = Money::new(300, Currency::GBP);
//! let first = journal.refund(&dojo, "order-42/refund-1", &intent, refund).await?;
//! let again = journal.refund(&dojo, "order-42/refund-1", &intent, refund).await?; // a retried job
//! assert!(matches!(first, EntryState::Applied { .. }));
//! assert_eq!(again, first);                                 // one refund, not two
//! # assert_eq!(emulator.refund_count(id), 1);
//! # Ok(()) }
//! ```

mod behind;
mod entry;
mod session;
mod store;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types;
use dojo_payments_types::{LocationId, Money, PaymentIntentId};

// Their one documented path is `settlement::` (where they are decided);
// kept here, hidden, for the storage crates that import them beside
// `JournalStore` (dojo-payments-sqlx).
#[doc(hidden)]
pub use crate::settlement::{Before, Movement};
pub use entry::{Entry, EntryState};
pub use session::Started;
pub use store::{Closed, InMemoryJournal, JournalStore, Opened, StoreClock};
// Its one documented path is the crate's root (webhook dedupe stores fail
// with it too); reachable here for the crate's root to re-export.
#[doc(hidden)]
pub use store::StoreError;

use crate::counter::Counter;
use crate::lifecycle::{LifecycleRule, rules};
use crate::settlement;
use crate::{Dojo, IdempotencyKey};
use dojo_payments_api::operations as ops;

/// Why a journaled call could not be made or settled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The store failed. A failed claim sends nothing; but a failure to
    /// record the outcome comes after the call was sent, and the money may
    /// have moved: the entry stays open, and `reconcile` (or the same name
    /// asked for again) settles it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The name is taken, at this location, by another call (another
    /// operation, amount or payment intent): one name is one call.
    #[error("the journal name {name:?} is another call's ({existing} on {payment_intent})")]
    NameReused {
        /// The name.
        name: String,
        /// The operation it was first used for.
        existing: &'static str,
        /// The payment intent it was first used for.
        payment_intent: PaymentIntentId,
    },
    /// The payment intent given has no id.
    #[error("the payment intent has no id")]
    NoId,
    /// Refused before anything was written or sent: an amount no refund or
    /// capture can have (zero or less, another currency than the intent's,
    /// more than is left to refund or to capture of the intent as read; a
    /// capture of an intent not in `Manual` mode), the
    /// crate's typed error ([`crate::Error::InvalidRequest`] with a
    /// [`crate::lifecycle::LifecycleRule`]; its delivery is `NotSent`).
    #[error(transparent)]
    Refused(Box<crate::Error>),
    /// The payment intent could not be read before the call (the journal
    /// reads it itself, so that its snapshot is not a stale one): nothing
    /// was written, nothing sent.
    #[error("the payment intent could not be read before the call; nothing was sent: {0}")]
    Unread(#[source] Box<crate::Error>),
    /// The in-flight window does not outlast the client's deadline: an
    /// entry could be settled by a read while its call is still running.
    #[error(
        "the journal's in-flight window ({window:?}) must be longer than the client's call deadline ({deadline:?})"
    )]
    WindowTooShort {
        /// The window.
        window: Duration,
        /// The client's deadline.
        deadline: Duration,
    },
    /// Another caller settled the entry otherwise than this one found: one
    /// of the two is wrong about the money; look at the payment intent.
    #[error(
        "journal entry {name:?} was settled {recorded} by another caller, and is {found} by this one"
    )]
    ConflictingClose {
        /// The entry.
        name: String,
        /// As the other caller settled it.
        recorded: &'static str,
        /// As this caller found it.
        found: &'static str,
    },
}

/// An open entry [`Journal::reconcile`] looked at, and where it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// The entry's name.
    pub name: String,
    /// Where it stands after reconciling.
    pub state: EntryState,
    /// Why it is still open, when it is (the read failed, or did not tell).
    pub still_open_because: Option<String>,
}

/// Money-moving calls, journaled in `S` (see the [module](self) docs).
#[derive(Debug)]
pub struct Journal<S> {
    store: Arc<S>,
    in_flight_for: Duration,
    behind: Arc<behind::WriteBehind>,
}

/// How often a caller waiting for another's entry looks at it again.
const POLL: Duration = Duration::from_millis(100);

impl<S: JournalStore + 'static> Journal<S> {
    /// A journal kept in `store`, for calls made by `dojo`'s clients: an
    /// open entry is taken for in flight for the client's call deadline
    /// and its settlement policy's margin (90 s for the defaults, 60 s and
    /// 30 s: [`crate::SettlementPolicy`]) before another caller or
    /// `reconcile` settles it by reads.
    pub fn new(store: S, dojo: &Dojo) -> Self {
        Self {
            store: Arc::new(store),
            behind: Arc::default(),
            in_flight_for: dojo
                .retry_policy()
                .deadline
                .saturating_add(dojo.settlement_policy().in_flight_margin),
        }
    }

    /// How long an open entry may still be in flight in the process that
    /// wrote it: longer than the client's call deadline (checked here with
    /// `dojo`, and again with the client of each call), and as long as Dojo
    /// may still work on a call its client gave up on. `reconcile` leaves
    /// younger entries alone, and a second caller of the same name waits
    /// that long for the first one's outcome.
    pub fn in_flight_for(mut self, window: Duration, dojo: &Dojo) -> Result<Self, JournalError> {
        check_window(window, dojo)?;
        self.in_flight_for = window;
        Ok(self)
    }

    /// The store. A call that moved money answers before its outcome is
    /// written there ([`Journal::flush`] waits for it).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Waits until the outcome of every call this journal answered is
    /// written to the store: before reading the store directly, and before
    /// a process that made calls ends (an outcome not written leaves its
    /// entry open, for [`Journal::reconcile`] to settle again).
    pub async fn flush(&self) {
        self.behind.flush().await;
    }

    /// Refunds `amount` of `intent` (as read before: its refunded amount is
    /// the snapshot a read is compared with) once under `name`, with an
    /// idempotency key written with the entry before the call. An open
    /// refund is settled by sending it again with that key; when a resend
    /// is refused, by reads of the refunded amount. An amount no refund of
    /// `intent` can have is refused before anything is written or sent
    /// ([`JournalError::Refused`]), unless `name` is taken.
    pub async fn refund(
        &self,
        dojo: &Dojo,
        name: &str,
        intent: &types::PaymentIntent,
        amount: Money,
    ) -> Result<EntryState, JournalError> {
        let movement = Movement::Refund {
            amount,
            key: IdempotencyKey::generate(),
        };
        self.journaled(dojo, name, intent, movement).await
    }

    /// Captures `amount` of `intent` (as read before) once under `name`; an
    /// amount no capture of `intent` can have is refused before anything is
    /// written or sent ([`JournalError::Refused`]), unless `name` is taken.
    pub async fn capture(
        &self,
        dojo: &Dojo,
        name: &str,
        intent: &types::PaymentIntent,
        amount: Money,
    ) -> Result<EntryState, JournalError> {
        self.journaled(dojo, name, intent, Movement::Capture { amount })
            .await
    }

    /// Charges `intent` (made for an authorized setup intent) once under `name`.
    pub async fn charge(
        &self,
        dojo: &Dojo,
        name: &str,
        intent: &types::PaymentIntent,
    ) -> Result<EntryState, JournalError> {
        self.journaled(dojo, name, intent, Movement::Charge).await
    }

    /// Reverses `intent` once under `name`.
    pub async fn reverse(
        &self,
        dojo: &Dojo,
        name: &str,
        intent: &types::PaymentIntent,
    ) -> Result<EntryState, JournalError> {
        self.journaled(dojo, name, intent, Movement::Reverse).await
    }

    /// Cancels `intent` once under `name`.
    pub async fn cancel(
        &self,
        dojo: &Dojo,
        name: &str,
        intent: &types::PaymentIntent,
    ) -> Result<EntryState, JournalError> {
        self.journaled(dojo, name, intent, Movement::Cancel).await
    }

    /// Settles every entry left open longer than the in-flight window (a
    /// crash's leftovers, a call whose handler was dropped): refunds are
    /// sent again with their key, the rest settled by reading the intent.
    /// Run it at start-up, and now and then (every minute or so).
    ///
    /// Sessions at a terminal are left open here, with the reason: their
    /// reads need the software house's id, which
    /// [`Journal::reconcile_counter`] has.
    pub async fn reconcile(&self, dojo: &Dojo) -> Result<Vec<Reconciled>, JournalError> {
        self.reconcile_with(dojo, None).await
    }

    /// What [`Journal::reconcile`] does, sessions at a terminal included
    /// (the counter's client and software house: each entry is read with
    /// its own location's key).
    pub async fn reconcile_counter(
        &self,
        counter: &Counter,
    ) -> Result<Vec<Reconciled>, JournalError> {
        self.reconcile_with(counter.dojo(), Some(counter)).await
    }

    async fn reconcile_with(
        &self,
        dojo: &Dojo,
        counter: Option<&Counter>,
    ) -> Result<Vec<Reconciled>, JournalError> {
        // An entry whose outcome is being written is settled already.
        self.flush().await;
        let mut settled = Vec::new();
        for entry in self.store.open_entries().await? {
            // A session whose id is known is read whatever its age: it
            // tells its own outcome.
            if entry.movement.session().is_none() && !self.stale(&entry).await? {
                continue;
            }
            settled.push(self.settle(dojo, counter, &entry).await?);
        }
        Ok(settled)
    }

    /// Writes the entry for `movement` on `intent`, then sends; or, if the
    /// name is taken, answers the first call's outcome.
    async fn journaled(
        &self,
        dojo: &Dojo,
        name: &str,
        intent: &types::PaymentIntent,
        movement: Movement,
    ) -> Result<EntryState, JournalError> {
        let id = intent.id.as_ref().ok_or(JournalError::NoId)?;
        check_window(self.in_flight_for, dojo)?;
        // An amount no such call can have is refused before anything is
        // written or sent, by the lifecycle's rules against the intent as
        // read. But the same name again answers the first call's outcome:
        // its own movement may have used up what was left.
        let rule = match &movement {
            Movement::Refund { amount, .. } => rules::refund_allowed(intent, *amount)
                .err()
                .map(|r| (ops::REFUNDS_CREATE.id, r)),
            Movement::Capture { amount } => rules::capture_allowed(intent, *amount)
                .err()
                .map(|r| (ops::CAPTURES_CREATE.id, r)),
            _ => None,
        };
        if let Some((operation, rule)) = rule
            && self.store.entry(dojo.location_id(), name).await?.is_none()
        {
            return Err(refused(dojo, operation, rule));
        }
        let mut entry = Entry {
            name: name.to_owned(),
            movement,
            payment_intent: id.clone(),
            location: dojo.location_id().clone(),
            before: Before::of(intent),
            state: EntryState::Open,
            // Stamped by the store's clock as it is written.
            opened_at: DateTime::UNIX_EPOCH,
        };
        match self.store.open_now(&mut entry).await? {
            Opened::Claimed => {
                let state = send(dojo, &entry, intent).await;
                if let EntryState::Applied { .. } = state {
                    // The answer proved it: the caller needn't wait for the
                    // record of it (see `behind`).
                    self.behind.close(
                        Arc::clone(&self.store),
                        entry.location,
                        entry.name,
                        state.clone(),
                    );
                    return Ok(state);
                }
                self.close(&entry.location, name, state).await
            }
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
                self.outcome_of(dojo, *existing).await
            }
        }
    }

    /// Records `state` for the entry `name` unless it is still open, and
    /// answers where the entry stands; a settlement by another caller that
    /// disagrees is an error, not silently kept.
    async fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: EntryState,
    ) -> Result<EntryState, JournalError> {
        if state.is_open() {
            return Ok(state);
        }
        match self.store.close(location, name, &state).await? {
            Closed::Now => Ok(state),
            Closed::Already(recorded) if recorded.name() == state.name() => Ok(recorded),
            Closed::Already(recorded) => Err(JournalError::ConflictingClose {
                name: name.to_owned(),
                recorded: recorded.name(),
                found: state.name(),
            }),
        }
    }

    /// The outcome of an entry another caller wrote. A refund still open is
    /// sent again at once with its key (safe even while the first attempt
    /// is in flight: Dojo makes one refund per key). Any other is waited
    /// for while it may be in flight, then settled by reads, which could
    /// not tell an in-flight call from one never made: so a claim whose
    /// caller vanished (killed, or its handler dropped) is settled by the
    /// next caller of its name.
    async fn outcome_of(&self, dojo: &Dojo, mut entry: Entry) -> Result<EntryState, JournalError> {
        if let Some(state) = self.behind.get(&entry.location, &entry.name) {
            return Ok(state);
        }
        let keyed = matches!(entry.movement, Movement::Refund { .. });
        while entry.state.is_open() && !keyed && !self.stale(&entry).await? {
            tokio::time::sleep(POLL).await;
            match self.store.entry(&entry.location, &entry.name).await? {
                Some(now) => entry = now,
                None => break,
            }
        }
        if !entry.state.is_open() {
            return Ok(entry.state);
        }
        Ok(self.settle(dojo, None, &entry).await?.state)
    }

    /// Whether `entry` can no longer be in flight, by the store's clock.
    async fn stale(&self, entry: &Entry) -> Result<bool, JournalError> {
        Ok(aged(
            entry.opened_at,
            self.store.now().await?,
            self.in_flight_for,
        ))
    }

    /// Settles one open entry with its own location's key. A refund is sent
    /// again with its key; what that resend proves stands, except that a
    /// resend that moved nothing (refused, not sent) says nothing of the
    /// earlier attempts: then, as for every other movement, reads decide
    /// ([`crate::settlement`]), and they may say "not applied" only once
    /// the entry is older than the in-flight window.
    async fn settle(
        &self,
        dojo: &Dojo,
        counter: Option<&Counter>,
        entry: &Entry,
    ) -> Result<Reconciled, JournalError> {
        let Ok(dojo) = dojo.location_for_settling(&entry.location) else {
            return Ok(Reconciled {
                name: entry.name.clone(),
                state: EntryState::Open,
                still_open_because: Some(format!(
                    "its location {} is not configured on this client",
                    entry.location
                )),
            });
        };
        let stale = self.stale(entry).await?;
        let (state, why) = match (counter, entry.movement.at_terminal()) {
            (Some(counter), true) => {
                let counter = counter.through(dojo);
                self.settle_session(&counter, entry, stale).await
            }
            (None, true) => (
                EntryState::Open,
                "a session at a terminal: Journal::reconcile_counter settles it (its reads need the software house's id)".to_owned(),
            ),
            (_, false) => self.settle_call(&dojo, entry, stale).await,
        };
        let state = self.close(&entry.location, &entry.name, state).await?;
        Ok(Reconciled {
            name: entry.name.clone(),
            still_open_because: state.is_open().then_some(why),
            state,
        })
    }

    /// Settles an open entry of a call (not a session at a terminal).
    async fn settle_call(&self, dojo: &Dojo, entry: &Entry, stale: bool) -> (EntryState, String) {
        match &entry.movement {
            Movement::Refund { amount, key } => {
                let resent = send_refund(dojo, &entry.payment_intent, *amount, key).await;
                match resent {
                    Ok(detail) => (EntryState::Applied { detail }, String::new()),
                    // Refused or not sent: this attempt did nothing, and
                    // every earlier one is judged by reads.
                    Err(error) if error.delivery().moved_nothing() => {
                        self.by_reads(dojo, entry, stale).await
                    }
                    // The resend may still land: reads can only show it did.
                    Err(_) => self.by_reads(dojo, entry, false).await,
                }
            }
            _ => self.by_reads(dojo, entry, stale).await,
        }
    }

    /// Where reads of the intent leave `entry` (`finished`: the last call
    /// that could land is out of its in-flight window), and why it is still
    /// open if it is.
    async fn by_reads(&self, dojo: &Dojo, entry: &Entry, finished: bool) -> (EntryState, String) {
        let outcome = settlement::by_reads(
            dojo,
            &entry.payment_intent,
            &entry.movement,
            &entry.before,
            finished,
        )
        .await;
        if let (Movement::Refund { amount, .. }, crate::Outcome::Applied(after)) =
            (&entry.movement, &outcome)
            && let Some(why) = self.growth_may_be_anothers(entry, *amount, after).await
        {
            return (EntryState::Open, why);
        }
        EntryState::of(&outcome)
    }

    /// Why the growth of the refunded amount that reads credit to the keyed
    /// refund `entry` may be another refund's, or `None` if it cannot be.
    /// The refunded amount is one total across every refund of the intent:
    /// its growth since the entry's snapshot is this refund's only if it is
    /// at least this refund's amount plus that of every other entry that
    /// moves refunds on the intent (keyed refunds, matched refunds at a
    /// terminal) and is not settled `NotApplied`. Every such entry counts,
    /// however old: one still open may be sent again (and made) after this
    /// entry's snapshot, and one settled may have been made by such a
    /// resend; the journal records no time a refund landed. A store that
    /// cannot list its entries leaves the entry open: never credited blind.
    /// The one place this rule is kept (an answer naming the refund is
    /// proof, and never comes here).
    async fn growth_may_be_anothers(
        &self,
        entry: &Entry,
        amount: Money,
        after: &types::PaymentIntent,
    ) -> Option<String> {
        let grown = match (after.refunded_amount, entry.before.refunded) {
            (Some(now), Some(was)) => now.saturating_sub(was),
            // `new_refund` shows nothing without both.
            _ => return Some("the refunded amount, before or now, is not known".to_owned()),
        };
        let entries = match self
            .store
            .entries_of(&entry.location, &entry.payment_intent)
            .await
        {
            Ok(Some(entries)) => entries,
            Ok(None) => {
                return Some(format!(
                    "the refunded amount grew by {grown}, but this journal's store cannot list the payment intent's entries to tell whether another refund accounts for it; check Dojo's dashboard and settle it by hand"
                ));
            }
            Err(error) => {
                return Some(format!(
                    "the refunded amount grew by {grown}, but the journal's entries could not be listed to tell whether another refund accounts for it: {error}"
                ));
            }
        };
        let others: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.name != entry.name && e.payment_intent == entry.payment_intent)
            .filter(|e| {
                matches!(
                    e.movement,
                    Movement::Refund { .. } | Movement::TerminalMatchedRefund { .. }
                )
            })
            .filter(|e| !matches!(e.state, EntryState::NotApplied { .. }))
            .collect();
        let claimed = others
            .iter()
            .filter_map(|e| e.movement.amount())
            .fold(i128::from(amount.minor_units()), |sum, a| {
                sum + i128::from(a.minor_units())
            });
        // Alone, it is credited: `settlement::reading` calls a refund
        // applied only when the growth is exactly its amount.
        if claimed <= i128::from(grown) {
            return None;
        }
        Some(format!(
            "the refunded amount grew by {grown}, but other refunds of this intent ({}) may account for it; not credited to this one (its resend was refused): check Dojo's dashboard and settle it by hand",
            others
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// The journal's refusal of a call before anything is written or sent.
fn refused(dojo: &Dojo, operation: &'static str, rule: LifecycleRule) -> JournalError {
    JournalError::Refused(Box::new(rules::refuse(dojo, operation, rule)))
}

/// Whether an entry opened at `opened_at` is older than `window` at `now`.
fn aged(opened_at: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> bool {
    now.signed_duration_since(opened_at)
        .to_std()
        .is_ok_and(|age| age >= window)
}

/// The window must outlast a call of `dojo`'s.
fn check_window(window: Duration, dojo: &Dojo) -> Result<(), JournalError> {
    let deadline = dojo.retry_policy().deadline;
    if window <= deadline {
        return Err(JournalError::WindowTooShort { window, deadline });
    }
    Ok(())
}

/// Sends the entry's call the first time; what is known afterwards.
async fn send(dojo: &Dojo, entry: &Entry, intent: &types::PaymentIntent) -> EntryState {
    let intents = dojo.payment_intents();
    let result = match &entry.movement {
        Movement::Refund { amount, key } => {
            send_refund(dojo, &entry.payment_intent, *amount, key).await
        }
        Movement::Capture { amount } => intents
            .capture(intent, *amount)
            .await
            .map(|c| c.capture_id.as_ref().map(ToString::to_string)),
        Movement::Charge => intents.charge(intent).await.map(|_| None),
        Movement::Reverse => intents
            .reverse(intent)
            .await
            .map(|r| r.reversal_id.as_ref().map(ToString::to_string)),
        Movement::Cancel => intents.cancel(intent).await.map(|_| None),
        // Sessions at a terminal are started by `session.rs`, never here:
        // nothing is sent, and the entry stays open.
        Movement::TerminalSale { .. }
        | Movement::TerminalMatchedRefund { .. }
        | Movement::TerminalUnlinkedRefund { .. } => return EntryState::Open,
    };
    match result {
        Ok(detail) => EntryState::Applied { detail },
        Err(error) => EntryState::of_error(&error),
    }
}

/// Sends a refund with its key; Dojo's name for it when it was made.
async fn send_refund(
    dojo: &Dojo,
    id: &PaymentIntentId,
    amount: Money,
    key: &IdempotencyKey,
) -> crate::Result<Option<String>> {
    let made = dojo
        .payment_intents()
        .refund(id, amount)
        .idempotency_key(key.clone())
        .send()
        .await?;
    Ok(made.refund.refund_id.as_ref().map(ToString::to_string))
}
