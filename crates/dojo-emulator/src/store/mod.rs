//! Everything the emulator remembers, behind one lock.
//!
//! Handlers lock the store, make their change (the state machines live in
//! the submodules, one per resource), and leave behind the notifications the
//! change causes; the caller sends those to the webhook deliverer after
//! unlocking.

pub mod customer;
pub mod payment_intent;
pub mod setup_intent;
pub mod webhook;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use chrono::{DateTime, Utc};
use dojo_api::api::types;
use dojo_types::{PaymentIntentId, RefundId};

use crate::ids::IdGenerator;
use crate::problem::{Answer, Problem};
use customer::CustomerRecord;
use payment_intent::PaymentIntentRecord;
use setup_intent::SetupIntentRecord;
use webhook::SubscriptionRecord;

/// A refund as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct RefundRecord {
    /// `rfnd_…`.
    pub id: String,
    /// The payment intent refunded.
    pub payment_intent_id: String,
    /// The request (amount, reason, notes).
    pub request: types::CreateRefundRequest,
}

impl RefundRecord {
    /// The refund as Dojo answers with it.
    pub fn render(&self) -> types::Refund {
        types::Refund {
            refund_id: Some(RefundId::from_wire(self.id.clone())),
            payment_intent_id: Some(PaymentIntentId::from_wire(self.payment_intent_id.clone())),
            refund_reason: self.request.refund_reason.clone(),
            notes: self.request.notes.clone(),
            ..Default::default()
        }
    }
}

/// A change a webhook subscriber may want to hear about.
#[derive(Debug, Clone)]
pub struct Notification {
    /// `payment_intent.created` or `payment_intent.status_updated`.
    pub event: &'static str,
    /// The payment intent.
    pub payment_intent_id: String,
    /// Its status after the change.
    pub status: String,
    /// Its capture mode.
    pub capture_mode: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Something that may change when time passes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Watched {
    /// A payment intent (its `expireAt`, or 7 days after a manual
    /// authorization).
    PaymentIntent(String),
    /// A setup intent (its `expireAt`).
    SetupIntent(String),
}

/// The emulator's state.
#[derive(Debug)]
pub struct Store {
    /// Makes ids and secrets.
    pub ids: IdGenerator,
    /// Payment intents by id.
    pub payment_intents: BTreeMap<String, PaymentIntentRecord>,
    /// Setup intents by id.
    pub setup_intents: BTreeMap<String, SetupIntentRecord>,
    /// Customers by id.
    pub customers: BTreeMap<String, CustomerRecord>,
    /// Refunds by id.
    pub refunds: BTreeMap<String, RefundRecord>,
    /// (payment intent, idempotency key) → refund id.
    pub refund_keys: HashMap<(String, String), String>,
    /// Webhook subscriptions by id.
    pub subscriptions: BTreeMap<String, SubscriptionRecord>,
    /// Terminal sessions by id.
    pub terminal_sessions: BTreeMap<String, types::TerminalSession>,
    /// Registered EPOS REST integrations.
    pub rest_integrations: Vec<types::RestIntegrationResponse>,
    /// Registered EPOS WebSocket integrations.
    pub ws_integrations: Vec<types::WsIntegrationResponse>,
    /// Notifications caused by the current change, not yet sent.
    pub outbox: Vec<Notification>,
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
            outbox: Vec::new(),
            deadlines: BinaryHeap::new(),
        }
    }

    /// Asks `tick` to look at `what` once `at` has passed.
    pub fn watch(&mut self, at: DateTime<Utc>, what: Watched) {
        self.deadlines.push(Reverse((at, what)));
    }

    /// The payment intent `id`, or 404.
    pub fn payment_intent(
        &mut self,
        id: &(impl AsRef<str> + ?Sized),
    ) -> Answer<&mut PaymentIntentRecord> {
        self.payment_intents
            .get_mut(id.as_ref())
            .ok_or_else(|| Problem::not_found("payment intent", id.as_ref()))
    }

    /// The setup intent `id`, or 404.
    pub fn setup_intent(
        &mut self,
        id: &(impl AsRef<str> + ?Sized),
    ) -> Answer<&mut SetupIntentRecord> {
        self.setup_intents
            .get_mut(id.as_ref())
            .ok_or_else(|| Problem::not_found("setup intent", id.as_ref()))
    }

    /// The customer `id`, or 404.
    pub fn customer(&mut self, id: &(impl AsRef<str> + ?Sized)) -> Answer<&mut CustomerRecord> {
        self.customers
            .get_mut(id.as_ref())
            .ok_or_else(|| Problem::not_found("customer", id.as_ref()))
    }

    /// The subscription `id`, or 404.
    pub fn subscription(
        &mut self,
        id: &(impl AsRef<str> + ?Sized),
    ) -> Answer<&mut SubscriptionRecord> {
        self.subscriptions
            .get_mut(id.as_ref())
            .ok_or_else(|| Problem::not_found("webhook subscription", id.as_ref()))
    }

    /// Queues `event` for payment intent `id` as it is now.
    pub fn notify(&mut self, event: &'static str, id: &str, at: DateTime<Utc>) {
        if let Some(intent) = self.payment_intents.get(id) {
            let notification = Notification {
                event,
                payment_intent_id: id.to_owned(),
                status: intent.status.to_string(),
                capture_mode: intent.capture_mode.to_string(),
                at,
            };
            self.outbox.push(notification);
        }
    }

    /// Applies what time alone changes: manual payment intents authorized for
    /// 7 days are reversed, intents past `expireAt` are voided or expired.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        while let Some(Reverse((at, _))) = self.deadlines.peek() {
            if *at >= now {
                break;
            }
            let Some(Reverse((_, what))) = self.deadlines.pop() else {
                break;
            };
            match what {
                Watched::PaymentIntent(id) => {
                    let changed = self
                        .payment_intents
                        .get_mut(&id)
                        .is_some_and(|p| p.tick(now));
                    if changed {
                        self.notify("payment_intent.status_updated", &id, now);
                    }
                }
                Watched::SetupIntent(id) => {
                    if let Some(setup) = self.setup_intents.get_mut(&id) {
                        setup.tick(now);
                    }
                }
            }
        }
    }
}
