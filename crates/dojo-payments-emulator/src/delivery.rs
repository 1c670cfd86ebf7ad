//! Webhook deliveries: signed like Dojo's, retried with backoff.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dojo_payments_types::{WebhookEventId, WebhookEventName, WebhookSecret, WebhookSignature};
use serde::Serialize;

use crate::store::Store;
use crate::store::event::Notification;

/// How the emulator retries a webhook delivery the receiver did not accept
/// (not the SDK's `dojo_payments::RetryPolicy`, which retries API calls).
#[derive(Debug, Clone, Copy)]
pub struct WebhookRetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubled before each next one.
    pub first_backoff: Duration,
}

impl Default for WebhookRetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_backoff: Duration::from_millis(200),
        }
    }
}

/// Which of a subscription's active secrets sign a delivery.
///
/// Dojo's documents show one `sha256=…` value per delivery and never say
/// which secret signs while two are active (during a rotation). The
/// emulator's rule is [`WebhookSignatures::NewestActiveSecret`]: one
/// signature, as Dojo's own clients (the PHP helper, the .NET
/// `WebhookPayloadUtils`) read it, under the secret created last, which a
/// receiver following the rotation order (trust the new secret before
/// activating it) already trusts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WebhookSignatures {
    /// One signature, under the newest active secret (the default).
    #[default]
    NewestActiveSecret,
    /// One signature per active secret, oldest first, joined by commas:
    /// `sha256=…,sha256=…`. Not Dojo's documented behaviour, and refused by
    /// Dojo's PHP helper under either secret; for receivers that want both
    /// during a rotation.
    EveryActiveSecret,
}

impl WebhookSignatures {
    /// The `dojo-signature` value of `body` under `secrets` (active ones,
    /// oldest first); `None` when there is none to sign with.
    fn header(self, secrets: &[WebhookSecret], body: &[u8]) -> Option<String> {
        match self {
            Self::NewestActiveSecret => secrets
                .last()
                .map(|secret| WebhookSignature::sign(secret, body).to_string()),
            Self::EveryActiveSecret => (!secrets.is_empty()).then(|| {
                secrets
                    .iter()
                    .map(|secret| WebhookSignature::sign(secret, body).to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        }
    }
}

/// One attempt to deliver one webhook event, as recorded (not the SDK's
/// `dojo_payments::retry::Attempt`, the outcome of one API call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The subscription's URL.
    pub url: String,
    /// The event type.
    pub event: WebhookEventName,
    /// The event's id (the same on every retry).
    pub event_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's status, or `None` when it could not be reached.
    pub status: Option<u16>,
}

/// A signed delivery waiting to go out.
#[derive(Debug, Clone)]
pub struct Job {
    url: String,
    event: WebhookEventName,
    event_id: String,
    body: Vec<u8>,
    signature: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventBody<'a> {
    id: &'a str,
    event: &'a str,
    account_id: &'a str,
    created_at: String,
    data: EventData<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventData<'a> {
    payment_intent_id: &'a str,
    payment_status: &'a str,
    capture_mode: &'a str,
}

/// The deliveries `notifications` cause, signed with each subscription's
/// active secrets as `signatures` says (a subscription with none gets no
/// delivery). Only the subscriptions of the account the event happened in
/// hear of it.
pub fn jobs(
    store: &mut Store,
    notifications: &[Notification],
    signatures: WebhookSignatures,
) -> Vec<Job> {
    let mut jobs = Vec::new();
    for notification in notifications {
        let subscribers: Vec<(String, Vec<WebhookSecret>)> = store
            .subscriptions_of(&notification.account)
            .filter(|s| s.events.contains(&notification.event))
            .map(|s| (s.url.clone(), s.active_secrets().cloned().collect()))
            .collect();
        for (url, secrets) in subscribers.into_iter().filter(|(_, s)| !s.is_empty()) {
            let event_id: WebhookEventId = store.ids.issue();
            let body = body(&event_id, notification);
            let Some(signature) = signatures.header(&secrets, &body) else {
                continue;
            };
            jobs.push(Job {
                url,
                event: notification.event.clone(),
                event_id: event_id.to_string(),
                body,
                signature,
            });
        }
    }
    jobs
}

/// The event as Dojo posts it.
fn body(event_id: &WebhookEventId, notification: &Notification) -> Vec<u8> {
    let status = notification.status.to_string();
    let capture_mode = notification.capture_mode.to_string();
    let event = EventBody {
        id: event_id.as_str(),
        event: notification.event.as_str(),
        account_id: &notification.account,
        created_at: dojo_payments_types::Timestamp::new(notification.at).to_string(),
        data: EventData {
            payment_intent_id: notification.payment_intent_id.as_str(),
            payment_status: &status,
            capture_mode: &capture_mode,
        },
    };
    // Strings and a timestamp: serializing cannot fail.
    serde_json::to_vec(&event).unwrap_or_default()
}

/// Sends jobs in the background and records every attempt.
#[derive(Debug, Clone)]
pub struct Deliverer {
    /// Built at the first delivery: a TLS-capable client takes tens of
    /// milliseconds to build (its root certificates), which an emulator
    /// that never delivers should not pay at start. `None`: it could not
    /// be built, and every attempt finds the receiver unreachable.
    http: Arc<OnceLock<Option<reqwest::Client>>>,
    policy: WebhookRetryPolicy,
    log: Arc<Mutex<VecDeque<DeliveryAttempt>>>,
}

impl Deliverer {
    /// How many attempts the log keeps: the oldest are forgotten first.
    pub const LOG_CAPACITY: usize = 10_000;

    /// A deliverer retrying by `policy`.
    pub fn new(policy: WebhookRetryPolicy) -> Self {
        Self {
            http: Arc::default(),
            policy,
            log: Arc::default(),
        }
    }

    fn http(&self) -> Option<&reqwest::Client> {
        self.http
            .get_or_init(|| {
                // The raw layer's builder: in a binary where a TLS feature
                // is on, reqwest's rustls needs the provider it names.
                dojo_payments_api::http_client_builder()
                    .ok()?
                    .timeout(Duration::from_secs(10))
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The attempts so far, oldest first (the last
    /// [`Deliverer::LOG_CAPACITY`]).
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect()
    }

    fn record(&self, attempt: DeliveryAttempt) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= Self::LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(attempt);
    }

    /// Starts delivering `job`.
    pub fn send(&self, job: Job) {
        let this = self.clone();
        tokio::spawn(async move { this.deliver(job).await });
    }

    async fn deliver(self, job: Job) {
        let mut backoff = self.policy.first_backoff;
        for attempt in 1..=self.policy.attempts {
            let status = match self.http() {
                Some(http) => http
                    .post(&job.url)
                    .header("content-type", "application/json")
                    .header("dojo-signature", &job.signature)
                    .body(job.body.clone())
                    .send()
                    .await
                    .ok()
                    .map(|r| r.status().as_u16()),
                None => None,
            };
            self.record(DeliveryAttempt {
                url: job.url.clone(),
                event: job.event.clone(),
                event_id: job.event_id.clone(),
                attempt,
                status,
            });
            if status.is_some_and(|s| (200..300).contains(&s)) {
                return;
            }
            if attempt < self.policy.attempts {
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
        }
    }
}
