//! What every generated call does around sending: credentials, the pinned
//! version, the user agent, and a tracing span.
//!
//! The generated clients carry a [`Context`] and require this
//! `ClientHooks` impl (`cargo xtask regen` sets progenitor's inner type and
//! `HooksMode::Expected`). Putting the headers here rather than in a
//! reqwest client's default headers lets one reqwest client, one connection
//! pool, serve both hosts, whose pinned versions differ.

use std::time::{Duration, Instant};

use dojo_payments_types::ApiKey;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue, USER_AGENT};

use crate::{api, pci};

const VERSION: HeaderName = HeaderName::from_static("version");

/// What a generated client adds to each request it sends.
#[derive(Clone, Debug)]
pub struct Context {
    authorization: Option<HeaderValue>,
    user_agent: HeaderValue,
    request_timeout: Option<Duration>,
    refusal: Option<&'static str>,
}

impl Context {
    /// Sends `key` (if any) as `Authorization: Basic <key>`, verbatim: Dojo
    /// does not base64-encode it, unlike RFC 7617. The value is marked
    /// sensitive so that reqwest and hyper never print it.
    pub fn new(key: Option<&ApiKey>) -> Self {
        let authorization = key.and_then(|key| {
            // ApiKey::new refuses whitespace and control characters, so the
            // value is always a valid header; `ok()` keeps this panic-free.
            let mut value = HeaderValue::try_from(format!("Basic {}", key.expose())).ok()?;
            value.set_sensitive(true);
            Some(value)
        });
        Self {
            authorization,
            user_agent: HeaderValue::from_static(crate::USER_AGENT),
            request_timeout: None,
            refusal: None,
        }
    }

    /// A context whose every request is refused before it is sent
    /// (`Error::InvalidRequest(reason)`): the clients of a location that is
    /// not configured. A call that picked them up when its location was
    /// removed must fail as unsent, whatever changed since, and never go
    /// out without a key.
    pub fn refusing(reason: &'static str) -> Self {
        Self {
            refusal: Some(reason),
            ..Self::new(None)
        }
    }

    /// The same, with each request that has no timeout of its own abandoned
    /// after `timeout` (its response body included), whatever the reqwest
    /// client's own setting: a bound for one client's calls only, when
    /// several share a connection pool.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The same, with `suffix` after the SDK's user agent
    /// (`dojo-rust-sdk/0.1.0 my-shop/2.3`). A suffix that is not a valid
    /// header value is ignored.
    pub fn with_user_agent_suffix(mut self, suffix: &str) -> Self {
        if let Ok(value) = HeaderValue::try_from(format!("{} {suffix}", crate::USER_AGENT)) {
            self.user_agent = value;
        }
        self
    }

    fn apply(&self, request: &mut reqwest::Request, version: &'static str) {
        let headers = request.headers_mut();
        // A call that brings its own credential (a customer secret) keeps it.
        if let (Some(key), false) = (&self.authorization, headers.contains_key(AUTHORIZATION)) {
            headers.insert(AUTHORIZATION, key.clone());
        }
        headers.insert(VERSION, HeaderValue::from_static(version));
        headers.insert(USER_AGENT, self.user_agent.clone());
        if let (Some(timeout), None) = (self.request_timeout, request.timeout()) {
            *request.timeout_mut() = Some(timeout);
        }
    }
}

/// Sends `request` inside a `dojo.http` span: operation, method, host,
/// status, latency and Dojo's trace id (never a header value or a body).
async fn exec_traced(
    http: &reqwest::Client,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    use tracing::Instrument;
    let span = tracing::debug_span!(
        "dojo.http",
        operation = info.operation_id,
        method = %request.method(),
        host = request.url().host_str().unwrap_or_default(),
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        trace_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = http.execute(request).instrument(span.clone()).await;
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    match &result {
        Ok(response) => {
            span.record("status", response.status().as_u16());
            if let Some(id) = trace_id(response) {
                span.record("trace_id", id);
            }
            tracing::debug!(parent: &span, status = response.status().as_u16(), "response");
        }
        Err(error) => {
            tracing::debug!(parent: &span, connect = error.is_connect(), timeout = error.is_timeout(), "no response");
        }
    }
    result
}

/// The headers that may carry Dojo's trace id, in order of preference.
/// Built once: looking a header up by `&str` parses the name on every call.
const TRACE_ID_HEADERS: [HeaderName; 3] = [
    HeaderName::from_static("traceparent"),
    HeaderName::from_static("x-trace-id"),
    HeaderName::from_static("trace-id"),
];

/// Dojo's trace id for the call, when a response header carries one.
fn trace_id(response: &reqwest::Response) -> Option<&str> {
    TRACE_ID_HEADERS
        .iter()
        .find_map(|name| response.headers().get(name)?.to_str().ok())
}

macro_rules! hooks {
    ($client:ty) => {
        impl ClientHooks<Context> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _: &OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                if let Some(reason) = self.inner().refusal {
                    return Err(progenitor_client::Error::InvalidRequest(reason.to_owned()));
                }
                self.inner()
                    .apply(request, <Self as ClientInfo<Context>>::api_version());
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                exec_traced(self.client(), request, info).await
            }
        }
    };
}

hooks!(api::Client);
hooks!(pci::Client);

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> reqwest::Request {
        reqwest::Request::new(
            reqwest::Method::GET,
            "http://127.0.0.1:9/payment-intents/pi_1".parse().unwrap(),
        )
    }

    #[test]
    fn a_request_timeout_bounds_requests_that_have_none_of_their_own() {
        let bounded = Context::new(None).with_request_timeout(Duration::from_secs(61));
        let mut plain = request();
        bounded.apply(&mut plain, "2026-02-27");
        assert_eq!(plain.timeout(), Some(&Duration::from_secs(61)));

        let mut own = request();
        *own.timeout_mut() = Some(Duration::from_secs(5));
        bounded.apply(&mut own, "2026-02-27");
        assert_eq!(own.timeout(), Some(&Duration::from_secs(5)));

        let mut unbounded = request();
        Context::new(None).apply(&mut unbounded, "2026-02-27");
        assert_eq!(unbounded.timeout(), None);
    }
}
