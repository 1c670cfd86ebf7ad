//! Everything the emulator remembers, behind one lock, and the domain's
//! rules: the state machines (one module per resource), checkout, charges
//! and refunds. Nothing here knows HTTP: a refused change is a
//! [`Refusal`], and `problem.rs` says which status that is.
//!
//! Records raise their own webhook events when their state changes; the
//! store collects them, with the deadlines time may bring, from the records
//! a change touched ([`Store::settle`]).

pub mod charge;
pub mod checkout;
pub mod counter;
pub mod customer;
pub mod event;
pub mod history;
pub mod payment_intent;
pub mod refund;
pub mod refusal;
pub mod session_secret;
pub mod setup_intent;
pub mod terminal;
pub mod terminal_session;
pub mod webhook;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types;
use dojo_payments_types::{
    CustomerId, PaymentIntentId, RefundId, SetupIntentId, TerminalId, TerminalSessionId,
    WebhookSubscriptionId,
};

use crate::ids::IdGenerator;
use customer::CustomerRecord;
use event::Notification;
use history::{AsOf, History};
use payment_intent::PaymentIntentRecord;
use refund::RefundRecord;
use refusal::{Outcome, Refusal};
use setup_intent::SetupIntentRecord;
use terminal::TerminalRecord;
use terminal_session::TerminalSessionRecord;
use webhook::SubscriptionRecord;

/// Something that may change when time passes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Watched {
    PaymentIntent(PaymentIntentId),
    SetupIntent(SetupIntentId),
    TerminalSession(TerminalSessionId),
}

/// The emulator's state.
#[derive(Debug)]
pub struct Store {
    /// Makes ids and secrets.
    pub ids: IdGenerator,
    payment_intents: BTreeMap<PaymentIntentId, PaymentIntentRecord>,
    setup_intents: BTreeMap<SetupIntentId, SetupIntentRecord>,
    customers: BTreeMap<CustomerId, CustomerRecord>,
    refunds: BTreeMap<RefundId, RefundRecord>,
    /// (payment intent, idempotency key) → the refund that key made.
    refund_keys: HashMap<(PaymentIntentId, String), RefundId>,
    subscriptions: BTreeMap<WebhookSubscriptionId, SubscriptionRecord>,
    /// Terminal sessions by id (`store/counter.rs` moves them).
    terminal_sessions: BTreeMap<TerminalSessionId, TerminalSessionRecord>,
    /// Every account's terminals by id (ids are unique across accounts).
    terminals: BTreeMap<TerminalId, TerminalRecord>,
    /// The accounts whose default terminals are made.
    terminal_accounts: BTreeSet<String>,
    /// Registered EPOS REST integrations.
    pub rest_integrations: Vec<types::RestIntegrationResponse>,
    /// Registered EPOS WebSocket integrations.
    pub ws_integrations: Vec<types::WsIntegrationResponse>,
    /// Records handed out for change since the last [`Store::settle`].
    touched: BTreeSet<Watched>,
    /// When time alone may change something, soonest first: `tick` looks
    /// only at what is due instead of scanning every intent on every call.
    /// One entry per record at the most (its current deadline, kept in
    /// `scheduled`), however often the record changes.
    deadlines: BTreeSet<(DateTime<Utc>, Watched)>,
    /// Each record's entry in `deadlines`.
    scheduled: HashMap<Watched, DateTime<Utc>>,
    /// The recent versions of each payment intent, for lagging reads.
    intent_history: History<PaymentIntentId, PaymentIntentRecord>,
    /// The recent versions of each setup intent, for lagging reads.
    setup_history: History<SetupIntentId, SetupIntentRecord>,
    /// The location account a change or read is made for (the caller's
    /// key's): it sees only its own payment and setup intents, customers
    /// and subscriptions, and what it makes is its own. `None`: the
    /// emulator itself (checkout, the control API), which sees all.
    pub(crate) scope: Option<String>,
}

impl Store {
    /// An empty store whose ids come from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            ids: IdGenerator::seeded(seed),
            payment_intents: BTreeMap::new(),
            setup_intents: BTreeMap::new(),
            customers: BTreeMap::new(),
            refunds: BTreeMap::new(),
            refund_keys: HashMap::new(),
            subscriptions: BTreeMap::new(),
            terminal_sessions: BTreeMap::new(),
            terminals: BTreeMap::new(),
            terminal_accounts: BTreeSet::new(),
            rest_integrations: Vec::new(),
            ws_integrations: Vec::new(),
            touched: BTreeSet::new(),
            deadlines: BTreeSet::new(),
            scheduled: HashMap::new(),
            intent_history: History::default(),
            setup_history: History::default(),
            scope: None,
        }
    }

    /// Whether a record of `account` is seen in the current scope.
    fn visible(&self, account: &str) -> bool {
        in_scope(self.scope.as_deref(), account)
    }

    /// The account what is made now belongs to.
    fn owner(&self) -> String {
        self.scope.clone().unwrap_or_default()
    }

    /// The payment intent `id`, to change it.
    pub fn payment_intent(&mut self, id: &str) -> Outcome<&mut PaymentIntentRecord> {
        let scope = self.scope.as_deref();
        let record = self
            .payment_intents
            .get_mut(id)
            .filter(|r| in_scope(scope, &r.account))
            .ok_or_else(|| Refusal::not_found("payment intent", id))?;
        self.intent_history.before_change(&record.id, record);
        self.touched
            .insert(Watched::PaymentIntent(record.id.clone()));
        Ok(record)
    }

    /// The payment intent `id`, to read it.
    pub fn find_payment_intent(&self, id: &str) -> Outcome<&PaymentIntentRecord> {
        self.payment_intents
            .get(id)
            .filter(|r| self.visible(&r.account))
            .ok_or_else(|| Refusal::not_found("payment intent", id))
    }

    /// The payment intent `id` as it was `lag` ago (real time), to read
    /// it: a lagging read. One that did not exist then is not found.
    pub fn payment_intent_as_of(&self, id: &str, lag: Duration) -> Outcome<&PaymentIntentRecord> {
        match self.intent_history.as_of(id, lag, Instant::now()) {
            AsOf::AsNow => self.find_payment_intent(id),
            AsOf::Was(version) if self.visible(&version.account) => Ok(version),
            AsOf::Was(_) | AsOf::NotYet => Err(Refusal::not_found("payment intent", id)),
        }
    }

    /// Every payment intent in scope, by id.
    pub fn payment_intents(&self) -> impl Iterator<Item = &PaymentIntentRecord> {
        self.payment_intents
            .values()
            .filter(|r| self.visible(&r.account))
    }

    /// Keeps a new payment intent, as the scope's.
    pub fn insert_payment_intent(&mut self, mut record: PaymentIntentRecord) {
        record.account = self.owner();
        self.intent_history.made(&record.id, Instant::now());
        self.touched
            .insert(Watched::PaymentIntent(record.id.clone()));
        self.payment_intents.insert(record.id.clone(), record);
    }

    /// The setup intent `id`, to change it.
    pub fn setup_intent(&mut self, id: &str) -> Outcome<&mut SetupIntentRecord> {
        let scope = self.scope.as_deref();
        let record = self
            .setup_intents
            .get_mut(id)
            .filter(|r| in_scope(scope, &r.account))
            .ok_or_else(|| Refusal::not_found("setup intent", id))?;
        self.setup_history.before_change(&record.id, record);
        self.touched.insert(Watched::SetupIntent(record.id.clone()));
        Ok(record)
    }

    /// The setup intent `id`, to read it.
    pub fn find_setup_intent(&self, id: &str) -> Outcome<&SetupIntentRecord> {
        self.setup_intents
            .get(id)
            .filter(|r| self.visible(&r.account))
            .ok_or_else(|| Refusal::not_found("setup intent", id))
    }

    /// The setup intent `id` as it was `lag` ago (real time), to read it:
    /// a lagging read. One that did not exist then is not found.
    pub fn setup_intent_as_of(&self, id: &str, lag: Duration) -> Outcome<&SetupIntentRecord> {
        match self.setup_history.as_of(id, lag, Instant::now()) {
            AsOf::AsNow => self.find_setup_intent(id),
            AsOf::Was(version) if self.visible(&version.account) => Ok(version),
            AsOf::Was(_) | AsOf::NotYet => Err(Refusal::not_found("setup intent", id)),
        }
    }

    /// Keeps a new setup intent, as the scope's.
    pub fn insert_setup_intent(&mut self, mut record: SetupIntentRecord) {
        record.account = self.owner();
        self.setup_history.made(&record.id, Instant::now());
        self.touched.insert(Watched::SetupIntent(record.id.clone()));
        self.setup_intents.insert(record.id.clone(), record);
    }

    /// The customer `id`, to change it.
    pub fn customer(&mut self, id: &str) -> Outcome<&mut CustomerRecord> {
        let scope = self.scope.as_deref();
        self.customers
            .get_mut(id)
            .filter(|r| in_scope(scope, &r.account))
            .ok_or_else(|| Refusal::not_found("customer", id))
    }

    /// The customer `id`, to read it.
    pub fn find_customer(&self, id: &str) -> Outcome<&CustomerRecord> {
        self.customers
            .get(id)
            .filter(|r| self.visible(&r.account))
            .ok_or_else(|| Refusal::not_found("customer", id))
    }

    /// Every customer in scope, by id.
    pub fn customers(&self) -> impl Iterator<Item = &CustomerRecord> {
        self.customers.values().filter(|r| self.visible(&r.account))
    }

    /// Keeps a new customer, as the scope's.
    pub fn insert_customer(&mut self, mut record: CustomerRecord) {
        record.account = self.owner();
        self.customers.insert(record.id.clone(), record);
    }

    /// Forgets customer `id` (in scope).
    pub fn remove_customer(&mut self, id: &str) -> Outcome<CustomerRecord> {
        self.find_customer(id)?;
        self.customers
            .remove(id)
            .ok_or_else(|| Refusal::not_found("customer", id))
    }

    /// The subscription `id`, to change it.
    pub fn subscription(&mut self, id: &str) -> Outcome<&mut SubscriptionRecord> {
        let scope = self.scope.as_deref();
        self.subscriptions
            .get_mut(id)
            .filter(|r| in_scope(scope, &r.account))
            .ok_or_else(|| Refusal::not_found("webhook subscription", id))
    }

    /// Every subscription in scope, by id.
    pub fn subscriptions(&self) -> impl Iterator<Item = &SubscriptionRecord> {
        self.subscriptions
            .values()
            .filter(|r| self.visible(&r.account))
    }

    /// The subscriptions of location account `account`, whatever the scope:
    /// where its events go.
    pub fn subscriptions_of<'a>(
        &'a self,
        account: &'a str,
    ) -> impl Iterator<Item = &'a SubscriptionRecord> {
        self.subscriptions
            .values()
            .filter(move |r| r.account == account)
    }

    /// Keeps a new subscription, as the scope's.
    pub fn insert_subscription(&mut self, mut record: SubscriptionRecord) {
        record.account = self.owner();
        self.subscriptions.insert(record.id.clone(), record);
    }

    /// Forgets subscription `id` (in scope).
    pub fn remove_subscription(&mut self, id: &str) -> Outcome<SubscriptionRecord> {
        self.subscription(id)?;
        self.subscriptions
            .remove(id)
            .ok_or_else(|| Refusal::not_found("webhook subscription", id))
    }

    /// The refund `id` (of a payment intent in scope).
    pub fn find_refund(&self, id: &str) -> Outcome<&RefundRecord> {
        self.refunds
            .get(id)
            .filter(|r| {
                self.find_payment_intent(r.payment_intent_id.as_str())
                    .is_ok()
            })
            .ok_or_else(|| Refusal::not_found("refund", id))
    }

    /// The refunds of payment intent `id`.
    pub fn refunds_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a RefundRecord> {
        self.refunds
            .values()
            .filter(move |r| r.payment_intent_id.as_str() == id)
    }

    /// After a change: the events the touched records raised, oldest first,
    /// and their deadlines noted for [`Store::tick`]; each touched record's
    /// new version is kept for lagging reads.
    pub fn settle(&mut self) -> Vec<Notification> {
        let mut raised = Vec::new();
        let now = Instant::now();
        for watched in std::mem::take(&mut self.touched) {
            let deadline = match &watched {
                Watched::PaymentIntent(id) => match self.payment_intents.get_mut(id) {
                    Some(p) => {
                        // An event raised before the intent was kept (its
                        // creation) learns its account here.
                        raised.extend(p.take_raised().into_iter().map(|mut n| {
                            n.account.clone_from(&p.account);
                            n
                        }));
                        self.intent_history.record(id, p, now);
                        p.deadline()
                    }
                    None => {
                        self.intent_history.remove(id);
                        None
                    }
                },
                Watched::SetupIntent(id) => match self.setup_intents.get(id) {
                    Some(s) => {
                        self.setup_history.record(id, s, now);
                        s.deadline()
                    }
                    None => {
                        self.setup_history.remove(id);
                        None
                    }
                },
                Watched::TerminalSession(id) => self
                    .terminal_sessions
                    .get(id)
                    .and_then(TerminalSessionRecord::deadline),
            };
            self.schedule(watched, deadline);
        }
        raised.sort_by_key(|n| n.at);
        raised
    }

    /// Notes `deadline` as `watched`'s one deadline (none: it has none).
    fn schedule(&mut self, watched: Watched, deadline: Option<DateTime<Utc>>) {
        if let Some(old) = self.scheduled.remove(&watched) {
            self.deadlines.remove(&(old, watched.clone()));
        }
        if let Some(at) = deadline {
            self.deadlines.insert((at, watched.clone()));
            self.scheduled.insert(watched, at);
        }
    }

    /// How many deadlines are noted: at most one per record.
    #[cfg(test)]
    pub fn deadline_count(&self) -> usize {
        self.deadlines.len()
    }

    /// Applies what time alone changes by `now`: manual payment intents
    /// authorized for 7 days are reversed, intents past `expireAt` are
    /// canceled or expired.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        while let Some((at, _)) = self.deadlines.first() {
            if *at >= now {
                break;
            }
            let Some((_, watched)) = self.deadlines.pop_first() else {
                break;
            };
            self.scheduled.remove(&watched);
            match watched {
                Watched::PaymentIntent(id) => {
                    if let Ok(intent) = self.payment_intent(id.as_str()) {
                        intent.tick(now);
                    }
                }
                Watched::SetupIntent(id) => {
                    if let Ok(setup) = self.setup_intent(id.as_str()) {
                        setup.tick(now);
                    }
                }
                Watched::TerminalSession(id) => {
                    self.touched.insert(Watched::TerminalSession(id.clone()));
                    self.advance_terminal_session(&id, now);
                }
            }
        }
    }

    /// A digest of every resource the store keeps (not the id generator,
    /// nor what is derived): equal before and after a call when the call
    /// changed nothing.
    pub fn digest(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        format!(
            "{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
            self.payment_intents,
            self.setup_intents,
            self.customers,
            self.refunds,
            self.refund_keys.len(),
            self.subscriptions,
            self.terminal_sessions,
            self.terminals
                .values()
                .filter(|t| !t.pristine)
                .collect::<Vec<_>>(),
            self.rest_integrations,
            self.ws_integrations,
        )
        .hash(&mut hasher);
        hasher.finish()
    }
}

/// Whether a record of `account` is seen in `scope` (none: every record,
/// as the control API and the emulator's own work see them). The getters
/// that hand out `&mut` borrow `scope` beside the map they search.
fn in_scope(scope: Option<&str>, account: &str) -> bool {
    scope.is_none_or(|scope| scope == account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cards::Card;
    use session_secret::SessionSecret;

    /// Before, every change pushed the record's deadline again: an intent
    /// changed a million times held a million entries.
    #[test]
    fn a_record_changed_often_keeps_one_deadline() {
        let mut store = Store::new(1);
        let now = Utc::now();
        let request: types::CreatePaymentIntentRequest =
            serde_json::from_value(serde_json::json!({
                "amount": {"value": 1000, "currencyCode": "GBP"},
                "reference": "Order 1",
                "captureMode": "Manual",
            }))
            .unwrap();
        let secret = SessionSecret::issue(&mut store.ids, now);
        let id: PaymentIntentId = store.ids.issue();
        store.insert_payment_intent(PaymentIntentRecord::new(id.clone(), request, secret, now));
        store.settle();
        let card = Card::test(crate::cards::APPROVED_MASTERCARD).unwrap();
        store.pay(id.as_str(), card, false, now).unwrap();
        for _ in 0..100 {
            store.payment_intent(id.as_str()).unwrap().send_receipt(now);
            store.settle();
        }
        assert_eq!(store.deadline_count(), 1, "the 7-day reversal, once");
        store.tick(now + chrono::Duration::days(8));
        store.settle();
        assert_eq!(store.deadline_count(), 0, "reversed: nothing is due");
        let intent = store.find_payment_intent(id.as_str()).unwrap();
        assert_eq!(intent.status(), types::PaymentIntentStatus::Reversed);
    }
}
