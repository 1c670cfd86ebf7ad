//! The webhook events Dojo documents, raised by the records whose state
//! changed (never by a caller, so no change can forget its event).

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types::{CaptureMode, PaymentIntentStatus};
use dojo_payments_types::{PaymentIntentId, WebhookEventName};

/// A change a webhook subscriber may want to hear about: the payment intent
/// as it was right after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What happened: always one of [`WebhookEventName::DOCUMENTED`].
    pub event: WebhookEventName,
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
