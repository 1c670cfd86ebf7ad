//! Outcomes written behind the call: a journaled call that moved money
//! answers its caller at once, and its `Applied` outcome is written to the
//! store by a task of its own.
//!
//! Why this is safe: the entry, written and durable before the call was
//! sent, is the promise; the outcome only spares `reconcile` a read. Lost
//! (the process ends, the store fails) it leaves the entry open, and
//! `reconcile` finds it applied again: a refund is sent again with its key,
//! which Dojo makes once; any other movement is read back as made. Only an
//! `Applied` outcome is written behind: a `NotApplied` one must be durable
//! before the caller hears it (lost, a refund its caller was told did not
//! move could be sent again), and an unknown one is not written at all.
//!
//! Within the process the journal answers from here until the write is
//! done, so its own callers never see the entry open; code reading the
//! store itself calls [`super::Journal::flush`] first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use dojo_payments_types::LocationId;
use tokio::sync::Notify;

use super::{Closed, EntryState, JournalStore};

/// The outcomes being written, by entry (location and name).
/// An entry's location and name: what names it in the store.
type Key = (LocationId, String);

#[derive(Default)]
pub(super) struct WriteBehind {
    pending: Mutex<HashMap<Key, EntryState>>,
    written: Notify,
}

impl std::fmt::Debug for WriteBehind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBehind")
            .field("pending", &self.lock().len())
            .finish()
    }
}

impl WriteBehind {
    fn lock(&self) -> MutexGuard<'_, HashMap<Key, EntryState>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The outcome of entry `name` of `location` while it is being written.
    pub fn get(&self, location: &LocationId, name: &str) -> Option<EntryState> {
        self.lock()
            .get(&(location.clone(), name.to_owned()))
            .cloned()
    }

    /// Writes `state` as the outcome of the open entry `name` of
    /// `location` in a task of its own. A failure is logged: the entry then stays open for
    /// `reconcile`, as after a crash.
    pub fn close<S: JournalStore + 'static>(
        self: &Arc<Self>,
        store: Arc<S>,
        location: LocationId,
        name: String,
        state: EntryState,
    ) {
        let key = (location, name);
        self.lock().insert(key.clone(), state.clone());
        // Removed when the task ends, however it ends (a runtime shut down
        // drops it unfinished): `flush` never waits for a task that is gone.
        let done = Done {
            behind: Arc::clone(self),
            key,
        };
        tokio::spawn(async move {
            let (location, name) = &done.key;
            match store.close(location, name, &state).await {
                Ok(Closed::Now) => {}
                Ok(Closed::Already(recorded)) if recorded.name() == state.name() => {}
                Ok(Closed::Already(recorded)) => tracing::error!(
                    entry = %name,
                    %location,
                    recorded = recorded.name(),
                    found = state.name(),
                    "another caller settled this journal entry otherwise than this call's answer proved; look at the payment intent"
                ),
                Err(error) => tracing::warn!(
                    entry = %name,
                    %location,
                    %error,
                    "the outcome of this journal entry was not written; it stays open for reconcile"
                ),
            }
        });
    }

    /// Waits until every outcome being written is written (or has failed).
    pub async fn flush(&self) {
        loop {
            let mut written = std::pin::pin!(self.written.notified());
            // Registered before looking, so a write ending in between wakes it.
            written.as_mut().enable();
            if self.lock().is_empty() {
                return;
            }
            written.await;
        }
    }
}

/// The end of one write: forgets it and wakes whoever waits.
struct Done {
    behind: Arc<WriteBehind>,
    key: Key,
}

impl Drop for Done {
    fn drop(&mut self) {
        self.behind.lock().remove(&self.key);
        self.behind.written.notify_waiters();
    }
}
