//! Failures as Dojo writes them: RFC 7807 problem documents with an
//! `errors` map and a `traceId`.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::refusal::{Action, Refusal};

/// A problem document (boxed: handlers return it by value in `Result`).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Problem(Box<Body>);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(rename = "type")]
    type_: &'static str,
    title: String,
    status: u16,
    detail: String,
    errors: BTreeMap<String, Vec<String>>,

    trace_id: String,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl Problem {
    /// A problem with `status` and a one-line `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self(Box::new(Body {
            type_: type_for(status),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: BTreeMap::new(),
            trace_id: trace_id(),
            retry_after: None,
        }))
    }

    /// 400 with field errors, as Dojo's validation answers
    /// (`{"errors": {"Reference": ["The Reference field is required."]}}`).
    pub fn validation(errors: BTreeMap<String, Vec<String>>) -> Self {
        let mut problem = Self::new(StatusCode::BAD_REQUEST, "");
        problem.0.title = "One or more validation errors occurred.".to_owned();
        problem.0.detail = "See errors.".to_owned();
        problem.0.errors = errors;
        problem
    }

    /// 400 naming one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// 404 for the resource `what` with `id`.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} {id} was not found"))
    }

    /// 400: the request is well-formed but not allowed now.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// The same problem, telling the client when to retry.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.0.retry_after = Some(seconds);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

fn type_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        401 => "https://tools.ietf.org/html/rfc7235#section-3.1",
        403 => "https://tools.ietf.org/html/rfc7231#section-6.5.3",
        404 => "https://tools.ietf.org/html/rfc7231#section-6.5.4",
        405 => "https://tools.ietf.org/html/rfc7231#section-6.5.5",
        422 => "https://tools.ietf.org/html/rfc4918#section-11.2",
        409 => "https://tools.ietf.org/html/rfc7231#section-6.5.8",
        _ => "https://tools.ietf.org/html/rfc7231#section-6.6.1",
    }
}

/// A W3C trace-context id like the ones Dojo returns.
fn trace_id() -> String {
    format!(
        "00-{:032x}-{:016x}-01",
        fastrand::u128(..),
        fastrand::u64(..)
    )
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.0.retry_after;
        // The document declares its error bodies `application/json`; the
        // emulator answers as the document says (the SDK reads both).
        let mut response = (status, axum::Json(self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The store's refusals as Dojo answers them, with the status the
/// document lists for the operation refused.
impl From<Refusal> for Problem {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound { what, id } => Self::not_found(what, &id),
            Refusal::Field { field, message } => Self::field(&field, message),
            Refusal::NotConfigured { detail } => Self::new(StatusCode::METHOD_NOT_ALLOWED, detail),
            Refusal::State { action, detail } => Self::new(state_status(action), detail),
        }
    }
}

/// The status for "not in this state": what the document lists for each
/// operation (409 for captures, reversals and subscriptions, 403 for
/// charges, 422 for terminal sessions), 400 elsewhere.
fn state_status(action: Action) -> StatusCode {
    match action {
        Action::Capture | Action::Reverse | Action::Subscribe => StatusCode::CONFLICT,
        Action::Charge => StatusCode::FORBIDDEN,
        Action::UpdateTerminalSession => StatusCode::UNPROCESSABLE_ENTITY,
        Action::Pay
        | Action::Cancel
        | Action::Refund
        | Action::ChangeAmount
        | Action::Authorize
        | Action::Delete
        | Action::Expire => StatusCode::BAD_REQUEST,
    }
}

/// What every handler returns.
pub type Answer<T> = Result<T, Problem>;
