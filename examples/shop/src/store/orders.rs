//! `orders`: created before the payment intent, moved only by webhooks.

use dojo_payments::types::{Currency, Money, PaymentIntentId};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, new_id, now};
use crate::order::{Order, OrderKind, OrderStatus};

/// `SELECT`s an order's columns; literal SQL only (sqlx refuses built strings).
macro_rules! select_orders {
    ($rest:literal) => {
        concat!(
            "SELECT id, kind, reference, email, description, amount, currency, ",
            "capture_mode, payment_intent_id, status, captured, refunded, owner FROM orders ",
            $rest
        )
    };
}

/// An order about to be made.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    /// What it is for.
    pub kind: OrderKind,
    /// The payment intent's reference; `None` for the order's own id.
    pub reference: Option<&'a str>,
    /// The customer's email.
    pub email: &'a str,
    /// What is bought.
    pub description: &'a str,
    /// The price.
    pub amount: Money,
    /// Captured later, by the admin.
    pub manual_capture: bool,
    /// Whose it is (`account:…`, `guest:…`; see [`crate::auth::Visitor::owner`]).
    pub owner: &'a str,
}

impl Db {
    /// Records a new, pending order and answers it.
    pub async fn insert_order(&self, new: &NewOrder<'_>) -> Result<Order, sqlx::Error> {
        let (order, _) = self.claim_order(&new_id("ord"), new).await?;
        Ok(order)
    }

    /// Records a new, pending order `id` unless there is one: the order,
    /// and whether this call made it (a form sent twice names one order).
    pub async fn claim_order(
        &self,
        id: &str,
        new: &NewOrder<'_>,
    ) -> Result<(Order, bool), sqlx::Error> {
        let reference = new.reference.unwrap_or(id);
        let made = sqlx::query(
            "INSERT INTO orders (id, kind, reference, email, description, amount, currency, \
             capture_mode, payment_intent_id, status, status_rank, captured, refunded, created_at, owner) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, 0, 0, $11, $12) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(new.kind.as_str())
        .bind(reference)
        .bind(new.email)
        .bind(new.description)
        .bind(new.amount.minor_units())
        .bind(new.amount.currency().code())
        .bind(if new.manual_capture { "Manual" } else { "Auto" })
        .bind(OrderStatus::Pending.as_str())
        .bind(OrderStatus::Pending.rank())
        .bind(now())
        .bind(new.owner)
        .execute(&self.pool)
        .await?;
        let order = self.order(id).await?.ok_or(sqlx::Error::RowNotFound)?;
        Ok((order, made.rows_affected() == 1))
    }

    /// Marks a pending order `id` canceled: its card was declined before
    /// any payment intent was made for it.
    pub async fn cancel_pending_order(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE orders SET status = $1, status_rank = $2 \
             WHERE id = $3 AND status = $4 AND payment_intent_id IS NULL",
        )
        .bind(OrderStatus::Canceled.as_str())
        .bind(OrderStatus::Canceled.rank())
        .bind(id)
        .bind(OrderStatus::Pending.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a pending order `id` canceled though it has a payment intent:
    /// a till sale whose session Dojo refused to start (nothing can pay
    /// its intent now: no session is ever started for it again), so the
    /// admin's list keeps no sale that never happened.
    pub async fn cancel_unstarted_order(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE orders SET status = $1, status_rank = $2 WHERE id = $3 AND status = $4",
        )
        .bind(OrderStatus::Canceled.as_str())
        .bind(OrderStatus::Canceled.rank())
        .bind(id)
        .bind(OrderStatus::Pending.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Links order `id` to the payment intent made for it.
    pub async fn attach_intent(
        &self,
        id: &str,
        intent: &PaymentIntentId,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE orders SET payment_intent_id = $1 WHERE id = $2")
            .bind(intent.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Order `id`.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, sqlx::Error> {
        self.one_order(select_orders!("WHERE id = $1"), id).await
    }

    /// The order paid by payment intent `intent`.
    pub async fn order_by_intent(
        &self,
        intent: &PaymentIntentId,
    ) -> Result<Option<Order>, sqlx::Error> {
        self.one_order(
            select_orders!("WHERE payment_intent_id = $1"),
            intent.as_str(),
        )
        .await
    }

    /// The order whose payment intent has reference `reference`.
    pub async fn order_by_reference(&self, reference: &str) -> Result<Option<Order>, sqlx::Error> {
        self.one_order(select_orders!("WHERE reference = $1"), reference)
            .await
    }

    async fn one_order(
        &self,
        sql: &'static str,
        value: &str,
    ) -> Result<Option<Order>, sqlx::Error> {
        let row = sqlx::query(sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(order_of).transpose()
    }

    /// Every order, newest first.
    pub async fn orders(&self) -> Result<Vec<Order>, sqlx::Error> {
        let sql = select_orders!("ORDER BY created_at DESC, id");
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(order_of).collect()
    }
}

fn order_of(row: &AnyRow) -> Result<Order, sqlx::Error> {
    let text = |column: &str| row.try_get::<String, _>(column);
    let bad = |column: &str, value: String| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unexpected value {value:?}").into(),
    };
    let currency =
        Currency::from_code(&text("currency")?).map_err(|e| bad("currency", e.to_string()))?;
    let money =
        |column: &str| Ok::<_, sqlx::Error>(Money::new(row.try_get::<i64, _>(column)?, currency));
    let kind = text("kind")?;
    let status = text("status")?;
    Ok(Order {
        kind: OrderKind::parse(&kind).ok_or_else(|| bad("kind", kind.clone()))?,
        status: OrderStatus::parse(&status).ok_or_else(|| bad("status", status.clone()))?,
        id: text("id")?,
        reference: text("reference")?,
        email: text("email")?,
        description: text("description")?,
        amount: money("amount")?,
        manual_capture: text("capture_mode")? == "Manual",
        payment_intent_id: row
            .try_get::<Option<String>, _>("payment_intent_id")?
            .map(PaymentIntentId::from_wire),
        captured: money("captured")?,
        refunded: money("refunded")?,
        owner: text("owner")?,
    })
}
