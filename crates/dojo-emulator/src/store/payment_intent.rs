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

use chrono::{DateTime, Duration, Utc};
use dojo_api::api::types::{self, CaptureMode, PaymentIntentStatus};
use dojo_types::{
    CaptureId, ClientSessionSecret, Money, Open, PaymentIntentId, PaymentMethodId, Timestamp,
};

use crate::cards::{Card, CardOutcome};
use crate::problem::{Answer, Problem};

/// How long a manual payment intent may stay authorized (and be reversed)
/// before Dojo reverses it by itself.
pub const SEVEN_DAYS: i64 = 7;

/// One capture of a manual payment intent.
#[derive(Debug, Clone)]
pub struct CaptureRecord {
    /// `cp_…`.
    pub id: String,
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
    pub payment_method_id: Option<String>,
    /// The transaction's id.
    pub transaction_id: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A payment intent as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct PaymentIntentRecord {
    /// `pi_sandbox_…`.
    pub id: String,
    /// Auto or manual capture.
    pub capture_mode: CaptureMode,
    /// Where it is in its lifecycle.
    pub status: PaymentIntentStatus,
    /// The amount, excluding tips.
    pub amount: Money,
    /// Tips, if any.
    pub tips: Option<Money>,
    /// The merchant's reference.
    pub reference: String,
    /// The request as created (for the fields echoed back).
    pub request: types::CreatePaymentIntentRequest,
    /// The current client session secret.
    pub client_session_secret: String,
    /// When that secret stops working.
    pub secret_expires_at: DateTime<Utc>,
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
    pub charged: bool,
}

impl PaymentIntentRecord {
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
            CaptureMode::Manual => self.captures.iter().map(|c| c.amount).sum(),
        }
    }

    fn set(&mut self, status: PaymentIntentStatus, now: DateTime<Utc>) {
        self.status = status;
        self.updated_at = now;
    }

    /// The customer pays at checkout with `card`. Approved: Auto → Captured,
    /// Manual → Authorized. Otherwise the intent stays `Created`.
    pub fn pay(&mut self, payment: Payment, now: DateTime<Utc>) -> Answer<CardOutcome> {
        if self.status != PaymentIntentStatus::Created {
            return Err(Problem::bad_request(format!(
                "payment intent {} is {}; only a Created payment intent can be paid",
                self.id, self.status
            )));
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

    /// `DELETE /payment-intents/{id}`: only while `Created`.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Answer<()> {
        if self.status != PaymentIntentStatus::Created {
            return Err(Problem::bad_request(format!(
                "payment intent {} is {}; only a Created payment intent can be canceled",
                self.id, self.status
            )));
        }
        self.set(PaymentIntentStatus::Canceled, now);
        Ok(())
    }

    /// `POST …/captures`: manual, authorized (or partly captured), and the
    /// captures together no more than the authorized amount.
    pub fn capture(&mut self, id: String, amount: i64, now: DateTime<Utc>) -> Answer<()> {
        let capturable = matches!(
            self.status,
            PaymentIntentStatus::Authorized | PaymentIntentStatus::Captured
        );
        if self.capture_mode != CaptureMode::Manual || !capturable {
            return Err(Problem::conflict(format!(
                "payment intent {} is {} with capture mode {}; only an Authorized manual payment intent can be captured",
                self.id, self.status, self.capture_mode
            )));
        }
        let remaining = self.total() - self.captured();
        if amount <= 0 || amount > remaining {
            return Err(Problem::field(
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
    pub fn reverse(&mut self, now: DateTime<Utc>) -> Answer<()> {
        let paid_at = self.paid.as_ref().map(|p| p.at);
        let allowed = match (self.capture_mode, self.status, paid_at) {
            (CaptureMode::Manual, PaymentIntentStatus::Authorized, Some(at)) => {
                now - at <= Duration::days(SEVEN_DAYS)
            }
            (CaptureMode::Auto, PaymentIntentStatus::Captured, Some(at)) => {
                at.date_naive() == now.date_naive()
            }
            _ => false,
        };
        if !allowed {
            return Err(Problem::conflict(format!(
                "payment intent {} ({}, {}) cannot be reversed: manual payments while authorized within 7 days, auto ones on the day of capture; refund it instead",
                self.id, self.capture_mode, self.status
            )));
        }
        self.set(PaymentIntentStatus::Reversed, now);
        Ok(())
    }

    /// `POST …/refunds`: captured, and refunds together no more than the
    /// captured amount.
    pub fn refund(&mut self, amount: i64, now: DateTime<Utc>) -> Answer<()> {
        let refundable = matches!(
            self.status,
            PaymentIntentStatus::Captured | PaymentIntentStatus::Refunded
        );
        if !refundable {
            return Err(Problem::bad_request(format!(
                "payment intent {} is {}; only a Captured payment intent can be refunded",
                self.id, self.status
            )));
        }
        let remaining = self.captured() - self.refunded;
        if amount <= 0 || amount > remaining {
            return Err(Problem::field(
                "Amount",
                format!(
                    "The refund amount must be between 1 and {remaining}, the amount not yet refunded; got {amount}."
                ),
            ));
        }
        self.refunded += amount;
        self.set(PaymentIntentStatus::Refunded, now);
        Ok(())
    }

    fn config_allows(&self, pick: fn(&types::PaymentConfigDetails) -> Option<bool>) -> bool {
        self.request
            .config
            .as_ref()
            .and_then(|c| c.payment.as_ref())
            .and_then(pick)
            .unwrap_or(false)
    }

    fn before_capture(&self, what: &str) -> Answer<()> {
        if self.status != PaymentIntentStatus::Created {
            return Err(Problem::bad_request(format!(
                "payment intent {} is {}; the {what} can only change before payment",
                self.id, self.status
            )));
        }
        Ok(())
    }

    /// `POST …/amount`: allowed by `config.payment.customAmountAllowed`, before
    /// payment; issues a new client session secret.
    pub fn set_amount(&mut self, amount: Money, secret: String, now: DateTime<Utc>) -> Answer<()> {
        if !self.config_allows(|p| p.custom_amount_allowed) {
            return Err(Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "this payment intent was not created with config.payment.customAmountAllowed",
            ));
        }
        self.before_capture("amount")?;
        if amount.currency() != self.amount.currency() {
            return Err(Problem::field(
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
    pub fn set_tips(&mut self, tips: Money, secret: String, now: DateTime<Utc>) -> Answer<()> {
        if !self.config_allows(|p| p.tips_allowed) {
            return Err(Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "this payment intent was not created with config.payment.tipsAllowed",
            ));
        }
        self.before_capture("tips amount")?;
        if tips.currency() != self.amount.currency() {
            return Err(Problem::field(
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
    pub fn new_secret(&mut self, secret: String, now: DateTime<Utc>) {
        self.client_session_secret = secret;
        self.secret_expires_at = now + Duration::minutes(30);
        self.updated_at = now;
    }

    /// Manual payment intents authorized and not captured for 7 days are
    /// reversed. Returns whether the status changed.
    pub fn tick(&mut self, now: DateTime<Utc>) -> bool {
        let authorized_at = self.paid.as_ref().map(|p| p.at);
        let stale = self.capture_mode == CaptureMode::Manual
            && self.status == PaymentIntentStatus::Authorized
            && authorized_at.is_some_and(|at| now - at > Duration::days(SEVEN_DAYS));
        let expired = self.status == PaymentIntentStatus::Created
            && self
                .request
                .expire_at
                .and_then(|t| t.instant())
                .is_some_and(|at| now > at);
        if stale {
            self.set(PaymentIntentStatus::Reversed, now);
        } else if expired {
            self.set(PaymentIntentStatus::Canceled, now);
        }
        stale || expired
    }

    /// The payment intent as Dojo answers with it.
    pub fn render(&self, payment_link: String) -> types::PaymentIntent {
        let request = &self.request;
        let money = |minor: i64| Money::new(minor, self.amount.currency());
        let customer = request.customer.as_ref().map(|c| types::Customer {
            id: c.id.clone(),
            email_address: c.email_address.clone(),
            phone_number: c.phone_number.clone(),
            extra: Default::default(),
        });
        types::PaymentIntent {
            id: Some(PaymentIntentId::from_wire(self.id.clone())),
            capture_mode: Some(Open::Known(self.capture_mode)),
            status: Some(Open::Known(self.status)),
            amount: Some(self.amount),
            tips_amount: self.tips,
            requested_amount: Some(self.amount),
            total_amount: Some(money(self.total())),
            refunded_amount: Some(self.refunded),
            reference: Some(self.reference.clone()),
            description: request.description.clone(),
            client_session_secret: ClientSessionSecret::new(self.client_session_secret.clone())
                .ok(),
            client_session_secret_expiration_date: Some(Timestamp::new(self.secret_expires_at)),
            created_at: Some(Timestamp::new(self.created_at)),
            updated_at: Some(Timestamp::new(self.updated_at)),
            expire_at: request.expire_at,
            customer,
            config: request.config.as_ref().and_then(config_answered),
            metadata: request.metadata.clone(),
            payment_methods: request
                .payment_methods
                .clone()
                .or_else(|| Some(vec![types::PaymentMethod("Card".into())])),
            setup_intent_id: request.setup_intent_id.clone(),
            payment_link: Some(payment_link),
            captures: Some(
                self.captures
                    .iter()
                    .map(|c| types::CaptureDetails {
                        id: Some(CaptureId::from_wire(c.id.clone())),
                        amount: Some(c.amount),
                        created_at: Some(Timestamp::new(c.at)),
                        status: Some(Open::Known(types::CaptureStatus::Successful)),
                        ..Default::default()
                    })
                    .collect(),
            ),
            payment_details: self.paid.as_ref().map(payment_details),
            ..Default::default()
        }
    }
}

/// What a payment looked like, as `paymentDetails`.
/// The config as Dojo answers with it: the request's, in the response's
/// type (the document gives them one JSON shape under two names).
fn config_answered(
    config: &types::PaymentIntentConfigRequest,
) -> Option<types::PaymentIntentConfigResponse> {
    serde_json::from_value(serde_json::to_value(config).ok()?).ok()
}

/// Amount plus tips in minor units, or a 400 naming `field` when either is
/// negative or the sum does not fit: money arithmetic never wraps, and never
/// panics on what a request says.
pub fn checked_total(amount: Money, tips: Option<Money>, field: &str) -> Answer<i64> {
    let tips = tips.map_or(0, |t| t.minor_units());
    if amount.minor_units() < 0 || tips < 0 {
        return Err(Problem::field(
            field,
            format!("The {field} field must not be negative."),
        ));
    }
    amount.minor_units().checked_add(tips).ok_or_else(|| {
        Problem::field(
            field,
            format!("The {field} field is too large: amount and tips together exceed the largest amount."),
        )
    })
}

pub fn payment_details(payment: &Payment) -> types::PaymentDetails {
    types::PaymentDetails {
        transaction_id: Some(payment.transaction_id.clone()),
        transaction_date_time: Some(Timestamp::new(payment.at).to_string()),
        message: Some("Approved".into()),
        payment_method_id: payment
            .payment_method_id
            .clone()
            .map(PaymentMethodId::from_wire),
        auth_code: Some("EMU123".into()),
        card: Some(types::Card {
            card_number: Some(payment.card.masked()),
            expiry_date: Some(payment.card.expiry.to_string()),
            card_type: Some(payment.card.scheme().into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}
