//! Webhook subscriptions and their signing secrets.

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types;
use dojo_payments_types::{
    Timestamp, WebhookEventName, WebhookSecret, WebhookSecretId, WebhookSubscriptionId,
};

use super::refusal::{Action, Outcome, Refusal};

/// How many secrets a subscription may have.
pub const MAX_SECRETS: usize = 5;

/// One signing secret of a subscription.
#[derive(Debug, Clone)]
pub struct SecretRecord {
    /// Its id.
    pub id: WebhookSecretId,
    /// The HMAC key.
    pub value: WebhookSecret,
    /// Whether deliveries are signed with it.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A subscription as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct SubscriptionRecord {
    /// `ws_…`.
    pub id: WebhookSubscriptionId,
    /// The location account it belongs to (`acc_…`): set by the store
    /// when it is kept, from the caller's key.
    pub account: String,

    /// Events delivered.
    pub events: Vec<WebhookEventName>,
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

/// The events named in a request, each one Dojo documents, at least one.
pub fn events_named(names: &[String]) -> Outcome<Vec<WebhookEventName>> {
    if names.is_empty() {
        return Err(Refusal::field("Events", "At least one event is required."));
    }
    names
        .iter()
        .map(|name| {
            WebhookEventName::documented(name)
                .ok_or_else(|| Refusal::field("Events", format!("Unknown event {name:?}.")))
        })
        .collect()
}

impl SubscriptionRecord {
    /// The active secrets, oldest first.
    pub fn active_secrets(&self) -> impl Iterator<Item = &WebhookSecret> {
        self.secrets.iter().filter(|s| s.active).map(|s| &s.value)
    }

    /// Adds `secret`, inactive until activated.
    pub fn add_secret(&mut self, secret: SecretRecord) -> Outcome<()> {
        if self.secrets.len() >= MAX_SECRETS {
            return Err(Refusal::state(
                Action::Subscribe,
                format!("a subscription has at most {MAX_SECRETS} secrets"),
            ));
        }
        self.secrets.push(secret);
        Ok(())
    }

    /// The secret `id`, or why not.
    pub fn secret(&mut self, id: &str) -> Outcome<&mut SecretRecord> {
        self.secrets
            .iter_mut()
            .find(|s| s.id.as_str() == id)
            .ok_or_else(|| Refusal::not_found("webhook secret", id))
    }

    /// Removes the secret `id`.
    pub fn remove_secret(&mut self, id: &str) -> Outcome<()> {
        let before = self.secrets.len();
        self.secrets.retain(|s| s.id.as_str() != id);
        if self.secrets.len() == before {
            return Err(Refusal::not_found("webhook secret", id));
        }
        Ok(())
    }

    /// The secrets as Dojo lists them.
    pub fn render_secrets(&self) -> Vec<types::SubscriptionSecret> {
        self.secrets
            .iter()
            .map(|s| types::SubscriptionSecret {
                id: Some(s.id.clone()),
                value: Some(s.value.clone()),
                is_active: Some(s.active),
                created_at: Some(Timestamp::new(s.created_at)),
                extra: Default::default(),
            })
            .collect()
    }

    /// The subscription as Dojo answers with it.
    pub fn render(&self) -> types::Subscription {
        types::Subscription {
            id: Some(self.id.clone()),
            account_id: Some(self.account.clone()),
            events: self.events.iter().map(ToString::to_string).collect(),
            url: Some(self.url.clone()),
            description: self.description.clone(),
            secrets: self.render_secrets(),
            created_at: Some(Timestamp::new(self.created_at)),
            updated_at: Some(Timestamp::new(self.updated_at)),
            extra: Default::default(),
        }
    }
}
