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
//! each write finds the lock free, unless another process holds it: the
//! write whose turn it is then waits in SQLite's busy handler for as long
//! as the pool's busy timeout says, as before.
//!
//! A queue behind a file another process holds must not make each write
//! wait its own busy timeout in turn (the tenth would fail after ten). So
//! when a write fails because the file stayed locked (`SQLITE_BUSY`), every
//! write that asked for its turn before that write began has waited as long
//! as the busy timeout, and fails at once, as SQLite would have failed it;
//! those that asked later go on. No write waits much more than two busy
//! timeouts, whatever the queue, and no clock is read here (tokio's paused
//! test clock has nothing to jump).
//!
//! PostgreSQL takes concurrent writes itself, and its commits share their
//! flushes: no turns there.
//!
//! Written by hand: sqlx's pool has no notion of a single writer, and the
//! busy handler it installs is SQLite's own.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dojo_payments::StoreError;
use tokio::sync::Mutex;

use crate::clock::Backend;
use crate::store_error;

/// The turns of one journal's writes (shared by its clones).
#[derive(Debug, Clone)]
pub(crate) struct WriteTurns(Option<Arc<Turns>>);

#[derive(Debug, Default)]
struct Turns {
    /// How many writes have asked for their turn: each write's ticket is
    /// the count once it asked.
    asked: AtomicU64,
    /// The turn; it holds the last ticket that waited out a busy file: a
    /// write whose ticket is no later fails when its turn comes.
    turn: Mutex<u64>,
}

impl WriteTurns {
    /// Turns on SQLite; none on PostgreSQL.
    pub fn of(backend: Backend) -> Self {
        Self(match backend {
            Backend::Sqlite => Some(Arc::default()),
            Backend::Postgres => None,
        })
    }

    /// Runs `write` (one statement) in its turn.
    pub async fn write<T>(
        &self,
        write: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        let Some(turns) = &self.0 else {
            return write.await.map_err(store_error);
        };
        let ticket = turns.asked.fetch_add(1, Ordering::SeqCst) + 1;
        let mut waited_out = turns.turn.lock().await;
        if ticket <= *waited_out {
            return Err(StoreError(Box::new(std::io::Error::new(
                std::io::ErrorKind::ResourceBusy,
                "the SQLite file stayed locked past its busy timeout while this write \
                 waited for its turn (another process holds it)",
            ))));
        }
        // Every write that asked before now waits at least as long as this
        // one will, should the file stay locked.
        let asked_before = turns.asked.load(Ordering::SeqCst);
        let written = write.await;
        if written.as_ref().is_err_and(is_busy) {
            *waited_out = (*waited_out).max(asked_before);
        }
        written.map_err(store_error)
    }
}

/// Whether `error` is SQLite's `SQLITE_BUSY` (any of its extended codes):
/// the file stayed locked by another connection past the busy timeout.
fn is_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i64 = 5;
    error
        .as_database_error()
        .and_then(|e| e.code())
        .and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::time::Duration;

    use super::*;

    /// A database error with SQLite's extended result `code`.
    #[derive(Debug)]
    struct Coded(i64);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "SQLite error {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            "database is locked"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(self.0.to_string().into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn failed_with(code: i64) -> Result<(), sqlx::Error> {
        Err(sqlx::Error::Database(Box::new(Coded(code))))
    }

    #[test]
    fn busy_is_sqlites_busy_with_any_extended_code() {
        for busy in [5, 261, 517, 773] {
            assert!(is_busy(&failed_with(busy).unwrap_err()), "{busy}");
        }
        for other in [6, 19, 2067, 1] {
            assert!(!is_busy(&failed_with(other).unwrap_err()), "{other}");
        }
        assert!(!is_busy(&sqlx::Error::PoolTimedOut));
    }

    /// Writes run in the order they asked, one at a time.
    #[tokio::test(start_paused = true)]
    async fn turns_are_taken_first_come_first_served() {
        let turns = WriteTurns::of(Backend::Sqlite);
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut writes = Vec::new();
        for n in 1..=3 {
            let (turns, order) = (turns.clone(), Arc::clone(&order));
            writes.push(tokio::spawn(async move {
                turns
                    .write(async {
                        order.lock().unwrap().push((n, "began"));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        order.lock().unwrap().push((n, "ended"));
                        Ok(())
                    })
                    .await
            }));
            // Asked in this order.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for write in writes {
            write.await.unwrap().unwrap();
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(
            order,
            [1, 1, 2, 2, 3, 3]
                .into_iter()
                .zip(["began", "ended"].into_iter().cycle())
                .collect::<Vec<_>>()
        );
    }

    /// A write that meets a busy file fails every write that asked before
    /// it began, at once and without running; the turns work as before
    /// once the file is free.
    #[tokio::test(start_paused = true)]
    async fn writes_queued_behind_a_busy_failure_fail_at_once() {
        let turns = WriteTurns::of(Backend::Sqlite);
        let ran = Arc::new(std::sync::Mutex::new(Vec::new()));
        // Write `n`: it runs for `takes`, then fails busy or not.
        let write = |n: u32, takes: Duration, busy: bool| {
            let (turns, ran) = (turns.clone(), Arc::clone(&ran));
            tokio::spawn(async move {
                turns
                    .write(async {
                        ran.lock().unwrap().push(n);
                        tokio::time::sleep(takes).await;
                        if busy { failed_with(5) } else { Ok(()) }
                    })
                    .await
            })
        };
        let first = write(1, Duration::from_millis(10), false);
        let mut asked = Vec::new();
        for (n, busy) in [(2, true), (3, false), (4, false)] {
            tokio::time::sleep(Duration::from_millis(1)).await;
            // The second waits out the busy timeout in SQLite's handler.
            asked.push(write(n, Duration::from_secs(5), busy));
        }
        let mut asked = asked.into_iter();
        let busy = asked.next().unwrap();
        assert!(first.await.unwrap().is_ok());
        assert!(busy.await.unwrap().is_err());
        let failed_at = tokio::time::Instant::now();
        for queued in asked {
            let error = queued.await.unwrap().unwrap_err().to_string();
            assert!(
                error.contains("stayed locked past its busy timeout"),
                "{error}"
            );
        }
        assert_eq!(failed_at.elapsed(), Duration::ZERO, "failed at once");
        assert_eq!(*ran.lock().unwrap(), [1, 2], "the queued writes never ran");
        assert!(write(5, Duration::ZERO, false).await.unwrap().is_ok());
        assert_eq!(*ran.lock().unwrap(), [1, 2, 5]);
    }

    /// A write that asked while the busy write was already waiting is not
    /// failed by it: it runs in its turn (and here the file is free).
    #[tokio::test(start_paused = true)]
    async fn a_write_that_asked_after_the_busy_one_began_runs() {
        let turns = WriteTurns::of(Backend::Sqlite);
        let busy = {
            let turns = turns.clone();
            tokio::spawn(async move {
                turns
                    .write(async {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        failed_with(517)
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        let later = turns.write(async { Ok(7) }).await;
        assert!(busy.await.unwrap().is_err());
        assert_eq!(later.unwrap(), 7);
    }

    /// A write failing otherwise than busy fails no other write.
    #[tokio::test(start_paused = true)]
    async fn other_failures_fail_no_queued_write() {
        let turns = WriteTurns::of(Backend::Sqlite);
        let failing = {
            let turns = turns.clone();
            tokio::spawn(async move {
                turns
                    .write(async {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        failed_with(19)
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(1)).await;
        let queued = turns.write(async { Ok(()) }).await;
        assert!(failing.await.unwrap().is_err());
        assert!(queued.is_ok());
    }

    /// PostgreSQL's writes take no turns: two run at once.
    #[tokio::test(start_paused = true)]
    async fn postgres_writes_take_no_turns() {
        let turns = WriteTurns::of(Backend::Postgres);
        let both = Arc::new(tokio::sync::Barrier::new(2));
        let write = || {
            let both = Arc::clone(&both);
            turns.write(async move {
                both.wait().await;
                Ok(())
            })
        };
        let (a, b) = tokio::join!(write(), write());
        assert!(a.is_ok() && b.is_ok());
    }
}
