//! Webhook events, typed: every event Dojo documents, and any it adds later
//! kept by name.

use dojo_payments_api::api::types::{CaptureMode, PaymentIntentStatus};
use dojo_payments_types::{
    AccountId, LocationId, Open, PaymentIntentId, Timestamp, WebhookEventId,
};
use serde::Deserialize;

use super::WebhookError;

/// One delivery's event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event's id: the same on every redelivery of it.
    pub id: WebhookEventId,
    /// The location account it happened in (`accountId`).
    pub account_id: Option<AccountId>,
    /// The location it belongs to, as the [`super::Verifier`] told it: the
    /// location whose secret verified it, or whose account it names.
    pub location: Option<LocationId>,
    /// When it happened.
    pub created_at: Option<Timestamp>,
    /// What happened.
    pub kind: EventKind,
}

/// What happened: the events of Dojo's payment-intent webhooks, or one this
/// SDK does not know yet.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventKind {
    /// `payment_intent.created`.
    PaymentIntentCreated(PaymentIntentChange),
    /// `payment_intent.status_updated`.
    PaymentIntentStatusUpdated(PaymentIntentChange),
    /// `payment_intent.send-receipt`.
    PaymentIntentSendReceipt(PaymentIntentChange),
    /// An event type Dojo added after this SDK: its name and data, kept.
    Unknown {
        /// The `event` field.
        name: String,
        /// The `data` field, as sent.
        data: serde_json::Value,
    },
}

impl EventKind {
    /// The event's name, as Dojo writes it.
    pub fn name(&self) -> &str {
        match self {
            Self::PaymentIntentCreated(_) => "payment_intent.created",
            Self::PaymentIntentStatusUpdated(_) => "payment_intent.status_updated",
            Self::PaymentIntentSendReceipt(_) => "payment_intent.send-receipt",
            Self::Unknown { name, .. } => name,
        }
    }
}

/// The data of a payment-intent event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentIntentChange {
    /// The payment intent.
    pub payment_intent_id: PaymentIntentId,
    /// Its status now (a status Dojo adds later is kept).
    #[serde(rename = "paymentStatus")]
    pub status: Open<PaymentIntentStatus>,
    /// Its capture mode.
    pub capture_mode: Option<Open<CaptureMode>>,
    /// Fields Dojo added, kept.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    id: WebhookEventId,
    event: String,
    account_id: Option<AccountId>,
    created_at: Option<Timestamp>,
    #[serde(default)]
    data: serde_json::Value,
}

impl Event {
    /// Decodes a delivery's body (verify its signature first:
    /// [`super::Verifier::verify`] does both).
    pub fn from_json(body: &[u8]) -> Result<Self, WebhookError> {
        let envelope: Envelope = serde_json::from_slice(body).map_err(malformed)?;
        let change = |data: serde_json::Value| serde_json::from_value(data).map_err(malformed);
        let kind = match envelope.event.as_str() {
            "payment_intent.created" => EventKind::PaymentIntentCreated(change(envelope.data)?),
            "payment_intent.status_updated" => {
                EventKind::PaymentIntentStatusUpdated(change(envelope.data)?)
            }
            "payment_intent.send-receipt" => {
                EventKind::PaymentIntentSendReceipt(change(envelope.data)?)
            }
            _ => EventKind::Unknown {
                name: envelope.event,
                data: envelope.data,
            },
        };
        Ok(Self {
            id: envelope.id,
            account_id: envelope.account_id,
            location: None,
            created_at: envelope.created_at,
            kind,
        })
    }
}

/// serde's complaint without the values it quotes: the category and where.
fn malformed(error: serde_json::Error) -> WebhookError {
    let reason = match error.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!(
                "not JSON (line {}, column {})",
                error.line(),
                error.column()
            )
        }
        _ => {
            let message = error.to_string();
            let kept = message
                .split(['"', '`'])
                .step_by(2)
                .collect::<Vec<_>>()
                .join("…");
            format!("not an event: {kept}")
        }
    };
    WebhookError::MalformedBody { reason }
}
