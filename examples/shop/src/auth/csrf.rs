//! CSRF: every request that may change something (any method but `GET`
//! and `HEAD`) must carry, as its form's `csrf` field, the token of the
//! visitor's session; otherwise it is refused with a 403 before any page
//! sees it. A page on another site cannot read the token, so it cannot
//! make a signed-in browser post a form here. (Dojo's webhook is outside
//! this layer: it is verified by its signature.)

use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::Visitor;
use crate::pages::PageError;

/// The largest form read (a phone order is well under 1 KiB).
const MAX_FORM: usize = 64 * 1024;

/// Middleware: refuses a state-changing request whose `csrf` field is not
/// its session's token.
pub async fn layer(visitor: Visitor, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return PageError::Forbidden("the form is too large").into_response();
    };
    let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|fields| fields.into_iter().find(|(name, _)| name == "csrf"))
        .map(|(_, value)| value);
    let expected = visitor.existing_csrf().await;
    let valid = match (sent, expected) {
        (Some(sent), Some(expected)) => bool::from(sent.as_bytes().ct_eq(expected.as_bytes())),
        _ => false,
    };
    if !valid {
        return PageError::Forbidden(
            "this form has expired or did not come from this shop: reload the page and send it again",
        )
        .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
