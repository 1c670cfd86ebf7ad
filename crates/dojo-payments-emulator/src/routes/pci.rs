//! The PCI host: `POST /setup-intents` with card data, authorized at once.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use dojo_payments_api::api::types;
use dojo_payments_api::pci::types::CreateTokenizedSetupIntentRequest;

use super::{AppState, Served, Valid};
use crate::accounts::Caller;
use crate::cards::Card;
use crate::problem::Answer;
use crate::store::refusal::Refusal;
use crate::store::setup_intent::Source;

pub fn routes() -> Served {
    Served::new().at(Method::POST, "/setup-intents", create)
}

async fn create(
    State(app): AppState,
    caller: Caller,
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
    let record = app.commit_as(&caller, |store, now| {
        let id = store.create_setup_intent(api_request, Source::Pci, now)?.id;
        store.authorize(id.as_str(), card, now)?;
        Ok::<_, Refusal>(store.find_setup_intent(id.as_str())?.clone())
    })?;
    Ok(Json(record.render()))
}
