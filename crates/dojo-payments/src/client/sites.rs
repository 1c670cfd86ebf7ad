//! The live registry of a client's locations (`dojo.sites()`): added,
//! re-keyed and removed while calls are in flight, never blocking them.
//!
//! Each name is one [`Site`], made once and kept for the client's life: a
//! handle holds its `Arc`. A site's clients (its key's) are an
//! [`ArcSwapOption`]: a call loads them when it starts and keeps them to its
//! end, so a rotation takes effect for the calls started after it, on every
//! handle, and a call in flight finishes on the key it started with. Writers
//! (add, rotate, remove, reload) take one mutex among themselves; calls
//! never take it. A removed site keeps its last clients apart (`retired`),
//! for the journal's `reconcile` only, until it is forgotten.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};
use dojo_payments_api::{Context, api, pci};
use dojo_payments_types::{ApiKey, LocationId};

use crate::location::{Location, Locations, LocationsError};
use crate::retry::RetryPolicy;

/// One location's clients, for one key: the same pool, its key.
pub(crate) struct Located {
    /// The key (`None`: the clients of no location, which send nothing:
    /// their every request is refused before sending, `Context::refusing`).
    key: Option<ApiKey>,
    /// Its own retry policy, if it has one.
    retry: Option<RetryPolicy>,
    /// The clients the retry engine sends with: its deadline bounds them.
    pub(crate) api: api::Client,
    pub(crate) pci: pci::Client,
    /// The escape hatch's clients, on the same connection pool, each
    /// request bounded by itself (see `DojoBuilder::build`).
    pub(crate) raw_api: api::Client,
    pub(crate) raw_pci: pci::Client,
}

impl Located {
    /// Its own retry policy, if it has one.
    pub(crate) fn retry(&self) -> Option<RetryPolicy> {
        self.retry
    }

    /// The same clients with retry policy `retry`.
    fn with_retry(&self, retry: Option<RetryPolicy>) -> Self {
        Self {
            key: self.key.clone(),
            retry,
            api: self.api.clone(),
            pci: self.pci.clone(),
            raw_api: self.raw_api.clone(),
            raw_pci: self.raw_pci.clone(),
        }
    }
}

/// What every location's clients are built on.
pub(crate) struct Hosts {
    pub(crate) api: String,
    pub(crate) pci: String,
    pub(crate) http: reqwest::Client,
    pub(crate) user_agent_suffix: Option<String>,
    /// The escape hatch's bound on each request, unless the user's own
    /// reqwest client brings its timeouts.
    pub(crate) raw_timeout: Option<Duration>,
}

impl Hosts {
    /// The four clients of `key`: the engine's and the escape hatch's, on
    /// each host, all on the one pool.
    fn located(&self, key: Option<ApiKey>, retry: Option<RetryPolicy>) -> Located {
        // The clients of no location refuse every request before sending:
        // a call that took them while its location was removed fails unsent
        // even if the location is back by the time the send path looks.
        let mut context = match &key {
            Some(key) => Context::new(Some(key)),
            None => Context::refusing("the location is not configured on this client (removed)"),
        };
        if let Some(suffix) = &self.user_agent_suffix {
            context = context.with_user_agent_suffix(suffix);
        }
        let raw_context = match self.raw_timeout {
            Some(timeout) => context.clone().with_request_timeout(timeout),
            None => context.clone(),
        };
        Located {
            key,
            retry,
            api: api::Client::with_http(&self.api, self.http.clone(), context.clone()),
            pci: pci::Client::with_http(&self.pci, self.http.clone(), context),
            raw_api: api::Client::with_http(&self.api, self.http.clone(), raw_context.clone()),
            raw_pci: pci::Client::with_http(&self.pci, self.http.clone(), raw_context),
        }
    }
}

/// One name: its clients now, and the ones it had when removed.
pub(crate) struct Site {
    pub(crate) id: LocationId,
    /// Its clients, while it is configured.
    live: ArcSwapOption<Located>,
    /// Its last clients once removed, for settling, until forgotten.
    retired: ArcSwapOption<Located>,
}

impl Site {
    fn new(id: LocationId) -> Self {
        Self {
            id,
            live: ArcSwapOption::empty(),
            retired: ArcSwapOption::empty(),
        }
    }

    /// Its clients now, if it is configured.
    pub(crate) fn live(&self) -> Option<Arc<Located>> {
        self.live.load_full()
    }

    /// Its clients now, or those it had when it was removed (unless
    /// forgotten since).
    pub(crate) fn for_settling(&self) -> Option<Arc<Located>> {
        self.live().or_else(|| self.retired.load_full())
    }

    fn is_live(&self) -> bool {
        self.live.load().is_some()
    }

    fn is_retired(&self) -> bool {
        !self.is_live() && self.retired.load().is_some()
    }

    /// Whether it is configured with `key`.
    fn has_key(&self, key: &ApiKey) -> bool {
        self.live
            .load()
            .as_ref()
            .is_some_and(|l| l.key.as_ref() == Some(key))
    }
}

/// Why a location could not be reached, added, re-keyed or removed. Names
/// locations, never a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SiteError {
    /// No location of that name is configured on this client (or it was
    /// removed).
    #[error("no location {0} is configured on this client")]
    Unknown(LocationId),
    /// It is configured already: rotate its key instead
    /// ([`Sites::rotate`]).
    #[error("location {0} is configured already (rotate its key instead)")]
    AlreadyConfigured(LocationId),
    /// It is still configured: remove it before forgetting it.
    #[error("location {0} is still configured: remove it before forgetting it")]
    StillConfigured(LocationId),
    /// The key is another configured location's: a key is one location's
    /// (both names would be one Dojo account).
    #[error("location {second} would have the key of location {first}: a key is one location's")]
    SameKey {
        /// The location holding the key.
        first: LocationId,
        /// The location it was to be given to.
        second: LocationId,
    },
    /// A location's own retry policy may not wait longer than the
    /// client's: the journal's and settlement's in-flight windows are the
    /// client's.
    #[error(
        "location {location}'s retry deadline ({deadline:?}) is longer than the client's ({client:?})"
    )]
    DeadlineLonger {
        /// The location.
        location: LocationId,
        /// Its policy's deadline.
        deadline: Duration,
        /// The client's.
        client: Duration,
    },
    /// A location's handle reaches no other location: code that may act
    /// for any location holds the client.
    #[error(
        "a handle of location {handle} reaches no other location ({wanted}): hold the client to act for any"
    )]
    BeyondHandle {
        /// The handle's location.
        handle: LocationId,
        /// The location asked for.
        wanted: LocationId,
    },
    /// A location's handle cannot change the client's locations.
    #[error("a handle of location {0} cannot change the client's locations: the client can")]
    NotTheClient(LocationId),
}

/// What a [`Sites::reload`] changed, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reloaded {
    /// Locations added (or brought back after a removal).
    pub added: Vec<LocationId>,
    /// Locations whose key changed.
    pub rotated: Vec<LocationId>,
    /// Locations removed: their handles' new calls are refused; their key
    /// is kept for `reconcile` until [`Sites::forget`].
    pub retired: Vec<LocationId>,
    /// Locations left as they were.
    pub unchanged: Vec<LocationId>,
}

/// Every site of a client, by name: the default one and the others, live,
/// retired or forgotten (a name, once seen, keeps its [`Site`] so that a
/// handle of it works whenever it is configured).
pub(crate) struct Registry {
    sites: ArcSwap<BTreeMap<LocationId, Arc<Site>>>,
    /// Taken by writers only.
    writer: Mutex<()>,
    hosts: Hosts,
    /// The clients of no location (no key).
    pub(crate) nowhere: Arc<Located>,
    /// The site the client itself calls as: `default`, configured or not.
    pub(crate) default: Arc<Site>,
    /// The client's retry policy: a site's own may not outwait it.
    retry: RetryPolicy,
}

impl Registry {
    /// The registry of a client built with `default_key` (the default
    /// location's, if any), `locations` and their own retry policies.
    pub(crate) fn new(
        hosts: Hosts,
        retry: RetryPolicy,
        default_key: Option<ApiKey>,
        mut locations: Locations,
        own_retry: &BTreeMap<LocationId, RetryPolicy>,
    ) -> Result<Self, super::ConfigError> {
        let default_id = LocationId::default();
        if let Some(key) = default_key {
            if locations.key(&default_id).is_some() {
                return Err(LocationsError::Twice(default_id).into());
            }
            locations.insert(Location::new(default_id.clone(), key));
        }
        if let Some((first, second)) = locations.same_key() {
            return Err(LocationsError::SameKey { first, second }.into());
        }
        let default = Arc::new(Site::new(default_id.clone()));
        let registry = Self {
            sites: ArcSwap::from_pointee(BTreeMap::from([(default_id, default.clone())])),
            writer: Mutex::new(()),
            nowhere: Arc::new(hosts.located(None, None)),
            hosts,
            default,
            retry,
        };
        for (id, policy) in own_retry {
            let id = id.clone();
            if locations.key(&id).is_none() {
                return Err(SiteError::Unknown(id).into());
            }
            registry.check_retry(&id, Some(*policy))?;
        }
        let _writing = registry.write();
        for location in locations {
            let own = own_retry
                .iter()
                .find(|(id, _)| **id == location.id)
                .map(|(_, policy)| *policy);
            let site = registry.site_or_new(&location.id);
            site.live.store(Some(Arc::new(
                registry.hosts.located(Some(location.key), own),
            )));
        }
        drop(_writing);
        Ok(registry)
    }

    fn write(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Site `id` (normalised), whatever its state.
    pub(crate) fn site(&self, id: &LocationId) -> Option<Arc<Site>> {
        self.sites.load().get(id).cloned()
    }

    /// Site `id`, made if new (writers only).
    fn site_or_new(&self, id: &LocationId) -> Arc<Site> {
        if let Some(site) = self.sites.load().get(id) {
            return site.clone();
        }
        let site = Arc::new(Site::new(id.clone()));
        let mut sites = BTreeMap::clone(&self.sites.load());
        sites.insert(id.clone(), site.clone());
        self.sites.store(Arc::new(sites));
        site
    }

    /// The configured locations, by name.
    pub(crate) fn live(&self) -> Vec<LocationId> {
        self.sites
            .load()
            .values()
            .filter(|site| site.is_live())
            .map(|site| site.id.clone())
            .collect()
    }

    /// The configured location holding `key`, other than `except`.
    fn holder_of(&self, key: &ApiKey, except: &LocationId) -> Option<LocationId> {
        self.sites
            .load()
            .values()
            .find(|site| &site.id != except && site.has_key(key))
            .map(|site| site.id.clone())
    }

    fn check_retry(&self, id: &LocationId, policy: Option<RetryPolicy>) -> Result<(), SiteError> {
        match policy {
            Some(own) if own.deadline > self.retry.deadline => Err(SiteError::DeadlineLonger {
                location: id.clone(),
                deadline: own.deadline,
                client: self.retry.deadline,
            }),
            _ => Ok(()),
        }
    }

    fn add(&self, location: Location, retry: Option<RetryPolicy>) -> Result<(), SiteError> {
        let id = location.id.clone();
        self.check_retry(&id, retry)?;
        let _writing = self.write();
        if self.site(&id).is_some_and(|site| site.is_live()) {
            return Err(SiteError::AlreadyConfigured(id));
        }
        if let Some(first) = self.holder_of(&location.key, &id) {
            return Err(SiteError::SameKey { first, second: id });
        }
        let site = self.site_or_new(&id);
        let located = self.hosts.located(Some(location.key), retry);
        site.retired.store(None);
        site.live.store(Some(Arc::new(located)));
        Ok(())
    }

    fn rotate(&self, id: &LocationId, key: ApiKey) -> Result<(), SiteError> {
        let id = id.clone();
        let _writing = self.write();
        let Some(current) = self.site(&id).and_then(|site| site.live()) else {
            return Err(SiteError::Unknown(id));
        };
        if let Some(first) = self.holder_of(&key, &id) {
            return Err(SiteError::SameKey { first, second: id });
        }
        self.store(&id, self.hosts.located(Some(key), current.retry));
        Ok(())
    }

    fn set_retry_policy(
        &self,
        id: &LocationId,
        policy: Option<RetryPolicy>,
    ) -> Result<(), SiteError> {
        let id = id.clone();
        self.check_retry(&id, policy)?;
        let _writing = self.write();
        let Some(current) = self.site(&id).and_then(|site| site.live()) else {
            return Err(SiteError::Unknown(id));
        };
        self.store(&id, current.with_retry(policy));
        Ok(())
    }

    /// Site `id`'s clients from now on (writers only; it exists).
    fn store(&self, id: &LocationId, located: Located) {
        if let Some(site) = self.site(id) {
            site.live.store(Some(Arc::new(located)));
        }
    }

    fn remove(&self, id: &LocationId) -> Result<(), SiteError> {
        let id = id.clone();
        let _writing = self.write();
        let site = self
            .site(&id)
            .ok_or_else(|| SiteError::Unknown(id.clone()))?;
        let Some(last) = site.live.swap(None) else {
            return Err(SiteError::Unknown(id));
        };
        site.retired.store(Some(last));
        Ok(())
    }

    fn forget(&self, id: &LocationId) -> Result<(), SiteError> {
        let id = id.clone();
        let _writing = self.write();
        let site = self
            .site(&id)
            .ok_or_else(|| SiteError::Unknown(id.clone()))?;
        if site.is_live() {
            return Err(SiteError::StillConfigured(id));
        }
        site.retired.store(None);
        Ok(())
    }

    fn retired(&self) -> Vec<LocationId> {
        self.sites
            .load()
            .values()
            .filter(|site| site.is_retired())
            .map(|site| site.id.clone())
            .collect()
    }

    fn reload(&self, locations: Locations) -> Result<Reloaded, SiteError> {
        if let Some((first, second)) = locations.same_key() {
            return Err(SiteError::SameKey { first, second });
        }
        let _writing = self.write();
        let default = &self.default.id;
        // The default location (the builder's key) is the reload's only
        // when `locations` names it.
        let keep_default = locations.key(default).is_none();
        if keep_default && let Some(default_now) = self.default.live() {
            for location in locations.clone() {
                if default_now.key.as_ref() == Some(&location.key) {
                    return Err(SiteError::SameKey {
                        first: default.clone(),
                        second: location.id,
                    });
                }
            }
        }
        let mut reloaded = Reloaded::default();
        for id in self.live() {
            if locations.key(&id).is_none() && !(keep_default && &id == default) {
                if let Some(site) = self.site(&id)
                    && let Some(last) = site.live.swap(None)
                {
                    site.retired.store(Some(last));
                }
                reloaded.retired.push(id);
            }
        }
        for location in locations {
            let site = self.site_or_new(&location.id);
            match site.live() {
                Some(now) if now.key.as_ref() == Some(&location.key) => {
                    reloaded.unchanged.push(location.id);
                }
                Some(now) => {
                    site.live.store(Some(Arc::new(
                        self.hosts.located(Some(location.key), now.retry),
                    )));
                    reloaded.rotated.push(location.id);
                }
                None => {
                    site.retired.store(None);
                    site.live
                        .store(Some(Arc::new(self.hosts.located(Some(location.key), None))));
                    reloaded.added.push(location.id);
                }
            }
        }
        Ok(reloaded)
    }
}

/// The locations of a client, changed while it runs: `dojo.sites()` (the
/// client's, not a location's handle's). Calls in flight are never blocked
/// and finish on the key they started with; a call started after a change
/// sees it, on every handle, old or new.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use dojo_payments::types::{ApiKey, LocationId, PaymentIntentId};
/// use dojo_payments::{Dojo, Error, Location, SiteError};
///
/// let dojo = Dojo::builder_for_sites().build()?;       // no default location
/// let brixton: LocationId = "brixton".parse()?;
/// dojo.sites()?.add(Location::new(brixton.clone(), ApiKey::new("sk_sandbox_brixton_0123456789")?))?;
/// let at_brixton = dojo.location(&brixton)?;
/// dojo.sites()?.rotate(&brixton, ApiKey::new("sk_sandbox_brixton_2_0123456789")?)?;
/// // at_brixton's calls started from now on carry the new key.
/// dojo.sites()?.remove(&brixton)?;
/// assert_eq!(dojo.location(&brixton).unwrap_err(), SiteError::Unknown(brixton.clone()));
/// let id: PaymentIntentId = "pi_sandbox_1".parse()?;
/// let refused = at_brixton.payment_intents().get(&id).await.unwrap_err();
/// assert!(matches!(refused, Error::InvalidRequest { .. }));  // nothing sent
/// assert_eq!(refused.location(), Some(&brixton));
/// assert_eq!(dojo.sites()?.retired(), [brixton.clone()]); // its key, for reconcile
/// dojo.sites()?.forget(&brixton)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Sites<'a> {
    pub(crate) registry: &'a Registry,
}

impl Sites<'_> {
    /// Adds `location` (its calls use its key from now on); a location
    /// removed before comes back (its retired key dropped). Refused when
    /// it is configured already, or its key is another's.
    pub fn add(&self, location: Location) -> Result<(), SiteError> {
        self.registry.add(location, None)
    }

    /// [`Self::add`], with a retry policy of its own (its deadline no
    /// longer than the client's).
    pub fn add_with_retry_policy(
        &self,
        location: Location,
        policy: RetryPolicy,
    ) -> Result<(), SiteError> {
        self.registry.add(location, Some(policy))
    }

    /// Gives location `id` a new key: calls started from now on, on any
    /// handle, carry it; calls in flight finish on the old one. Refused
    /// when `id` is not configured, or the key is another location's.
    pub fn rotate(&self, id: &LocationId, key: ApiKey) -> Result<(), SiteError> {
        self.registry.rotate(id, key)
    }

    /// Gives location `id` a retry policy of its own (`None`: the
    /// client's), for calls started from now on.
    pub fn set_retry_policy(
        &self,
        id: &LocationId,
        policy: Option<RetryPolicy>,
    ) -> Result<(), SiteError> {
        self.registry.set_retry_policy(id, policy)
    }

    /// Removes location `id`: new calls of its handles are refused before
    /// sending ([`crate::Error::InvalidRequest`] naming the location), calls
    /// in flight finish. Its key is kept, for the journal's `reconcile` to
    /// settle its open entries with, until [`Self::forget`].
    pub fn remove(&self, id: &LocationId) -> Result<(), SiteError> {
        self.registry.remove(id)
    }

    /// Drops the key of removed location `id`: from now on `reconcile`
    /// leaves its open entries open, saying why.
    pub fn forget(&self, id: &LocationId) -> Result<(), SiteError> {
        self.registry.forget(id)
    }

    /// Makes the client's locations those of `locations`
    /// ([`Locations::from_env`], [`Locations::from_file`], read again):
    /// adds the new, re-keys the changed, removes (retires) the missing;
    /// the `default` location (the builder's key) is left alone unless
    /// `locations` names it. Checked whole before anything changes.
    pub fn reload(&self, locations: Locations) -> Result<Reloaded, SiteError> {
        self.registry.reload(locations)
    }

    /// The configured locations, by name.
    pub fn configured(&self) -> Vec<LocationId> {
        self.registry.live()
    }

    /// The removed locations whose key is kept for settling.
    pub fn retired(&self) -> Vec<LocationId> {
        self.registry.retired()
    }
}

impl std::fmt::Debug for Sites<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sites")
            .field("configured", &self.configured())
            .field("retired", &self.retired())
            .finish()
    }
}
