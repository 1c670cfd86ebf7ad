//! `attempts` and `attempt_locks`: what is counted against card testing and
//! password guessing, by address, by account and by both, in the shared
//! database (so every instance counts the same).
//!
//! Counting and recording are one step: [`Db::take_attempt`] takes each
//! subject's row of `attempt_locks` (an upsert: a row lock in PostgreSQL,
//! the write lock in SQLite, held to the end of the transaction), counts,
//! and records the attempt in the same transaction, so parallel requests,
//! on one instance or several, queue there instead of all passing the
//! count before any is recorded.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::{Db, new_id, stamp};

/// One rule a new attempt must pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// What is counted (`ip:…`, `account:…`, both joined by `|`).
    pub subject: String,
    /// How many attempts the window holds.
    pub most: i64,
    /// The window.
    pub window: Duration,
    /// Past `most`, one more attempt per this, instead of none (a slower
    /// path, not a wall).
    pub then_one_per: Option<Duration>,
}

/// What [`Db::take_attempt`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Recorded, under this id (to give back with [`Db::release_attempt`]).
    Admitted(String),
    /// Refused: the earliest a new attempt may pass.
    Refused(Duration),
}

impl Db {
    /// Counts and records an attempt of `kind`, in one transaction: it is
    /// recorded (once for each subject, and under the subjects `also`,
    /// whose rules it is not held to) only if every rule lets it pass.
    pub async fn take_attempt(
        &self,
        kind: &str,
        rules: &[Rule],
        also: &[&str],
    ) -> Result<Taken, sqlx::Error> {
        let mut subjects: Vec<&str> = rules.iter().map(|r| r.subject.as_str()).collect();
        subjects.extend_from_slice(also);
        // Always taken in one order: two requests never wait on each other.
        subjects.sort_unstable();
        subjects.dedup();
        let mut tx = self.pool.begin().await?;
        // The first statement writes: SQLite takes its write lock here
        // (waiting for another writer), before anything is read.
        for subject in &subjects {
            sqlx::query(
                "INSERT INTO attempt_locks (subject, kind, touched) VALUES ($1, $2, $3) \
                 ON CONFLICT (subject, kind) DO UPDATE SET touched = excluded.touched",
            )
            .bind(*subject)
            .bind(kind)
            .bind(stamp(Utc::now()))
            .execute(&mut *tx)
            .await?;
        }
        // The clock is read once the lock is held.
        let now = Utc::now();
        let mut wait = Duration::zero();
        for rule in rules {
            let rows = sqlx::query(
                "SELECT at FROM attempts WHERE subject = $1 AND kind = $2 AND at >= $3 ORDER BY at",
            )
            .bind(&rule.subject)
            .bind(kind)
            .bind(stamp(now - rule.window))
            .fetch_all(&mut *tx)
            .await?;
            let most = usize::try_from(rule.most).unwrap_or(0);
            if rows.len() < most {
                continue;
            }
            let at = |i: usize| -> Result<DateTime<Utc>, sqlx::Error> {
                let text: String = rows[i].try_get("at")?;
                DateTime::parse_from_rfc3339(&text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| sqlx::Error::Decode(e.into()))
            };
            let free_at = match rule.then_one_per {
                // Past the limit, one per `gap`: free when the last is that old.
                Some(gap) if !rows.is_empty() => at(rows.len() - 1)? + gap,
                Some(_) => now,
                // Free when enough of the oldest have left the window.
                None if rows.len() >= most && most > 0 => at(rows.len() - most)? + rule.window,
                None => now + rule.window,
            };
            wait = wait.max(free_at - now);
        }
        if wait > Duration::zero() {
            tx.rollback().await?;
            return Ok(Taken::Refused(wait));
        }
        let id = new_id("att");
        let at = stamp(now);
        for subject in &subjects {
            sqlx::query("INSERT INTO attempts (subject, kind, at, id) VALUES ($1, $2, $3, $4)")
                .bind(*subject)
                .bind(kind)
                .bind(&at)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Taken::Admitted(id))
    }

    /// Gives back attempt `id` (it succeeded: only failures are counted).
    pub async fn release_attempt(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM attempts WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
