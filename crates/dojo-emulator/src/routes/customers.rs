//! `/customers…`: customers, their secrets and saved cards.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use dojo_api::api::types;

use super::{AppState, Valid, customer_secret};
use crate::App;
use crate::problem::{Answer, Problem};
use crate::store::customer::CustomerRecord;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/customers", post(create))
        .route("/customers/search", post(search))
        .route(
            "/customers/{customerId}",
            get(read).patch(update).delete(remove),
        )
        .route("/customers/{customerId}/create-secret", post(create_secret))
        .route(
            "/customers/public/{customerId}/payment-methods",
            get(payment_methods),
        )
        .route(
            "/customers/public/{customerId}/payment-methods/{paymentMethodId}",
            delete(delete_payment_method),
        )
}

async fn create(
    State(app): AppState,
    Valid(details): Valid<types::CreateCustomerRequest>,
) -> Answer<Json<types::CustomerFull>> {
    let record = app.commit(|store, now| {
        let record = CustomerRecord {
            id: store.ids.id("cust"),
            details,
            created_at: now,
            updated_at: now,
            version: 1,
            saved_cards: Vec::new(),
            secrets: Vec::new(),
        };
        store.customers.insert(record.id.clone(), record.clone());
        Ok(record)
    })?;
    Ok(Json(record.render()))
}

/// `GET /customers/{id}` answers with an array of one, as documented.
async fn read(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<Vec<types::CustomerFull>>> {
    let record = app.commit(|store, _| Ok(store.customer(&id)?.clone()))?;
    Ok(Json(vec![record.render()]))
}

async fn update(
    State(app): AppState,
    Path(id): Path<String>,
    Valid(update): Valid<types::UpdateCustomerRequest>,
) -> Answer<Json<types::CustomerFull>> {
    let record = app.commit(|store, now| {
        let customer = store.customer(&id)?;
        let d = &mut customer.details;
        d.name = update.name.or(d.name.take());
        d.email_address = update.email_address.or(d.email_address.take());
        d.phone_number = update.phone_number.or(d.phone_number.take());
        d.vat_number = update.vat_number.or(d.vat_number.take());
        d.billing_address = update.billing_address.or(d.billing_address.take());
        d.shipping_address = update.shipping_address.or(d.shipping_address.take());
        customer.updated_at = now;
        customer.version += 1;
        Ok(customer.clone())
    })?;
    Ok(Json(record.render()))
}

async fn remove(State(app): AppState, Path(id): Path<String>) -> Answer<StatusCode> {
    app.commit(|store, _| {
        store
            .customers
            .remove(&id)
            .ok_or_else(|| Problem::not_found("customer", &id))
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_secret(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::CustomerSecret>> {
    let secret = app.commit(|store, now| {
        let value = format!("cs_sandbox_{}", store.ids.token(24));
        Ok(store.customer(&id)?.issue_secret(value, now))
    })?;
    Ok(Json(secret))
}

/// The customer `id`, if the call's secret is one of theirs and unexpired.
fn authorized(app: &App, id: &str, headers: &HeaderMap) -> Answer<CustomerRecord> {
    let secret = customer_secret(headers);
    app.commit(|store, now| {
        let customer = store.customer(id)?;
        if !customer.accepts(&secret, now) {
            return Err(Problem::unauthorized(
                "the customer secret is expired or belongs to another customer",
            ));
        }
        Ok(customer.clone())
    })
}

async fn payment_methods(
    State(app): AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer<Json<types::CustomerPaymentMethods>> {
    Ok(Json(
        authorized(&app, &id, &headers)?.render_payment_methods(),
    ))
}

async fn delete_payment_method(
    State(app): AppState,
    Path((id, method)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer<StatusCode> {
    authorized(&app, &id, &headers)?;
    app.commit(|store, _| {
        let cards = &mut store.customer(&id)?.saved_cards;
        let before = cards.len();
        cards.retain(|c| c.id != method);
        if cards.len() == before {
            return Err(Problem::not_found("saved payment method", &method));
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn search(
    State(app): AppState,
    Valid(request): Valid<types::SearchCustomerRequest>,
) -> Answer<Json<types::PagedResultOfCustomer>> {
    let limit = request.limit.clamp(1, 1000) as usize;
    let (page, more) = app.commit(|store, _| {
        let matching: Vec<CustomerRecord> = store
            .customers
            .values()
            .filter(|c| request.after.as_ref().is_none_or(|a| &c.id > a))
            .cloned()
            .collect();
        let more = matching.len() > limit;
        Ok((matching.into_iter().take(limit).collect::<Vec<_>>(), more))
    })?;
    Ok(Json(types::PagedResultOfCustomer {
        after: more.then(|| page.last().map(|c| c.id.clone())).flatten(),
        data: Some(page.iter().map(CustomerRecord::render).collect()),
        ..Default::default()
    }))
}
