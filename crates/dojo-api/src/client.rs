//! Building clients: credentials, the pinned version, TLS, user agent.

use std::time::Duration;

use dojo_types::{ApiKey, CustomerSecret};
use progenitor_client::ClientInfo;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::{api, pci};

/// Dojo's API host, for sandbox and production keys alike.
pub const API_BASE_URL: &str = "https://api.dojo.tech";

/// Dojo's PCI host: only the creation of a setup intent with card data.
pub const PCI_BASE_URL: &str = "https://pci-api.dojo.tech";

/// The `User-Agent` every call sends: this SDK and its version.
pub const USER_AGENT: &str = concat!("dojo-rust-sdk/", env!("CARGO_PKG_VERSION"));

const VERSION_HEADER: HeaderName = HeaderName::from_static("version");

/// The `Authorization` header of the customer-owned endpoints
/// (`/customers/public/…`): `Basic cs_…`, the secret verbatim, marked
/// sensitive. The generated methods take a `&CustomerSecret` and call this
/// (`cargo xtask regen` points them here); it replaces the API key on that
/// call.
pub(crate) fn customer_secret_header(
    secret: &CustomerSecret,
) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut value = HeaderValue::try_from(format!("Basic {}", secret.expose()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// A reqwest client that sends `key` (if any) and `version` on every call.
///
/// The key goes out as `Authorization: Basic <key>` verbatim: Dojo does not
/// base64-encode it, unlike RFC 7617. The header is marked sensitive so that
/// reqwest and hyper never print it.
fn http_client(key: Option<&ApiKey>, version: &str) -> reqwest::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    if let Some(key) = key {
        let mut value = HeaderValue::try_from(format!("Basic {}", key.expose()))
            .expect("ApiKey::new refuses whitespace and control characters");
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    headers.insert(
        VERSION_HEADER,
        HeaderValue::try_from(version).expect("the version is a YYYY-MM-DD date"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
}

macro_rules! constructors {
    ($client:ty, $default_base:expr, $host:literal) => {
        impl $client {
            #[doc = concat!("A client of ", $host, " that authenticates with `key`.")]
            pub fn from_key(key: &ApiKey) -> reqwest::Result<Self> {
                Self::from_key_at($default_base, key)
            }

            /// The same, at another base URL (an emulator, a proxy).
            pub fn from_key_at(base_url: &str, key: &ApiKey) -> reqwest::Result<Self> {
                let http = http_client(Some(key), <Self as ClientInfo<()>>::api_version())?;
                Ok(Self::new_with_client(base_url, http))
            }

            /// A client that sends no API key: for the operations Dojo marks
            /// "no auth" and those authenticated by a customer secret.
            pub fn without_key_at(base_url: &str) -> reqwest::Result<Self> {
                let http = http_client(None, <Self as ClientInfo<()>>::api_version())?;
                Ok(Self::new_with_client(base_url, http))
            }

            /// The API version this client was generated from and sends in
            /// the `version` header.
            pub fn pinned_version() -> &'static str {
                <Self as ClientInfo<()>>::api_version()
            }
        }
    };
}

constructors!(api::Client, API_BASE_URL, "`https://api.dojo.tech`");
constructors!(pci::Client, PCI_BASE_URL, "`https://pci-api.dojo.tech`");
