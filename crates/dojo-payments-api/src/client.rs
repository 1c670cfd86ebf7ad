//! Building clients: credentials, TLS, timeouts, one pool for both hosts.

use std::time::Duration;

use dojo_payments_types::{ApiKey, CustomerSecret};
use progenitor_client::ClientInfo;
use reqwest::header::HeaderValue;

use crate::tls::{self, HttpClientError};
use crate::{Context, api, pci};

/// Dojo's API host, for sandbox and production keys alike.
pub const API_BASE_URL: &str = "https://api.dojo.tech";

/// Dojo's PCI host: only the creation of a setup intent with card data.
pub const PCI_BASE_URL: &str = "https://pci-api.dojo.tech";

/// Dojo's hosted checkout: `{CHECKOUT_BASE_URL}/checkout/{intent id}`.
pub const CHECKOUT_BASE_URL: &str = "https://pay.dojo.tech";

/// Where Dojo's three hosts are, as one value: the API, the PCI host and
/// the hosted checkout. Dojo's own by default; an emulator hands out its
/// own (`dojo_payments_emulator::Emulator::endpoints`), as a proxy would.
///
/// ```
/// let dojo = dojo_payments_api::Endpoints::default();
/// assert_eq!(dojo.api, "https://api.dojo.tech");
/// assert_eq!(dojo.checkout, "https://pay.dojo.tech");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The API host (`https://api.dojo.tech`).
    pub api: String,
    /// The PCI host (`https://pci-api.dojo.tech`).
    pub pci: String,
    /// The hosted checkout (`https://pay.dojo.tech`).
    pub checkout: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            api: API_BASE_URL.to_owned(),
            pci: PCI_BASE_URL.to_owned(),
            checkout: CHECKOUT_BASE_URL.to_owned(),
        }
    }
}

/// The `User-Agent` every call sends: this SDK and its version.
pub const USER_AGENT: &str = concat!("dojo-rust-sdk/", env!("CARGO_PKG_VERSION"));

/// What precedes the customer secret in the `Authorization` header of the
/// customer-owned endpoints (the header's length, which the document
/// limits, counts it).
pub(crate) const CUSTOMER_SECRET_SCHEME: &str = "Basic ";

/// The `Authorization` header of the customer-owned endpoints
/// (`/customers/public/…`): `Basic cs_…`, the secret verbatim, marked
/// sensitive. The generated methods take a `&CustomerSecret` and call this
/// (`cargo xtask regen` points them here); it replaces the API key on that
/// call.
pub(crate) fn customer_secret_header(
    secret: &CustomerSecret,
) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut value = HeaderValue::try_from(format!("{CUSTOMER_SECRET_SCHEME}{}", secret.expose()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// How long connecting to Dojo may take, unless configured otherwise: here
/// and in the `dojo-payments` client's builder.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request of [`http_client`] may take, its response body
/// included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A reqwest client as the SDK configures one: the TLS stack the crate's
/// features select ([`crate::tls`]), a connect timeout of
/// [`CONNECT_TIMEOUT`] and an overall timeout of [`REQUEST_TIMEOUT`].
/// Credentials and the version are not in it (they are added per request),
/// so one such client can serve both hosts.
pub fn http_client() -> Result<reqwest::Client, HttpClientError> {
    http_client_with(CONNECT_TIMEOUT, Some(REQUEST_TIMEOUT))
}

/// The same, connecting within `connect` and with each request (its
/// response body included) bounded by `total`; by nothing when `total` is
/// `None`, for a caller that bounds its calls itself (each bound is a timer
/// armed per request).
pub fn http_client_with(
    connect: Duration,
    total: Option<Duration>,
) -> Result<reqwest::Client, HttpClientError> {
    let builder = http_client_builder()?.connect_timeout(connect);
    Ok(match total {
        Some(total) => builder.timeout(total),
        None => builder,
    }
    .build()?)
}

/// A reqwest builder with the selected TLS stack already set and nothing
/// else: for a `reqwest::Client` of your own in a binary that uses the
/// SDK (see [`crate::tls`] for why a bare `reqwest::Client::new()` may
/// need a process-wide crypto provider there).
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, HttpClientError> {
    tls::configure(reqwest::Client::builder())
}

macro_rules! constructors {
    ($client:ty, $default_base:expr, $host:literal) => {
        impl $client {
            #[doc = concat!("A client of ", $host, " that authenticates with `key`.")]
            pub fn from_key(key: &ApiKey) -> Result<Self, HttpClientError> {
                Self::from_key_at($default_base, key)
            }

            /// The same, at another base URL (an emulator, a proxy).
            pub fn from_key_at(base_url: &str, key: &ApiKey) -> Result<Self, HttpClientError> {
                Ok(Self::new_with_client(
                    base_url,
                    http_client()?,
                    Context::new(Some(key)),
                ))
            }

            /// A client that sends no API key: for the operations Dojo marks
            /// "no auth" and those authenticated by a customer secret.
            pub fn without_key_at(base_url: &str) -> Result<Self, HttpClientError> {
                Ok(Self::new_with_client(
                    base_url,
                    http_client()?,
                    Context::new(None),
                ))
            }

            /// A client on a reqwest client of the caller's (its pool, proxy
            /// and TLS settings), sending what `context` says.
            pub fn with_http(base_url: &str, http: reqwest::Client, context: Context) -> Self {
                Self::new_with_client(base_url, http, context)
            }

            /// The API version this client was generated from and sends in
            /// the `version` header.
            pub fn pinned_version() -> &'static str {
                <Self as ClientInfo<Context>>::api_version()
            }
        }
    };
}

constructors!(api::Client, API_BASE_URL, "`https://api.dojo.tech`");
constructors!(pci::Client, PCI_BASE_URL, "`https://pci-api.dojo.tech`");
