//! Admin: every order and booking; capture a manual order in parts, refund
//! part of a captured one, charge or close a booking's card, and each
//! order's history of webhook events. (A real shop puts this behind a
//! sign-in; the sample does not.)

use askama::Template;
use axum::extract::{Path, Query, State};
use dojo_payments::lifecycle::{AnyPaymentIntent, AnySetupIntent};
use dojo_payments::types::{Money, PaymentIntentId};
use serde::Deserialize;

use super::booking::setup_status;
use super::{AppState, Page, PageError, render, see_other, with_query};
use crate::order::{Order, OrderKind};
use crate::store::{Booking, EventRecord, NewOrder, RefundRecord};

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    orders: Vec<Order>,
    bookings: Vec<Booking>,
}

/// `GET /admin`.
pub async fn index(State(state): State<AppState>) -> Page {
    render(&AdminPage {
        orders: state.db.orders().await?,
        bookings: state.db.bookings().await?,
    })
}

/// What a redirect after an admin action says: `notice` or `error`.
#[derive(Debug, Default, Deserialize)]
pub struct Said {
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_order.html")]
struct OrderPage {
    order: Order,
    events: Vec<EventRecord>,
    refunds: Vec<RefundRecord>,
    said: Said,
}

impl OrderPage {
    /// Waiting for Dojo's webhook: the page refreshes itself.
    fn pending(&self) -> bool {
        self.order.status == crate::order::OrderStatus::Pending
    }
}

/// `GET /admin/orders/{id}`.
pub async fn order(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(said): Query<Said>,
) -> Page {
    let order = find_order(&state, &id).await?;
    render(&OrderPage {
        events: state.db.events(&id).await?,
        refunds: state.db.refunds(&id).await?,
        order,
        said,
    })
}

/// An amount the admin typed.
#[derive(Debug, Deserialize)]
pub struct AmountForm {
    amount: String,
}

/// `POST /admin/orders/{id}/capture`: captures part (or the rest) of a
/// manual order. The order itself moves when Dojo's webhook arrives.
pub async fn capture(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AmountForm>,
) -> Page {
    let order = find_order(&state, &id).await?;
    let amount = Money::parse_decimal(form.amount.trim(), order.currency())
        .map_err(|e| e.in_field("amount"))?;
    let intent = AnyPaymentIntent::read(&state.dojo, intent_of(&order)?).await?;
    let captured = match intent {
        AnyPaymentIntent::Authorized(p) => p.capture(&state.dojo, amount).await,
        AnyPaymentIntent::Captured(p) => p.capture(&state.dojo, amount).await,
        other => {
            return back(
                &id,
                Err(format!(
                    "cannot capture: the payment is {:?}",
                    other.status()
                )),
            );
        }
    };
    back(
        &id,
        captured
            .map(|_| format!("Captured {amount}."))
            .map_err(|e| e.to_string()),
    )
}

/// `POST /admin/orders/{id}/refund`: refunds part of a captured order.
/// The idempotency key is stored with the order before the call; if the
/// call fails without an answer, the admin's retry sends the same key, so
/// Dojo refunds once however often it is clicked.
pub async fn refund(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AmountForm>,
) -> Page {
    let order = find_order(&state, &id).await?;
    let amount = Money::parse_decimal(form.amount.trim(), order.currency())
        .map_err(|e| e.in_field("amount"))?;
    let key = state.db.refund_key(&id, amount).await?;
    let sent = state
        .dojo
        .payment_intents()
        .refund(intent_of(&order)?, amount)
        .idempotency_key(key.clone())
        .reason("Refunded by the shop's admin")
        .send()
        .await;
    let said = match sent {
        Ok(made) => {
            if let Some(refund) = &made.refund.refund_id {
                state.db.refund_made(&key, refund).await?;
            }
            Ok(format!("Refunded {amount}."))
        }
        Err(error) => Err(format!("{error} (retrying sends the same idempotency key)")),
    };
    back(&id, said)
}

#[derive(Template)]
#[template(path = "admin_booking.html")]
struct BookingPage {
    booking: Booking,
    status: String,
    held: bool,
    said: Said,
}

/// `GET /admin/bookings/{id}`.
pub async fn booking(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(said): Query<Said>,
) -> Page {
    let booking = find_booking(&state, &id).await?;
    let (status, held) = setup_status(&state, &booking).await?;
    render(&BookingPage {
        booking,
        status,
        held,
        said,
    })
}

/// `POST /admin/bookings/{id}/charge`: charges the no-show fee to the held
/// card, once (the typed setup intent's `charge` consumes it).
pub async fn charge_fee(State(state): State<AppState>, Path(id): Path<String>) -> Page {
    let booking = find_booking(&state, &id).await?;
    let setup = read_setup(&state, &booking).await?;
    let AnySetupIntent::Authorized(setup) = setup else {
        return booking_back(
            &id,
            Err(format!(
                "no card is held: the setup intent is {:?}",
                setup.status()
            )),
        );
    };
    // Dojo's charge reuses the setup intent's reference (the booking id),
    // by which the webhook finds this order.
    let order = state
        .db
        .insert_order(&NewOrder {
            kind: OrderKind::NoShowFee,
            reference: Some(&booking.id),
            email: &booking.email,
            description: "No-show fee",
            amount: booking.fee,
            manual_capture: false,
        })
        .await?;
    state.db.attach_fee_order(&booking.id, &order.id).await?;
    let charged = setup.charge(&state.dojo).await?;
    state
        .db
        .attach_intent(&order.id, charged.payment.id())
        .await?;
    see_other(&format!("/admin/orders/{}", order.id))
}

/// `POST /admin/bookings/{id}/close`: releases the held card.
pub async fn close_booking(State(state): State<AppState>, Path(id): Path<String>) -> Page {
    let booking = find_booking(&state, &id).await?;
    let said = match read_setup(&state, &booking).await? {
        AnySetupIntent::Authorized(setup) => setup
            .close(&state.dojo)
            .await
            .map(|_| "Closed: the card is released.".to_owned())
            .map_err(|e| e.to_string()),
        other => Err(format!(
            "no card is held: the setup intent is {:?}",
            other.status()
        )),
    };
    booking_back(&id, said)
}

async fn find_order(state: &AppState, id: &str) -> Result<Order, PageError> {
    state
        .db
        .order(id)
        .await?
        .ok_or(PageError::NotFound("order"))
}

async fn find_booking(state: &AppState, id: &str) -> Result<Booking, PageError> {
    state
        .db
        .booking(id)
        .await?
        .ok_or(PageError::NotFound("booking"))
}

async fn read_setup(state: &AppState, booking: &Booking) -> Result<AnySetupIntent, PageError> {
    let id = booking
        .setup_intent_id
        .as_ref()
        .ok_or(PageError::Unexpected(
            "the booking has no setup intent yet".into(),
        ))?;
    Ok(AnySetupIntent::read(&state.dojo, id).await?)
}

fn intent_of(order: &Order) -> Result<&PaymentIntentId, PageError> {
    order
        .payment_intent_id
        .as_ref()
        .ok_or(PageError::Unexpected(
            "the order has no payment intent yet".into(),
        ))
}

/// Back to the order's admin page, saying how the action went.
fn back(id: &str, said: Result<String, String>) -> Page {
    see_other(&with_query(
        &format!("/admin/orders/{id}"),
        &said_pairs(&said),
    ))
}

fn booking_back(id: &str, said: Result<String, String>) -> Page {
    see_other(&with_query(
        &format!("/admin/bookings/{id}"),
        &said_pairs(&said),
    ))
}

fn said_pairs(said: &Result<String, String>) -> [(&'static str, &str); 1] {
    match said {
        Ok(notice) => [("notice", notice)],
        Err(error) => [("error", error)],
    }
}
