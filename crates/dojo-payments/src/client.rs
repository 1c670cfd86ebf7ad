//! `Dojo`, the client, and how to build one.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dojo_payments_api::api::ClientInfo;
use dojo_payments_api::{Context, api, pci};
use dojo_payments_types::{ApiKey, InvalidValue};

use crate::idempotency::UsedKeys;
use crate::resources::{Customers, Epos, PaymentIntents, SetupIntents, Terminals, Webhooks};
use crate::retry::RetryPolicy;

/// The client of Dojo's API: cheap to clone (one `Arc`), `Send + Sync`, one
/// connection pool for both of Dojo's hosts.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = dojo_payments_emulator::Emulator::start().await?;
/// use dojo_payments::{Dojo, types::{Currency, Money}};
///
/// let dojo = Dojo::builder(emulator.api_key())
///     .api_url(emulator.api_url())
///     .build()?;
/// let intent = dojo
///     .payment_intents()
///     .create(Money::parse_decimal("12.50", Currency::GBP)?, "Order 17")
///     .send()
///     .await?;
/// assert_eq!(intent.amount, Some(Money::new(1250, Currency::GBP)));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Dojo {
    pub(crate) inner: Arc<Inner>,
}

/// Dojo's hosted checkout: `{CHECKOUT_BASE_URL}/checkout/{intent id}`.
pub const CHECKOUT_BASE_URL: &str = "https://pay.dojo.tech";

/// What the SDK takes the time to be, for Dojo's time windows.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub(crate) struct Inner {
    pub(crate) clock: Clock,
    /// The clients the retry engine sends with: its deadline bounds them.
    api: api::Client,
    pci: pci::Client,
    /// The escape hatch's clients, on the same connection pool, each request
    /// bounded by itself (see [`DojoBuilder::build`]).
    raw_api: api::Client,
    raw_pci: pci::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) used_keys: UsedKeys,
    /// The base of Dojo's hosted checkout (`https://pay.dojo.tech`).
    checkout_url: String,
}

/// The id of an intent a customer completes at Dojo's hosted checkout: a
/// payment intent (to pay) or a setup intent (to authorize a card).
pub trait CheckoutIntentId: sealed::Sealed {
    /// The id as sent on the wire.
    fn as_wire(&self) -> &str;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for dojo_payments_types::PaymentIntentId {}
    impl Sealed for dojo_payments_types::SetupIntentId {}
}

impl CheckoutIntentId for dojo_payments_types::PaymentIntentId {
    fn as_wire(&self) -> &str {
        self.as_str()
    }
}

impl CheckoutIntentId for dojo_payments_types::SetupIntentId {
    fn as_wire(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Dojo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is deliberately absent.
        f.debug_struct("Dojo")
            .field("api_url", &self.inner.api.baseurl())
            .field("pci_url", &self.inner.pci.baseurl())
            .field("checkout_url", &self.inner.checkout_url)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `DOJO_API_KEY` is not set.
    #[error("DOJO_API_KEY is not set (a key starting sk_sandbox_ or sk_prod_)")]
    MissingKey,
    /// A value was refused (the key's prefix, a URL).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not build the HTTP client")]
    Http(#[from] dojo_payments_api::HttpClientError),
}

impl Dojo {
    /// The version of Dojo's API this SDK was generated from, sent as the
    /// `version` header of every call to `api.dojo.tech`.
    pub const API_VERSION: &'static str = dojo_payments_api::api::API_VERSION;

    /// A client from the environment: `DOJO_API_KEY`, and optionally
    /// `DOJO_API_URL`, `DOJO_PCI_URL` and `DOJO_CHECKOUT_URL` (an emulator,
    /// a proxy).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let key = lookup("DOJO_API_KEY").ok_or(ConfigError::MissingKey)?;
        let mut builder = Self::builder(ApiKey::new(key)?);
        if let Some(url) = lookup("DOJO_API_URL") {
            builder = builder.api_url(url);
        }
        if let Some(url) = lookup("DOJO_PCI_URL") {
            builder = builder.pci_url(url);
        }
        if let Some(url) = lookup("DOJO_CHECKOUT_URL") {
            builder = builder.checkout_url(url);
        }
        builder.build()
    }

    /// A builder, for the key `key` and Dojo's own hosts.
    pub fn builder(key: ApiKey) -> DojoBuilder {
        DojoBuilder {
            key,
            api_url: dojo_payments_api::API_BASE_URL.to_owned(),
            pci_url: dojo_payments_api::PCI_BASE_URL.to_owned(),
            checkout_url: CHECKOUT_BASE_URL.to_owned(),
            connect_timeout: dojo_payments_api::CONNECT_TIMEOUT,
            http: None,
            retry: RetryPolicy::default(),
            user_agent_suffix: None,
            clock: Arc::new(Utc::now),
        }
    }

    /// Where to send the customer to complete intent `id` at Dojo's hosted
    /// checkout (`https://pay.dojo.tech/checkout/{id}`): to pay a payment
    /// intent, or to authorize a card for a setup intent. Dojo sends them
    /// back to the intent's `config.redirectUrl`, or `config.cancelUrl`.
    pub fn checkout_link(&self, id: &impl CheckoutIntentId) -> String {
        format!("{}/checkout/{}", self.inner.checkout_url, id.as_wire())
    }

    /// What this client takes the time to be (for Dojo's reversal windows).
    pub fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    /// Payment intents: create, read, capture, refund, reverse, cancel,
    /// search.
    pub fn payment_intents(&self) -> PaymentIntents<'_> {
        PaymentIntents { dojo: self }
    }

    /// Setup intents: save a card for later charges, on either host.
    pub fn setup_intents(&self) -> SetupIntents<'_> {
        SetupIntents { dojo: self }
    }

    /// Customers, their secrets and saved cards.
    pub fn customers(&self) -> Customers<'_> {
        Customers { dojo: self }
    }

    /// Webhook subscriptions, their secrets, and past events.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { dojo: self }
    }

    /// Card terminals and their sessions.
    pub fn terminals(&self) -> Terminals<'_> {
        Terminals { dojo: self }
    }

    /// EPOS integrations and events.
    pub fn epos(&self) -> Epos<'_> {
        Epos { dojo: self }
    }

    /// The raw client of `api.dojo.tech`: every operation, as generated;
    /// the escape hatch (no retries, no validation). Unless you gave your
    /// own reqwest client, each of its requests is abandoned a second after
    /// the policy's deadline.
    pub fn raw(&self) -> &api::Client {
        &self.inner.raw_api
    }

    /// The raw client of `pci-api.dojo.tech`.
    pub fn raw_pci(&self) -> &pci::Client {
        &self.inner.raw_pci
    }

    /// The client of `api.dojo.tech` for calls sent by [`Dojo::send`], which
    /// bounds them by the policy's deadline.
    pub(crate) fn api(&self) -> &api::Client {
        &self.inner.api
    }

    /// The client of `pci-api.dojo.tech` for calls sent by [`Dojo::send`].
    pub(crate) fn pci(&self) -> &pci::Client {
        &self.inner.pci
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }
}

/// How long after the deadline a request the retry engine does not watch
/// (`Dojo::raw`) is abandoned.
const RAW_CALL_GRACE: Duration = Duration::from_secs(1);

/// Builds a [`Dojo`]. (Its `Debug` shows the key's environment and last
/// four characters only.)
#[must_use]
pub struct DojoBuilder {
    key: ApiKey,
    api_url: String,
    pci_url: String,
    checkout_url: String,
    connect_timeout: Duration,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    user_agent_suffix: Option<String>,
    clock: Clock,
}

impl DojoBuilder {
    /// The clock the SDK checks Dojo's time windows with (default the
    /// system's): an emulator's manual clock in tests.
    pub fn clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The base URL of Dojo's API host (default `https://api.dojo.tech`).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// The base URL of Dojo's PCI host (default `https://pci-api.dojo.tech`).
    pub fn pci_url(mut self, url: impl Into<String>) -> Self {
        self.pci_url = url.into();
        self
    }

    /// The base URL of Dojo's hosted checkout (default
    /// `https://pay.dojo.tech`; an emulator serves its own).
    pub fn checkout_url(mut self, url: impl Into<String>) -> Self {
        self.checkout_url = url.into();
        self
    }

    /// How long connecting may take (default 10 s). A whole call's time is
    /// the retry policy's `deadline`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// A whole call's time, every retry included (default 60 s).
    pub fn timeout(mut self, deadline: Duration) -> Self {
        self.retry.deadline = deadline;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A reqwest client of your own (its pool, proxy, TLS roots): the SDK
    /// adds credentials and headers per request, so it may be shared. Its
    /// own timeouts then apply instead of [`Self::connect_timeout`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Text after the SDK's `User-Agent` (`my-shop/2.3`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The client.
    pub fn build(self) -> Result<Dojo, ConfigError> {
        let urls = [
            ("api_url", &self.api_url),
            ("pci_url", &self.pci_url),
            ("checkout_url", &self.checkout_url),
        ];
        for (field, url) in urls {
            // The generated clients' own rule, checked here so that a bad
            // URL fails the build, not each call.
            if dojo_payments_api::parse_base_url(url).is_none() {
                return Err(InvalidValue::new(
                    field,
                    format!("must be an http(s) URL with a host and no query, got {url:?}"),
                )
                .into());
            }
        }
        let mut context = Context::new(Some(&self.key));
        if let Some(suffix) = &self.user_agent_suffix {
            context = context.with_user_agent_suffix(suffix);
        }
        // The retry engine bounds its calls by the deadline, so their
        // requests get no timer of reqwest's as well (one timer and its
        // wake-ups per request fewer; the throughput gain was inside the
        // noise, BENCHMARKS.md). Calls
        // through `raw()`, which no engine watches, are each abandoned a
        // grace after the deadline. A reqwest client of the user's keeps
        // its own timeouts for both.
        let (http, raw_context) = match self.http {
            Some(http) => (http, context.clone()),
            None => (
                dojo_payments_api::http_client_with(self.connect_timeout, None)?,
                context
                    .clone()
                    .with_request_timeout(self.retry.deadline.saturating_add(RAW_CALL_GRACE)),
            ),
        };
        let api_url = self.api_url.trim_end_matches('/');
        let pci_url = self.pci_url.trim_end_matches('/');
        Ok(Dojo {
            inner: Arc::new(Inner {
                clock: self.clock,
                api: api::Client::with_http(api_url, http.clone(), context.clone()),
                pci: pci::Client::with_http(pci_url, http.clone(), context),
                raw_api: api::Client::with_http(api_url, http.clone(), raw_context.clone()),
                raw_pci: pci::Client::with_http(pci_url, http, raw_context),
                retry: self.retry,
                used_keys: UsedKeys::default(),
                checkout_url: self.checkout_url.trim_end_matches('/').to_owned(),
            }),
        })
    }
}

impl std::fmt::Debug for DojoBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DojoBuilder")
            .field("key", &self.key)
            .field("api_url", &self.api_url)
            .field("pci_url", &self.pci_url)
            .field("checkout_url", &self.checkout_url)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Dojo, ConfigError> {
        Dojo::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn the_environment_names_the_key_and_optionally_both_hosts() {
        assert!(matches!(from(&[]), Err(ConfigError::MissingKey)));
        let refused = from(&[("DOJO_API_KEY", "pk_live_1")]).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "api_key must start with `sk_sandbox_` or `sk_prod_`"
        );
        let dojo = from(&[
            ("DOJO_API_KEY", "sk_sandbox_0123456789abcdef"),
            ("DOJO_API_URL", "http://127.0.0.1:9/"),
            ("DOJO_PCI_URL", "http://127.0.0.1:10"),
        ])
        .unwrap();
        assert_eq!(dojo.raw().baseurl(), "http://127.0.0.1:9");
        assert_eq!(dojo.raw_pci().baseurl(), "http://127.0.0.1:10");
        let defaults = from(&[("DOJO_API_KEY", "sk_sandbox_0123456789abcdef")]).unwrap();
        assert_eq!(defaults.raw().baseurl(), "https://api.dojo.tech");
        assert_eq!(defaults.raw_pci().baseurl(), "https://pci-api.dojo.tech");
        let bad_url = from(&[
            ("DOJO_API_KEY", "sk_sandbox_0123456789abcdef"),
            ("DOJO_API_URL", "ftp://x"),
        ]);
        assert!(bad_url.unwrap_err().to_string().contains("api_url"));
    }

    #[test]
    fn a_base_url_every_path_can_be_joined_to_is_required() {
        let key = ApiKey::new("sk_sandbox_0123456789abcdef").unwrap();
        for good in [
            "https://api.dojo.tech",
            "http://127.0.0.1:9/",
            "http://proxy/dojo",
        ] {
            assert!(
                Dojo::builder(key.clone()).api_url(good).build().is_ok(),
                "{good}"
            );
        }
        for bad in [
            "ftp://x",
            "http://",
            "https://x/?a=1",
            "https://x/#f",
            "api.dojo.tech",
            "mailto:x@y",
        ] {
            let refused = Dojo::builder(key.clone()).pci_url(bad).build().unwrap_err();
            assert!(
                refused
                    .to_string()
                    .starts_with("pci_url must be an http(s) URL"),
                "{bad}: {refused}"
            );
        }
    }
}
