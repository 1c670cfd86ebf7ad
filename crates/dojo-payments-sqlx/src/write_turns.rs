//! On SQLite, this journal's writes take turns in the process before they
//! meet at the file's lock.
//!
//! Why: SQLite lets one connection write a file at a time. When two of a
//! pool's connections write at once, the one that finds the file locked
//! sleeps in SQLite's busy handler, 1, 2, 5, 10… ms at a time, however
//! soon the lock is let go. Sixteen journaled refunds at a time made 189
//! calls a second (p90 55 ms), fewer than one at a time (about 1,000):
//! `cargo run --release -p dojo-payments-sqlx --example journal_concurrency`.
//! Queued here first (tokio's mutex is fair: first come, first served),
//! each write finds the lock free, unless another process holds it; SQLite's
//! busy timeout then applies as before. PostgreSQL takes concurrent writes
//! itself, and its commits share their flushes: no turns there.
//!
//! Written by hand: sqlx's pool has no notion of a single writer, and the
//! busy handler it installs is SQLite's own.

use std::sync::Arc;
use std::time::Duration;

use dojo_payments::StoreError;
use tokio::sync::{Mutex, MutexGuard};

use crate::clock::Backend;

/// How long a write waits for its turn before it fails as SQLite's busy
/// timeout would (sqlx's, 5 s): a file held by another process for longer
/// fails each queued write after this, not after its place in the queue
/// times five seconds.
const WAIT: Duration = Duration::from_secs(5);

/// The turns of one journal's writes (shared by its clones).
#[derive(Debug, Clone)]
pub(crate) struct WriteTurns(Option<Arc<Mutex<()>>>);

/// A write's turn, held until dropped.
pub(crate) type Turn<'a> = Option<MutexGuard<'a, ()>>;

impl WriteTurns {
    /// Turns on SQLite; none on PostgreSQL.
    pub fn of(backend: Backend) -> Self {
        Self(match backend {
            Backend::Sqlite => Some(Arc::default()),
            Backend::Postgres => None,
        })
    }

    /// Waits for this write's turn.
    pub async fn take(&self) -> Result<Turn<'_>, StoreError> {
        let Some(turns) = &self.0 else {
            return Ok(None);
        };
        match tokio::time::timeout(WAIT, turns.lock()).await {
            Ok(turn) => Ok(Some(turn)),
            Err(_) => Err(StoreError(Box::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "waited {}s for this journal's turn to write to SQLite (the file is busy)",
                    WAIT.as_secs()
                ),
            )))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes take their turns in the order they asked: a second waits
    /// while the first holds its turn, and a third after the second.
    #[tokio::test(start_paused = true)]
    async fn turns_are_taken_first_come_first_served() {
        let turns = WriteTurns::of(Backend::Sqlite);
        let first = turns.take().await.unwrap();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for n in [2, 3] {
            let (turns, order) = (turns.clone(), Arc::clone(&order));
            waiting.push(tokio::spawn(async move {
                let _turn = turns.take().await.unwrap();
                order.lock().unwrap().push(n);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }));
            // Asked in this order.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            order.lock().unwrap().is_empty(),
            "none before the first let go"
        );
        drop(first);
        for write in waiting {
            write.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [2, 3]);
    }

    /// A write that cannot have its turn within SQLite's busy timeout
    /// fails as a busy file would, saying so; the next turn is still had.
    #[tokio::test(start_paused = true)]
    async fn a_turn_not_had_within_the_busy_timeout_is_a_store_error() {
        let turns = WriteTurns::of(Backend::Sqlite);
        let held = turns.take().await.unwrap();
        let asked = tokio::time::Instant::now();
        let error = turns.take().await.unwrap_err();
        assert_eq!(asked.elapsed(), WAIT);
        let said = error.to_string();
        assert!(said.contains("turn to write to SQLite"), "{said}");
        drop(held);
        assert!(turns.take().await.unwrap().is_some());
    }

    /// PostgreSQL's writes take no turns: none waits for another.
    #[tokio::test(start_paused = true)]
    async fn postgres_writes_take_no_turns() {
        let turns = WriteTurns::of(Backend::Postgres);
        let first = turns.take().await.unwrap();
        let second = turns.take().await.unwrap();
        assert!(first.is_none() && second.is_none());
    }
}
