//! `attempts`: what is counted against card testing and password guessing,
//! by IP and by account, in the shared database (so every instance counts
//! the same).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, now};

impl Db {
    /// Counts one attempt of `kind` for each of `subjects`.
    pub async fn record_attempt(&self, subjects: &[String], kind: &str) -> Result<(), sqlx::Error> {
        let at = now();
        for subject in subjects {
            sqlx::query("INSERT INTO attempts (subject, kind, at) VALUES ($1, $2, $3)")
                .bind(subject)
                .bind(kind)
                .bind(&at)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The most attempts of `kind` any of `subjects` made since `since`.
    pub async fn attempts_since(
        &self,
        subjects: &[String],
        kind: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, sqlx::Error> {
        let mut most = 0;
        for subject in subjects {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM attempts WHERE subject = $1 AND kind = $2 AND at >= $3",
            )
            .bind(subject)
            .bind(kind)
            .bind(super::stamp(since))
            .fetch_one(&self.pool)
            .await?;
            most = most.max(row.try_get::<i64, _>("n")?);
        }
        Ok(most)
    }
}
