//! `customers`: the Dojo customer of each email.

use dojo_payments::types::CustomerId;
use sqlx::Row;

use super::Db;

impl Db {
    /// The Dojo customer remembered for `email`.
    pub async fn customer_id(&self, email: &str) -> Result<Option<CustomerId>, sqlx::Error> {
        let row = sqlx::query("SELECT customer_id FROM customers WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok(CustomerId::from_wire(row.try_get::<String, _>(0)?)))
            .transpose()
    }

    /// Remembers `id` as the customer of `email` (the first one wins).
    pub async fn remember_customer(&self, email: &str, id: &CustomerId) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO customers (email, customer_id) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING",
        )
        .bind(email)
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
