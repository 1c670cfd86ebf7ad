//! `webhook_events`: each order's history of webhook events. Each event is
//! applied once: its id goes into the SDK's `dojo_processed_events`
//! (`dojo_payments_sqlx::SqlEvents`) in the same transaction as the order
//! change it causes.

use dojo_payments::settlement::Settled;
use dojo_payments::types::WebhookEventId;
use dojo_payments_sqlx::SqlEvents;
use sqlx::Row;

use super::{Db, now};
use crate::order::OrderStatus;

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The event was new; the order (if any) was brought up to date.
    Applied,
    /// The event had been applied already: a redelivery, nothing changed.
    AlreadyApplied,
}

/// An event as the order's history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Dojo's event id.
    pub event_id: String,
    /// The event's name (`payment_intent.status_updated`).
    pub name: String,
    /// The payment intent's status the event reported.
    pub status: String,
    /// When the shop received it.
    pub received_at: String,
}

impl Db {
    /// Applies event `event_id` once: records it and, for an order of this
    /// shop, moves the order to `status` and `settled` unless it is
    /// further along already (events may arrive out of order). Both in one
    /// transaction: a crash before commit leaves the event unapplied for
    /// Dojo's redelivery; after it, the redelivery changes nothing.
    pub async fn apply_event(
        &self,
        event_id: &WebhookEventId,
        order_id: Option<&str>,
        name: &str,
        status: Option<OrderStatus>,
        reported: &str,
        settled: Option<Settled>,
    ) -> Result<Applied, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // The SDK's record of processed events, in this transaction: shared
        // by every instance of the shop on this database.
        if !SqlEvents::first_time_in(&mut tx, event_id).await? {
            return Ok(Applied::AlreadyApplied);
        }
        sqlx::query(
            "INSERT INTO webhook_events (event_id, order_id, name, status, received_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event_id.as_str())
        .bind(order_id)
        .bind(name)
        .bind(reported)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        if let (Some(order), Some(status)) = (order_id, status) {
            sqlx::query(
                "UPDATE orders SET status = $1, status_rank = $2 WHERE id = $3 AND status_rank <= $2",
            )
            .bind(status.as_str())
            .bind(status.rank())
            .bind(order)
            .execute(&mut *tx)
            .await?;
        }
        if let (Some(order), Some(settled)) = (order_id, settled) {
            // Amounts only grow: an older read never undoes a newer one.
            sqlx::query(
                "UPDATE orders SET \
                 captured = CASE WHEN captured < $1 THEN $1 ELSE captured END, \
                 refunded = CASE WHEN refunded < $2 THEN $2 ELSE refunded END \
                 WHERE id = $3",
            )
            .bind(settled.captured.minor_units())
            .bind(settled.refunded.minor_units())
            .bind(order)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Applied::Applied)
    }

    /// The events applied to order `id`, oldest first.
    pub async fn events(&self, id: &str) -> Result<Vec<EventRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT event_id, name, status, received_at FROM webhook_events \
             WHERE order_id = $1 ORDER BY received_at, event_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EventRecord {
                    event_id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    status: row.try_get(2)?,
                    received_at: row.try_get(3)?,
                })
            })
            .collect()
    }
}
