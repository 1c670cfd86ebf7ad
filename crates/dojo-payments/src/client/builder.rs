//! How a [`Dojo`] is built: [`DojoBuilder`], and the environment's
//! configuration ([`Dojo::from_env`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dojo_payments_api::Endpoints;
use dojo_payments_types::{ApiKey, InvalidValue, LocationId};

use super::sites::{Hosts, Registry, SiteError};
use super::{Clock, Dojo, Inner, Scope};
use crate::idempotency::UsedKeys;
use crate::location::{Location, Locations};
use crate::retry::RetryPolicy;
use crate::settlement::SettlementPolicy;

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither `DOJO_API_KEY` nor any `DOJO_LOCATION_<NAME>` is set.
    #[error(
        "neither DOJO_API_KEY nor any DOJO_LOCATION_<NAME> is set (keys start sk_sandbox_ or sk_prod_)"
    )]
    MissingKey,
    /// A value was refused (the key's prefix, a URL).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not build the HTTP client")]
    Http(#[from] dojo_payments_api::HttpClientError),
    /// A location was refused (named twice, one key under two names).
    #[error(transparent)]
    Locations(#[from] crate::location::LocationsError),
    /// A location's own setting was refused (a retry policy for a location
    /// not configured, or outwaiting the client's).
    #[error(transparent)]
    Site(#[from] SiteError),
}

impl Dojo {
    /// A client from the environment: `DOJO_API_KEY` (the `default`
    /// location's key, which the client itself calls as) and locations as
    /// `DOJO_LOCATION_<NAME>=<key>` ([`Locations::from_env`]), either or
    /// both; and optionally `DOJO_API_URL`, `DOJO_PCI_URL` and
    /// `DOJO_CHECKOUT_URL` (an emulator, a proxy). Without `DOJO_API_KEY`
    /// the client has no default location: calls go through a location's
    /// handle (`dojo.location(&id)`). `DOJO_LOCATION_DEFAULT` together
    /// with `DOJO_API_KEY` is refused (two keys for one name).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    pub(super) fn from_vars(vars: Vec<(String, String)>) -> Result<Self, ConfigError> {
        let lookup = |wanted: &str| {
            vars.iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| value.clone())
        };
        let locations = Locations::from_vars(vars.clone())?;
        let mut builder = match lookup("DOJO_API_KEY") {
            Some(key) => Self::builder(ApiKey::new(key)?),
            None if locations.is_empty() => return Err(ConfigError::MissingKey),
            None => Self::builder_for_sites(),
        };
        builder = builder.locations(locations);
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
    /// location's, which the client itself calls as) and Dojo's own hosts.
    pub fn builder(key: ApiKey) -> DojoBuilder {
        DojoBuilder::new(Some(key))
    }

    /// A builder of a client with no default location: it holds locations
    /// only ([`DojoBuilder::location`], [`DojoBuilder::locations`],
    /// `dojo.sites()` later), and every call goes through a location's
    /// handle; a call on the client itself is refused before sending.
    pub fn builder_for_sites() -> DojoBuilder {
        DojoBuilder::new(None)
    }
}

/// How long after the deadline a request the retry engine does not watch
/// (`Dojo::raw`) is abandoned.
const RAW_CALL_GRACE: Duration = Duration::from_secs(1);

/// Builds a [`Dojo`]. (Its `Debug` shows the keys' environment and last
/// four characters only.)
#[must_use]
pub struct DojoBuilder {
    key: Option<ApiKey>,
    locations: Locations,
    own_retry: BTreeMap<LocationId, RetryPolicy>,
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
    fn new(key: Option<ApiKey>) -> Self {
        let endpoints = Endpoints::default();
        Self {
            key,
            locations: Locations::default(),
            own_retry: BTreeMap::new(),
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
    /// `dojo.location(&id)`. (The builder's own key, if any, is the
    /// [default](LocationId::DEFAULT) location's: naming `default` here
    /// too is refused, as is one key under two names.)
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

    /// A retry policy of location `id`'s own (default: the client's). Its
    /// deadline may not be longer than the client's, whose is the journal's
    /// and settlement's in-flight window.
    pub fn location_retry_policy(mut self, id: LocationId, policy: RetryPolicy) -> Self {
        self.own_retry.insert(id, policy);
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
            api: self.api_url.trim_end_matches('/').to_owned(),
            pci: self.pci_url.trim_end_matches('/').to_owned(),
            http,
            user_agent_suffix: self.user_agent_suffix,
            raw_timeout,
        };
        let sites = Registry::new(hosts, self.retry, self.key, self.locations, &self.own_retry)?;
        let at = sites.default.clone();
        Ok(Dojo {
            inner: Arc::new(Inner {
                clock: self.clock,
                retry: self.retry,
                settlement: self.settlement,
                used_keys: UsedKeys::default(),
                checkout_url: self.checkout_url.trim_end_matches('/').to_owned(),
                sites,
            }),
            at,
            scope: Scope::Client,
        })
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
            .field("location_retry", &self.own_retry)
            .field("settlement", &self.settlement)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::LocationsError;
    use dojo_payments_api::api::ClientInfo;

    const KEY: &str = "sk_sandbox_0123456789abcdef";

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
            ("DOJO_API_KEY", KEY),
            ("DOJO_API_URL", "http://127.0.0.1:9/"),
            ("DOJO_PCI_URL", "http://127.0.0.1:10"),
        ])
        .unwrap();
        assert_eq!(dojo.raw().baseurl(), "http://127.0.0.1:9");
        assert_eq!(dojo.raw_pci().baseurl(), "http://127.0.0.1:10");
        let defaults = from(&[("DOJO_API_KEY", KEY)]).unwrap();
        assert_eq!(defaults.raw().baseurl(), "https://api.dojo.tech");
        assert_eq!(defaults.raw_pci().baseurl(), "https://pci-api.dojo.tech");
        let bad_url = from(&[("DOJO_API_KEY", KEY), ("DOJO_API_URL", "ftp://x")]);
        assert!(bad_url.unwrap_err().to_string().contains("api_url"));
    }

    #[test]
    fn locations_alone_make_a_client_without_a_default_location() {
        let dojo = from(&[("DOJO_LOCATION_CAFE_SOHO", KEY)]).unwrap();
        assert_eq!(
            dojo.locations()
                .iter()
                .map(LocationId::as_str)
                .collect::<Vec<_>>(),
            ["cafe-soho"]
        );
        assert!(dojo.location(&LocationId::default()).is_err());
    }

    #[test]
    fn the_default_location_is_named_once_and_a_key_is_one_location_s() {
        let twice = from(&[
            ("DOJO_API_KEY", KEY),
            ("DOJO_LOCATION_DEFAULT", "sk_sandbox_other_0123456789"),
        ])
        .unwrap_err();
        assert!(
            matches!(&twice, ConfigError::Locations(LocationsError::Twice(id)) if id.as_str() == "default"),
            "{twice}"
        );
        let same_key = from(&[("DOJO_API_KEY", KEY), ("DOJO_LOCATION_SOHO", KEY)]).unwrap_err();
        assert!(
            matches!(
                &same_key,
                ConfigError::Locations(LocationsError::SameKey { .. })
            ),
            "{same_key}"
        );
        assert!(!same_key.to_string().contains("0123"), "{same_key}");
    }

    #[test]
    fn a_location_s_own_retry_policy_waits_no_longer_than_the_client_s() {
        let key = ApiKey::new(KEY).unwrap();
        let soho: LocationId = "soho".parse().unwrap();
        let patient = RetryPolicy {
            deadline: Duration::from_secs(600),
            ..RetryPolicy::default()
        };
        let refused = Dojo::builder_for_sites()
            .location(Location::new(soho.clone(), key.clone()))
            .location_retry_policy(soho.clone(), patient)
            .build()
            .unwrap_err();
        assert!(
            matches!(refused, ConfigError::Site(SiteError::DeadlineLonger { .. })),
            "{refused}"
        );
        let brief = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        let dojo = Dojo::builder_for_sites()
            .location(Location::new(soho.clone(), key))
            .location_retry_policy("SOHO".parse().unwrap(), brief)
            .build()
            .unwrap();
        let at_soho = dojo.location(&soho).unwrap();
        assert_eq!(at_soho.retry_policy().max_attempts, 1);
        assert_eq!(
            dojo.retry_policy().max_attempts,
            RetryPolicy::default().max_attempts
        );
    }

    #[test]
    fn a_base_url_every_path_can_be_joined_to_is_required() {
        let key = ApiKey::new(KEY).unwrap();
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
