//! `bookings`: table bookings held by a card with a no-show fee.

use dojo_payments::types::{Currency, Money, SetupIntentId};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, new_id, now};

/// A booking.
#[derive(Debug, Clone, PartialEq)]
pub struct Booking {
    /// The shop's id (`bkg_…`), also the setup intent's reference.
    pub id: String,
    /// The customer's email.
    pub email: String,
    /// How many people.
    pub party_size: i64,
    /// The no-show fee agreed to.
    pub fee: Money,
    /// The setup intent holding the card, once created.
    pub setup_intent_id: Option<SetupIntentId>,
    /// The order of the no-show fee, once charged.
    pub fee_order_id: Option<String>,
    /// Whose it is (`account:…`, `guest:…`).
    pub owner: String,
}

/// `SELECT`s a booking's columns; literal SQL only (sqlx refuses built strings).
macro_rules! select_bookings {
    ($rest:literal) => {
        concat!(
            "SELECT id, email, party_size, fee, currency, setup_intent_id, fee_order_id, owner ",
            "FROM bookings ",
            $rest
        )
    };
}

impl Db {
    /// Records a new booking.
    pub async fn insert_booking(
        &self,
        email: &str,
        party_size: i64,
        fee: Money,
        owner: &str,
    ) -> Result<Booking, sqlx::Error> {
        let id = new_id("bkg");
        sqlx::query(
            "INSERT INTO bookings (id, email, party_size, fee, currency, setup_intent_id, fee_order_id, created_at, owner) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, $7)",
        )
        .bind(&id)
        .bind(email)
        .bind(party_size)
        .bind(fee.minor_units())
        .bind(fee.currency().code())
        .bind(now())
        .bind(owner)
        .execute(&self.pool)
        .await?;
        self.booking(&id).await?.ok_or(sqlx::Error::RowNotFound)
    }

    /// Links booking `id` to its setup intent.
    pub async fn attach_setup_intent(
        &self,
        id: &str,
        setup: &SetupIntentId,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE bookings SET setup_intent_id = $1 WHERE id = $2")
            .bind(setup.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Links booking `id` to the order of its no-show fee.
    pub async fn attach_fee_order(&self, id: &str, order: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE bookings SET fee_order_id = $1 WHERE id = $2")
            .bind(order)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Booking `id`.
    pub async fn booking(&self, id: &str) -> Result<Option<Booking>, sqlx::Error> {
        let row = sqlx::query(select_bookings!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(booking_of).transpose()
    }

    /// Every booking, newest first.
    pub async fn bookings(&self) -> Result<Vec<Booking>, sqlx::Error> {
        let sql = select_bookings!("ORDER BY created_at DESC, id");
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter().map(booking_of).collect()
    }
}

fn booking_of(row: &AnyRow) -> Result<Booking, sqlx::Error> {
    let code: String = row.try_get("currency")?;
    let currency = Currency::from_code(&code).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(Booking {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        party_size: row.try_get("party_size")?,
        fee: Money::new(row.try_get("fee")?, currency),
        setup_intent_id: row
            .try_get::<Option<String>, _>("setup_intent_id")?
            .map(SetupIntentId::from_wire),
        fee_order_id: row.try_get("fee_order_id")?,
        owner: row.try_get("owner")?,
    })
}
