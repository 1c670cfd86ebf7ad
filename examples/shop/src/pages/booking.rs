//! Book a table with a no-show fee: Dojo's setup-intent guide. The
//! customer agrees to the terms and authorizes a card at Dojo's checkout;
//! the admin later charges the fee ([`super::admin`]) or closes it.

use askama::Template;
use axum::extract::{Path, Query, State};
use dojo_payments::api_types::{MerchantInitiatedTransactionType, SetupIntentStatus};
use dojo_payments::lifecycle::setup_intent::AnySetupIntent;
use dojo_payments::types::{InvalidValue, Money};
use serde::Deserialize;

use super::shop::Checkout;
use super::{AppState, Chrome, Page, PageError, render, to_checkout};
use crate::auth::Visitor;
use crate::catalog::{NO_SHOW_FEE, NO_SHOW_TERMS};
use crate::defences::ClientIp;
use crate::store::Booking;

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    chrome: Chrome,
    fee: Money,
    terms: &'static str,
}

/// `GET /book`.
pub async fn form(visitor: Visitor) -> Page {
    render(&BookPage {
        chrome: Chrome::with_forms(&visitor).await?,
        fee: NO_SHOW_FEE,
        terms: NO_SHOW_TERMS,
    })
}

/// The booking form.
#[derive(Debug, Deserialize)]
pub struct BookForm {
    /// A guest's email (a signed-in customer's is their account's).
    email: Option<String>,
    party_size: String,
    bot_answer: Option<String>,
}

/// `POST /book`: a booking, its setup intent (terms, the fee as the
/// intended amount, `NoShow`), and the customer sent to Dojo's checkout.
/// A checkout, counted as [`crate::defences::CHECKOUTS`].
pub async fn book(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    axum::Form(form): axum::Form<BookForm>,
) -> Page {
    let checkout = Checkout::admit(
        &state,
        &visitor,
        ip,
        form.bot_answer.as_deref(),
        form.email.as_deref(),
    )
    .await?;
    let party_size = form
        .party_size
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=20).contains(n))
        .ok_or_else(|| InvalidValue::new("party_size", "must be a whole number from 1 to 20"))?;
    let booking = state
        .db
        .insert_booking(
            &checkout.email,
            party_size,
            NO_SHOW_FEE,
            &visitor.owner().await?,
        )
        .await?;
    let path = format!("/bookings/{}", booking.id);
    let back = state.public_url.page(&path)?;
    let canceled = state.public_url.page(&format!("{path}?canceled=true"))?;
    let setup = state
        .dojo
        .setup_intents()
        .create(
            &booking.id,
            NO_SHOW_TERMS,
            MerchantInitiatedTransactionType::NoShow,
        )
        .intended_amount(NO_SHOW_FEE)
        .description(format!("Table for {party_size}"))
        .redirect_url(back)
        .cancel_url(canceled)
        .created()
        .await?;
    state
        .db
        .attach_setup_intent(&booking.id, setup.id())
        .await?;
    to_checkout(&state.dojo.checkout_link(setup.id()))
}

#[derive(Template)]
#[template(path = "booking.html")]
struct BookingPage {
    chrome: Chrome,
    booking: Booking,
    status: String,
    held: bool,
    canceled: bool,
}

/// The booking page's query: `canceled=true` back from "Cancel".
#[derive(Debug, Deserialize)]
pub struct BookingQuery {
    #[serde(default)]
    canceled: bool,
}

/// `GET /bookings/{id}`: where Dojo's checkout sends the customer back;
/// the setup intent's status is read from Dojo. Only its owner sees it.
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<BookingQuery>,
) -> Page {
    let owner = visitor.owner().await?;
    let booking = state
        .db
        .booking(&id)
        .await?
        .filter(|booking| booking.owner == owner)
        .ok_or(PageError::NotFound("booking"))?;
    let (status, held) = setup_status(&state, &booking).await?;
    render(&BookingPage {
        chrome: Chrome::plain(&visitor).await,
        canceled: query.canceled && !held,
        booking,
        status,
        held,
    })
}

/// The status of `booking`'s setup intent, and whether it holds a card.
pub(crate) async fn setup_status(
    state: &AppState,
    booking: &Booking,
) -> Result<(String, bool), PageError> {
    let Some(id) = &booking.setup_intent_id else {
        return Ok(("not started".to_owned(), false));
    };
    let setup = AnySetupIntent::read(&state.dojo, id).await?;
    let status = setup
        .status()
        .map_or_else(|| "unknown".to_owned(), ToString::to_string);
    let held = setup.status().and_then(|s| s.known()) == Some(&SetupIntentStatus::Authorized);
    Ok((status, held))
}
