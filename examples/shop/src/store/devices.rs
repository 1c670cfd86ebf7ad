//! `devices`: the browsers that signed in fully to an account (device
//! cookies, [`crate::auth::session`]), by the SHA-256 of their token.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, now, stamp};

impl Db {
    /// Records a device cookie (its token's hash) of account `account_id`,
    /// good until `expires`.
    pub async fn insert_device(
        &self,
        token_hash: &str,
        account_id: &str,
        expires: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO devices (token_hash, account_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(account_id)
            .bind(stamp(expires))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The account whose device cookie's token hashes to `token_hash`, if
    /// it has not expired.
    pub async fn device_account(&self, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
        let row =
            sqlx::query("SELECT account_id FROM devices WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| row.try_get("account_id")).transpose()
    }
}
