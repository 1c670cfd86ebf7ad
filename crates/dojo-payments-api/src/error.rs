//! The error every generated method returns.

use std::fmt;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::redact;

/// What went wrong with a call, with the HTTP status whenever there was a
/// response.
///
/// It mirrors `progenitor_client::Error` (the generated code is pointed at it
/// by `cargo xtask regen`) with two differences: a body that fails to decode
/// keeps its status ([`Error::InvalidResponsePayload`]), and no variant prints
/// a response body unredacted: bodies can carry a `clientSessionSecret` or a
/// customer secret.
pub enum Error<E = ()> {
    /// The request could not be built (a header value that is not valid, for
    /// instance). Nothing was sent.
    InvalidRequest(String),
    /// The request could not be sent, or no response came: a connection,
    /// TLS or timeout failure. Whether the server acted on it is unknown.
    CommunicationError(reqwest::Error),
    /// A connection upgrade failed (no Dojo operation upgrades).
    InvalidUpgrade(reqwest::Error),
    /// A documented error response, decoded (a problem document).
    ErrorResponse(ResponseValue<E>),
    /// The response's body could not be read to the end.
    ResponseBodyError(reqwest::Error),
    /// A response with a documented status whose body did not decode.
    InvalidResponsePayload(InvalidPayload),
    /// A status the document does not list for this operation.
    UnexpectedResponse(reqwest::Response),
    /// An error raised by a client hook.
    Custom(String),
}

impl<E> Error<E> {
    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::ErrorResponse(response) => Some(response.status()),
            Self::InvalidResponsePayload(payload) => payload.status,
            Self::UnexpectedResponse(response) => Some(response.status()),
            Self::CommunicationError(e) | Self::InvalidUpgrade(e) | Self::ResponseBodyError(e) => {
                e.status()
            }
            Self::InvalidRequest(_) | Self::Custom(_) => None,
        }
    }

    /// Whether the request certainly did not reach Dojo, so that nothing can
    /// have happened: it could not be built, or the connection was never
    /// made. Anything else (a timeout, a dropped connection, any response)
    /// may follow a change on Dojo's side.
    pub fn certainly_not_sent(&self) -> bool {
        match self {
            Self::InvalidRequest(_) => true,
            Self::CommunicationError(e) => e.is_builder() || e.is_connect(),
            _ => false,
        }
    }
}

/// A response body that did not decode as the document says it should.
pub struct InvalidPayload {
    status: Option<StatusCode>,
    headers: HeaderMap,
    body: Bytes,
    reason: String,
}

impl InvalidPayload {
    pub(crate) fn new(
        status: Option<StatusCode>,
        headers: HeaderMap,
        body: Bytes,
        error: &serde_json::Error,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            reason: redact::decode_error(error),
        }
    }

    /// The HTTP status of the response, when known.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Why decoding failed (serde's message, with any quoted value removed).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The body with every secret-bearing field's value replaced; safe to log.
    pub fn redacted_body(&self) -> String {
        redact::body(&self.body)
    }

    /// The body exactly as received. It may hold secrets: do not log it.
    pub fn expose_body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Debug for InvalidPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidPayload")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("body", &self.redacted_body())
            .finish()
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRequest(s) => write!(f, "invalid request: {s}"),
            Self::CommunicationError(e) => write!(f, "communication error: {e}"),
            Self::InvalidUpgrade(e) => write!(f, "invalid upgrade: {e}"),
            Self::ErrorResponse(r) => {
                write!(f, "error response {}: {:?}", r.status(), &**r)
            }
            Self::ResponseBodyError(e) => write!(f, "could not read the response body: {e}"),
            Self::InvalidResponsePayload(p) => match p.status {
                Some(status) => write!(f, "response {status} did not decode: {}", p.reason),
                None => write!(f, "response did not decode: {}", p.reason),
            },
            Self::UnexpectedResponse(r) => write!(f, "unexpected response {}", r.status()),
            Self::Custom(s) => write!(f, "{s}"),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRequest(s) => f.debug_tuple("InvalidRequest").field(s).finish(),
            Self::CommunicationError(e) => f.debug_tuple("CommunicationError").field(e).finish(),
            Self::InvalidUpgrade(e) => f.debug_tuple("InvalidUpgrade").field(e).finish(),
            Self::ErrorResponse(r) => f
                .debug_struct("ErrorResponse")
                .field("status", &r.status())
                .field("body", &**r)
                .finish(),
            Self::ResponseBodyError(e) => f.debug_tuple("ResponseBodyError").field(e).finish(),
            Self::InvalidResponsePayload(p) => {
                f.debug_tuple("InvalidResponsePayload").field(p).finish()
            }
            Self::UnexpectedResponse(r) => f
                .debug_struct("UnexpectedResponse")
                .field("status", &r.status())
                .field("url", &r.url().as_str())
                .finish(),
            Self::Custom(s) => f.debug_tuple("Custom").field(s).finish(),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::CommunicationError(e) | Self::InvalidUpgrade(e) | Self::ResponseBodyError(e) => {
                Some(e)
            }
            _ => None,
        }
    }
}

impl<E> From<progenitor_client::Error<E>> for Error<E> {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(s) => Self::InvalidRequest(s),
            P::CommunicationError(e) => Self::CommunicationError(e),
            P::InvalidUpgrade(e) => Self::InvalidUpgrade(e),
            P::ErrorResponse(r) => Self::ErrorResponse(r),
            P::ResponseBodyError(e) => Self::ResponseBodyError(e),
            P::InvalidResponsePayload(body, e) => {
                Self::InvalidResponsePayload(InvalidPayload::new(None, HeaderMap::new(), body, &e))
            }
            P::UnexpectedResponse(r) => Self::UnexpectedResponse(r),
            P::Custom(s) => Self::Custom(s),
        }
    }
}

impl<E> From<reqwest::Error> for Error<E> {
    fn from(e: reqwest::Error) -> Self {
        Self::CommunicationError(e)
    }
}

impl<E> From<reqwest::header::InvalidHeaderValue> for Error<E> {
    fn from(e: reqwest::header::InvalidHeaderValue) -> Self {
        Self::InvalidRequest(e.to_string())
    }
}

impl<E> From<std::convert::Infallible> for Error<E> {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
