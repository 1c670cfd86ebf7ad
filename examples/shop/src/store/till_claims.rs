//! `till_claims`: the refunds at the counter the till claimed, under their
//! journal names, before anything is sent. A refund form's token names
//! one refund: sent again (a reload, a second tab, the amount corrected
//! after Dojo's answer was lost) it finds its claim and is refused in
//! words, never sent again nor handed to the journal under another call
//! (which the journal refuses as a reused name). A matched refund's claim
//! also holds its amount against what is left of the sale while it runs:
//! Dojo's refunded amount counts a refund only once its card came.

use chrono::{DateTime, Utc};
use dojo_payments::types::Money;
use sqlx::Row;

use super::{Db, now, stamp};

/// How a refund's claim went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundClaim {
    /// Claimed by this call: it may be sent.
    Claimed,
    /// Its name was claimed already (the same form, sent again).
    SentAlready,
    /// With the refunds of the same sale still running, it is more than
    /// is left: `left` is what may still be refunded now.
    TooMuch {
        /// Left to refund, less what running refunds hold.
        left: Money,
    },
}

/// How a claimed refund ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimEnd {
    /// The money went back to the card.
    Moved,
    /// Nothing moved (refused, declined, canceled, timed out, never sent).
    Nothing,
}

impl ClaimEnd {
    fn as_str(self) -> &'static str {
        match self {
            Self::Moved => "moved",
            Self::Nothing => "nothing",
        }
    }
}

/// A refund the till claimed that still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningClaim {
    /// Its journal name.
    pub journal_entry: String,
    /// When it was claimed (RFC 3339).
    pub created_at: String,
}

/// What a matched refund is held against: what Dojo said was left of the
/// sale, and when that read began (a refund that ended after it may not
/// be in it).
#[derive(Debug, Clone, Copy)]
pub struct LeftAsRead {
    /// Captured less refunded, as read.
    pub left: Money,
    /// When the read began.
    pub read_at: DateTime<Utc>,
}

impl Db {
    /// Claims the refund `entry` of `amount` on `terminal` (of the sale
    /// `order_id`, held against `left`; or linked to none), in one
    /// transaction: a name claimed already is [`RefundClaim::SentAlready`],
    /// and a matched refund that, with the sale's refunds still running, is
    /// more than is left is [`RefundClaim::TooMuch`] (nothing kept). The
    /// sale's order row is written first, so two claims of one sale run
    /// one after the other on every database (PostgreSQL's row lock,
    /// SQLite's one writer): the second counts the first.
    pub async fn claim_till_refund(
        &self,
        entry: &str,
        order_id: Option<&str>,
        amount: Money,
        terminal: &str,
        left: Option<LeftAsRead>,
    ) -> Result<RefundClaim, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if let Some(order) = order_id {
            sqlx::query("UPDATE orders SET id = id WHERE id = $1")
                .bind(order)
                .execute(&mut *tx)
                .await?;
        }
        let made = sqlx::query(
            "INSERT INTO till_claims (journal_entry, order_id, amount, currency, terminal_id, \
             state, created_at, closed_at) VALUES ($1, $2, $3, $4, $5, 'running', $6, NULL) \
             ON CONFLICT (journal_entry) DO NOTHING",
        )
        .bind(entry)
        .bind(order_id)
        .bind(amount.minor_units())
        .bind(amount.currency().code())
        .bind(terminal)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        if made.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(RefundClaim::SentAlready);
        }
        if let (Some(order), Some(left)) = (order_id, left) {
            let held = held_in(&mut tx, order, entry, left.read_at).await?;
            let free = left.left.minor_units().saturating_sub(held).max(0);
            if amount.minor_units() > free {
                tx.rollback().await?;
                let left = Money::new(free, left.left.currency());
                return Ok(RefundClaim::TooMuch { left });
            }
        }
        tx.commit().await?;
        Ok(RefundClaim::Claimed)
    }

    /// Whether the refund `entry` was claimed (the same form sent before).
    pub async fn till_claimed(&self, entry: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT 1 FROM till_claims WHERE journal_entry = $1")
            .bind(entry)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// What the refunds of the sale `order_id` still running hold, in
    /// minor units, as of a read of Dojo begun at `read_at`.
    pub async fn till_refunds_held(
        &self,
        order_id: &str,
        read_at: DateTime<Utc>,
    ) -> Result<i64, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        held_in(&mut conn, order_id, "", read_at).await
    }

    /// The refunds of the sale `order_id` still running.
    pub async fn running_till_refunds(
        &self,
        order_id: &str,
    ) -> Result<Vec<RunningClaim>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT journal_entry, created_at FROM till_claims \
             WHERE order_id = $1 AND state = 'running' ORDER BY created_at",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RunningClaim {
                    journal_entry: row.try_get("journal_entry")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Notes that the refund `entry` stopped running, as `end` (once: a
    /// claim that ended already keeps its end).
    pub async fn end_till_claim(&self, entry: &str, end: ClaimEnd) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE till_claims SET state = $1, closed_at = $2 \
             WHERE journal_entry = $3 AND state = 'running'",
        )
        .bind(end.as_str())
        .bind(now())
        .bind(entry)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// What the refunds of `order_id` other than `entry` hold against what is
/// left, read at `read_at`: those running, and those whose money moved
/// after the read began (the read may not show them).
async fn held_in(
    conn: &mut sqlx::AnyConnection,
    order_id: &str,
    entry: &str,
    read_at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    // PostgreSQL's SUM of a BIGINT is a NUMERIC: cast back for the driver.
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS held FROM till_claims \
         WHERE order_id = $1 AND journal_entry <> $2 \
         AND (state = 'running' OR (state = 'moved' AND closed_at >= $3))",
    )
    .bind(order_id)
    .bind(entry)
    .bind(stamp(read_at))
    .fetch_one(conn)
    .await?;
    row.try_get("held")
}
