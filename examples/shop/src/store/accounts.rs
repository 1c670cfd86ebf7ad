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

/// An account's second factor, as stored (never shown in `Debug`).
pub struct SecondFactor {
    /// The TOTP secret (base32), once enrolled.
    pub secret: Option<String>,
    /// The secret being enrolled (shown on the enrolment page, until a
    /// code from it is typed).
    pub enrolling: Option<String>,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("enrolled", &self.secret.is_some())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Gives `owner` what the guest session `guest` ordered and booked
    /// with `email` (a guest who signs up, or in, keeps their orders).
    pub async fn claim_guest_orders(
        &self,
        guest: &str,
        email: &str,
        owner: &str,
    ) -> Result<(), sqlx::Error> {
        for sql in [
            "UPDATE orders SET owner = $1 WHERE owner = $2 AND LOWER(email) = $3",
            "UPDATE bookings SET owner = $1 WHERE owner = $2 AND LOWER(email) = $3",
        ] {
            sqlx::query(sql)
                .bind(owner)
                .bind(guest)
                .bind(email.to_lowercase())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Account `id`'s second factor.
    pub async fn second_factor(&self, id: &str) -> Result<SecondFactor, sqlx::Error> {
        let row = sqlx::query("SELECT totp_secret, totp_enrolling FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(SecondFactor {
            secret: row.try_get("totp_secret")?,
            enrolling: row.try_get("totp_enrolling")?,
        })
    }

    /// Whether account `id` has a second factor.
    pub async fn has_second_factor(&self, id: &str) -> Result<bool, sqlx::Error> {
        Ok(self.second_factor(id).await?.secret.is_some())
    }

    /// Records `secret` as the one account `id` is enrolling.
    pub async fn start_enrolling(&self, id: &str, secret: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE accounts SET totp_enrolling = $1 WHERE id = $2 AND totp_secret IS NULL",
        )
        .bind(secret)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Makes account `id`'s enrolling secret its second factor, used at
    /// `step` already, with the recovery codes hashed as `recovery`; false
    /// if it had one already (a second enrolment replaces nothing).
    pub async fn finish_enrolling(
        &self,
        id: &str,
        secret: &str,
        step: i64,
        recovery: &[String],
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE accounts SET totp_secret = $1, totp_enrolling = NULL, totp_last_step = $2 \
             WHERE id = $3 AND totp_secret IS NULL AND totp_enrolling = $1",
        )
        .bind(secret)
        .bind(step)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for hash in recovery {
            sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                .bind(id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Gives account `id` the second factor `secret` (its codes unused
    /// yet), with the recovery codes hashed as `recovery`, replacing any
    /// it had (the operator's command: `create-admin`, `second-factor`).
    pub async fn set_second_factor(
        &self,
        id: &str,
        secret: &str,
        recovery: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE accounts SET totp_secret = $1, totp_enrolling = NULL, totp_last_step = 0 \
             WHERE id = $2",
        )
        .bind(secret)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for hash in recovery {
            sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                .bind(id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// Uses time step `step` of account `id`'s codes: true once, if no
    /// code of this step or a later one was used (a code is good once).
    pub async fn use_step(&self, id: &str, step: i64) -> Result<bool, sqlx::Error> {
        let used = sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        )
        .bind(step)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(used.rows_affected() == 1)
    }

    /// Uses the recovery code whose hash is `hash`: true once.
    pub async fn use_recovery_code(&self, id: &str, hash: &str) -> Result<bool, sqlx::Error> {
        let used =
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1 AND code_hash = $2")
                .bind(id)
                .bind(hash)
                .execute(&self.pool)
                .await?;
        Ok(used.rows_affected() == 1)
    }

    /// How many recovery codes account `id` has left.
    pub async fn recovery_codes_left(&self, id: &str) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE account_id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        row.try_get("n")
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
