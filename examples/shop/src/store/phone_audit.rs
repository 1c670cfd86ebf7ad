//! `phone_audit`: every phone order, who took it and how it went; the card
//! only as its last four digits.

use dojo_payments::types::{Currency, Money};
use sqlx::Row;

use super::{Db, now};

/// One phone order, as audited.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneAudit {
    /// The order.
    pub order_id: String,
    /// The staff account that took it.
    pub staff_account: String,
    /// When (RFC 3339).
    pub at: String,
    /// The customer's email.
    pub email: String,
    /// The card's last four digits.
    pub card_last4: String,
    /// The amount.
    pub amount: Money,
    /// How it went: `pending`, `charged`, `declined`, `refused`, `not confirmed`.
    pub outcome: String,
}

impl Db {
    /// Audits phone order `audit.order_id` (once: the first record stays).
    pub async fn audit_phone_order(&self, audit: &PhoneAudit) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO phone_audit (order_id, staff_account, at, email, card_last4, amount, \
             currency, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(&audit.order_id)
        .bind(&audit.staff_account)
        .bind(now())
        .bind(&audit.email)
        .bind(&audit.card_last4)
        .bind(audit.amount.minor_units())
        .bind(audit.amount.currency().code())
        .bind(&audit.outcome)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records how phone order `order_id` went.
    pub async fn phone_outcome(&self, order_id: &str, outcome: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE phone_audit SET outcome = $1 WHERE order_id = $2")
            .bind(outcome)
            .bind(order_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The audit of phone order `order_id`.
    pub async fn phone_audit(&self, order_id: &str) -> Result<Option<PhoneAudit>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT order_id, staff_account, at, email, card_last4, amount, currency, outcome \
             FROM phone_audit WHERE order_id = $1",
        )
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let code: String = row.try_get("currency")?;
            let currency = Currency::from_code(&code).map_err(|e| sqlx::Error::Decode(e.into()))?;
            Ok(PhoneAudit {
                order_id: row.try_get("order_id")?,
                staff_account: row.try_get("staff_account")?,
                at: row.try_get("at")?,
                email: row.try_get("email")?,
                card_last4: row.try_get("card_last4")?,
                amount: Money::new(row.try_get("amount")?, currency),
                outcome: row.try_get("outcome")?,
            })
        })
        .transpose()
    }
}
