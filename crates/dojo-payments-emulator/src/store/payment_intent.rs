//! Payment intents and their state machine, as Dojo's guides draw it.
//!
//! ```text
//! Auto:   Created ──pay──▶ Captured ──reversal (same calendar day)──▶ Reversed
//!            │                 └──refunds (Σ ≤ captured)──▶ Refunded
//!            └──DELETE──▶ Canceled
//! Manual: Created ──pay──▶ Authorized ──captures (Σ ≤ authorized)──▶ Captured ──refunds──▶ Refunded
//!            │                 └──reversal (≤ 7 days) / 7 days untouched──▶ Reversed
//!            └──DELETE──▶ Canceled
//! ```
//!
//! The state machine is here; how a record is rendered on the wire (the
//! answer's JSON, `merchantConfig`, `paymentDetails`) is in `render.rs`.

use chrono::{DateTime, Duration, Utc};
use dojo_payments_api::api::types::{self, CaptureMode, PaymentIntentStatus};
use dojo_payments_types::{
    CaptureId, Money, PaymentIntentId, PaymentMethodId, SetupIntentId, WebhookEventName,
};

use super::event::Notification;
use super::refusal::{Action, Outcome, Refusal};
use super::session_secret::SessionSecret;
use crate::cards::{Card, CardOutcome};
use crate::ids::IdGenerator;

mod render;

pub use render::{config_answered, merchant_config, payment_details, supported_payment_methods};

/// How long a manual payment intent may stay authorized (and be reversed)
/// before Dojo reverses it by itself.
pub const AUTHORIZATION_LIFETIME: Duration = Duration::days(7);

/// How long a payment intent created without `expireAt` waits to be paid:
/// "If `null`, the payment intent is voided after 30 days" (the document's
/// `expireAt`).
pub const DEFAULT_EXPIRY: Duration = Duration::days(30);

/// One capture of a manual payment intent.
#[derive(Debug, Clone)]
pub struct CaptureRecord {
    /// `cp_…`.
    pub id: CaptureId,
    /// Minor units captured.
    pub amount: i64,
    /// When.
    pub at: DateTime<Utc>,
}

/// What the customer paid with.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The card.
    pub card: Card,
    /// The saved payment method used or created, if any.
    pub payment_method_id: Option<PaymentMethodId>,
    /// The transaction's id.
    pub transaction_id: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl Payment {
    /// `card` presented now, under a new transaction id.
    pub fn new(
        ids: &mut IdGenerator,
        card: Card,
        payment_method_id: Option<PaymentMethodId>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            card,
            payment_method_id,
            transaction_id: ids.token(12),
            at: now,
        }
    }
}

/// A payment intent as the emulator keeps it. Its status changes only
/// through its methods, each of which raises the webhook event it causes.
#[derive(Debug, Clone)]
pub struct PaymentIntentRecord {
    /// `pi_sandbox_…`.
    pub id: PaymentIntentId,
    /// The location account it belongs to (`acc_…`): set by the store
    /// when it is kept, from the caller's key.
    pub account: String,

    /// Auto or manual capture.
    pub capture_mode: CaptureMode,
    status: PaymentIntentStatus,
    /// The amount, excluding tips.
    pub amount: Money,
    /// Tips, if any.
    pub tips: Option<Money>,
    /// The request as created (for the fields echoed back).
    pub request: types::CreatePaymentIntentRequest,
    /// The current client session secret.
    pub secret: SessionSecret,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Authorized (manual) or captured (auto) at checkout.
    pub paid: Option<Payment>,
    /// Captures so far (manual).
    pub captures: Vec<CaptureRecord>,
    /// Minor units refunded so far.
    pub refunded: i64,
    /// Whether `/charge` has run.
    charged: bool,
    /// Events raised and not yet collected by the store.
    raised: Vec<Notification>,
}

impl PaymentIntentRecord {
    /// A new payment intent in `Created`, for `request` whose amounts were
    /// checked by [`checked_total`]; raises `payment_intent.created`.
    pub fn new(
        id: PaymentIntentId,
        request: types::CreatePaymentIntentRequest,
        secret: SessionSecret,
        now: DateTime<Utc>,
    ) -> Self {
        let mut record = Self {
            id,
            account: String::new(),
            capture_mode: request.capture_mode.unwrap_or(CaptureMode::Auto),
            status: PaymentIntentStatus::Created,
            amount: request.amount,
            tips: request.tips_amount,
            request,
            secret,
            created_at: now,
            updated_at: now,
            paid: None,
            captures: Vec::new(),
            refunded: 0,
            charged: false,
            raised: Vec::new(),
        };
        record.raise(WebhookEventName::PaymentIntentCreated, now);
        record
    }

    /// Whether the customer may save the card they pay with: the intent
    /// names a customer and offers `SavedCard`, as Dojo's checkout requires.
    pub fn allows_saving(&self) -> bool {
        let has_customer = self
            .request
            .customer
            .as_ref()
            .is_some_and(|c| c.id.is_some());
        let offers = self
            .request
            .payment_methods
            .iter()
            .flatten()
            .any(|method| method.known() == Some(&types::PaymentMethod::SavedCard));
        has_customer && offers
    }

    /// Where it is in its lifecycle.
    pub fn status(&self) -> PaymentIntentStatus {
        self.status
    }

    /// The events raised since the last call, oldest first.
    pub fn take_raised(&mut self) -> Vec<Notification> {
        std::mem::take(&mut self.raised)
    }

    fn raise(&mut self, event: WebhookEventName, at: DateTime<Utc>) {
        self.raised.push(Notification {
            event,
            payment_intent_id: self.id.clone(),
            status: self.status,
            capture_mode: self.capture_mode,
            at,
            account: self.account.clone(),
        });
    }

    /// The one way the status changes: subscribers hear of every change.
    fn set(&mut self, status: PaymentIntentStatus, now: DateTime<Utc>) {
        self.status = status;
        self.updated_at = now;
        self.raise(WebhookEventName::PaymentIntentStatusUpdated, now);
    }

    /// The amount a customer pays: amount plus tips. Every place that sets
    /// either checks the sum with [`checked_total`] first, so it fits; the
    /// saturation is a backstop, never a wrapped total.
    pub fn total(&self) -> i64 {
        self.amount
            .minor_units()
            .saturating_add(self.tips.map_or(0, |t| t.minor_units()))
    }

    /// Minor units captured so far.
    pub fn captured(&self) -> i64 {
        match self.capture_mode {
            CaptureMode::Auto if self.paid.is_some() => self.total(),
            CaptureMode::Auto => 0,
            CaptureMode::Manual => self
                .captures
                .iter()
                .fold(0, |sum, c| sum.saturating_add(c.amount)),
        }
    }

    /// The customer pays at checkout with `card`. Approved: Auto → Captured,
    /// Manual → Authorized. Otherwise the intent stays `Created`.
    pub fn pay(&mut self, payment: Payment, now: DateTime<Utc>) -> Outcome<CardOutcome> {
        if self.status != PaymentIntentStatus::Created {
            return Err(Refusal::state(
                Action::Pay,
                format!(
                    "payment intent {} is {}; only a Created payment intent can be paid",
                    self.id, self.status
                ),
            ));
        }
        let outcome = payment.card.outcome(now.date_naive());
        if outcome == CardOutcome::Approved {
            self.paid = Some(payment);
            let next = match self.capture_mode {
                CaptureMode::Auto => PaymentIntentStatus::Captured,
                CaptureMode::Manual => PaymentIntentStatus::Authorized,
            };
            self.set(next, now);
        }
        Ok(outcome)
    }

    /// Whether `/charge` may run: created with a setup intent, still
    /// `Created`, never charged. Returns the setup intent to charge.
    pub fn chargeable(&self) -> Outcome<SetupIntentId> {
        let setup_id = self.request.setup_intent_id.clone().ok_or_else(|| {
            Refusal::state(
                Action::Charge,
                format!(
                    "payment intent {} was not created with a setupIntentId",
                    self.id
                ),
            )
        })?;
        if self.charged || self.status != PaymentIntentStatus::Created {
            return Err(Refusal::state(
                Action::Charge,
                format!(
                    "payment intent {} is {}; a card is charged only once",
                    self.id, self.status
                ),
            ));
        }
        Ok(setup_id)
    }

    /// `/charge`: the saved card pays, captured at once.
    pub fn charge(&mut self, payment: Payment, now: DateTime<Utc>) -> Outcome<CardOutcome> {
        self.chargeable()?;
        self.charged = true;
        self.capture_mode = CaptureMode::Auto;
        self.pay(payment, now)
    }

    /// `DELETE /payment-intents/{id}`: only while `Created`.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Outcome<()> {
        if self.status != PaymentIntentStatus::Created {
            return Err(Refusal::state(
                Action::Cancel,
                format!(
                    "payment intent {} is {}; only a Created payment intent can be canceled",
                    self.id, self.status
                ),
            ));
        }
        self.set(PaymentIntentStatus::Canceled, now);
        Ok(())
    }

    /// `POST …/captures`: manual, authorized (or partly captured), and the
    /// captures together no more than the authorized amount.
    pub fn capture(&mut self, id: CaptureId, amount: i64, now: DateTime<Utc>) -> Outcome<()> {
        let capturable = matches!(
            self.status,
            PaymentIntentStatus::Authorized | PaymentIntentStatus::Captured
        );
        if self.capture_mode != CaptureMode::Manual || !capturable {
            return Err(Refusal::state(
                Action::Capture,
                format!(
                    "payment intent {} is {} with capture mode {}; only an Authorized manual payment intent can be captured",
                    self.id, self.status, self.capture_mode
                ),
            ));
        }
        let remaining = self.total().saturating_sub(self.captured());
        if amount <= 0 || amount > remaining {
            return Err(Refusal::field(
                "Amount",
                format!(
                    "The capture amount must be between 1 and {remaining}, the amount still authorized; got {amount}."
                ),
            ));
        }
        self.captures.push(CaptureRecord {
            id,
            amount,
            at: now,
        });
        self.set(PaymentIntentStatus::Captured, now);
        Ok(())
    }

    /// `POST …/reversal` (Dojo's reversal scenarios): Manual while
    /// Authorized, within 7 days of the payment; Auto once Captured, on the
    /// same calendar day (UTC); never after a Manual capture.
    pub fn reverse(&mut self, now: DateTime<Utc>) -> Outcome<()> {
        let paid_at = self.paid.as_ref().map(|p| p.at);
        let allowed = match (self.capture_mode, self.status, paid_at) {
            (CaptureMode::Manual, PaymentIntentStatus::Authorized, Some(at)) => {
                now - at <= AUTHORIZATION_LIFETIME
            }
            (CaptureMode::Auto, PaymentIntentStatus::Captured, Some(at)) => {
                at.date_naive() == now.date_naive()
            }
            _ => false,
        };
        if !allowed {
            return Err(Refusal::state(
                Action::Reverse,
                format!(
                    "payment intent {} ({}, {}) cannot be reversed: manual payments while authorized within 7 days, auto ones on the day of capture; refund it instead",
                    self.id, self.capture_mode, self.status
                ),
            ));
        }
        self.set(PaymentIntentStatus::Reversed, now);
        Ok(())
    }

    /// `POST …/refunds`: captured, and refunds together no more than the
    /// captured amount.
    pub fn refund(&mut self, amount: i64, now: DateTime<Utc>) -> Outcome<()> {
        let refundable = matches!(
            self.status,
            PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded
        );
        if !refundable {
            return Err(Refusal::state(
                Action::Refund,
                format!(
                    "payment intent {} is {}; only a Captured payment intent can be refunded",
                    self.id, self.status
                ),
            ));
        }
        let remaining = self.captured().saturating_sub(self.refunded);
        if amount <= 0 || amount > remaining {
            return Err(Refusal::field(
                "Amount",
                format!(
                    "The refund amount must be between 1 and {remaining}, the amount not yet refunded; got {amount}."
                ),
            ));
        }
        self.refunded = self.refunded.saturating_add(amount);
        self.set(PaymentIntentStatus::Refunded, now);
        Ok(())
    }

    /// `POST …/receipt`: Dojo emails the receipt, and subscribers hear of it.
    pub fn send_receipt(&mut self, now: DateTime<Utc>) {
        self.raise(WebhookEventName::PaymentIntentSendReceipt, now);
    }

    fn config_allows(&self, pick: fn(&types::PaymentConfigDetails) -> Option<bool>) -> bool {
        self.request
            .config
            .as_ref()
            .and_then(|c| c.payment.as_ref())
            .and_then(pick)
            .unwrap_or(false)
    }

    fn before_payment(&self, what: &str) -> Outcome<()> {
        if self.status != PaymentIntentStatus::Created {
            return Err(Refusal::state(
                Action::ChangeAmount,
                format!(
                    "payment intent {} is {}; the {what} can only change before payment",
                    self.id, self.status
                ),
            ));
        }
        Ok(())
    }

    /// `POST …/amount`: allowed by `config.payment.customAmountAllowed`, before
    /// payment; issues a new client session secret.
    pub fn set_amount(
        &mut self,
        amount: Money,
        secret: SessionSecret,
        now: DateTime<Utc>,
    ) -> Outcome<()> {
        if !self.config_allows(|p| p.custom_amount_allowed) {
            return Err(Refusal::NotConfigured {
                detail:
                    "this payment intent was not created with config.payment.customAmountAllowed"
                        .into(),
            });
        }
        self.before_payment("amount")?;
        if amount.currency() != self.amount.currency() {
            return Err(Refusal::field(
                "Amount.CurrencyCode",
                "The currency cannot change.",
            ));
        }
        checked_total(amount, self.tips, "Amount")?;
        self.amount = amount;
        self.new_secret(secret, now);
        Ok(())
    }

    /// `POST …/tips-amount`: allowed by `config.payment.tipsAllowed`, before
    /// payment; issues a new client session secret.
    pub fn set_tips(
        &mut self,
        tips: Money,
        secret: SessionSecret,
        now: DateTime<Utc>,
    ) -> Outcome<()> {
        if !self.config_allows(|p| p.tips_allowed) {
            return Err(Refusal::NotConfigured {
                detail: "this payment intent was not created with config.payment.tipsAllowed"
                    .into(),
            });
        }
        self.before_payment("tips amount")?;
        if tips.currency() != self.amount.currency() {
            return Err(Refusal::field(
                "TipsAmount.CurrencyCode",
                "The currency cannot change.",
            ));
        }
        checked_total(self.amount, Some(tips), "TipsAmount")?;
        self.tips = Some(tips);
        self.new_secret(secret, now);
        Ok(())
    }

    /// A new client session secret; the old one stops working.
    pub fn new_secret(&mut self, secret: SessionSecret, now: DateTime<Utc>) {
        self.secret = secret;
        self.updated_at = now;
    }

    /// What time alone changes once [`Self::deadline`] has passed: a manual
    /// payment intent authorized and not captured for 7 days is reversed; a
    /// Created one past its `expireAt` is canceled.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if self.deadline().is_none_or(|at| now <= at) {
            return;
        }
        match self.status {
            PaymentIntentStatus::Authorized => self.set(PaymentIntentStatus::Reversed, now),
            PaymentIntentStatus::Created => self.set(PaymentIntentStatus::Canceled, now),
            _ => {}
        }
    }

    /// When time alone may next change this intent, if ever.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        match self.status {
            PaymentIntentStatus::Created => Some(self.expire_at()),
            PaymentIntentStatus::Authorized if self.capture_mode == CaptureMode::Manual => {
                self.paid.as_ref().map(|p| p.at + AUTHORIZATION_LIFETIME)
            }
            _ => None,
        }
    }

    /// When it is voided unless paid: the request's `expireAt`, or 30 days
    /// after it was created.
    pub fn expire_at(&self) -> DateTime<Utc> {
        self.request
            .expire_at
            .and_then(|t| t.instant())
            .unwrap_or(self.created_at + DEFAULT_EXPIRY)
    }
}

/// A request amount must be in a currency Dojo knows.
pub fn known_currency(field: &str, money: Money) -> Outcome<Money> {
    if money.currency().is_known() {
        Ok(money)
    } else {
        Err(Refusal::field(
            format!("{field}.CurrencyCode"),
            format!(
                "The currency code {} is not an ISO 4217 code.",
                money.currency()
            ),
        ))
    }
}

/// Amount plus tips in minor units, or a 400 naming `field` when either is
/// negative or the sum does not fit: money arithmetic never wraps, and never
/// panics on what a request says.
pub fn checked_total(amount: Money, tips: Option<Money>, field: &str) -> Outcome<i64> {
    let tips = tips.map_or(0, |t| t.minor_units());
    if amount.minor_units() < 0 || tips < 0 {
        return Err(Refusal::field(
            field,
            format!("The {field} field must not be negative."),
        ));
    }
    amount.minor_units().checked_add(tips).ok_or_else(|| {
        Refusal::field(
            field,
            format!("The {field} field is too large: amount and tips together exceed the largest amount."),
        )
    })
}
