//! Setup intents and their state machine.
//!
//! ```text
//! Created ──checkout / PCI host──▶ Authorized ──charge of a payment intent──▶ Completed
//!    ├──▶ Expired (expireAt passed)      └──DELETE ?includeAuthorized=true──▶ Closed
//!    ├──▶ CardExpired (card past its expiry)
//!    └──DELETE──▶ Canceled
//! ```

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{self, SetupIntentStatus};
use dojo_payments_types::{ClientSessionSecret, Money, Open, SetupIntentId, Timestamp};

use super::payment_intent::{
    Payment, config_answered, known_currency, merchant_config, payment_details,
};
use super::refusal::{Action, Outcome, Refusal};
use super::session_secret::SessionSecret;
use crate::cards::{Card, CardOutcome};

/// Which host a setup intent was created on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The api host, without a card.
    Api,
    /// The PCI host, with card data (tokenization).
    Pci,
}

impl Source {
    /// As `paymentSource` says it.
    fn name(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Pci => "pci",
        }
    }
}

/// A setup intent as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct SetupIntentRecord {
    /// `si_sandbox_…`.
    pub id: SetupIntentId,
    /// The location account it belongs to (`acc_…`): set by the store
    /// when it is kept, from the caller's key.
    pub account: String,

    status: SetupIntentStatus,
    /// The request as created.
    pub request: types::CreateSetupIntentRequest,
    /// The current client session secret.
    pub secret: SessionSecret,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The card authorized, once authorized.
    pub card: Option<Payment>,
    /// Status changes, for `setupEvents`.
    pub events: Vec<(SetupIntentStatus, DateTime<Utc>)>,
    /// Where it was created.
    pub source: Source,
}

impl SetupIntentRecord {
    /// A new setup intent in `Created`.
    pub fn new(
        id: SetupIntentId,
        request: types::CreateSetupIntentRequest,
        secret: SessionSecret,
        source: Source,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            account: String::new(),
            status: SetupIntentStatus::Created,
            request,
            secret,
            created_at: now,
            updated_at: now,
            card: None,
            events: vec![(SetupIntentStatus::Created, now)],
            source,
        }
    }

    /// Where it is in its lifecycle.
    pub fn status(&self) -> SetupIntentStatus {
        self.status
    }

    fn set(&mut self, status: SetupIntentStatus, now: DateTime<Utc>) {
        self.status = status;
        self.updated_at = now;
        self.events.push((status, now));
    }

    fn refuse<T>(&self, action: Action, rule: &str) -> Outcome<T> {
        Err(Refusal::state(
            action,
            format!("setup intent {} is {}; {rule}", self.id, self.status),
        ))
    }

    /// The amount a payment intent charging this setup intent must be for.
    pub fn intended_amount(&self) -> Option<Money> {
        self.request.intended_amount
    }

    /// The customer adds a card (checkout or PCI host): Authorized, or
    /// CardExpired for a card past its expiry; a declined card leaves it
    /// Created.
    pub fn authorize(&mut self, payment: Payment, now: DateTime<Utc>) -> Outcome<CardOutcome> {
        if self.status != SetupIntentStatus::Created {
            return self.refuse(
                Action::Authorize,
                "only a Created setup intent can be authorized",
            );
        }
        let outcome = payment.card.outcome(now.date_naive());
        match outcome {
            CardOutcome::Approved => {
                self.card = Some(payment);
                self.set(SetupIntentStatus::Authorized, now);
            }
            CardOutcome::Expired => self.set(SetupIntentStatus::CardExpired, now),
            CardOutcome::Declined => {}
        }
        Ok(outcome)
    }

    /// `DELETE`: Created → Canceled; Authorized → Closed only with
    /// `includeAuthorized=true`.
    pub fn delete(&mut self, include_authorized: bool, now: DateTime<Utc>) -> Outcome<()> {
        match self.status {
            SetupIntentStatus::Created => self.set(SetupIntentStatus::Canceled, now),
            SetupIntentStatus::Authorized if include_authorized => {
                self.set(SetupIntentStatus::Closed, now)
            }
            SetupIntentStatus::Authorized => {
                return self.refuse(
                    Action::Delete,
                    "delete it with includeAuthorized=true to close it",
                );
            }
            _ => return self.refuse(Action::Delete, "it can no longer be deleted"),
        }
        Ok(())
    }

    /// A payment intent created with this setup intent is charged: the
    /// setup intent is Completed and hands over its card.
    pub fn complete(&mut self, now: DateTime<Utc>) -> Outcome<Card> {
        let card = match (&self.card, self.status) {
            (Some(payment), SetupIntentStatus::Authorized) => payment.card.clone(),
            _ => {
                return self.refuse(
                    Action::Charge,
                    "only an Authorized setup intent can be charged, and only once",
                );
            }
        };
        self.set(SetupIntentStatus::Completed, now);
        Ok(card)
    }

    /// The emulator says so: the setup intent expires now.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Outcome<()> {
        if self.status != SetupIntentStatus::Created {
            return self.refuse(Action::Expire, "only a Created setup intent expires");
        }
        self.set(SetupIntentStatus::Expired, now);
        Ok(())
    }

    /// What time alone changes: a Created setup intent past its `expireAt`
    /// expires.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if self.deadline().is_some_and(|at| now > at) {
            self.set(SetupIntentStatus::Expired, now);
        }
    }

    /// When time alone may next change this setup intent, if ever.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        match self.status {
            SetupIntentStatus::Created => self.request.expire_at.and_then(|t| t.instant()),
            _ => None,
        }
    }

    /// A new client session secret; the old one stops working.
    pub fn new_secret(&mut self, secret: SessionSecret, now: DateTime<Utc>) {
        self.secret = secret;
        self.updated_at = now;
    }

    /// The public view (`GET /setup-intents/public/{id}`).
    pub fn render_public(&self) -> types::SetupIntentPublicResponse {
        let r = &self.request;
        types::SetupIntentPublicResponse {
            id: Some(self.id.clone()),
            status: Some(Open::Known(self.status)),
            client_session_secret: ClientSessionSecret::new(self.secret.value.clone()).ok(),
            client_session_secret_expiration_date: Some(Timestamp::new(self.secret.expires_at)),
            reference: Some(r.reference.clone()),
            description: r.description.clone(),
            intended_amount: r.intended_amount,
            merchant_initiated_transaction_type: Some(
                r.merchant_initiated_transaction_type.clone(),
            ),
            terms: Some(r.terms.clone()),
            customer: r.customer.clone(),
            metadata: r.metadata.clone(),
            expire_at: r.expire_at,
            created_at: Some(Timestamp::new(self.created_at)),
            updated_at: Some(Timestamp::new(self.updated_at)),
            payment_methods: Some(
                r.payment_methods
                    .clone()
                    .unwrap_or_else(|| vec![types::PaymentMethod::Card.into()]),
            ),
            payment_details: self.card.as_ref().map(payment_details),
            payment_source: Some(self.source.name().into()),
            billing_address: r.billing_address.clone(),
            shipping_details: r.shipping_details.clone(),
            config: r.config.as_ref().and_then(config_answered),
            merchant_config: Some(merchant_config()),
            ..Default::default()
        }
    }

    /// The full view, with `setupEvents`.
    pub fn render(&self) -> types::SetupIntentResponse {
        // The full view is the public one plus `setupEvents` (an allOf in
        // Dojo's document); going through JSON avoids listing its 20 fields
        // twice, and cannot fail: every public field is a full one.
        let public = serde_json::to_value(self.render_public()).expect("a response serializes");
        let mut full: types::SetupIntentResponse =
            serde_json::from_value(public).expect("the public view is part of the full one");
        full.setup_events = Some(
            self.events
                .iter()
                .map(|(status, at)| self.setup_event(*status, *at))
                .collect(),
        );
        full
    }
}

impl SetupIntentRecord {
    /// One of `setupEvents`: the change, and once a card was added, the
    /// card and the authorization (the fields the document's
    /// `PaymentStatusResponse` lists).
    fn setup_event(
        &self,
        status: SetupIntentStatus,
        at: DateTime<Utc>,
    ) -> types::PaymentStatusResponse {
        let mut event = types::PaymentStatusResponse {
            transaction_date_time: Some(Timestamp::new(at).to_string()),
            event_type: Some(event_type(status)),
            ..Default::default()
        };
        let carded = matches!(
            status,
            SetupIntentStatus::Authorized
                | SetupIntentStatus::Completed
                | SetupIntentStatus::Closed
        );
        if let (true, Some(payment)) = (carded, &self.card) {
            let details = payment_details(payment);
            let card = details.card.unwrap_or_default();
            event.transaction_id = details.transaction_id;
            event.auth_code = details.auth_code;
            event.payment_method_id = details.payment_method_id;
            event.card_number = card.card_number;
            event.expiry_date = card.expiry_date;
            event.card_type = card.card_type;
            event.cardholder_name = card.card_name;
        }
        event
    }
}

impl super::Store {
    /// Keeps a new setup intent in `Created`, from either host.
    pub fn create_setup_intent(
        &mut self,
        request: types::CreateSetupIntentRequest,
        source: Source,
        now: DateTime<Utc>,
    ) -> Outcome<SetupIntentRecord> {
        if let Some(amount) = request.intended_amount {
            known_currency("IntendedAmount", amount)?;
        }
        let secret = SessionSecret::issue(&mut self.ids, now);
        let record = SetupIntentRecord::new(self.ids.issue(), request, secret, source, now);
        self.insert_setup_intent(record.clone());
        Ok(record)
    }
}

/// The `paymentEventType` recorded for a setup intent's status change: the
/// document's list of event types has no setup-intent-only values, so each
/// status maps to the nearest one.
fn event_type(status: SetupIntentStatus) -> Open<types::PaymentEventType> {
    use types::PaymentEventType as E;
    Open::Known(match status {
        SetupIntentStatus::Created => E::Created,
        SetupIntentStatus::Authorized => E::Authorized,
        SetupIntentStatus::Completed => E::Captured,
        SetupIntentStatus::CardExpired => E::Declined,
        SetupIntentStatus::Canceled | SetupIntentStatus::Expired | SetupIntentStatus::Closed => {
            E::Canceled
        }
    })
}
