//! Where the journal is kept: a trait any database can implement, and an
//! in-memory store for tests and single-process use.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

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
    Existing(Entry),
}

/// A durable journal of money-moving calls. Implementations must make
/// `open` atomic across every process sharing the store (a unique name:
/// a primary key), and `close` move an entry only out of `Open`.
///
/// `dojo-payments-sqlx` implements it on PostgreSQL and SQLite.
pub trait JournalStore: Send + Sync {
    /// Writes `entry` (open) unless an entry of its name exists.
    fn open(&self, entry: &Entry) -> impl Future<Output = Result<Opened, StoreError>> + Send;

    /// Settles the open entry `name` as `state`; an entry already settled
    /// is left as it is.
    fn close(
        &self,
        name: &str,
        state: &EntryState,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The entry `name`.
    fn entry(&self, name: &str) -> impl Future<Output = Result<Option<Entry>, StoreError>> + Send;

    /// Every entry still open, oldest first.
    fn open_entries(&self) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send;
}

/// A journal in memory: lost with the process, so crash-safe only within
/// it. For tests, and for a single process that accepts that.
#[derive(Debug, Default)]
pub struct InMemoryJournal {
    entries: Mutex<BTreeMap<String, Entry>>,
}

impl InMemoryJournal {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl JournalStore for InMemoryJournal {
    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        let mut entries = self.lock();
        if let Some(existing) = entries.get(&entry.name) {
            return Ok(Opened::Existing(existing.clone()));
        }
        entries.insert(entry.name.clone(), entry.clone());
        Ok(Opened::Claimed)
    }

    async fn close(&self, name: &str, state: &EntryState) -> Result<(), StoreError> {
        if let Some(entry) = self.lock().get_mut(name).filter(|e| e.state.is_open()) {
            entry.state = state.clone();
        }
        Ok(())
    }

    async fn entry(&self, name: &str) -> Result<Option<Entry>, StoreError> {
        Ok(self.lock().get(name).cloned())
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
