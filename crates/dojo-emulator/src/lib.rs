//! A stateful Dojo on loopback: both hosts, the state machines of Dojo's
//! guides, a simulated customer at checkout, signed webhooks, and faults on
//! demand. The ground every flow test of the SDK stands on, and a tool for
//! your own CI.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use dojo_emulator::{Card, Emulator};
//!
//! let emulator = Emulator::start().await?;
//! let client = dojo_api::api::Client::from_key_at(emulator.api_url(), &emulator.api_key())?;
//!
//! let body = serde_json::from_value(serde_json::json!({
//!     "amount": {"value": 1000, "currencyCode": "GBP"},
//!     "reference": "Order 1",
//! }))?;
//! let intent = client.payment_intents_create_payment_intent(&body).await?;
//! let id = intent.id.clone().unwrap();
//!
//! // The customer pays at checkout with a test card.
//! emulator.pay(&id, &Card::test("5200000000001005"), false)?;
//! let paid = client.payment_intents_get(&id, None).await?;
//! assert_eq!(paid.status.as_ref().unwrap().to_string(), "Captured");
//! # Ok(()) }
//! ```
//!
//! What it does, by resource:
//!
//! - **Payment intents**: Auto (Created → Captured → Reversed | Refunded) and
//!   Manual (Created → Authorized → Captured, partially and repeatedly →
//!   Refunded; Authorized → Reversed); cancel while Created; refunds
//!   cumulative and idempotent by `idempotencyKey`; the reversal windows; the
//!   7-day auto-reversal; amount and tips changes when the config allows.
//! - **Setup intents**: Created → Authorized | Expired | CardExpired |
//!   Canceled; Authorized → Closed; charged once through a payment intent →
//!   Completed. Tokenization on the PCI host authorizes at once.
//! - **Customers**: CRUD and search, short-lived `cs_` secrets, cards saved
//!   at checkout, `savedCardId` preselection.
//! - **Webhooks**: subscriptions, secrets, signed deliveries with retries.
//! - **Terminals, terminal sessions, EPOS**: simpler, but valid answers.
//!
//! Test cards are in [`cards::TEST_CARDS`].

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod cards;
mod clock;
mod delivery;
mod faults;
mod ids;
mod problem;
mod routes;
mod server;
mod store;

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, Duration, Utc};
use dojo_types::{ApiKey, PaymentIntentId, PaymentMethodId, SetupIntentId};

pub use cards::{Card, CardOutcome, TestCard};
pub use delivery::{Attempt, RetryPolicy};
pub use faults::Fault;

use clock::Clock;
use delivery::Deliverer;
use faults::{Faults, RequestLog};
use problem::{Answer, Problem};
use server::Listening;
use store::payment_intent::Payment;
use store::{Store, Watched};

/// The key the emulator hands out; any `sk_sandbox_` key is accepted.
pub const API_KEY: &str = "sk_sandbox_emulator_0123456789abcdefghijklmnopqrstuvwxyz";

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct App {
    store: Mutex<Store>,
    clock: Clock,
    faults: Faults,
    requests: RequestLog,
    deliverer: Deliverer,
    account_id: String,
    api_url: OnceLock<String>,
}

impl App {
    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `change` on the store at the emulator's now (after what time
    /// alone changes), then sends the webhooks it caused.
    pub(crate) fn commit<T>(
        &self,
        change: impl FnOnce(&mut Store, DateTime<Utc>) -> Answer<T>,
    ) -> Answer<T> {
        let now = self.clock.now();
        let (result, jobs) = {
            let mut store = self.lock();
            store.tick(now);
            let result = change(&mut store, now);
            let outbox = std::mem::take(&mut store.outbox);
            let jobs = delivery::jobs(&mut store, &outbox, &self.account_id);
            (result, jobs)
        };
        for job in jobs {
            self.deliverer.send(job);
        }
        result
    }

    /// Where the checkout page of `id` is served.
    pub(crate) fn checkout_link(&self, id: &str) -> String {
        let base = self
            .api_url
            .get()
            .map_or("http://127.0.0.1", String::as_str);
        format!("{base}/checkout/{id}")
    }
}

/// Options for [`Emulator::builder`].
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    seed: Option<u64>,
    clock: Option<DateTime<Utc>>,
    retry: RetryPolicy,
    ports: Option<(u16, u16)>,
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

    /// How webhook deliveries are retried.
    pub fn webhook_retries(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Fixed ports for the api and PCI hosts (default: any free ports).
    pub fn ports(mut self, api: u16, pci: u16) -> Self {
        self.ports = Some((api, pci));
        self
    }

    /// Starts both hosts on 127.0.0.1.
    pub async fn start(self) -> std::io::Result<Emulator> {
        let app = Arc::new(App {
            store: Mutex::new(Store::new(self.seed.unwrap_or_else(|| fastrand::u64(..)))),
            clock: self.clock.map_or_else(Clock::system, Clock::manual),
            faults: Faults::default(),
            requests: RequestLog::default(),
            deliverer: Deliverer::new(self.retry),
            account_id: "acc_sandbox_emulator".to_owned(),
            api_url: OnceLock::new(),
        });
        let (api_port, pci_port) = self.ports.unwrap_or((0, 0));
        let api = server::serve(routes::api(app.clone()), api_port).await?;
        let pci = server::serve(routes::pci(app.clone()), pci_port).await?;
        let _ = app.api_url.set(api.url.clone());
        Ok(Emulator { app, api, pci })
    }
}

/// A running emulator. Both hosts stop when it is dropped.
#[derive(Debug)]
pub struct Emulator {
    app: Arc<App>,
    api: Listening,
    pci: Listening,
}

impl Emulator {
    /// Starts an emulator with the system clock and random ids.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Options: a seed, a manual clock, webhook retries, ports.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The api host's base URL (stands for `https://api.dojo.tech`).
    pub fn api_url(&self) -> &str {
        &self.api.url
    }

    /// The PCI host's base URL (stands for `https://pci-api.dojo.tech`).
    pub fn pci_url(&self) -> &str {
        &self.pci.url
    }

    /// A sandbox key the emulator accepts.
    pub fn api_key(&self) -> ApiKey {
        ApiKey::new(API_KEY).expect("a sandbox key")
    }

    /// The customer pays payment intent `id` with `card` at checkout, saving
    /// it for the intent's customer when `save_card`. Returns what the card
    /// did; a declined card leaves the intent `Created`.
    pub fn pay(
        &self,
        id: &PaymentIntentId,
        card: &Card,
        save_card: bool,
    ) -> Result<CardOutcome, String> {
        self.app
            .commit(|store, now| checkout::pay(store, now, id.as_str(), card.clone(), save_card))
            .map_err(describe)
    }

    /// The customer pays payment intent `id` with their saved card
    /// `payment_method_id` (as preselected by `savedCardId`).
    pub fn pay_with_saved_card(
        &self,
        id: &PaymentIntentId,
        payment_method_id: &PaymentMethodId,
    ) -> Result<CardOutcome, String> {
        self.app
            .commit(|store, now| {
                checkout::pay_with_saved(store, now, id.as_str(), payment_method_id.as_str())
            })
            .map_err(describe)
    }

    /// The customer adds `card` to setup intent `id` at checkout.
    pub fn authorize_setup_intent(
        &self,
        id: &SetupIntentId,
        card: &Card,
    ) -> Result<CardOutcome, String> {
        self.app
            .commit(|store, now| checkout::authorize(store, now, id.as_str(), card.clone()))
            .map_err(describe)
    }

    /// Setup intent `id` expires now.
    pub fn expire_setup_intent(&self, id: &SetupIntentId) -> Result<(), String> {
        self.app
            .commit(|store, now| store.setup_intent(id)?.expire(now))
            .map_err(describe)
    }

    /// Moves the emulator's clock forward (expiry windows, 7-day rules).
    pub fn advance_clock(&self, by: Duration) {
        self.app.clock.advance(by);
        let _ = self.app.commit(|_, _| Ok(()));
    }

    /// The emulator's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.app.clock.now()
    }

    /// Applies `fault` to the next `times` calls of `route`, named by method
    /// and the document's path template:
    /// `"POST /payment-intents/{paymentIntentId}/refunds"`.
    pub fn inject_fault(&self, route: &str, fault: Fault, times: usize) {
        self.app.faults.arm(route, fault, times);
    }

    /// Every API call received so far, as method and route template
    /// (`"POST /payment-intents/{paymentIntentId}/captures"`; on the PCI
    /// host `"pci POST /setup-intents"`), oldest first:
    /// what a test checks to know that a refusal sent nothing.
    pub fn requests(&self) -> Vec<String> {
        self.app.requests.routes()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    /// Every webhook delivery attempt so far.
    pub fn webhook_attempts(&self) -> Vec<Attempt> {
        self.app.deliverer.attempts()
    }

    /// How many refunds payment intent `id` has.
    pub fn refund_count(&self, id: &PaymentIntentId) -> usize {
        self.app
            .lock()
            .refunds
            .values()
            .filter(|r| r.payment_intent_id == id.as_str())
            .count()
    }
}

fn describe(problem: Problem) -> String {
    serde_json::to_string(&problem).unwrap_or_else(|_| format!("{problem:?}"))
}

/// The customer's side of checkout, shared by the Rust API, the control
/// endpoints and the HTML page.
pub(crate) mod checkout {
    use super::*;
    use crate::store::customer::SavedCard;

    /// Pays a payment intent; saves the card for its customer if asked.
    pub fn pay(
        store: &mut Store,
        now: DateTime<Utc>,
        id: &str,
        card: Card,
        save: bool,
    ) -> Answer<CardOutcome> {
        let customer_id = customer_of(store, id)?;
        let saved_id = (save && customer_id.is_some()).then(|| store.ids.id("pm"));
        let payment = payment(store, card.clone(), saved_id.clone(), now);
        let outcome = store.payment_intent(id)?.pay(payment, now)?;
        if outcome == CardOutcome::Approved {
            if let (Some(customer), Some(pm)) = (customer_id, saved_id)
                && let Some(record) = store.customers.get_mut(&customer)
            {
                record.saved_cards.push(SavedCard { id: pm, card });
            }
            approved(store, id, now);
        }
        Ok(outcome)
    }

    /// The customer the payment intent was created for, if any.
    fn customer_of(store: &mut Store, id: &str) -> Answer<Option<String>> {
        let customer = store.payment_intent(id)?.request.customer.as_ref();
        Ok(customer
            .and_then(|c| c.id.as_ref())
            .map(|id| id.to_string()))
    }

    /// Pays with a card the intent's customer saved before.
    pub fn pay_with_saved(
        store: &mut Store,
        now: DateTime<Utc>,
        id: &str,
        method: &str,
    ) -> Answer<CardOutcome> {
        let customer_id = customer_of(store, id)?
            .ok_or_else(|| Problem::bad_request("this payment intent has no customer"))?;
        let card = store
            .customer(&customer_id)?
            .saved_cards
            .iter()
            .find(|c| c.id == method)
            .map(|c| c.card.clone())
            .ok_or_else(|| Problem::not_found("saved payment method", method))?;
        let payment = payment(store, card, Some(method.to_owned()), now);
        let outcome = store.payment_intent(id)?.pay(payment, now)?;
        if outcome == CardOutcome::Approved {
            approved(store, id, now);
        }
        Ok(outcome)
    }

    /// After an approved payment: subscribers hear of the new status, and a
    /// manual authorization is reversed after 7 days untouched.
    fn approved(store: &mut Store, id: &str, now: DateTime<Utc>) {
        store.notify("payment_intent.status_updated", id, now);
        let manual = store
            .payment_intents
            .get(id)
            .is_some_and(|p| p.capture_mode == dojo_api::api::types::CaptureMode::Manual);
        if manual {
            let due = now + Duration::days(crate::store::payment_intent::SEVEN_DAYS);
            store.watch(due, Watched::PaymentIntent(id.to_owned()));
        }
    }

    /// Adds a card to a setup intent.
    pub fn authorize(
        store: &mut Store,
        now: DateTime<Utc>,
        id: &str,
        card: Card,
    ) -> Answer<CardOutcome> {
        let payment = payment(store, card, None, now);
        store.setup_intent(id)?.authorize(payment, now)
    }

    /// A card presented now, under a new transaction id.
    pub fn payment(
        store: &mut Store,
        card: Card,
        method: Option<String>,
        now: DateTime<Utc>,
    ) -> Payment {
        Payment {
            card,
            payment_method_id: method,
            transaction_id: store.ids.token(12),
            at: now,
        }
    }
}

/// The crate's README, compiled as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
