//! `staff_actions`: who did what. Every capture, refund, charge, close and
//! phone order, by the staff account that asked for it, written before the
//! call is made (so a call whose answer never came still has its author)
//! and given its outcome after.

use sqlx::Row;

use super::{Db, new_id, now};
use crate::auth::Account;

/// One thing a staff account did to an order or booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAction {
    /// The order or booking.
    pub subject: String,
    /// `capture`, `refund`, `charge`, `close`, `phone order`.
    pub action: String,
    /// The amount, as shown (empty when there is none).
    pub amount: String,
    /// The account's email (its id is stored too).
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// How it went, as the staff member was told.
    pub outcome: String,
}

impl Db {
    /// Records that `account` is about to `action` `subject`; its id, for
    /// [`Db::action_outcome`].
    pub async fn record_action(
        &self,
        account: &Account,
        subject: &str,
        action: &str,
        amount: &str,
    ) -> Result<String, sqlx::Error> {
        let id = new_id("act");
        sqlx::query(
            "INSERT INTO staff_actions (id, subject, action, amount, account_id, account_email, \
             at, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(subject)
        .bind(action)
        .bind(amount)
        .bind(&account.id)
        .bind(&account.email)
        .bind(now())
        .bind("asked")
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Records how action `id` went.
    pub async fn action_outcome(&self, id: &str, outcome: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE staff_actions SET outcome = $1 WHERE id = $2")
            .bind(outcome)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// What staff did to `subject`, oldest first.
    pub async fn actions(&self, subject: &str) -> Result<Vec<StaffAction>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT subject, action, amount, account_email, at, outcome FROM staff_actions \
             WHERE subject = $1 ORDER BY at, id",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StaffAction {
                    subject: row.try_get("subject")?,
                    action: row.try_get("action")?,
                    amount: row.try_get("amount")?,
                    by: row.try_get("account_email")?,
                    at: row.try_get("at")?,
                    outcome: row.try_get("outcome")?,
                })
            })
            .collect()
    }
}
