//! Where the journal is kept: a trait any database can implement, and an
//! in-memory store for tests and single-process use.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use dojo_payments_types::{LocationId, PaymentIntentId, TerminalSessionId};

use super::{Entry, EntryState};

/// Why the journal's store failed.
#[derive(Debug, thiserror::Error)]
#[error("the journal's store failed: {0}")]
pub struct StoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// What writing an entry found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The entry was written: this caller sends the call.
    Claimed,
    /// An entry of that name was there already (made by this process or
    /// another): this caller must not send; it gets that entry's outcome.
    Existing(Box<Entry>),
}

/// What settling an entry found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// The entry was open, and is now settled as asked.
    Now,
    /// The entry had been settled already (by another caller), as this.
    Already(EntryState),
}

/// A durable journal of money-moving calls. Implementations must make
/// `open` atomic across every process sharing the store (a unique name:
/// a primary key), move an entry only out of `Open` in `close`, and give
/// every process the same `now` (the database's clock, not the host's).
///
/// Durability: `open` must be durable when it returns (the entry is the
/// promise that the call may be made). `close` may return before an
/// `Applied` outcome is durable, provided the store stays consistent and
/// can lose it only together with every later write: a lost one is an open
/// entry again, which [`super::Journal::reconcile`] finds applied again. A
/// `NotApplied` outcome must be durable: lost, `reconcile` would resend a
/// refund its caller was told did not move. So a journaled call waits for
/// one durable commit, the entry's ([`JournalStore::open_now`], one
/// statement where the store can stamp the time itself); the journal writes
/// an `Applied` outcome behind the call's answer ([`super::Journal::flush`]).
///
/// `dojo-payments-sqlx` implements it on PostgreSQL and SQLite.
pub trait JournalStore: Send + Sync {
    /// Now, by the store's clock: the one clock every instance sharing the
    /// store measures entries' ages by, so that no host's clock, skewed or
    /// not, decides whether a call may still be in flight.
    fn now(&self) -> impl Future<Output = Result<DateTime<Utc>, StoreError>> + Send;

    /// Writes `entry` (open) unless its location has an entry of its name
    /// (names are per location: the same name at two is two entries).
    fn open(&self, entry: &Entry) -> impl Future<Output = Result<Opened, StoreError>> + Send;

    /// Writes `entry` (open) as [`JournalStore::open`] does, opened now by
    /// the store's clock: `entry.opened_at` is set to the time written, or,
    /// by a store that does not read it back, to a time of the same clock
    /// no earlier than it (taken once the write is done).
    /// What the journal calls before sending. The default reads
    /// [`JournalStore::now`] first; a database can stamp the entry in the
    /// statement that writes it, and spare the call a round trip.
    fn open_now<'a>(
        &'a self,
        entry: &'a mut Entry,
    ) -> impl Future<Output = Result<Opened, StoreError>> + Send + 'a {
        async move {
            entry.opened_at = self.now().await?;
            self.open(entry).await
        }
    }

    /// Settles the open entry `name` of `location` as `state`; an entry
    /// settled already is left as it is, and its state returned.
    fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> impl Future<Output = Result<Closed, StoreError>> + Send;

    /// The entry `name` of `location`.
    fn entry(
        &self,
        location: &LocationId,
        name: &str,
    ) -> impl Future<Output = Result<Option<Entry>, StoreError>> + Send;

    /// Every entry still open, oldest first.
    fn open_entries(&self) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send;

    /// Records, durably, the id of the terminal session that the open entry
    /// `name` of `location` made (a session at a terminal: `POST
    /// /terminal-sessions` has no idempotency key and Dojo lists no
    /// sessions, so the id is the one way to find the session again after
    /// a crash); an entry settled already, or another movement, is left as
    /// it is. The default refuses: a store that cannot record it leaves
    /// such an entry to be settled by reads of its payment intent (an
    /// unlinked refund's, never).
    fn record_session<'a>(
        &'a self,
        location: &'a LocationId,
        name: &'a str,
        session: &'a TerminalSessionId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'a {
        let _ = (location, name, session);
        async {
            Err(StoreError(
                "this journal store does not record terminal sessions".into(),
            ))
        }
    }

    /// Every entry of `location` on payment intent `payment_intent`, open
    /// or settled, or `None` if this store cannot list them. The journal
    /// asks it before it credits a session found in the intent's
    /// `terminalSessionHistory` to an entry whose create went unanswered:
    /// a session another entry recorded is that entry's, and another open
    /// entry of the same kind could be the session's owner. The default
    /// (`None`) leaves such an entry open, with the reason, for a person
    /// to settle ([`super::Journal::settle_by_hand`]): never credited
    /// blind.
    fn entries_of<'a>(
        &'a self,
        location: &'a LocationId,
        payment_intent: &'a PaymentIntentId,
    ) -> impl Future<Output = Result<Option<Vec<Entry>>, StoreError>> + Send + 'a {
        let _ = (location, payment_intent);
        async { Ok(None) }
    }
}

/// What [`InMemoryJournal`] takes the time to be.
pub type StoreClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A journal in memory: lost with the process, so crash-safe only within
/// it. For tests, and for a single process that accepts that.
pub struct InMemoryJournal {
    entries: Mutex<BTreeMap<(LocationId, String), Entry>>,
    clock: StoreClock,
}

impl Default for InMemoryJournal {
    fn default() -> Self {
        Self::with_clock(Utc::now)
    }
}

impl std::fmt::Debug for InMemoryJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryJournal")
            .field("entries", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl InMemoryJournal {
    /// A journal whose clock is `clock` (the system's by default).
    pub fn with_clock(clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self {
            entries: Mutex::default(),
            clock: Arc::new(clock),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(LocationId, String), Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl JournalStore for InMemoryJournal {
    async fn now(&self) -> Result<DateTime<Utc>, StoreError> {
        Ok((self.clock)())
    }

    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        let mut entries = self.lock();
        let key = (entry.location.clone(), entry.name.clone());
        if let Some(existing) = entries.get(&key) {
            return Ok(Opened::Existing(Box::new(existing.clone())));
        }
        entries.insert(key, entry.clone());
        Ok(Opened::Claimed)
    }

    async fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> Result<Closed, StoreError> {
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(&(location.clone(), name.to_owned())) else {
            return Err(StoreError(
                format!("no journal entry {name:?} at {location}").into(),
            ));
        };
        if !entry.state.is_open() {
            return Ok(Closed::Already(entry.state.clone()));
        }
        entry.state = state.clone();
        Ok(Closed::Now)
    }

    async fn entry(&self, location: &LocationId, name: &str) -> Result<Option<Entry>, StoreError> {
        Ok(self
            .lock()
            .get(&(location.clone(), name.to_owned()))
            .cloned())
    }

    async fn record_session<'a>(
        &'a self,
        location: &'a LocationId,
        name: &'a str,
        session: &'a TerminalSessionId,
    ) -> Result<(), StoreError> {
        let mut entries = self.lock();
        if let Some(entry) = entries.get_mut(&(location.clone(), name.to_owned()))
            && entry.state.is_open()
            && entry.movement.at_terminal()
        {
            entry.movement = entry.movement.clone().with_session(session.clone());
        }
        Ok(())
    }

    async fn entries_of<'a>(
        &'a self,
        location: &'a LocationId,
        payment_intent: &'a PaymentIntentId,
    ) -> Result<Option<Vec<Entry>>, StoreError> {
        Ok(Some(
            self.lock()
                .values()
                .filter(|e| e.location == *location && e.payment_intent == *payment_intent)
                .cloned()
                .collect(),
        ))
    }

    async fn open_entries(&self) -> Result<Vec<Entry>, StoreError> {
        let mut open: Vec<Entry> = self
            .lock()
            .values()
            .filter(|e| e.state.is_open())
            .cloned()
            .collect();
        open.sort_by_key(|e| e.opened_at);
        Ok(open)
    }
}

/// A store shared: by a journal and a second one made after a restart in
/// the same process, say, or by a journal and an admin page.
impl<S: JournalStore + ?Sized> JournalStore for Arc<S> {
    fn now(&self) -> impl Future<Output = Result<DateTime<Utc>, StoreError>> + Send {
        S::now(self)
    }

    fn open(&self, entry: &Entry) -> impl Future<Output = Result<Opened, StoreError>> + Send {
        S::open(self, entry)
    }

    fn open_now<'a>(
        &'a self,
        entry: &'a mut Entry,
    ) -> impl Future<Output = Result<Opened, StoreError>> + Send + 'a {
        S::open_now(self, entry)
    }

    fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> impl Future<Output = Result<Closed, StoreError>> + Send {
        S::close(self, location, name, state)
    }

    fn entry(
        &self,
        location: &LocationId,
        name: &str,
    ) -> impl Future<Output = Result<Option<Entry>, StoreError>> + Send {
        S::entry(self, location, name)
    }

    fn open_entries(&self) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send {
        S::open_entries(self)
    }

    fn record_session<'a>(
        &'a self,
        location: &'a LocationId,
        name: &'a str,
        session: &'a TerminalSessionId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'a {
        S::record_session(self, location, name, session)
    }

    fn entries_of<'a>(
        &'a self,
        location: &'a LocationId,
        payment_intent: &'a PaymentIntentId,
    ) -> impl Future<Output = Result<Option<Vec<Entry>>, StoreError>> + Send + 'a {
        S::entries_of(self, location, payment_intent)
    }
}
