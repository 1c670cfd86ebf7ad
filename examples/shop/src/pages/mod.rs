//! The shop's pages, one module per flow; every one uses the ergonomic
//! client (`dojo_payments::Dojo`) only. HTML comes from the templates in
//! `templates/` (askama: checked when the shop is compiled).

pub mod account;
pub mod admin;
pub mod booking;
pub mod cards;
pub mod phone;
pub mod shop;

use askama::Template;
use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

use dojo_payments::Dojo;
use dojo_payments::journal::{Journal, JournalError};
use dojo_payments::types::InvalidValue;
use dojo_payments::webhook::Verifier;
use dojo_payments_sqlx::SqlJournal;

use crate::auth::{Account, Visitor};
use crate::defences::BotCheck;
use crate::store::Db;

/// What every page handler is given.
#[derive(Clone)]
pub struct AppState {
    /// The Dojo client.
    pub dojo: Dojo,
    /// The shop's database.
    pub db: Db,
    /// The journal of captures and refunds, in the same database.
    pub journal: Arc<Journal<SqlJournal>>,
    /// The webhook subscription's secrets.
    pub verifier: Verifier,
    /// Where customers reach the shop: every URL Dojo sends them back to
    /// is built from it (never from the address the shop listens on).
    pub public_url: crate::PublicUrl,
    /// Whether the session cookie is `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Whether a proxy's `X-Forwarded-For` names the client.
    pub trust_proxy: bool,
    /// Where a CAPTCHA decides ([`crate::defences::BotCheck`]).
    pub bot_check: Arc<dyn BotCheck>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Verifier {
        state.verifier.clone()
    }
}

/// Every route of the shop: the pages behind sessions and CSRF checks,
/// the webhook (verified by its signature) beside them, the security
/// headers on everything.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(shop::home))
        .route("/signup", get(account::signup_form).post(account::signup))
        .route("/signin", get(account::signin_form).post(account::signin))
        .route("/signout", post(account::signout))
        .route("/buy/{product}", get(shop::product).post(shop::buy))
        .route("/orders/{id}", get(shop::order))
        .route("/cards", get(cards::list))
        .route("/cards/delete", post(cards::delete))
        .route("/book", get(booking::form).post(booking::book))
        .route("/bookings/{id}", get(booking::show))
        .route("/staff/phone", get(phone::form).post(phone::charge))
        .route("/staff/orders/{id}", get(phone::order))
        .route("/admin", get(admin::index))
        .route("/admin/orders/{id}", get(admin::order))
        .route("/admin/orders/{id}/capture", post(admin::capture))
        .route("/admin/orders/{id}/refund", post(admin::refund))
        .route("/admin/bookings/{id}", get(admin::booking))
        .route("/admin/bookings/{id}/charge", post(admin::charge_fee))
        .route("/admin/bookings/{id}/close", post(admin::close_booking))
        .layer(middleware::from_fn(crate::auth::csrf::layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::session::layer,
        ));
    let router = pages
        .route("/shop.css", get(stylesheet))
        .route("/webhooks/dojo", post(crate::webhook::receive))
        .with_state(state);
    crate::headers::secured(router)
}

/// The one stylesheet: a file, since the policy allows no inline style.
async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../templates/shop.css"),
    )
        .into_response()
}

/// What every page's frame shows: who is signed in, and the session's CSRF
/// token for its forms (the sign-out form included).
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The account signed in.
    pub account: Option<Account>,
    /// The session's CSRF token (empty on a page with no form, for a
    /// visitor who has no session yet).
    pub csrf: String,
}

impl Chrome {
    /// The frame of a page with a form: a session is made if need be.
    pub async fn with_forms(visitor: &Visitor) -> Result<Self, PageError> {
        Ok(Self {
            account: visitor.account().await,
            csrf: visitor.csrf().await?,
        })
    }

    /// The frame of a page without forms (the sign-out form needs the
    /// session a signed-in visitor has).
    pub async fn plain(visitor: &Visitor) -> Self {
        Self {
            account: visitor.account().await,
            csrf: visitor.existing_csrf().await.unwrap_or_default(),
        }
    }

    /// Whether the account signed in is an admin's (the nav shows Admin).
    pub fn admin(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.role.may(crate::auth::Role::Admin))
    }

    /// Whether it is staff's (the nav shows Phone order).
    pub fn staff(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.role.may(crate::auth::Role::Staff))
    }
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
    /// Nothing has this id (or nothing the visitor may see).
    #[error("no {0} with this id")]
    NotFound(&'static str),
    /// The visitor may not do this (a role, a form's token, a bot check).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Too many attempts (card testing, password guessing).
    #[error("{0}")]
    TooMany(String),
    /// A password could not be hashed.
    #[error(transparent)]
    Password(#[from] crate::auth::passwords::HashError),
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
    chrome: Chrome,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // What went wrong inside (the database, a template) is logged, not
        // shown; what Dojo said is shown, since it says whether money moved.
        let message = match &self {
            Self::Database(_) | Self::Render(_) | Self::Password(_) => {
                eprintln!("page error: {self}");
                "the shop could not do this just now: try again".to_owned()
            }
            _ => self.to_string(),
        };
        let chrome = Chrome {
            account: None,
            csrf: String::new(),
        };
        let body = ErrorPage {
            chrome,
            message: &message,
        }
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
