//! Dojo's webhooks: the only way an order's payment state changes.
//!
//! The axum extractor verifies the signature before anything is read. The
//! event says *which* payment intent changed; what it now is, is read from
//! Dojo, so that an event arriving late or twice never moves an order back
//! (and the order's amounts only grow). The event id and the change are
//! written in one transaction: each event is applied once.

use axum::extract::State;
use axum::http::StatusCode;
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::webhook::{EventKind, Verified};

use crate::order::OrderStatus;
use crate::pages::{AppState, PageError};

/// `POST /webhooks/dojo`. An error answers 500, so Dojo delivers again.
pub async fn receive(
    State(state): State<AppState>,
    Verified(event): Verified,
) -> Result<StatusCode, PageError> {
    let change = match &event.kind {
        EventKind::PaymentIntentCreated(change) | EventKind::PaymentIntentStatusUpdated(change) => {
            change
        }
        _ => return Ok(StatusCode::OK), // not subscribed to; nothing to apply
    };
    let intent = AnyPaymentIntent::read(&state.dojo, &change.payment_intent_id).await?;
    let mut order = state.db.order_by_intent(&change.payment_intent_id).await?;
    if order.is_none() {
        // The event can beat the page that made the intent to linking it
        // (a charge's events arrive while `charge` is awaited): the
        // intent's reference names the order.
        if let Some(reference) = &intent.data().reference {
            order = state.db.order_by_reference(reference).await?;
            if let Some(found) = order.as_ref().filter(|o| o.payment_intent_id.is_none()) {
                state
                    .db
                    .attach_intent(&found.id, &change.payment_intent_id)
                    .await?;
            }
        }
    }
    let status = intent
        .status()
        .and_then(|s| s.known())
        .and_then(OrderStatus::of);
    // `AlreadyApplied` (a redelivery) is acknowledged like a first delivery:
    // it changed nothing.
    state
        .db
        .apply_event(
            &event.id,
            order.as_ref().map(|o| o.id.as_str()),
            event.kind.name(),
            status,
            &change.status.to_string(),
            intent.settled(),
        )
        .await?;
    Ok(StatusCode::OK)
}
