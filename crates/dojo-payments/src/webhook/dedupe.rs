//! Recognising an event delivered before: Dojo redelivers after a failed
//! attempt, and a captured delivery can be replayed (no timestamp is signed).

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::Mutex;

use dojo_payments_types::WebhookEventId;

use crate::StoreError;

/// Where handled event ids are remembered: [`InMemorySeen`] for one
/// process; `dojo-payments-sqlx`'s `SqlEvents` on PostgreSQL or SQLite for
/// several, and to record the id in the same database transaction as the
/// change the event causes (then a crash before the commit leaves the
/// event unhandled for Dojo's redelivery, and one after it makes the
/// redelivery a no-op).
pub trait SeenEvents: Send + Sync {
    /// Records `id`; `Ok(true)` when it had been recorded before (a
    /// redelivery or a replay: acknowledge it, do not act again). An error
    /// means neither: answer Dojo with a failure, so that it delivers again.
    fn seen(&self, id: &WebhookEventId) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// The last `capacity` event ids, in memory: enough for one process.
#[derive(Debug)]
pub struct InMemorySeen {
    capacity: usize,
    ids: Mutex<(HashSet<WebhookEventId>, VecDeque<WebhookEventId>)>,
}

impl InMemorySeen {
    /// Remembers up to `capacity` ids (at least one), forgetting the oldest.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ids: Mutex::default(),
        }
    }
}

impl Default for InMemorySeen {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl SeenEvents for InMemorySeen {
    async fn seen(&self, id: &WebhookEventId) -> Result<bool, StoreError> {
        let mut guard = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        if set.contains(id) {
            return Ok(true);
        }
        if order.len() >= self.capacity
            && let Some(oldest) = order.pop_front()
        {
            set.remove(&oldest);
        }
        set.insert(id.clone());
        order.push_back(id.clone());
        Ok(false)
    }
}
