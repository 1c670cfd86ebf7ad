//! The shop's pages, one module per flow; every one uses the ergonomic
//! client (`dojo_payments::Dojo`) only. HTML comes from the templates in
//! `templates/` (askama: checked when the shop is compiled).

pub mod admin;
pub mod booking;
pub mod cards;
pub mod phone;
pub mod shop;

use askama::Template;
use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

use dojo_payments::Dojo;
use dojo_payments::journal::{Journal, JournalError};
use dojo_payments::types::InvalidValue;
use dojo_payments::webhook::Verifier;
use dojo_payments_sqlx::SqlJournal;

use crate::store::Db;

/// What every page handler is given.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The Dojo client.
    pub dojo: Dojo,
    /// The shop's database.
    pub db: Db,
    /// The journal of captures and refunds, in the same database.
    pub journal: Arc<Journal<SqlJournal>>,
    /// The webhook subscription's secrets.
    pub verifier: Verifier,
    /// Where the shop is served, for the URLs Dojo sends customers back to.
    pub base_url: String,
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Verifier {
        state.verifier.clone()
    }
}

/// Every route of the shop.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(shop::home))
        .route("/buy/{product}", get(shop::product).post(shop::buy))
        .route("/orders/{id}", get(shop::order))
        .route("/cards", get(cards::list))
        .route("/cards/delete", post(cards::delete))
        .route("/book", get(booking::form).post(booking::book))
        .route("/bookings/{id}", get(booking::show))
        .route("/staff/phone", get(phone::form).post(phone::charge))
        .route("/admin", get(admin::index))
        .route("/admin/orders/{id}", get(admin::order))
        .route("/admin/orders/{id}/capture", post(admin::capture))
        .route("/admin/orders/{id}/refund", post(admin::refund))
        .route("/admin/bookings/{id}", get(admin::booking))
        .route("/admin/bookings/{id}/charge", post(admin::charge_fee))
        .route("/admin/bookings/{id}/close", post(admin::close_booking))
        .route("/webhooks/dojo", post(crate::webhook::receive))
        .with_state(state)
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Dojo refused, or could not be reached; its message says which and
    /// whether money may have moved.
    #[error("Dojo: {0}")]
    Dojo(#[from] dojo_payments::Error),
    /// The database failed.
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    /// The journal refused or failed.
    #[error("the journal: {0}")]
    Journal(#[from] JournalError),
    /// A form field broke a rule.
    #[error("{}: {}", .0.field(), .0.rule())]
    Invalid(#[from] InvalidValue),
    /// Nothing has this id.
    #[error("no {0} with this id")]
    NotFound(&'static str),
    /// Dojo's answer was not what the flow expects.
    #[error("{0}")]
    Unexpected(String),
    /// A template failed to render.
    #[error("rendering the page: {0}")]
    Render(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = self.to_string();
        let body = ErrorPage { message: &message }
            .render()
            .unwrap_or_else(|_| message.clone());
        (status, Html(body)).into_response()
    }
}

/// The result of a page handler.
pub type Page = Result<Response, PageError>;

/// `template`, rendered.
pub fn render(template: &impl Template) -> Page {
    Ok(Html(template.render()?).into_response())
}

/// A 303 to `url` (after a form: the browser follows with a GET).
pub fn see_other(url: &str) -> Page {
    let location = HeaderValue::try_from(url)
        .map_err(|_| PageError::Unexpected(format!("not a URL to redirect to: {url:?}")))?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// `path` with the query `pairs`, encoded.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    match serde_urlencoded::to_string(pairs) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}
