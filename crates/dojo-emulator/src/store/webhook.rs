//! Webhook subscriptions and their signing secrets.

use chrono::{DateTime, Utc};
use dojo_api::api::types;
use dojo_types::{Timestamp, WebhookSecret, WebhookSecretId, WebhookSubscriptionId};

/// The events Dojo documents for payment intents.
pub const EVENTS: [&str; 3] = [
    "payment_intent.created",
    "payment_intent.status_updated",
    "payment_intent.send-receipt",
];

/// One signing secret of a subscription.
#[derive(Debug, Clone)]
pub struct SecretRecord {
    /// Its id.
    pub id: String,
    /// The HMAC key.
    pub value: String,
    /// Whether deliveries are signed with it.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A subscription as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct SubscriptionRecord {
    /// `ws_…`.
    pub id: String,
    /// Events delivered.
    pub events: Vec<String>,
    /// Where deliveries go.
    pub url: String,
    /// The merchant's description.
    pub description: Option<String>,
    /// Signing secrets, oldest first.
    pub secrets: Vec<SecretRecord>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl SubscriptionRecord {
    /// The active secrets' values, oldest first.
    pub fn active_secrets(&self) -> Vec<String> {
        self.secrets
            .iter()
            .filter(|s| s.active)
            .map(|s| s.value.clone())
            .collect()
    }

    /// The secrets as Dojo lists them.
    pub fn render_secrets(&self) -> Vec<types::SubscriptionSecret> {
        self.secrets
            .iter()
            .map(|s| types::SubscriptionSecret {
                id: Some(WebhookSecretId::from_wire(s.id.clone())),
                value: WebhookSecret::new(s.value.clone()).ok(),
                is_active: Some(s.active),
                created_at: Some(Timestamp::new(s.created_at)),
                extra: Default::default(),
            })
            .collect()
    }

    /// The subscription as Dojo answers with it.
    pub fn render(&self, account_id: &str) -> types::Subscription {
        types::Subscription {
            id: Some(WebhookSubscriptionId::from_wire(self.id.clone())),
            account_id: Some(account_id.to_owned()),
            events: self.events.clone(),
            url: Some(self.url.clone()),
            description: self.description.clone(),
            secrets: self.render_secrets(),
            created_at: Some(Timestamp::new(self.created_at)),
            updated_at: Some(Timestamp::new(self.updated_at)),
            extra: Default::default(),
        }
    }
}
