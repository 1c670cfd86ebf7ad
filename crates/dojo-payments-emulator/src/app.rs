//! What the handlers share, and the one way anything changes:
//! [`App::commit`].

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::{Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, Utc};

use crate::accounts::{Accounts, Caller};
use crate::clock::Clock;
use crate::delivery::{self, Deliverer, WebhookSignatures};
use crate::faults::{Faults, RequestLog, Route, UnknownRoute};
use crate::store::Store;

/// The emulator's shared state.
#[derive(Debug)]
pub struct App {
    store: Mutex<Store>,
    /// The emulator's now.
    pub clock: Clock,
    /// Faults armed.
    pub faults: Faults,
    /// Routes called.
    pub requests: RequestLog,
    /// Sends webhooks.
    pub deliverer: Deliverer,
    /// The location accounts, by their keys.
    pub accounts: Accounts,
    /// Every route the two hosts serve, as their routers list them.
    pub routes: BTreeSet<Route>,
    /// The api host's base URL, once listening.
    pub api_url: OnceLock<String>,
    /// Where the emulator may depart from Dojo, as it was started.
    pub choices: Choices,
}

/// The emulator's options that depart from Dojo's documented behaviour,
/// each off by default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choices {
    /// Which active secrets sign a webhook delivery.
    pub signatures: WebhookSignatures,
    /// Answer a `version` other than the one emulated (in the emulated
    /// version's shapes) instead of refusing it.
    pub any_version: bool,
}

impl App {
    /// A new emulator state serving `routes`.
    pub fn new(
        store: Store,
        clock: Clock,
        deliverer: Deliverer,
        routes: BTreeSet<Route>,
        choices: Choices,
    ) -> Self {
        Self {
            store: Mutex::new(store),
            clock,
            faults: Faults::default(),
            requests: RequestLog::default(),
            deliverer,
            accounts: Accounts::default(),
            routes,
            api_url: OnceLock::new(),
            choices,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `change` on the store at the emulator's now (after what time
    /// alone changes), as one transaction under the lock, then sends the
    /// webhooks the records it touched raised. The emulator's own changes
    /// (checkout, the control API) see every account.
    pub fn commit<T, E>(
        &self,
        change: impl FnOnce(&mut Store, DateTime<Utc>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.commit_in(None, change)
    }

    /// [`App::commit`] for `caller`: the change sees only its account's
    /// records, and what it makes is its account's.
    pub fn commit_as<T, E>(
        &self,
        caller: &Caller,
        change: impl FnOnce(&mut Store, DateTime<Utc>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.commit_in(Some(&caller.account), change)
    }

    /// [`App::read`] for `caller`.
    pub fn read_as<T>(&self, caller: &Caller, look: impl FnOnce(&Store) -> T) -> T {
        self.commit_as(caller, |store, _| Ok::<_, Infallible>(look(store)))
            .unwrap_or_else(|never| match never {})
    }

    fn commit_in<T, E>(
        &self,
        scope: Option<&str>,
        change: impl FnOnce(&mut Store, DateTime<Utc>) -> Result<T, E>,
    ) -> Result<T, E> {
        let now = self.clock.now();
        let (result, jobs) = {
            let mut store = self.lock();
            store.tick(now);
            // Only the change is scoped: time's consequences and the
            // webhooks they raise are every account's.
            store.scope = scope.map(str::to_owned);
            let result = change(&mut store, now);
            store.scope = None;
            let mut raised = store.settle();
            // What the change made already due (an intent created with an
            // `expireAt` in the past) happens now, in the same transaction,
            // not at whichever call comes next.
            store.tick(now);
            raised.extend(store.settle());
            let jobs = delivery::jobs(&mut store, &raised, self.choices.signatures);
            (result, jobs)
        };
        for job in jobs {
            self.deliverer.send(job);
        }
        result
    }

    /// [`App::commit`] for a change that cannot be refused.
    pub fn apply<T>(&self, change: impl FnOnce(&mut Store, DateTime<Utc>) -> T) -> T {
        self.commit(|store, now| Ok::<_, Infallible>(change(store, now)))
            .unwrap_or_else(|never| match never {})
    }

    /// Reads the store as it is now (after what time alone changes).
    pub fn read<T>(&self, look: impl FnOnce(&Store) -> T) -> T {
        self.apply(|store, _| look(store))
    }

    /// The route named `name`, if the emulator serves it.
    pub fn route(&self, name: &str) -> Result<Route, UnknownRoute> {
        self.routes
            .iter()
            .find(|r| r.as_str() == name)
            .cloned()
            .ok_or_else(|| UnknownRoute {
                name: name.to_owned(),
            })
    }

    /// Where the checkout page of `id` is served.
    pub fn checkout_link(&self, id: &str) -> String {
        let base = self
            .api_url
            .get()
            .map_or("http://127.0.0.1", String::as_str);
        format!("{base}/checkout/{id}")
    }

    /// A digest of what the store keeps ([`Store::digest`]).
    pub fn digest(&self) -> u64 {
        self.read(Store::digest)
    }
}
