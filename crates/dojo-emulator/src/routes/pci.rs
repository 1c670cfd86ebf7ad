//! The PCI host: `POST /setup-intents` with card data, authorized at once.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use dojo_api::api::types;
use dojo_api::pci::types::CreateTokenizedSetupIntentRequest;

use super::{AppState, Valid};
use crate::App;
use crate::cards::Card;
use crate::problem::Answer;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/setup-intents", post(create))
}

async fn create(
    State(app): AppState,
    Valid(request): Valid<CreateTokenizedSetupIntentRequest>,
) -> Answer<Json<types::SetupIntentResponse>> {
    let card = Card {
        number: request.card_details.card_number.clone(),
        expiry: request.card_details.expiry_date,
    };
    let api_request = types::CreateSetupIntentRequest {
        reference: request.reference,
        description: request.description,
        customer: request.customer,
        capture_mode: None,
        payment_methods: request.payment_methods,
        billing_address: request.billing_address,
        shipping_details: request.shipping_details,
        config: request.config,
        metadata: request.metadata,
        intended_amount: request.intended_amount,
        merchant_initiated_transaction_type: request.merchant_initiated_transaction_type,
        terms: request.terms,
        order_details: request.order_details,
        expire_at: request.expire_at,
    };
    let record = app.commit(|store, now| {
        let id = super::setup_intents::insert(store, now, api_request, "pci")?;
        crate::checkout::authorize(store, now, &id, card)?;
        Ok(store.setup_intent(&id)?.clone())
    })?;
    Ok(Json(record.render()))
}
