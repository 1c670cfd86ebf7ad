//! Decoding response bodies: what every generated method does with a
//! response, for hand-written calls too.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use dojo_payments_api::api::types::{PaymentIntent, ProblemDetails};
//! use dojo_payments_api::{Error, decode};
//!
//! // A body that is not the promised type is an error that keeps the status
//! // and never prints the body.
//! let answer = http::Response::builder().status(200).body("not json").unwrap();
//! let result = decode::response::<PaymentIntent, ProblemDetails>(answer.into()).await;
//! assert!(matches!(result, Err(Error::InvalidResponsePayload(..))));
//! # }
//! ```

use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use crate::error::{Error, InvalidPayload};

/// Decodes `response`'s JSON body as `T`. Unlike progenitor's own
/// `ResponseValue::from_response`, a failure keeps the status and headers
/// (an empty 401 is still a 401) and the body is kept for redacted display.
pub async fn response<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    // Taken, not cloned: reading the body does not need them.
    let headers = std::mem::take(response.headers_mut());
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    match serde_json::from_slice(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) => Err(Error::InvalidResponsePayload(InvalidPayload::new(
            Some(status),
            headers,
            body,
            &e,
        ))),
    }
}
