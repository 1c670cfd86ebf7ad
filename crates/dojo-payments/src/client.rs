//! `Dojo`, the client, and how to build one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use dojo_payments_api::api::ClientInfo;
use dojo_payments_api::{Context, Endpoints, api, pci};
use dojo_payments_types::{ApiKey, InvalidValue, LocationId};

use crate::idempotency::UsedKeys;
use crate::location::{Location, Locations};
use crate::resources::{Customers, Epos, PaymentIntents, SetupIntents, Terminals, Webhooks};
use crate::retry::RetryPolicy;
use crate::settlement::SettlementPolicy;

/// The client of Dojo's API: cheap to clone (two `Arc`s), `Send + Sync`,
/// one connection pool for both of Dojo's hosts and every location.
///
/// A `Dojo` is bound to one location account's key: the one it was built
/// with, or another configured one, by [`Dojo::location`], which hands out
/// a handle on the same pool, retry policy and configuration. Every
/// resource, lifecycle and flow works on a handle as on the client.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = dojo_payments_emulator::Emulator::start().await?;
/// use dojo_payments::{Dojo, types::{Currency, Money}};
///
/// let dojo = Dojo::builder(emulator.api_key())
///     .endpoints(emulator.endpoints())
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
    /// The location this handle calls as: its key's clients.
    at: Arc<Located>,
}

pub use dojo_payments_api::CHECKOUT_BASE_URL;

/// What the SDK takes the time to be, for Dojo's time windows.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What every handle shares.
pub(crate) struct Inner {
    pub(crate) clock: Clock,
    pub(crate) retry: RetryPolicy,
    settlement: SettlementPolicy,
    pub(crate) used_keys: UsedKeys,
    /// The base of Dojo's hosted checkout (`https://pay.dojo.tech`).
    checkout_url: String,
    /// Every configured location's clients, by name.
    locations: BTreeMap<LocationId, Arc<Located>>,
}

/// One location's clients: the same pool, its key.
struct Located {
    location: LocationId,
    /// The clients the retry engine sends with: its deadline bounds them.
    api: api::Client,
    pci: pci::Client,
    /// The escape hatch's clients, on the same connection pool, each request
    /// bounded by itself (see [`DojoBuilder::build`]).
    raw_api: api::Client,
    raw_pci: pci::Client,
}

/// No location of that name is configured on this client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no location {0} is configured on this client")]
pub struct UnknownLocation(pub LocationId);

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
            .field("location", &self.at.location)
            .field("api_url", &self.at.api.baseurl())
            .field("pci_url", &self.at.pci.baseurl())
            .field("checkout_url", &self.inner.checkout_url)
            .field("retry", &self.inner.retry)
            .field("settlement", &self.inner.settlement)
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
    /// A location was refused.
    #[error(transparent)]
    Locations(#[from] crate::location::LocationsError),
}

impl Dojo {
    /// The version of Dojo's API this SDK was generated from, sent as the
    /// `version` header of every call to `api.dojo.tech`.
    pub const API_VERSION: &'static str = dojo_payments_api::api::API_VERSION;

    /// A client from the environment: `DOJO_API_KEY`, and optionally
    /// `DOJO_API_URL`, `DOJO_PCI_URL` and `DOJO_CHECKOUT_URL` (an emulator,
    /// a proxy), and other locations as `DOJO_LOCATION_<NAME>=<key>`
    /// ([`Locations::from_env`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    fn from_vars(vars: Vec<(String, String)>) -> Result<Self, ConfigError> {
        let lookup = |wanted: &str| {
            vars.iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| value.clone())
        };
        let key = lookup("DOJO_API_KEY").ok_or(ConfigError::MissingKey)?;
        let mut builder =
            Self::builder(ApiKey::new(key)?).locations(Locations::from_vars(vars.clone())?);
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

    /// A builder, for the key `key` (the [default](LocationId::DEFAULT)
    /// location's) and Dojo's own hosts.
    pub fn builder(key: ApiKey) -> DojoBuilder {
        let endpoints = Endpoints::default();
        DojoBuilder {
            key,
            locations: Locations::default(),
            api_url: endpoints.api,
            pci_url: endpoints.pci,
            checkout_url: endpoints.checkout,
            connect_timeout: dojo_payments_api::CONNECT_TIMEOUT,
            http: None,
            retry: RetryPolicy::default(),
            settlement: SettlementPolicy::default(),
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

    /// A handle of this client that calls as location `id` (its key), on
    /// the same pool, retry policy and configuration: cheap (two `Arc`s),
    /// made as often as you like.
    pub fn location(&self, id: &LocationId) -> Result<Dojo, UnknownLocation> {
        let at = self
            .inner
            .locations
            .get(id)
            .ok_or_else(|| UnknownLocation(id.clone()))?;
        Ok(Dojo {
            inner: self.inner.clone(),
            at: at.clone(),
        })
    }

    /// The location this handle calls as.
    pub fn location_id(&self) -> &LocationId {
        &self.at.location
    }

    /// Every location configured on this client, by name.
    pub fn locations(&self) -> impl Iterator<Item = &LocationId> {
        self.inner.locations.keys()
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
        &self.at.raw_api
    }

    /// The raw client of `pci-api.dojo.tech`.
    pub fn raw_pci(&self) -> &pci::Client {
        &self.at.raw_pci
    }

    /// The client of `api.dojo.tech` for calls sent by [`Dojo::send`], which
    /// bounds them by the policy's deadline.
    pub(crate) fn api(&self) -> &api::Client {
        &self.at.api
    }

    /// The client of `pci-api.dojo.tech` for calls sent by [`Dojo::send`].
    pub(crate) fn pci(&self) -> &pci::Client {
        &self.at.pci
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// How ambiguous movements are settled by reads (the in-flight margin,
    /// the read lag).
    pub fn settlement_policy(&self) -> &SettlementPolicy {
        &self.inner.settlement
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
    locations: Locations,
    api_url: String,
    pci_url: String,
    checkout_url: String,
    connect_timeout: Duration,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    settlement: SettlementPolicy,
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

    /// Where Dojo's three hosts are, as one value: an emulator's
    /// (`emulator.endpoints()`), a proxy's.
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.api_url = endpoints.api;
        self.pci_url = endpoints.pci;
        self.checkout_url = endpoints.checkout;
        self
    }

    /// Location `location` too, with its key: a handle of it is
    /// `dojo.location(&id)`. (The builder's own key is the
    /// [default](LocationId::DEFAULT) location's.)
    pub fn location(mut self, location: Location) -> Self {
        self.locations.insert(location);
        self
    }

    /// Every location of `locations` too ([`Locations::from_env`],
    /// [`Locations::from_file`]).
    pub fn locations(mut self, locations: Locations) -> Self {
        self.locations.extend(locations);
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

    /// How ambiguous movements are settled by reads (default
    /// [`SettlementPolicy::default`]: a call may land up to 30 s after the
    /// deadline; reads lag by less than 3 s).
    pub fn settlement_policy(mut self, policy: SettlementPolicy) -> Self {
        self.settlement = policy;
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
        let default = Location {
            id: LocationId::default(),
            key: self.key.clone(),
        };
        // The retry engine bounds its calls by the deadline, so their
        // requests get no timer of reqwest's as well (one timer and its
        // wake-ups per request fewer; the throughput gain was inside the
        // noise, BENCHMARKS.md). Calls
        // through `raw()`, which no engine watches, are each abandoned a
        // grace after the deadline. A reqwest client of the user's keeps
        // its own timeouts for both.
        let (http, raw_timeout) = match self.http {
            Some(http) => (http, None),
            None => (
                dojo_payments_api::http_client_with(self.connect_timeout, None)?,
                Some(self.retry.deadline.saturating_add(RAW_CALL_GRACE)),
            ),
        };
        let hosts = Hosts {
            api: self.api_url.trim_end_matches('/'),
            pci: self.pci_url.trim_end_matches('/'),
            http: &http,
            user_agent_suffix: self.user_agent_suffix.as_deref(),
            raw_timeout,
        };
        let mut locations = BTreeMap::new();
        for location in std::iter::once(default).chain(self.locations) {
            locations.insert(location.id.clone(), Arc::new(hosts.located(location)));
        }
        let at = locations[&LocationId::default()].clone();
        Ok(Dojo {
            inner: Arc::new(Inner {
                clock: self.clock,
                retry: self.retry,
                settlement: self.settlement,
                used_keys: UsedKeys::default(),
                checkout_url: self.checkout_url.trim_end_matches('/').to_owned(),
                locations,
            }),
            at,
        })
    }
}

/// What every location's clients are built on.
struct Hosts<'a> {
    api: &'a str,
    pci: &'a str,
    http: &'a reqwest::Client,
    user_agent_suffix: Option<&'a str>,
    /// The escape hatch's bound on each request, unless the user's own
    /// reqwest client brings its timeouts.
    raw_timeout: Option<Duration>,
}

impl Hosts<'_> {
    /// `location`'s four clients: the engine's and the escape hatch's, on
    /// each host, all on the one pool.
    fn located(&self, location: Location) -> Located {
        let mut context = Context::new(Some(&location.key));
        if let Some(suffix) = self.user_agent_suffix {
            context = context.with_user_agent_suffix(suffix);
        }
        let raw_context = match self.raw_timeout {
            Some(timeout) => context.clone().with_request_timeout(timeout),
            None => context.clone(),
        };
        Located {
            location: location.id,
            api: api::Client::with_http(self.api, self.http.clone(), context.clone()),
            pci: pci::Client::with_http(self.pci, self.http.clone(), context),
            raw_api: api::Client::with_http(self.api, self.http.clone(), raw_context.clone()),
            raw_pci: pci::Client::with_http(self.pci, self.http.clone(), raw_context),
        }
    }
}

impl std::fmt::Debug for DojoBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DojoBuilder")
            .field("key", &self.key)
            .field("locations", &self.locations)
            .field("api_url", &self.api_url)
            .field("pci_url", &self.pci_url)
            .field("checkout_url", &self.checkout_url)
            .field("retry", &self.retry)
            .field("settlement", &self.settlement)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Dojo, ConfigError> {
        Dojo::from_vars(
            vars.iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        )
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
