//! `/customers…`: customers, their secrets and saved cards.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use dojo_payments_api::api::types;

use super::{AppState, PathParam, Served, Valid, customer_secret};
use crate::accounts::Caller;
use crate::app::App;
use crate::problem::{Answer, Problem};
use crate::store::customer::CustomerRecord;
use crate::store::refusal::Refusal;

pub fn routes() -> Served {
    Served::new()
        .at(Method::POST, "/customers", create)
        .at(Method::POST, "/customers/search", search)
        .at(Method::GET, "/customers/{customerId}", read)
        .at(Method::PATCH, "/customers/{customerId}", update)
        .at(Method::DELETE, "/customers/{customerId}", remove)
        .at(
            Method::POST,
            "/customers/{customerId}/create-secret",
            create_secret,
        )
        .at(
            Method::GET,
            "/customers/public/{customerId}/payment-methods",
            payment_methods,
        )
        .at(
            Method::DELETE,
            "/customers/public/{customerId}/payment-methods/{paymentMethodId}",
            delete_payment_method,
        )
}

async fn create(
    State(app): AppState,
    caller: Caller,
    Valid(details): Valid<types::CreateCustomerRequest>,
) -> Answer<Json<types::CustomerFull>> {
    let record = app.commit_as(&caller, |store, now| {
        let record = CustomerRecord::new(store.ids.issue(), details, now);
        let id = record.id.clone();
        store.insert_customer(record);
        store.find_customer(id.as_str()).cloned()
    })?;
    Ok(Json(record.render()))
}

/// `GET /customers/{id}` answers with an array of one, as documented.
async fn read(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<Vec<types::CustomerFull>>> {
    let record = app.commit_as(&caller, |store, _| store.customer(&id).cloned())?;
    Ok(Json(vec![record.render()]))
}

async fn update(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    Valid(update): Valid<types::UpdateCustomerRequest>,
) -> Answer<Json<types::CustomerFull>> {
    let record = app.commit_as(&caller, |store, now| {
        let customer = store.customer(&id)?;
        customer.update(update, now);
        Ok::<_, Refusal>(customer.clone())
    })?;
    Ok(Json(record.render()))
}

async fn remove(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<StatusCode> {
    app.commit_as(&caller, |store, _| store.remove_customer(&id))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_secret(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::CustomerSecret>> {
    let secret = app.commit_as(&caller, |store, now| {
        let value = format!("cs_sandbox_{}", store.ids.token(24));
        Ok::<_, Refusal>(store.customer(&id)?.issue_secret(value, now))
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
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
) -> Answer<Json<types::CustomerPaymentMethods>> {
    Ok(Json(
        authorized(&app, &id, &headers)?.render_payment_methods(),
    ))
}

async fn delete_payment_method(
    State(app): AppState,
    PathParam((id, method)): PathParam<(String, String)>,
    headers: HeaderMap,
) -> Answer<StatusCode> {
    authorized(&app, &id, &headers)?;
    app.commit(|store, _| {
        let cards = &mut store.customer(&id)?.saved_cards;
        let before = cards.len();
        cards.retain(|c| c.id.as_str() != method);
        if cards.len() == before {
            return Err(Refusal::not_found("saved payment method", &method));
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn search(
    State(app): AppState,
    caller: Caller,
    Valid(request): Valid<types::SearchCustomerRequest>,
) -> Answer<Json<types::PagedResultOfCustomer>> {
    // `validate()` has held the limit to the document's range.
    let limit = request.limit.max(1) as usize;
    let (page, more) = app.read_as(&caller, |store| {
        let mut matching = store.customers().filter(|c| {
            request
                .after
                .as_ref()
                .is_none_or(|a| c.id.as_str() > a.as_str())
        });
        let page: Vec<CustomerRecord> = matching.by_ref().take(limit).cloned().collect();
        (page, matching.next().is_some())
    });
    Ok(Json(types::PagedResultOfCustomer {
        after: more
            .then(|| page.last().map(|c| c.id.to_string()))
            .flatten(),
        data: Some(page.iter().map(CustomerRecord::render).collect()),
        ..Default::default()
    }))
}
