//! `accounts`: who may sign in, as what, and a customer's Dojo customer.

use dojo_payments::types::CustomerId;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, new_id, now};
use crate::auth::{Account, Role};

impl Db {
    /// Records a new account; `None` when its email has one already.
    pub async fn insert_account(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<Option<Account>, sqlx::Error> {
        let id = new_id("acct");
        let made = sqlx::query(
            "INSERT INTO accounts (id, email, password_hash, role, customer_id, created_at) \
             VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT (email) DO NOTHING",
        )
        .bind(&id)
        .bind(email)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now())
        .execute(&self.pool)
        .await?;
        if made.rows_affected() == 0 {
            return Ok(None);
        }
        self.account(&id).await
    }

    /// Whether any account may administer the shop.
    pub async fn has_admin(&self) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT id FROM accounts WHERE role = $1 LIMIT 1")
            .bind(Role::Admin.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Account `id`.
    pub async fn account(&self, id: &str) -> Result<Option<Account>, sqlx::Error> {
        let row = sqlx::query("SELECT id, email, role, customer_id FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account_of).transpose()
    }

    /// The account of `email`, with its password hash.
    pub async fn account_by_email(
        &self,
        email: &str,
    ) -> Result<Option<(Account, String)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, email, role, customer_id, password_hash FROM accounts WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((account_of(&row)?, row.try_get("password_hash")?)))
            .transpose()
    }

    /// Gives account `id` its Dojo customer, unless it has one: the one it
    /// has after (the first one kept).
    pub async fn attach_customer(
        &self,
        id: &str,
        customer: &CustomerId,
    ) -> Result<Option<CustomerId>, sqlx::Error> {
        sqlx::query("UPDATE accounts SET customer_id = $1 WHERE id = $2 AND customer_id IS NULL")
            .bind(customer.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(self.account(id).await?.and_then(|a| a.customer_id))
    }
}

fn account_of(row: &AnyRow) -> Result<Account, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(Account {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "role".into(),
            source: format!("unexpected value {role:?}").into(),
        })?,
        customer_id: row
            .try_get::<Option<String>, _>("customer_id")?
            .map(CustomerId::from_wire),
    })
}
