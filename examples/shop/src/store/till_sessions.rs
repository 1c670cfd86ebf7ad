//! `till_sessions`: the sessions the till started on the card terminals,
//! who started each, and its status as last read. The money is the
//! journal's (each session journaled under its `journal_entry`); a sale's
//! payment is its order's, moved by webhooks.

use dojo_payments::types::{Currency, Money};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, now};

/// What a session at the till does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TillKind {
    /// Takes payment of a sale's order.
    Sale,
    /// Refunds part or all of a till sale to the card presented.
    MatchedRefund,
    /// Refunds an amount to a card, linked to no payment.
    UnlinkedRefund,
}

impl TillKind {
    const ALL: [Self; 3] = [Self::Sale, Self::MatchedRefund, Self::UnlinkedRefund];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::MatchedRefund => "matched_refund",
            Self::UnlinkedRefund => "unlinked_refund",
        }
    }

    /// The kind stored as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// What staff read.
    pub fn words(self) -> &'static str {
        match self {
            Self::Sale => "Sale",
            Self::MatchedRefund => "Refund of a sale",
            Self::UnlinkedRefund => "Refund to a card",
        }
    }

    /// Whether it gives money back.
    pub fn is_refund(self) -> bool {
        self != Self::Sale
    }
}

/// A session the till started, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct TillSession {
    /// Dojo's id of the session.
    pub session_id: String,
    /// What it does.
    pub kind: TillKind,
    /// The sale's order (a sale, or the sale a matched refund refunds).
    pub order_id: Option<String>,
    /// Its name in the journal.
    pub journal_entry: String,
    /// The terminal it runs on.
    pub terminal_id: String,
    /// How much it takes or gives back.
    pub amount: Money,
    /// The email of the staff member who started it.
    pub staff_account: String,
    /// Dojo's status of it, as last read (`InitiateRequested`, `Captured`…).
    pub status: String,
    /// When it was started (RFC 3339).
    pub created_at: String,
}

impl TillSession {
    /// Its status as last read, in a word or two for the till's list
    /// (a refund's `Captured` is *Refunded*; a status Dojo adds later is
    /// shown as Dojo names it).
    pub fn status_words(&self) -> &str {
        match self.status.as_str() {
            "InitiateRequested" => "Sending",
            "Initiated" => "On the terminal",
            "CancelRequested" => "Canceling",
            "SignatureVerificationRequired" => "Signature check",
            "SignatureVerificationAccepted" => "Signature accepted",
            "SignatureVerificationRejected" => "Signature rejected",
            "Captured" | "Authorized" if self.kind.is_refund() => "Refunded",
            "Captured" => "Paid",
            "Expired" => "Timed out",
            other => other,
        }
    }

    /// When it was started, to the second (`2026-03-02 10:00:00 UTC`).
    pub fn started(&self) -> String {
        match self.created_at.get(..19) {
            Some(stamp) => format!("{} UTC", stamp.replacen('T', " ", 1)),
            None => self.created_at.clone(),
        }
    }

    /// When it was started, to the minute, for the till's list
    /// (`2026-03-02 10:00`, UTC).
    pub fn started_minute(&self) -> String {
        match self.created_at.get(..16) {
            Some(stamp) => stamp.replacen('T', " ", 1),
            None => self.created_at.clone(),
        }
    }
}

/// `SELECT`s a till session's columns.
macro_rules! select_till {
    ($rest:literal) => {
        concat!(
            "SELECT session_id, kind, order_id, journal_entry, terminal_id, amount, currency, ",
            "staff_account, status, created_at FROM till_sessions ",
            $rest
        )
    };
}

impl Db {
    /// Records a session the till started (once: a form sent twice names
    /// the same session, and the first record stays).
    pub async fn record_till_session(&self, session: &TillSession) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO till_sessions (session_id, kind, order_id, journal_entry, terminal_id, \
             amount, currency, staff_account, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (session_id) DO NOTHING",
        )
        .bind(&session.session_id)
        .bind(session.kind.as_str())
        .bind(session.order_id.as_deref())
        .bind(&session.journal_entry)
        .bind(&session.terminal_id)
        .bind(session.amount.minor_units())
        .bind(session.amount.currency().code())
        .bind(&session.staff_account)
        .bind(&session.status)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notes session `id`'s status as read now.
    pub async fn till_status(&self, id: &str, status: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE till_sessions SET status = $1 WHERE session_id = $2")
            .bind(status)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Session `id`, if the till started it.
    pub async fn till_session(&self, id: &str) -> Result<Option<TillSession>, sqlx::Error> {
        let row = sqlx::query(select_till!("WHERE session_id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(till_session_of).transpose()
    }

    /// The sale session of order `order_id`, if the till started one.
    pub async fn till_sale_of(&self, order_id: &str) -> Result<Option<TillSession>, sqlx::Error> {
        let row = sqlx::query(select_till!(
            "WHERE order_id = $1 AND kind = 'sale' ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(till_session_of).transpose()
    }

    /// The session journaled as `entry`, if the till recorded it (a
    /// refund's form sent twice finds the first one's).
    pub async fn till_session_named(
        &self,
        entry: &str,
    ) -> Result<Option<TillSession>, sqlx::Error> {
        let row = sqlx::query(select_till!("WHERE journal_entry = $1"))
            .bind(entry)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(till_session_of).transpose()
    }

    /// The till's last 30 sessions, newest first.
    pub async fn recent_till_sessions(&self) -> Result<Vec<TillSession>, sqlx::Error> {
        let rows = sqlx::query(select_till!(
            "ORDER BY created_at DESC, session_id LIMIT 30"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(till_session_of).collect()
    }
}

fn till_session_of(row: &AnyRow) -> Result<TillSession, sqlx::Error> {
    let text = |column: &str| row.try_get::<String, _>(column);
    let bad = |column: &str, value: String| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unexpected value {value:?}").into(),
    };
    let code = text("currency")?;
    let currency = Currency::from_code(&code).map_err(|e| bad("currency", e.to_string()))?;
    let kind = text("kind")?;
    Ok(TillSession {
        kind: TillKind::parse(&kind).ok_or_else(|| bad("kind", kind.clone()))?,
        session_id: text("session_id")?,
        order_id: row.try_get::<Option<String>, _>("order_id")?,
        journal_entry: text("journal_entry")?,
        terminal_id: text("terminal_id")?,
        amount: Money::new(row.try_get::<i64, _>("amount")?, currency),
        staff_account: text("staff_account")?,
        status: text("status")?,
        created_at: text("created_at")?,
    })
}
