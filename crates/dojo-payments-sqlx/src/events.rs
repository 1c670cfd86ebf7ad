//! `dojo_processed_events`: the webhook events a merchant has handled.

use dojo_payments::StoreError;
use dojo_payments::types::WebhookEventId;
use dojo_payments::webhook::SeenEvents;
use sqlx::{AnyConnection, AnyPool};

use crate::store_error;

/// The record of processed webhook events, in the merchant's database.
///
/// Record an event with [`SqlEvents::first_time_in`] inside the transaction
/// that applies it: a crash before the commit leaves it unrecorded (Dojo's
/// redelivery applies it), one after makes the redelivery a no-op, and two
/// instances receiving the same event apply it once. As [`SeenEvents`] it
/// records in a transaction of its own, for receivers whose effect is
/// outside this database.
#[derive(Debug, Clone)]
pub struct SqlEvents {
    pool: AnyPool,
}

impl SqlEvents {
    /// The record in `pool`'s database (its table made if missing).
    pub async fn new(pool: AnyPool) -> Result<Self, sqlx::Error> {
        crate::migrate(&pool).await?;
        Ok(Self { pool })
    }

    /// Records `id` in the transaction (or connection) `conn`: `true` the
    /// first time, `false` when it was recorded before. Commit it with the
    /// change the event causes.
    pub async fn first_time_in(
        conn: &mut AnyConnection,
        id: &WebhookEventId,
    ) -> Result<bool, sqlx::Error> {
        let inserted = sqlx::query(
            "INSERT INTO dojo_processed_events (event_id, processed_at) VALUES ($1, $2) \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(id.as_str())
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(conn)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }
}

impl SeenEvents for SqlEvents {
    async fn seen(&self, id: &WebhookEventId) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(store_error)?;
        let first = Self::first_time_in(&mut conn, id)
            .await
            .map_err(store_error)?;
        Ok(!first)
    }
}
