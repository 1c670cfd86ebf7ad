//! `sessions` and `form_tokens`: signed-in (and not yet signed-in)
//! visitors, by the hash of their cookie's token, and the tokens the forms
//! shown to them carry.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, now};

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The SHA-256 of the cookie's token, hex.
    pub token_hash: String,
    /// The account signed in, if any.
    pub account_id: Option<String>,
    /// The token every state-changing form of this session carries.
    pub csrf: String,
    /// Whether its sign-in passed the second factor.
    pub second_factor: bool,
}

impl Db {
    /// Records a session that lasts until `expires_at`.
    pub async fn insert_session(
        &self,
        session: &SessionRow,
        expires_at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf, expires_at, second_factor) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(&session.account_id)
        .bind(&session.csrf)
        .bind(super::stamp(expires_at))
        .bind(i64::from(session.second_factor))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session of `token_hash`.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT token_hash, account_id, csrf, second_factor FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SessionRow {
                token_hash: row.try_get("token_hash")?,
                account_id: row.try_get("account_id")?,
                csrf: row.try_get("csrf")?,
                second_factor: row.try_get::<i64, _>("second_factor")? != 0,
            })
        })
        .transpose()
    }

    /// Records that session `token_hash` passed the second factor.
    pub async fn pass_second_factor(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET second_factor = 1 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends the session of `token_hash`, and the forms shown in it.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records `token`, put into a form of `purpose` shown to session
    /// `token_hash`.
    pub async fn issue_form_token(
        &self,
        token: &str,
        token_hash: &str,
        purpose: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO form_tokens (token, token_hash, purpose, issued_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token)
        .bind(token_hash)
        .bind(purpose)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether `token` was put into a form of `purpose` shown to session
    /// `token_hash`.
    pub async fn form_token_issued(
        &self,
        token: &str,
        token_hash: &str,
        purpose: &str,
    ) -> Result<bool, sqlx::Error> {
        let row = sqlx::query(
            "SELECT token FROM form_tokens WHERE token = $1 AND token_hash = $2 AND purpose = $3",
        )
        .bind(token)
        .bind(token_hash)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Forgets sessions and device cookies that have ended, and the form tokens, counted
    /// attempts and limits' lock rows older than `before`.
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<(), sqlx::Error> {
        let cutoff = super::stamp(before);
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM devices WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM form_tokens WHERE issued_at < $1")
            .bind(&cutoff)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM attempts WHERE at < $1")
            .bind(&cutoff)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM attempt_locks WHERE touched < $1")
            .bind(&cutoff)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
