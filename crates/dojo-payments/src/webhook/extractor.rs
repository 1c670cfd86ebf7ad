//! An axum extractor: the raw body verified and decoded, or a refusal
//! (401 for a signature, 400 for a body).

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{Event, SIGNATURE_HEADER, Verifier, WebhookError};

/// A delivery whose signature verified, decoded: take it as a handler's
/// argument, with a [`Verifier`] in the router's state (`FromRef`). The
/// event says which location it belongs to ([`Event::location`]).
///
/// ```no_run
/// use axum::{Router, routing::post};
/// use dojo_payments::webhook::{Verified, Verifier};
///
/// async fn handle(Verified(event): Verified) -> &'static str {
///     println!("{} {}", event.id, event.kind.name());
///     "ok"
/// }
///
/// # fn app(verifier: Verifier) -> Router {
/// Router::new().route("/dojo/webhooks", post(handle)).with_state(verifier)
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Verified(pub Event);

/// Why a delivery was refused, as an HTTP answer: 401 for the signature,
/// 400 for the body. Dojo retries either; neither echoes anything.
#[derive(Debug)]
pub struct Rejection(pub WebhookError);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = match self.0 {
            WebhookError::MissingSignature
            | WebhookError::MalformedSignature
            | WebhookError::SignatureMismatch
            | WebhookError::WrongAccount => StatusCode::UNAUTHORIZED,
            WebhookError::MalformedBody { .. } => StatusCode::BAD_REQUEST,
        };
        (status, self.0.to_string()).into_response()
    }
}

impl<S> FromRequest<S> for Verified
where
    S: Send + Sync,
    Verifier: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Rejection> {
        let verifier = Verifier::from_ref(state);
        let signature = request
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = Bytes::from_request(request, state).await.map_err(|_| {
            Rejection(WebhookError::MalformedBody {
                reason: "the body could not be read".into(),
            })
        })?;
        let event = verifier
            .verify(signature.as_deref(), &body)
            .map_err(Rejection)?;
        Ok(Verified(event))
    }
}
