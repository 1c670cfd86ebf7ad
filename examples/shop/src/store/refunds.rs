//! `refunds`: the idempotency key of each refund, written before the call.

use dojo_payments::IdempotencyKey;
use dojo_payments::types::{Money, RefundId};
use sqlx::Row;

use super::{Db, now};

/// A refund the admin asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    /// The key it is sent with, every time.
    pub idempotency_key: String,
    /// How much, in the order's minor units.
    pub amount: i64,
    /// Dojo's refund id, once it answered.
    pub refund_id: Option<String>,
}

impl Db {
    /// The key to refund `amount` of order `id` with: the key of an earlier
    /// attempt of the same refund that got no answer (a retry must not
    /// refund twice), or a new one, stored before it is used.
    pub async fn refund_key(&self, id: &str, amount: Money) -> Result<IdempotencyKey, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let open = sqlx::query(
            "SELECT idempotency_key FROM refunds \
             WHERE order_id = $1 AND amount = $2 AND refund_id IS NULL",
        )
        .bind(id)
        .bind(amount.minor_units())
        .fetch_optional(&mut *tx)
        .await?;
        let key = match open {
            Some(row) => row.try_get::<String, _>(0)?,
            None => {
                let key = IdempotencyKey::generate().as_str().to_owned();
                sqlx::query(
                    "INSERT INTO refunds (idempotency_key, order_id, amount, refund_id, requested_at) \
                     VALUES ($1, $2, $3, NULL, $4)",
                )
                .bind(&key)
                .bind(id)
                .bind(amount.minor_units())
                .bind(now())
                .execute(&mut *tx)
                .await?;
                key
            }
        };
        tx.commit().await?;
        IdempotencyKey::new(key).map_err(|e| sqlx::Error::Decode(e.into()))
    }

    /// Records Dojo's answer to the refund sent with `key`.
    pub async fn refund_made(
        &self,
        key: &IdempotencyKey,
        refund: &RefundId,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE refunds SET refund_id = $1 WHERE idempotency_key = $2")
            .bind(refund.as_str())
            .bind(key.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The refunds of order `id`, oldest first.
    pub async fn refunds(&self, id: &str) -> Result<Vec<RefundRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT idempotency_key, amount, refund_id FROM refunds \
             WHERE order_id = $1 ORDER BY requested_at, idempotency_key",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RefundRecord {
                    idempotency_key: row.try_get(0)?,
                    amount: row.try_get(1)?,
                    refund_id: row.try_get(2)?,
                })
            })
            .collect()
    }
}
