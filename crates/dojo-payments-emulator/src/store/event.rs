//! The webhook events Dojo documents, raised by the records whose state
//! changed (never by a caller, so no change can forget its event).

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{CaptureMode, PaymentIntentStatus};
use dojo_payments_types::PaymentIntentId;

/// An event a subscription can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookEvent {
    /// `payment_intent.created`.
    PaymentIntentCreated,
    /// `payment_intent.status_updated`.
    PaymentIntentStatusUpdated,
    /// `payment_intent.send-receipt`.
    PaymentIntentSendReceipt,
}

impl WebhookEvent {
    /// Every event, in the order `GET /webhooks/events` lists them.
    pub const ALL: [Self; 3] = [
        Self::PaymentIntentCreated,
        Self::PaymentIntentStatusUpdated,
        Self::PaymentIntentSendReceipt,
    ];

    /// The event's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Self::PaymentIntentCreated => "payment_intent.created",
            Self::PaymentIntentStatusUpdated => "payment_intent.status_updated",
            Self::PaymentIntentSendReceipt => "payment_intent.send-receipt",
        }
    }

    /// The event named `name`, if Dojo documents one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// A change a webhook subscriber may want to hear about: the payment intent
/// as it was right after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What happened.
    pub event: WebhookEvent,
    /// The payment intent.
    pub payment_intent_id: PaymentIntentId,
    /// Its status after the change.
    pub status: PaymentIntentStatus,
    /// Its capture mode.
    pub capture_mode: CaptureMode,
    /// When.
    pub at: DateTime<Utc>,
    /// The location account it happened in (`accountId`).
    pub account: String,
}
