//! `flashes`: what an action said, for the page it redirects to. The
//! redirect carries the message's id only; the page shows it to the session
//! that made it, once: never text an attacker wrote into a link.

use sqlx::Row;

use super::{Db, new_id, now};

/// A message for the next page: a notice (it went well) or an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flash {
    /// It went well.
    Notice(String),
    /// It did not.
    Error(String),
}

impl Flash {
    /// `Ok` as a notice, `Err` as an error.
    pub fn of(said: Result<String, String>) -> Self {
        match said {
            Ok(notice) => Self::Notice(notice),
            Err(error) => Self::Error(error),
        }
    }

    /// The notice, if it is one.
    pub fn notice(&self) -> Option<&str> {
        match self {
            Self::Notice(text) => Some(text),
            Self::Error(_) => None,
        }
    }

    /// The error, if it is one.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Error(text) => Some(text),
            Self::Notice(_) => None,
        }
    }
}

impl Db {
    /// Keeps `flash` for the session `session_key`; its id, for the
    /// redirect.
    pub async fn keep_flash(
        &self,
        session_key: &str,
        flash: &Flash,
    ) -> Result<String, sqlx::Error> {
        let id = new_id("fl");
        let (kind, message) = match flash {
            Flash::Notice(text) => ("notice", text),
            Flash::Error(text) => ("error", text),
        };
        sqlx::query(
            "INSERT INTO flashes (id, session_key, kind, message, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(session_key)
        .bind(kind)
        .bind(message)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Flash `id`, if it was kept for `session_key`: taken (a reload does
    /// not show it again).
    pub async fn take_flash(
        &self,
        id: &str,
        session_key: &str,
    ) -> Result<Option<Flash>, sqlx::Error> {
        let row =
            sqlx::query("SELECT kind, message FROM flashes WHERE id = $1 AND session_key = $2")
                .bind(id)
                .bind(session_key)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM flashes WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        let kind: String = row.try_get("kind")?;
        let message: String = row.try_get("message")?;
        Ok(Some(if kind == "notice" {
            Flash::Notice(message)
        } else {
            Flash::Error(message)
        }))
    }

    /// Forgets flashes kept before `before` (never shown: the page was not
    /// opened).
    pub async fn prune_flashes(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM flashes WHERE created_at < $1")
            .bind(super::stamp(before))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
