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
pub mod customer;
pub mod event;
pub mod payment_intent;
pub mod refund;
pub mod refusal;
pub mod session_secret;
pub mod setup_intent;
pub mod terminal;
pub mod terminal_session;
pub mod webhook;

use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::hash::{Hash, Hasher};

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types;
use dojo_payments_types::{
    CustomerId, PaymentIntentId, RefundId, SetupIntentId, TerminalSessionId, WebhookSubscriptionId,
};

use crate::ids::IdGenerator;
use customer::CustomerRecord;
use event::Notification;
use payment_intent::PaymentIntentRecord;
use refund::RefundRecord;
use refusal::{Outcome, Refusal};
use setup_intent::SetupIntentRecord;
use terminal_session::TerminalSessionRecord;
use webhook::SubscriptionRecord;

/// Something that may change when time passes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Watched {
    PaymentIntent(PaymentIntentId),
    SetupIntent(SetupIntentId),
}

/// The emulator's state.
#[derive(Debug)]
pub struct Store {
    /// Makes ids and secrets.
    pub ids: IdGenerator,
    payment_intents: BTreeMap<PaymentIntentId, PaymentIntentRecord>,
    setup_intents: BTreeMap<SetupIntentId, SetupIntentRecord>,
    /// Customers by id.
    pub customers: BTreeMap<CustomerId, CustomerRecord>,
    refunds: BTreeMap<RefundId, RefundRecord>,
    /// (payment intent, idempotency key) → the refund that key made.
    refund_keys: HashMap<(PaymentIntentId, String), RefundId>,
    /// Webhook subscriptions by id.
    pub subscriptions: BTreeMap<WebhookSubscriptionId, SubscriptionRecord>,
    /// Terminal sessions by id.
    pub terminal_sessions: BTreeMap<TerminalSessionId, TerminalSessionRecord>,
    /// Registered EPOS REST integrations.
    pub rest_integrations: Vec<types::RestIntegrationResponse>,
    /// Registered EPOS WebSocket integrations.
    pub ws_integrations: Vec<types::WsIntegrationResponse>,
    /// Records handed out for change since the last [`Store::settle`].
    touched: BTreeSet<Watched>,
    /// When time alone may change something, soonest first: `tick` looks
    /// only at what is due instead of scanning every intent on every call.
    deadlines: BinaryHeap<Reverse<(DateTime<Utc>, Watched)>>,
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
            rest_integrations: Vec::new(),
            ws_integrations: Vec::new(),
            touched: BTreeSet::new(),
            deadlines: BinaryHeap::new(),
        }
    }

    /// The payment intent `id`, to change it.
    pub fn payment_intent(&mut self, id: &str) -> Outcome<&mut PaymentIntentRecord> {
        let record = self
            .payment_intents
            .get_mut(id)
            .ok_or_else(|| Refusal::not_found("payment intent", id))?;
        self.touched
            .insert(Watched::PaymentIntent(record.id.clone()));
        Ok(record)
    }

    /// The payment intent `id`, to read it.
    pub fn find_payment_intent(&self, id: &str) -> Outcome<&PaymentIntentRecord> {
        self.payment_intents
            .get(id)
            .ok_or_else(|| Refusal::not_found("payment intent", id))
    }

    /// Every payment intent, by id.
    pub fn payment_intents(&self) -> impl Iterator<Item = &PaymentIntentRecord> {
        self.payment_intents.values()
    }

    /// Keeps a new payment intent.
    pub fn insert_payment_intent(&mut self, record: PaymentIntentRecord) {
        self.touched
            .insert(Watched::PaymentIntent(record.id.clone()));
        self.payment_intents.insert(record.id.clone(), record);
    }

    /// The setup intent `id`, to change it.
    pub fn setup_intent(&mut self, id: &str) -> Outcome<&mut SetupIntentRecord> {
        let record = self
            .setup_intents
            .get_mut(id)
            .ok_or_else(|| Refusal::not_found("setup intent", id))?;
        self.touched.insert(Watched::SetupIntent(record.id.clone()));
        Ok(record)
    }

    /// The setup intent `id`, to read it.
    pub fn find_setup_intent(&self, id: &str) -> Outcome<&SetupIntentRecord> {
        self.setup_intents
            .get(id)
            .ok_or_else(|| Refusal::not_found("setup intent", id))
    }

    /// Keeps a new setup intent.
    pub fn insert_setup_intent(&mut self, record: SetupIntentRecord) {
        self.touched.insert(Watched::SetupIntent(record.id.clone()));
        self.setup_intents.insert(record.id.clone(), record);
    }

    /// The customer `id`.
    pub fn customer(&mut self, id: &str) -> Outcome<&mut CustomerRecord> {
        self.customers
            .get_mut(id)
            .ok_or_else(|| Refusal::not_found("customer", id))
    }

    /// The subscription `id`.
    pub fn subscription(&mut self, id: &str) -> Outcome<&mut SubscriptionRecord> {
        self.subscriptions
            .get_mut(id)
            .ok_or_else(|| Refusal::not_found("webhook subscription", id))
    }

    /// The terminal session `id`.
    pub fn terminal_session(&mut self, id: &str) -> Outcome<&mut TerminalSessionRecord> {
        self.terminal_sessions
            .get_mut(id)
            .ok_or_else(|| Refusal::not_found("terminal session", id))
    }

    /// The refund `id`.
    pub fn find_refund(&self, id: &str) -> Outcome<&RefundRecord> {
        self.refunds
            .get(id)
            .ok_or_else(|| Refusal::not_found("refund", id))
    }

    /// The refunds of payment intent `id`.
    pub fn refunds_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a RefundRecord> {
        self.refunds
            .values()
            .filter(move |r| r.payment_intent_id.as_str() == id)
    }

    /// After a change: the events the touched records raised, oldest first,
    /// and their deadlines noted for [`Store::tick`].
    pub fn settle(&mut self) -> Vec<Notification> {
        let mut raised = Vec::new();
        for watched in std::mem::take(&mut self.touched) {
            let deadline = match &watched {
                Watched::PaymentIntent(id) => self.payment_intents.get_mut(id).and_then(|p| {
                    raised.extend(p.take_raised());
                    p.deadline()
                }),
                Watched::SetupIntent(id) => self.setup_intents.get(id).and_then(|s| s.deadline()),
            };
            if let Some(at) = deadline {
                self.deadlines.push(Reverse((at, watched)));
            }
        }
        raised.sort_by_key(|n| n.at);
        raised
    }

    /// Applies what time alone changes by `now`: manual payment intents
    /// authorized for 7 days are reversed, intents past `expireAt` are
    /// canceled or expired.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        while let Some(Reverse((at, _))) = self.deadlines.peek() {
            if *at >= now {
                break;
            }
            let Some(Reverse((_, watched))) = self.deadlines.pop() else {
                break;
            };
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
            }
        }
    }

    /// A digest of every resource the store keeps (not the id generator,
    /// nor what is derived): equal before and after a call when the call
    /// changed nothing.
    pub fn digest(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        format!(
            "{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
            self.payment_intents,
            self.setup_intents,
            self.customers,
            self.refunds,
            self.refund_keys.len(),
            self.subscriptions,
            self.terminal_sessions,
            self.rest_integrations,
            self.ws_integrations,
        )
        .hash(&mut hasher);
        hasher.finish()
    }
}
