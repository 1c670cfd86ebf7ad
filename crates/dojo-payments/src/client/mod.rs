//! `Dojo`, the client, and its locations' handles. How one is built:
//! `builder.rs`; the live registry of its locations: `sites.rs`.

use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use dojo_payments_api::api::ClientInfo;
use dojo_payments_api::{api, pci};
use dojo_payments_types::{InvalidValue, LocationId};

use crate::error::{Error, Invalid};
use crate::idempotency::UsedKeys;
use crate::resources::{Customers, Epos, PaymentIntents, SetupIntents, Terminals, Webhooks};
use crate::retry::RetryPolicy;
use crate::settlement::SettlementPolicy;

mod builder;
mod sites;

pub use builder::{ConfigError, DojoBuilder};
use sites::Located;
use sites::{Registry, Site};
pub use sites::{Reloaded, SiteError, Sites};

/// The client of Dojo's API: cheap to clone (two `Arc`s), `Send + Sync`,
/// one connection pool for both of Dojo's hosts and every location.
///
/// Dojo binds each key to one location account. The client holds every
/// location's key in a live registry ([`Dojo::sites`]: added, re-keyed and
/// removed while it runs) and calls as the `default` location, the one it
/// was built with ([`Dojo::builder`]), if it has one
/// ([`Dojo::builder_for_sites`] has none: its own calls are refused before
/// sending). [`Dojo::location`] hands out a location's handle on the same
/// pool and configuration: every resource, lifecycle and flow works on it
/// as on the client, and it reaches no other location. Each call takes its
/// location's key when it starts.
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
    /// The location this handle calls as (the client: `default`,
    /// configured or not).
    at: Arc<Site>,
    /// What the handle may reach.
    scope: Scope,
}

/// What a `Dojo` may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The client: every location.
    Client,
    /// One location's handle: that location only, while it is configured.
    Site,
    /// The journal's handle for settling one location's entries: its key
    /// now, or the one it had when it was removed.
    Settling,
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
    /// Every location, by name: its clients now.
    sites: Registry,
}

/// The `api.dojo.tech` client of a call's location, as current when the
/// call started (kept to its end, retries included).
pub(crate) struct ApiAt(Arc<Located>);

impl Deref for ApiAt {
    type Target = api::Client;

    fn deref(&self) -> &api::Client {
        &self.0.api
    }
}

/// The `pci-api.dojo.tech` client of a call's location, as [`ApiAt`].
pub(crate) struct PciAt(Arc<Located>);

impl Deref for PciAt {
    type Target = pci::Client;

    fn deref(&self) -> &pci::Client {
        &self.0.pci
    }
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
        let clients = self.clients();
        f.debug_struct("Dojo")
            .field("location", &self.at.id)
            .field("scope", &self.scope)
            .field("configured", &self.current().is_some())
            .field("api_url", &clients.api.baseurl())
            .field("pci_url", &clients.pci.baseurl())
            .field("checkout_url", &self.inner.checkout_url)
            .field("retry", &self.retry_policy())
            .field("settlement", &self.inner.settlement)
            .finish_non_exhaustive()
    }
}

impl Dojo {
    /// The version of Dojo's API this SDK was generated from, sent as the
    /// `version` header of every call to `api.dojo.tech`.
    pub const API_VERSION: &'static str = dojo_payments_api::api::API_VERSION;

    /// Where to send the customer to complete intent `id` at Dojo's hosted
    /// checkout (`https://pay.dojo.tech/checkout/{id}`): to pay a payment
    /// intent, or to authorize a card for a setup intent. Dojo sends them
    /// back to the intent's `config.redirectUrl`, or `config.cancelUrl`.
    pub fn checkout_link(&self, id: &impl CheckoutIntentId) -> String {
        format!("{}/checkout/{}", self.inner.checkout_url, id.as_wire())
    }

    /// A handle that calls as location `id` (its key; the name
    /// [normalised](crate::location::normalised)), on the same pool and
    /// configuration: cheap (two `Arc`s), made as often as you like. It
    /// follows the location: a call started after a rotation carries the
    /// new key; after a removal, its calls are refused before sending.
    ///
    /// A handle is a boundary: asked for another location it refuses
    /// ([`SiteError::BeyondHandle`]); for its own, it gives itself. Code
    /// that may act for any location holds the client.
    pub fn location(&self, id: &LocationId) -> Result<Dojo, SiteError> {
        let id = id.clone();
        if self.scope != Scope::Client {
            return if id == self.at.id {
                Ok(self.clone())
            } else {
                Err(SiteError::BeyondHandle {
                    handle: self.at.id.clone(),
                    wanted: id,
                })
            };
        }
        match self.inner.sites.site(&id) {
            Some(site) if site.live().is_some() => Ok(self.handle(site, Scope::Site)),
            _ => Err(SiteError::Unknown(id)),
        }
    }

    /// A handle for settling location `id`'s journal entries: as
    /// [`Dojo::location`], and for a removed location, the key it had,
    /// until it is forgotten ([`Sites::forget`]).
    pub(crate) fn location_for_settling(&self, id: &LocationId) -> Result<Dojo, SiteError> {
        let id = id.clone();
        if self.scope != Scope::Client && id != self.at.id {
            return Err(SiteError::BeyondHandle {
                handle: self.at.id.clone(),
                wanted: id,
            });
        }
        match self.inner.sites.site(&id) {
            Some(site) if site.for_settling().is_some() => Ok(self.handle(site, Scope::Settling)),
            _ => Err(SiteError::Unknown(id)),
        }
    }

    fn handle(&self, at: Arc<Site>, scope: Scope) -> Dojo {
        Dojo {
            inner: self.inner.clone(),
            at,
            scope,
        }
    }

    /// The live registry of this client's locations: add, re-key
    /// (rotate), remove, reload while it runs. The client's only: a
    /// location's handle is refused ([`SiteError::NotTheClient`]).
    pub fn sites(&self) -> Result<Sites<'_>, SiteError> {
        match self.scope {
            Scope::Client => Ok(Sites {
                registry: &self.inner.sites,
            }),
            _ => Err(SiteError::NotTheClient(self.at.id.clone())),
        }
    }

    /// The location this handle calls as (the client: `default`, which
    /// may not be configured: [`Dojo::builder_for_sites`]).
    pub fn location_id(&self) -> &LocationId {
        &self.at.id
    }

    /// The locations this handle may call as, configured now, by name:
    /// the client's every one; a handle's, its own.
    pub fn locations(&self) -> Vec<LocationId> {
        match self.scope {
            Scope::Client => self.inner.sites.live(),
            _ if self.at.live().is_some() => vec![self.at.id.clone()],
            _ => Vec::new(),
        }
    }

    /// This handle's location's clients now, if it may call.
    fn current(&self) -> Option<Arc<Located>> {
        match self.scope {
            Scope::Settling => self.at.for_settling(),
            _ => self.at.live(),
        }
    }

    /// The clients to call with now: the location's, or (refused by the
    /// send path before anything is sent) those of no key.
    fn clients(&self) -> Arc<Located> {
        self.current()
            .unwrap_or_else(|| self.inner.sites.nowhere.clone())
    }

    /// The retry policy of a call starting now; refused (nothing sent)
    /// when this handle's location is not configured: removed, or the
    /// client's `default` when it has none.
    pub(crate) fn policy_at_call_start(
        &self,
        operation: &'static str,
    ) -> Result<RetryPolicy, Error> {
        match self.current() {
            Some(located) => Ok(located.retry().unwrap_or(self.inner.retry)),
            None => {
                let rule = match self.scope {
                    Scope::Client => {
                        "default is not configured on this client: call through a location's \
                         handle, dojo.location(&id)"
                    }
                    _ => "is not configured on this client (removed)",
                };
                let rule = if self.scope == Scope::Client {
                    rule.to_owned()
                } else {
                    format!("{} {rule}", self.at.id)
                };
                Err(Error::invalid(
                    operation,
                    Invalid::Value(InvalidValue::new("location", rule)),
                )
                .made_for(&self.at.id))
            }
        }
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

    /// The raw client of `api.dojo.tech` with this handle's location's key
    /// now: every operation, as generated; the escape hatch (no retries,
    /// no validation, no check that the location is configured: a client
    /// without one sends no key). Unless you gave your own reqwest client,
    /// each of its requests is abandoned a second after the policy's
    /// deadline.
    pub fn raw(&self) -> api::Client {
        self.clients().raw_api.clone()
    }

    /// The raw client of `pci-api.dojo.tech`, as [`Dojo::raw`].
    pub fn raw_pci(&self) -> pci::Client {
        self.clients().raw_pci.clone()
    }

    /// The client of `api.dojo.tech` for a call starting now, sent by
    /// [`Dojo::send`], which bounds it by the policy's deadline.
    pub(crate) fn api(&self) -> ApiAt {
        ApiAt(self.clients())
    }

    /// The client of `pci-api.dojo.tech` for a call starting now.
    pub(crate) fn pci(&self) -> PciAt {
        PciAt(self.clients())
    }

    /// The retry policy of this handle's calls started now: its location's
    /// own ([`DojoBuilder::location_retry_policy`],
    /// [`Sites::set_retry_policy`]), or the client's.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.current()
            .and_then(|located| located.retry())
            .unwrap_or(self.inner.retry)
    }

    /// How ambiguous movements are settled by reads (the in-flight margin,
    /// the read lag).
    pub fn settlement_policy(&self) -> &SettlementPolicy {
        &self.inner.settlement
    }
}
