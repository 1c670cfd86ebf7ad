//! A small merchant web shop on `dojo-payments`: the kind of program the
//! SDK's users write, walking every flow of Dojo's guides through Dojo's
//! hosted checkout, with orders in a database moved only by verified
//! webhook events.
//!
//! - *accounts* ([`auth`], [`pages::account`]): customers sign up; staff
//!   and admins are made by [`cli`]; sessions, CSRF and the doors in front
//!   of every page; the limits against card testing ([`defences`]);
//! - *buy, and save the card* ([`pages::shop`]): a signed-in customer's
//!   Dojo customer (made once), a payment intent offering `SavedCard`, the
//!   customer sent to checkout and back to the order page; a guest pays
//!   by card and saves nothing;
//! - *my cards* ([`pages::cards`]): the customer's saved cards, read with
//!   their customer secret; pay again with one preselected, or delete one;
//! - *book a table with a no-show fee* ([`pages::booking`]): a setup intent
//!   authorized at checkout, charged or closed by the admin;
//! - *phone order* ([`pages::phone`]): card details typed by staff,
//!   tokenized at the PCI host and charged once per form, never stored,
//!   audited;
//! - *admin* ([`pages::admin`]): capture in parts and refund, each through
//!   the SDK's journal (written before the call, reconciled at start-up
//!   and every minute), every order's webhook events;
//! - *the till* ([`pages::till`]): a payment at the counter on a card
//!   terminal (Pay at Counter), watched live ([`pages::till_session`],
//!   [`pages::till_live`]): the signature check, cancel, and refunds at the
//!   counter ([`pages::till_refund`]), each session journaled.
//!
//! ```no_run
//! # #[tokio::main] async fn main() -> Result<(), dojo_shop::StartError> {
//! let shop = dojo_shop::Shop::start(dojo_shop::Options::from_env()?).await?;
//! println!("open {}", shop.url());
//! shop.wait().await;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod backend;
pub mod catalog;
pub mod cli;
pub mod defences;
pub mod headers;
pub mod order;
pub mod pages;
mod public_url;
pub mod store;
pub mod till_amount;
pub mod webhook;

pub use public_url::PublicUrl;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dojo_payments::Dojo;
use dojo_payments::counter::Counter;
use dojo_payments::journal::Journal;
use dojo_payments::webhook::Verifier;
use dojo_payments_emulator::Emulator;
use dojo_payments_sqlx::SqlJournal;

use crate::backend::Backend;
use crate::store::Db;

/// The events the shop subscribes to.
pub const EVENTS: [&str; 2] = ["payment_intent.created", "payment_intent.status_updated"];

/// How to start the shop.
#[derive(Clone)]
pub struct Options {
    /// Where to listen (`127.0.0.1:3000`; port 0 for any free one).
    pub addr: SocketAddr,
    /// The database (`sqlite:shop.db?mode=rwc`, `postgres://…`); `None`
    /// for a new SQLite file in the temporary directory.
    pub database_url: Option<String>,
    /// Where customers and Dojo reach the shop, when not at its own
    /// address: its https address behind a TLS proxy, a tunnel, or a load
    /// balancer in front of several instances. Every URL a customer is sent
    /// to (Dojo's `redirectUrl` and `cancelUrl`) and the webhook URL are
    /// built from it. An origin (`https://shop.example.com`): https, or
    /// http on this machine.
    pub public_url: Option<String>,
    /// How often the journal is reconciled while the shop runs (as well as
    /// at start-up): a call whose handler was dropped, or whose answer
    /// proved nothing, is settled within this and the journal's window.
    pub reconcile_every: Duration,
    /// Which proxies in front of the shop are believed when their
    /// `X-Forwarded-For` names the client (the limits count by address):
    /// none, a number of them, or their networks.
    pub trust_proxy: defences::TrustProxy,
    /// Where a CAPTCHA decides ([`defences::BotCheck`]); none by default.
    pub bot_check: Arc<dyn defences::BotCheck>,
    /// The software house id every terminal call carries (Dojo's
    /// `software-house-id`, the same for every merchant of one EPOS):
    /// `SHOP_SOFTWARE_HOUSE_ID`. `None`: [`EMULATOR_SOFTWARE_HOUSE_ID`] on
    /// the embedded emulator; against Dojo, the till is off and says why.
    pub software_house_id: Option<String>,
    /// The reseller id terminal calls carry too, if Dojo gave one
    /// (`SHOP_RESELLER_ID`).
    pub reseller_id: Option<String>,
}

/// The software house id of the till on the embedded emulator, which takes
/// any: a local run needs no configuration.
pub const EMULATOR_SOFTWARE_HOUSE_ID: &str = "dojo-shop";

impl Default for Options {
    /// Any free port on loopback, a new SQLite file, no public URL, the
    /// journal reconciled every minute, no proxy, no bot check.
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: None,
            public_url: None,
            reconcile_every: RECONCILE_EVERY,
            trust_proxy: defences::TrustProxy::None,
            bot_check: Arc::new(defences::NoBotCheck),
            software_house_id: None,
            reseller_id: None,
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database URL may carry a password.
        f.debug_struct("Options")
            .field("addr", &self.addr)
            .field("public_url", &self.public_url)
            .field("reconcile_every", &self.reconcile_every)
            .field("trust_proxy", &self.trust_proxy)
            .field("software_house_id", &self.software_house_id)
            .field("reseller_id", &self.reseller_id)
            .finish_non_exhaustive()
    }
}

/// How often the shop reconciles its journal by default.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(60);

impl Options {
    /// Whether the shop is served on this machine alone: it listens on
    /// loopback, and its public URL (if any) is this machine. Only then may
    /// it run on the embedded emulator, which takes no money and whose
    /// control API is unauthenticated.
    pub fn local_run(&self) -> bool {
        let public_is_local = match &self.public_url {
            Some(url) => PublicUrl::new(url).is_ok_and(|url| url.is_loopback()),
            None => true,
        };
        self.addr.ip().is_loopback() && public_is_local
    }

    /// `SHOP_ADDR` (default `127.0.0.1:3000`), `DATABASE_URL`,
    /// `SHOP_PUBLIC_URL`, `SHOP_RECONCILE_SECONDS` (default 60) and
    /// `SHOP_TRUST_PROXY` (a number of proxies in front, `1` for one load
    /// balancer; or their networks, `10.0.0.0/8,fd00::/8`: see
    /// [`defences::TrustProxy`]), `SHOP_SOFTWARE_HOUSE_ID` and
    /// `SHOP_RESELLER_ID` (the till's, see [`Options::software_house_id`]). A `SHOP_ADDR` that is not an address
    /// and port is an error, never the default in its place.
    pub fn from_env() -> Result<Self, StartError> {
        let addr = listen_addr(std::env::var("SHOP_ADDR").ok().as_deref())?;
        let reconcile_every = std::env::var("SHOP_RECONCILE_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(RECONCILE_EVERY, Duration::from_secs);
        Ok(Self {
            addr,
            database_url: std::env::var("DATABASE_URL").ok(),
            public_url: std::env::var("SHOP_PUBLIC_URL").ok(),
            reconcile_every,
            trust_proxy: trust_proxy_from_env(),
            software_house_id: non_empty_var("SHOP_SOFTWARE_HOUSE_ID"),
            reseller_id: non_empty_var("SHOP_RESELLER_ID"),
            ..Self::default()
        })
    }
}

/// Where to listen: `SHOP_ADDR` (`127.0.0.1:3000` unset); one that does
/// not parse is refused (a typo must not quietly serve somewhere else).
pub fn listen_addr(value: Option<&str>) -> Result<SocketAddr, StartError> {
    match value {
        None => Ok(SocketAddr::from(([127, 0, 0, 1], 3000))),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| StartError::Addr(text.to_owned())),
    }
}

/// Why the shop could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound, or the emulator not started.
    #[error("could not listen: {0}")]
    Io(#[from] std::io::Error),
    /// `SHOP_ADDR` is not an address and port.
    #[error("SHOP_ADDR is not an address and port (such as 127.0.0.1:3000): {0:?}")]
    Addr(String),
    /// `SHOP_PUBLIC_URL` is not an origin customers may be sent to.
    #[error("SHOP_PUBLIC_URL: {0}")]
    PublicUrl(dojo_payments::types::InvalidValue),
    /// The shop listens off loopback with no public URL to send customers
    /// back to.
    #[error(
        "SHOP_ADDR is not on loopback: set SHOP_PUBLIC_URL to the https address customers \
         reach the shop at"
    )]
    NoPublicUrl,
    /// The shop is deployed (served beyond this machine) without a Dojo
    /// key: the embedded emulator would take no money, and serve its
    /// unauthenticated control API.
    #[error(
        "the shop is deployed (SHOP_PUBLIC_URL or SHOP_ADDR beyond this machine) but \
         DOJO_API_KEY is not set: the embedded emulator takes no money, so it runs only on \
         loopback. Set DOJO_API_KEY"
    )]
    EmulatorDeployed,
    /// The database could not be opened or migrated.
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    /// The Dojo client could not be built.
    #[error("the Dojo client: {0}")]
    Config(#[from] dojo_payments::ConfigError),
    /// Dojo refused the webhook subscription.
    #[error("subscribing to webhooks: {0}")]
    Dojo(#[from] dojo_payments::Error),
    /// The journal could not be reconciled.
    #[error("reconciling the journal: {0}")]
    Journal(#[from] dojo_payments::journal::JournalError),
}

/// A running shop.
pub struct Shop {
    url: String,
    public_url: PublicUrl,
    database_url: String,
    webhook_url: Option<String>,
    db: Db,
    journal: Arc<Journal<SqlJournal>>,
    dojo: Dojo,
    counter: Option<Counter>,
    backend: Backend,
    server: tokio::task::JoinHandle<()>,
    reconciler: tokio::task::JoinHandle<()>,
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.reconciler.abort();
    }
}

impl Shop {
    /// Starts the shop on the Dojo of the environment ([`Backend::from_env`]).
    /// Refused, before any emulator is started, when the shop is deployed
    /// ([`Options::local_run`] is false) and `DOJO_API_KEY` is not set.
    pub async fn start(options: Options) -> Result<Self, StartError> {
        if std::env::var_os("DOJO_API_KEY").is_none() && !options.local_run() {
            return Err(StartError::EmulatorDeployed);
        }
        Self::start_on(Backend::from_env().await?, options).await
    }

    /// Starts the shop on `backend`: refused on the embedded emulator when
    /// the shop is deployed ([`Options::local_run`]), and when its public
    /// URL is not an origin customers may be sent to.
    pub async fn start_on(backend: Backend, options: Options) -> Result<Self, StartError> {
        if backend.emulator().is_some() && !options.local_run() {
            return Err(StartError::EmulatorDeployed);
        }
        if options.public_url.is_none() && !options.addr.ip().is_loopback() {
            return Err(StartError::NoPublicUrl);
        }
        let listener = tokio::net::TcpListener::bind(options.addr).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let public = PublicUrl::new(options.public_url.as_deref().unwrap_or(&url))
            .map_err(StartError::PublicUrl)?;
        let database_url = options
            .database_url
            .clone()
            .unwrap_or_else(default_database);
        let db = Db::connect(&database_url).await?;
        let dojo = backend.client()?;
        let journal = Journal::new(SqlJournal::new(db.pool().clone()).await?, &dojo);
        let counter = till_counter(&backend, &dojo, &options);
        // What a crash of an earlier run left open is settled first (the
        // till's sessions too, when the shop has a till).
        for settled in reconcile(&journal, &dojo, counter.as_ref()).await? {
            println!("journal: {} is {}", settled.name, settled.state.name());
        }
        let verifier = Verifier::default();
        let webhook_url = backend
            .delivers_to(&public)
            .then(|| format!("{}/webhooks/dojo", public.origin()));
        if let Some(webhook_url) = &webhook_url {
            subscribe(&dojo, &verifier, webhook_url).await?;
        }
        let journal = Arc::new(journal);
        let reconciler = tokio::spawn(now_and_then(
            journal.clone(),
            db.clone(),
            dojo.clone(),
            counter.clone(),
            options.reconcile_every,
        ));
        let state = pages::AppState {
            dojo: dojo.clone(),
            db: db.clone(),
            journal: journal.clone(),
            verifier,
            secure_cookies: public.is_https(),
            public_url: public.clone(),
            trust_proxy: options.trust_proxy,
            bot_check: options.bot_check.clone(),
            counter: counter.clone(),
            live: pages::till_live::Followers::default(),
        };
        let router = pages::router(state);
        let server = tokio::spawn(async move {
            // The listener is bound; serving fails only if the runtime stops.
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, service).await;
        });
        Ok(Self {
            url,
            public_url: public,
            database_url,
            webhook_url,
            db,
            journal,
            dojo,
            counter,
            backend,
            server,
            reconciler,
        })
    }

    /// Where the shop is served (`http://127.0.0.1:3000`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where customers reach the shop (`SHOP_PUBLIC_URL`, or [`Self::url`]).
    pub fn public_url(&self) -> &PublicUrl {
        &self.public_url
    }

    /// The database's URL (for `dojo-shop create-admin`).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The shop's database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The journal of the shop's captures and refunds.
    pub fn journal(&self) -> &Journal<SqlJournal> {
        &self.journal
    }

    /// The shop's Dojo client.
    pub fn dojo(&self) -> &Dojo {
        &self.dojo
    }

    /// The till's handle on the card terminals; `None` against Dojo
    /// without a software house id (the till is off).
    pub fn counter(&self) -> Option<&Counter> {
        self.counter.as_ref()
    }

    /// The embedded emulator, when the shop runs on one.
    pub fn emulator(&self) -> Option<&Emulator> {
        self.backend.emulator()
    }

    /// Whether Dojo can deliver webhooks to the shop.
    pub fn receives_webhooks(&self) -> bool {
        self.webhook_url.is_some()
    }

    /// Serves until the process is stopped.
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }
}

/// Reconciles the journal every `every`, for as long as the shop runs: what
/// a dropped handler, a crash of another instance or an answer that proved
/// nothing left open is settled (once it can no longer be in flight), not
/// only at the next start-up. Ended sessions, and form tokens and counted
/// attempts a day old, are forgotten at the same pace.
async fn now_and_then(
    journal: Arc<Journal<SqlJournal>>,
    db: Db,
    dojo: Dojo,
    counter: Option<Counter>,
    every: Duration,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await; // the first is now: start-up reconciled already
    loop {
        ticks.tick().await;
        match reconcile(&journal, &dojo, counter.as_ref()).await {
            Ok(settled) => {
                for entry in settled {
                    println!("journal: {} is {}", entry.name, entry.state.name());
                }
            }
            Err(error) => eprintln!("reconciling the journal: {error}"),
        }
        if let Err(error) = db
            .prune(chrono::Utc::now() - chrono::Duration::days(1))
            .await
        {
            eprintln!("forgetting old sessions: {error}");
        }
        if let Err(error) = db
            .prune_flashes(chrono::Utc::now() - chrono::Duration::hours(1))
            .await
        {
            eprintln!("forgetting old messages: {error}");
        }
    }
}

/// Reconciles the journal: with the till's counter when there is one, so
/// that its sessions are read and settled too (their reads need the
/// software house id).
async fn reconcile(
    journal: &Journal<SqlJournal>,
    dojo: &Dojo,
    counter: Option<&Counter>,
) -> Result<Vec<dojo_payments::journal::Reconciled>, dojo_payments::journal::JournalError> {
    match counter {
        Some(counter) => journal.reconcile_counter(counter).await,
        None => journal.reconcile(dojo).await,
    }
}

/// The till's handle on the terminals: the configured software house id,
/// or on the embedded emulator (which takes any) the shop's own; none
/// against Dojo without one (the till page says so, the rest of the shop
/// runs).
fn till_counter(backend: &Backend, dojo: &Dojo, options: &Options) -> Option<Counter> {
    let software_house = match (&options.software_house_id, backend.emulator()) {
        (Some(id), _) => id.clone(),
        (None, Some(_)) => EMULATOR_SOFTWARE_HOUSE_ID.to_owned(),
        (None, None) => return None,
    };
    let counter = Counter::new(dojo.clone(), software_house);
    Some(match &options.reseller_id {
        Some(reseller) => counter.reseller(reseller.clone()),
        None => counter,
    })
}

/// Environment variable `name`, unless unset or blank.
fn non_empty_var(name: &str) -> Option<String> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Subscribes `url` to [`EVENTS`], or finds the subscription an earlier
/// run made, and trusts its secrets.
async fn subscribe(
    dojo: &Dojo,
    verifier: &Verifier,
    url: &str,
) -> Result<(), dojo_payments::Error> {
    let existing = dojo.webhooks().list().await?;
    let subscription = match existing.into_iter().find(|s| s.url.as_deref() == Some(url)) {
        Some(found) => found,
        None => dojo.webhooks().subscribe(url, EVENTS).send().await?,
    };
    verifier.trust_subscription(&subscription);
    Ok(())
}

/// `SHOP_TRUST_PROXY`, parsed; unset or unreadable: no proxy believed (a
/// mistake there counts every client as the proxy: loud, never open).
fn trust_proxy_from_env() -> defences::TrustProxy {
    let Ok(text) = std::env::var("SHOP_TRUST_PROXY") else {
        return defences::TrustProxy::None;
    };
    text.parse().unwrap_or_else(|error| {
        eprintln!("SHOP_TRUST_PROXY ignored: {error}");
        defences::TrustProxy::None
    })
}

/// A new SQLite file of this run: the embedded emulator's state lives as
/// long as the process, so the orders that refer to it should too.
fn default_database() -> String {
    let path = std::env::temp_dir().join(format!("dojo-shop-{}.sqlite", std::process::id()));
    format!("sqlite:{}?mode=rwc", path.display())
}
