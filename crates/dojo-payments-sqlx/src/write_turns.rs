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
//! write whose turn it is then waits in SQLite's busy handler, as before.
//!
//! A write waits for its turn no longer than the pool's busy timeout (read
//! from the pool: `PRAGMA busy_timeout`), then fails as a busy file would:
//! in the queue or at the file, a write waits at most that long for the
//! file, then that long at most for its statement, as SQLite promises each
//! connection. The wait is measured by the real clock, not tokio's: a test
//! that pauses tokio's clock would otherwise see it jump to the timeout
//! while the turn's holder waits on SQLite's thread, outside the runtime.
//! (There, a waiting write wakes again and again, and each wake-up moves
//! the paused clock on by what is left of its wait: a test's other timers
//! then fire early, as with any wait on work outside the runtime.)
//!
//! PostgreSQL takes concurrent writes itself, and its commits share their
//! flushes: no turns there.
//!
//! Written by hand: sqlx's pool has no notion of a single writer, and the
//! busy handler it installs is SQLite's own.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dojo_payments::StoreError;
use tokio::sync::Mutex;

use crate::store_error;

/// The turns of one journal's writes (shared by its clones).
#[derive(Debug, Clone)]
pub(crate) struct WriteTurns(Option<Arc<Turns>>);

#[derive(Debug)]
struct Turns {
    turn: Mutex<()>,
    /// The pool's busy timeout: how long a write may wait for the file.
    busy: Duration,
}

impl WriteTurns {
    /// Turns for a SQLite pool whose busy timeout is `busy`.
    pub fn sqlite(busy: Duration) -> Self {
        Self(Some(Arc::new(Turns {
            turn: Mutex::new(()),
            busy,
        })))
    }

    /// No turns: PostgreSQL takes concurrent writes itself.
    pub fn none() -> Self {
        Self(None)
    }

    /// Runs `write` (one statement) in its turn.
    pub async fn write<T>(
        &self,
        write: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        let Some(turns) = &self.0 else {
            return write.await.map_err(store_error);
        };
        let deadline = Instant::now() + turns.busy;
        // Pinned once: the place in the queue is kept across the timer's
        // wake-ups.
        let mut turn = std::pin::pin!(turns.turn.lock());
        let _turn = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            // Tokio's timer wakes this; the real clock decides (see above).
            // The turn is asked first, even with no time left: a free turn
            // is had by a pool that waits no time for a busy file.
            if let Ok(turn) = tokio::time::timeout(left, turn.as_mut()).await {
                break turn;
            }
            if Instant::now() >= deadline {
                return Err(StoreError(Box::new(std::io::Error::new(
                    std::io::ErrorKind::ResourceBusy,
                    format!(
                        "the SQLite file stayed locked past its busy timeout ({} ms) while \
                         this write waited for its turn (another process holds it)",
                        turns.busy.as_millis()
                    ),
                ))));
            }
        };
        write.await.map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_SECONDS: Duration = Duration::from_secs(5);

    /// Writes run in the order they asked, one at a time.
    #[tokio::test(start_paused = true)]
    async fn turns_are_taken_first_come_first_served() {
        let turns = WriteTurns::sqlite(FIVE_SECONDS);
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

    /// A write that cannot have its turn within the pool's busy timeout
    /// fails as a busy file would, without running, saying so; the turns
    /// work as before once the holder is done.
    #[tokio::test]
    async fn a_turn_not_had_within_the_busy_timeout_fails_the_write_unrun() {
        let busy = Duration::from_millis(80);
        let turns = WriteTurns::sqlite(busy);
        let (done, held_until) = tokio::sync::oneshot::channel::<()>();
        let holder = {
            let turns = turns.clone();
            tokio::spawn(async move {
                turns
                    .write(async {
                        let _ = held_until.await;
                        Ok(())
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        let asked = Instant::now();
        let mut ran = false;
        let error = turns
            .write(async {
                ran = true;
                Ok(())
            })
            .await
            .unwrap_err()
            .to_string();
        let waited = asked.elapsed();
        assert!(!ran, "the write ran");
        assert!(waited >= busy && waited < busy * 10, "{waited:?}");
        assert!(
            error.contains("stayed locked past its busy timeout (80 ms)"),
            "{error}"
        );
        done.send(()).unwrap();
        holder.await.unwrap().unwrap();
        assert!(turns.write(async { Ok(()) }).await.is_ok());
    }

    /// The wait is judged by the real clock: under tokio's paused clock,
    /// which jumps ahead whenever the runtime is idle, a write queued
    /// behind one that waits on a thread outside the runtime (as SQLite's
    /// do) still has its turn.
    #[tokio::test(start_paused = true)]
    async fn a_paused_clock_fails_no_write() {
        let turns = WriteTurns::sqlite(FIVE_SECONDS);
        let holder = {
            let turns = turns.clone();
            tokio::spawn(async move {
                turns
                    .write(async {
                        tokio::task::spawn_blocking(|| {
                            std::thread::sleep(Duration::from_millis(30))
                        })
                        .await
                        .unwrap();
                        Ok(())
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        let queued = turns.write(async { Ok(7) }).await;
        assert_eq!(queued.unwrap(), 7);
        holder.await.unwrap().unwrap();
    }

    /// A pool that waits no time for a busy file still writes when the
    /// turn is free; a taken turn fails the write at once, unrun.
    #[tokio::test]
    async fn a_pool_waiting_no_time_has_a_free_turn_and_fails_a_taken_one() {
        let turns = WriteTurns::sqlite(Duration::ZERO);
        assert_eq!(turns.write(async { Ok(1) }).await.unwrap(), 1);
        let (done, held_until) = tokio::sync::oneshot::channel::<()>();
        let holder = {
            let turns = turns.clone();
            tokio::spawn(async move {
                turns
                    .write(async {
                        let _ = held_until.await;
                        Ok(2)
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        let mut ran = false;
        let taken = turns
            .write(async {
                ran = true;
                Ok(3)
            })
            .await;
        assert!(taken.is_err() && !ran, "{taken:?}");
        done.send(()).unwrap();
        assert_eq!(holder.await.unwrap().unwrap(), 2);
    }

    /// PostgreSQL's writes take no turns: two run at once.
    #[tokio::test(start_paused = true)]
    async fn postgres_writes_take_no_turns() {
        let turns = WriteTurns::none();
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
