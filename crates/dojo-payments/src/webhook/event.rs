//! Webhook events, typed: every event Dojo documents, and any it adds later
//! kept by name.

use dojo_payments_api::api::types::{CaptureMode, PaymentIntentStatus};
use dojo_payments_types::{
    AccountId, LocationId, Open, PaymentIntentId, Timestamp, WebhookEventId, WebhookEventName,
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

/// What happened, with its data: one variant per name of
/// [`WebhookEventName::DOCUMENTED`], or an event this SDK does not know yet.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventKind {
    /// [`WebhookEventName::PaymentIntentCreated`].
    PaymentIntentCreated(PaymentIntentChange),
    /// [`WebhookEventName::PaymentIntentStatusUpdated`].
    PaymentIntentStatusUpdated(PaymentIntentChange),
    /// [`WebhookEventName::PaymentIntentSendReceipt`].
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
    /// The event's name, typed.
    pub fn event_name(&self) -> WebhookEventName {
        match self {
            Self::PaymentIntentCreated(_) => WebhookEventName::PaymentIntentCreated,
            Self::PaymentIntentStatusUpdated(_) => WebhookEventName::PaymentIntentStatusUpdated,
            Self::PaymentIntentSendReceipt(_) => WebhookEventName::PaymentIntentSendReceipt,
            Self::Unknown { name, .. } => WebhookEventName::from(name.as_str()),
        }
    }

    /// The event's name, as Dojo writes it.
    pub fn name(&self) -> &str {
        match self {
            Self::Unknown { name, .. } => name,
            known => known.event_name().static_str().unwrap_or_default(),
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
    event: WebhookEventName,
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
        // `WebhookEventName` is `non_exhaustive`: a name it learns before
        // this decoder does is kept as `Unknown` (a unit test holds every
        // documented name to a typed variant).
        let kind = match envelope.event {
            WebhookEventName::PaymentIntentCreated => {
                EventKind::PaymentIntentCreated(change(envelope.data)?)
            }
            WebhookEventName::PaymentIntentStatusUpdated => {
                EventKind::PaymentIntentStatusUpdated(change(envelope.data)?)
            }
            WebhookEventName::PaymentIntentSendReceipt => {
                EventKind::PaymentIntentSendReceipt(change(envelope.data)?)
            }
            other => EventKind::Unknown {
                name: other.into(),
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

#[cfg(test)]
mod tests {
    use dojo_payments_types::WebhookEventName;

    use super::{Event, EventKind};

    fn body(name: &str) -> Vec<u8> {
        serde_json::json!({
            "id": "evt_1",
            "event": name,
            "accountId": "acc_1",
            "data": {"paymentIntentId": "pi_1", "paymentStatus": "Captured", "captureMode": "Auto"},
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn every_documented_event_decodes_to_its_typed_variant() {
        for name in WebhookEventName::DOCUMENTED {
            let event = Event::from_json(&body(name.as_str())).unwrap();
            assert!(
                !matches!(event.kind, EventKind::Unknown { .. }),
                "{name} decoded as Unknown"
            );
            assert_eq!(event.kind.event_name(), name);
            assert_eq!(event.kind.name(), name.as_str());
        }
    }

    #[test]
    fn an_unknown_event_decodes_and_keeps_its_name_and_data() {
        for name in [
            "payment.successful",
            "order.created",
            "",
            "payment_intent.Created",
        ] {
            let event = Event::from_json(&body(name)).unwrap();
            let EventKind::Unknown { name: kept, data } = &event.kind else {
                panic!("{name} decoded as {:?}", event.kind);
            };
            assert_eq!(kept, name);
            assert_eq!(data["paymentIntentId"], "pi_1");
            assert_eq!(event.kind.name(), name);
            assert!(!event.kind.event_name().is_known());
        }
    }
}
