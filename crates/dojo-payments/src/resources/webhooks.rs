//! Webhook subscriptions, their signing secrets, and past events.
//! (Verifying and decoding deliveries is `dojo_payments::webhook`.)

use crate::ErrorContext;
use dojo_payments_api::api::ClientInfo;
use dojo_payments_api::api::types;
use dojo_payments_api::validate::{Rule, Violation, is_loopback_http};
use dojo_payments_types::{
    HttpsUrl, InvalidValue, WebhookEventName, WebhookSecret, WebhookSecretId, WebhookSubscriptionId,
};

use dojo_payments_api::operations as ops;

use crate::call::{Operation, Request};
use crate::error::{Error, Found};
use crate::resources::urls::{self, Refused};
use crate::{Dojo, Result};

/// The webhook subscriptions of the account: `dojo.webhooks()`.
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a> {
    pub(crate) dojo: &'a Dojo,
}

const EVENTS: &Operation = &ops::WEBHOOKS_GET_ALL_EVENTS;
const LIST: &Operation = &ops::WEBHOOKS_GET_ALL_SUBSCRIPTIONS;
const SUBSCRIBE: &Operation = &ops::WEBHOOKS_SUBSCRIBE;
const UPDATE: &Operation = &ops::WEBHOOKS_SUBSCRIBE_UPDATE;
const DELETE: &Operation = &ops::WEBHOOKS_DELETE_SUBSCRIPTION;
const SECRETS: &Operation = &ops::WEBHOOKS_GET_SECRETS;
const GENERATE: &Operation = &ops::WEBHOOKS_GENERATE_SECRET;
const ACTIVATE: &Operation = &ops::WEBHOOKS_ACTIVATE_SECRET;
const DELETE_SECRET: &Operation = &ops::WEBHOOKS_DELETE_SECRET;

impl<'a> Webhooks<'a> {
    /// The event types Dojo can send.
    pub async fn events(self) -> Result<Vec<types::WebhookEvents>> {
        let raw = self.dojo.api();
        self.dojo
            .send(EVENTS, Request::NONE, || raw.webhooks_get_all_events())
            .await
    }

    /// Every subscription.
    pub async fn list(self) -> Result<Vec<types::Subscription>> {
        let raw = self.dojo.api();
        self.dojo
            .send(LIST, Request::NONE, || raw.webhooks_get_all_subscriptions())
            .await
    }

    /// A subscription of `url` (an [`HttpsUrl`], or text that is one: text
    /// that is not is refused by `send`, naming `url`) to `events`
    /// ([`WebhookEventName::PaymentIntentStatusUpdated`], …, or their names
    /// as text); it comes with one active secret.
    pub fn subscribe(
        self,
        url: impl TryInto<HttpsUrl, Error: Into<InvalidValue>>,
        events: impl IntoIterator<Item = impl Into<WebhookEventName>>,
    ) -> Subscribe<'a> {
        let mut refused = None;
        let url = urls::checked(url, "url", &mut refused).unwrap_or_default();
        Subscribe {
            dojo: self.dojo,
            refused,
            body: types::SubscriptionRequest {
                url,
                events: events
                    .into_iter()
                    .map(|event| String::from(event.into()))
                    .collect(),
                description: None,
            },
        }
    }

    /// Changes subscription `id` (URL, events, description).
    pub async fn update(
        self,
        id: &WebhookSubscriptionId,
        change: types::SubscriptionUpdateRequest,
    ) -> Result<types::Subscription> {
        let raw = self.dojo.api();
        self.dojo
            .send(UPDATE, Request::body(&change), || {
                raw.webhooks_subscribe_update(id, &change)
            })
            .await
    }

    /// Deletes subscription `id`.
    pub async fn delete(self, id: &WebhookSubscriptionId) -> Result<()> {
        let raw = self.dojo.api();
        self.dojo
            .send(DELETE, Request::NONE, || {
                raw.webhooks_delete_subscription(id)
            })
            .await
    }

    /// The secrets of subscription `id`, active or not.
    pub async fn secrets(
        self,
        id: &WebhookSubscriptionId,
    ) -> Result<Vec<types::SubscriptionSecret>> {
        let raw = self.dojo.api();
        let answer = self
            .dojo
            .send(SECRETS, Request::NONE, || raw.webhooks_get_secrets(id))
            .await?;
        Ok(answer.secrets)
    }

    /// A new, inactive secret for subscription `id`; every secret is
    /// returned.
    pub async fn generate_secret(
        self,
        id: &WebhookSubscriptionId,
    ) -> Result<Vec<types::SubscriptionSecret>> {
        let raw = self.dojo.api();
        let answer = self
            .dojo
            .send(GENERATE, Request::NONE, || raw.webhooks_generate_secret(id))
            .await?;
        Ok(answer.secrets)
    }

    /// Dojo signs with `secret` too from now on.
    pub async fn activate_secret(
        self,
        id: &WebhookSubscriptionId,
        secret: &WebhookSecretId,
    ) -> Result<()> {
        let raw = self.dojo.api();
        self.dojo
            .send(ACTIVATE, Request::NONE, || {
                raw.webhooks_activate_secret(id, secret)
            })
            .await
    }

    /// Deletes `secret`: Dojo stops signing with it.
    pub async fn delete_secret(
        self,
        id: &WebhookSubscriptionId,
        secret: &WebhookSecretId,
    ) -> Result<()> {
        let raw = self.dojo.api();
        self.dojo
            .send(DELETE_SECRET, Request::NONE, || {
                raw.webhooks_delete_secret(id, secret)
            })
            .await
    }

    /// Rotates subscription `id`'s signing secret without a gap, in the
    /// order that loses no delivery:
    ///
    /// 1. generate a new secret,
    /// 2. call `trust` with it (add it to your `dojo_payments::webhook::Verifier`,
    ///    beside the old one),
    /// 3. activate it (while two are active, Dojo signs each delivery with
    ///    one of them: the emulator with the newest),
    /// 4. delete every older secret (Dojo signs with the new one only).
    ///
    /// Returns the new secret; drop the old ones from your verifier after.
    pub async fn rotate_secret(
        self,
        id: &WebhookSubscriptionId,
        trust: impl FnOnce(&WebhookSecret),
    ) -> Result<WebhookSecret> {
        let before: Vec<_> = self
            .secrets(id)
            .await?
            .into_iter()
            .filter_map(|s| s.id)
            .collect();
        let after = self.generate_secret(id).await?;
        let fresh = after
            .into_iter()
            .find(|s| s.id.as_ref().is_some_and(|i| !before.contains(i)));
        let (Some(new_id), Some(value)) = (
            fresh.as_ref().and_then(|s| s.id.clone()),
            fresh.and_then(|s| s.value),
        ) else {
            return Err(Error::UnexpectedAnswer {
                operation: GENERATE.id,
                found: Found::Missing("new secret"),
                context: ErrorContext::at(self.dojo.location_id()),
            });
        };
        trust(&value);
        self.activate_secret(id, &new_id).await?;
        for old in &before {
            self.delete_secret(id, old).await?;
        }
        Ok(value)
    }
}

/// `dojo.webhooks().subscribe(url, events)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct Subscribe<'a> {
    dojo: &'a Dojo,
    body: types::SubscriptionRequest,
    refused: Refused,
}

impl Subscribe<'_> {
    /// A description of the subscription.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.body.description = Some(text.into());
        self
    }

    /// Checks the request (its URL, then against Dojo's document), then
    /// subscribes. An `http://` URL on loopback passes only when this client
    /// itself talks to an API on loopback (the emulator, which delivers
    /// there); Dojo takes `https://` only.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<types::Subscription>> {
        async move {
            urls::refusal(SUBSCRIBE.id, self.refused)?;
            let emulated = is_loopback_http(self.dojo.api().baseurl());
            let exempt = |v: &Violation| {
                emulated
                    && v.field() == "url"
                    && matches!(v.rule(), Rule::Pattern { .. })
                    && is_loopback_http(&self.body.url)
            };
            let raw = self.dojo.api();
            let body = &self.body;
            self.dojo
                .send(SUBSCRIBE, Request::body(body).except(&exempt), || {
                    raw.webhooks_subscribe(body)
                })
                .await
        }
    }
}
