//! The emulator as a Rust value: start it, point a client at it, play the
//! customer, move the clock, inject faults.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use dojo_payments_types::{
    ApiKey, LocationId, PaymentIntentId, PaymentMethodId, SetupIntentId, TerminalId,
};

use crate::accounts::LocationRefused;
use crate::app::{App, Choices};
use crate::cards::{Card, CardOutcome};
use crate::clock::{Clock, ClockError};
use crate::delivery::{Deliverer, DeliveryAttempt, WebhookRetryPolicy, WebhookSignatures};
use crate::faults::{Fault, FaultError, Route, UnknownRoute};
use crate::routes;
use crate::server::{self, Listening};
use crate::store::Store;
use crate::store::refusal::Refusal;
use crate::terminal::{EmulatedTerminal, NewTerminal};

/// The key the emulator hands out; any `sk_sandbox_` key is accepted.
pub const API_KEY: &str = "sk_sandbox_emulator_0123456789abcdefghijklmnopqrstuvwxyz";

/// The Dojo API version the api host emulates: the version of the document
/// its bodies are checked against, and so the one the generated client sends
/// (`dojo_payments_api::api::API_VERSION`, which `cargo xtask regen` writes
/// from the document: this is that constant, not a copy). A `version` header
/// naming another is refused with a 400 that names this one, unless the
/// emulator accepts any ([`EmulatorBuilder::accept_any_version`]).
pub const API_VERSION: &str = dojo_payments_api::api::API_VERSION;

/// The version the PCI host emulates (`spec/pci-api.json`, the project's
/// description of Dojo's PCI API): `dojo_payments_api::pci::API_VERSION`,
/// as [`API_VERSION`] is the api host's.
pub const PCI_VERSION: &str = dojo_payments_api::pci::API_VERSION;

/// Options for [`Emulator::builder`].
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    seed: Option<u64>,
    clock: Option<DateTime<Utc>>,
    retry: WebhookRetryPolicy,
    ports: Option<(u16, u16)>,
    api_key: Option<ApiKey>,
    locations: Vec<(LocationId, ApiKey)>,
    terminals: Vec<NewTerminal>,
    choices: Choices,
}

impl EmulatorBuilder {
    /// Ids from this seed: the same seed, the same ids.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// A manual clock standing at `at`, moved only by
    /// [`Emulator::advance_clock`].
    pub fn manual_clock(mut self, at: DateTime<Utc>) -> Self {
        self.clock = Some(at);
        self
    }

    /// How webhook deliveries are retried (`attempts: 0` sends none).
    pub fn webhook_retries(mut self, policy: WebhookRetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Fixed ports for the api and PCI hosts (default: any free ports).
    pub fn ports(mut self, api: u16, pci: u16) -> Self {
        self.ports = Some((api, pci));
        self
    }

    /// Accept only `key` (a sandbox key), as a shared CI might (and the
    /// locations' keys); by default any `sk_sandbox_` key is accepted.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// A location account `name` (`acc_<name>`), whose key is `key`: it
    /// sees only its own intents, customers and subscriptions. Once a
    /// location is named, only named keys are accepted (the default one
    /// too).
    pub fn location(mut self, name: LocationId, key: ApiKey) -> Self {
        self.locations.push((name, key));
        self
    }

    /// One more terminal (after the default ones: `tm_sandbox_counter1`,
    /// `auto`; `…counter2`, Offline; `…counter3`, manual); a location's
    /// needs the location named first.
    pub fn terminal(mut self, terminal: NewTerminal) -> Self {
        self.terminals.push(terminal);
        self
    }

    /// Which active secrets sign each webhook delivery. By default one
    /// signature, under the newest active secret, as Dojo's documents show
    /// it; [`WebhookSignatures::EveryActiveSecret`] joins one per active
    /// secret with commas, which Dojo does not document (and its PHP helper
    /// refuses).
    pub fn webhook_signatures(mut self, signatures: WebhookSignatures) -> Self {
        self.choices.signatures = signatures;
        self
    }

    /// Answers any `version` header that is a date, in the shapes of the
    /// version emulated ([`crate::API_VERSION`]; [`crate::PCI_VERSION`] on the
    /// PCI host), instead of refusing every other version with a 400 naming
    /// the one emulated (the default). A client pinned to another version
    /// then learns nothing about that version from the emulator.
    pub fn accept_any_version(mut self) -> Self {
        self.choices.any_version = true;
        self
    }

    /// Starts both hosts on 127.0.0.1.
    pub async fn start(self) -> std::io::Result<Emulator> {
        let (api_routes, pci_routes) = (routes::api(), routes::pci());
        let served = api_routes.routes().chain(pci_routes.routes()).collect();
        let app = App::new(
            Store::new(self.seed.unwrap_or_else(|| fastrand::u64(..))),
            self.clock.map_or_else(Clock::system, Clock::manual),
            Deliverer::new(self.retry),
            served,
            self.choices,
        );
        let default = self.api_key.as_ref().map_or(API_KEY, |key| key.expose());
        app.accounts.set_default(default, self.api_key.is_some());
        for (name, key) in &self.locations {
            app.accounts
                .add_location(name.as_str(), key.expose())
                .map_err(|refused| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, refused)
                })?;
        }
        for terminal in self.terminals {
            terminal.add(&app).map_err(|refused| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, refused)
            })?;
        }
        let app = Arc::new(app);
        let (api_port, pci_port) = self.ports.unwrap_or((0, 0));
        let api = server::serve(routes::api_host(api_routes, app.clone()), api_port).await?;
        let pci = server::serve(routes::pci_host(pci_routes, app.clone()), pci_port).await?;
        let _ = app.api_url.set(api.url.clone());
        Ok(Emulator { app, api, pci })
    }
}

/// A running emulator. Both hosts stop when it is dropped, and the
/// commits its faults promised for later are dropped with it.
#[derive(Debug)]
pub struct Emulator {
    app: Arc<App>,
    api: Listening,
    pci: Listening,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.app.faults.abandon_later();
    }
}

impl Emulator {
    /// Starts an emulator with the system clock and random ids.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Options: a seed, a manual clock, webhook retries and signatures,
    /// ports, keys, locations, versions.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The api host's base URL (stands for `https://api.dojo.tech`).
    pub fn api_url(&self) -> &str {
        &self.api.url
    }

    /// The hosted checkout's base URL (stands for `https://pay.dojo.tech`):
    /// the api host serves `/checkout/{id}` too.
    pub fn checkout_url(&self) -> &str {
        &self.api.url
    }

    /// All three hosts as one value, for a client's builder
    /// (`Dojo::builder(emulator.api_key()).endpoints(emulator.endpoints())`).
    pub fn endpoints(&self) -> dojo_payments_api::Endpoints {
        dojo_payments_api::Endpoints {
            api: self.api_url().to_owned(),
            pci: self.pci_url().to_owned(),
            checkout: self.checkout_url().to_owned(),
        }
    }

    /// Adds location account `name` (`acc_<name>`) with `key`, while the
    /// emulator runs; from now on only named keys are accepted. Its account;
    /// a key or name already another's is refused.
    pub fn add_location(&self, name: &LocationId, key: &ApiKey) -> Result<String, LocationRefused> {
        self.app.accounts.add_location(name.as_str(), key.expose())
    }

    /// Accepts `key` too for location `name`'s account (a rotation: the new
    /// key sees the same data; both keys work); the account. A key another
    /// location's already, or a name never added, is refused.
    pub fn add_key(&self, name: &LocationId, key: &ApiKey) -> Result<String, LocationRefused> {
        self.app.accounts.add_key(name.as_str(), key.expose())
    }

    /// How many calls the named key `key` made (which of a location's
    /// keys a call carried).
    pub fn key_uses(&self, key: &ApiKey) -> u64 {
        self.app.accounts.uses_of(key.expose())
    }

    /// The account (`accountId`) of location `name`, if it is one.
    pub fn location_account(&self, name: &LocationId) -> Option<String> {
        self.app.accounts.location_account(name.as_str())
    }

    /// The PCI host's base URL (stands for `https://pci-api.dojo.tech`).
    pub fn pci_url(&self) -> &str {
        &self.pci.url
    }

    /// A sandbox key the emulator accepts: the one it was started with, or
    /// [`API_KEY`].
    pub fn api_key(&self) -> ApiKey {
        let key = self.app.accounts.default_key();
        let key = key.as_deref().unwrap_or(API_KEY);
        ApiKey::new(key).expect("a sandbox key, checked when it was given")
    }

    /// The customer pays payment intent `id` with `card` at checkout, saving
    /// it for the intent's customer when `save_card`. Returns what the card
    /// did; a declined card leaves the intent `Created`.
    pub fn pay(
        &self,
        id: &PaymentIntentId,
        card: &Card,
        save_card: bool,
    ) -> Result<CardOutcome, Refusal> {
        self.app
            .commit(|store, now| store.pay(id.as_str(), card.clone(), save_card, now))
    }

    /// The customer pays payment intent `id` with their saved card
    /// `payment_method_id` (as preselected by `savedCardId`).
    pub fn pay_with_saved_card(
        &self,
        id: &PaymentIntentId,
        payment_method_id: &PaymentMethodId,
    ) -> Result<CardOutcome, Refusal> {
        self.app
            .commit(|store, now| store.pay_with_saved(id.as_str(), payment_method_id.as_str(), now))
    }

    /// The customer adds `card` to setup intent `id` at checkout.
    pub fn authorize_setup_intent(
        &self,
        id: &SetupIntentId,
        card: &Card,
    ) -> Result<CardOutcome, Refusal> {
        self.app
            .commit(|store, now| store.authorize(id.as_str(), card.clone(), now))
    }

    /// Terminal `id` (any location's), as its customer and hardware:
    /// present a card, a card problem, walk away, go offline.
    pub fn terminal<'e>(&'e self, id: &'e TerminalId) -> EmulatedTerminal<'e> {
        EmulatedTerminal::new(&self.app, id)
    }

    /// Adds `terminal` while the emulator runs; its id. An id already taken
    /// is refused, and so is a location not named.
    pub fn add_terminal(&self, terminal: NewTerminal) -> Result<TerminalId, Refusal> {
        terminal.add(&self.app)
    }

    /// Setup intent `id` expires now.
    pub fn expire_setup_intent(&self, id: &SetupIntentId) -> Result<(), Refusal> {
        self.app
            .commit(|store, now| store.setup_intent(id.as_str())?.expire(now))
    }

    /// Moves the emulator's clock forward (expiry windows, 7-day rules),
    /// and applies what time alone changes; a move backwards or past
    /// [`ClockError`]'s limit is refused and changes nothing.
    pub fn advance_clock(&self, by: Duration) -> Result<(), ClockError> {
        self.app.clock.advance(by)?;
        self.app.read(|_| ());
        Ok(())
    }

    /// The emulator's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.app.clock.now()
    }

    /// The route named `name` (method and the document's path template:
    /// `"POST /payment-intents/{paymentIntentId}/refunds"`), if either host
    /// serves it.
    pub fn route(&self, name: &str) -> Result<Route, UnknownRoute> {
        self.app.route(name)
    }

    /// Applies `fault` to the next `times` calls of the route named `route`
    /// (as [`Emulator::route`] names it); a route the emulator does not
    /// serve is an error, not a fault that never fires, and so is a fault
    /// it cannot serve (a status outside 200–599, a latency over
    /// [`Fault::MAX_DELAY`], a [`Fault::Stale`] on a route not in
    /// [`Fault::STALE_ROUTES`]). Faults armed on one route fire in the
    /// order armed, each for its `times` calls before the next.
    pub fn inject_fault(&self, route: &str, fault: Fault, times: usize) -> Result<(), FaultError> {
        let route = self.app.route(route)?;
        self.app.faults.arm(route, fault, times)
    }

    /// Applies `faults` to the next calls of the route named `route`, each
    /// to one call, in order (after any faults armed on it before): "the
    /// first attempt one way, the retry another". All are armed, or none
    /// if one cannot be served (the error names which).
    ///
    /// ```no_run
    /// # async fn run(emulator: dojo_payments_emulator::Emulator) -> Result<(), Box<dyn std::error::Error>> {
    /// use dojo_payments_emulator::Fault;
    /// // The refund is made and answered 500; the retry is refused 400
    /// // without acting.
    /// emulator.inject_faults(
    ///     "POST /payment-intents/{paymentIntentId}/refunds",
    ///     [Fault::fail_after_commit(500), Fault::fail(400)],
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn inject_faults(
        &self,
        route: &str,
        faults: impl IntoIterator<Item = Fault>,
    ) -> Result<(), FaultError> {
        let route = self.app.route(route)?;
        self.app
            .faults
            .arm_all(route, faults.into_iter().map(|fault| (fault, 1)))
    }

    /// Every API call received so far, as method and route template
    /// (`"POST /payment-intents/{paymentIntentId}/captures"`; on the PCI
    /// host `"pci POST /setup-intents"`), oldest first:
    /// what a test checks to know that a refusal sent nothing.
    pub fn requests(&self) -> Vec<String> {
        self.app.requests.routes()
    }

    /// The same, each with the account whose key made the call (`None`
    /// for calls made without an API key): which location's key a call
    /// carried.
    pub fn requests_by_account(&self) -> Vec<(String, Option<String>)> {
        self.app.requests.entries()
    }

    /// How many connections the api host has accepted: what a client's
    /// pooling costs it.
    pub fn connections_accepted(&self) -> u64 {
        self.api.connections_accepted()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    /// Every webhook delivery attempt so far.
    pub fn webhook_attempts(&self) -> Vec<DeliveryAttempt> {
        self.app.deliverer.attempts()
    }

    /// Payment intent `id` as the emulator keeps it now (whichever
    /// account's), as Dojo's JSON would render it: the oracle an answer,
    /// lagging or cut down by a fault, is checked against. `None` if there
    /// is none.
    pub fn payment_intent(
        &self,
        id: &PaymentIntentId,
    ) -> Option<dojo_payments_api::api::types::PaymentIntent> {
        let record = self
            .app
            .read(|store| store.find_payment_intent(id.as_str()).ok().cloned())?;
        Some(record.render(self.app.checkout_link(record.id.as_str())))
    }

    /// How many refunds payment intent `id` has.
    pub fn refund_count(&self, id: &PaymentIntentId) -> usize {
        self.app.read(|store| store.refunds_of(id.as_str()).count())
    }

    /// A digest of every resource the emulator keeps (not its request log
    /// or webhook attempts): equal before and after a call when the call
    /// stored nothing, which is how a test shows that a rejected request
    /// changed nothing.
    pub fn state_digest(&self) -> u64 {
        self.app.digest()
    }
}
