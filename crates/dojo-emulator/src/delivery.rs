//! Webhook deliveries: signed like Dojo's, retried with backoff.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::store::{Notification, Store};

/// `dojo-signature` for `body` under `secret`: `sha256=` and the HMAC-SHA256
/// as upper-case hex bytes joined by dashes, as Dojo documents it.
///
/// ```
/// let body = br#"{"id":"evt_hnnHxIKR_Uy6bhZCusCltw","event":"payment_intent.created","accountId":"acc_test","createdAt":"2022-02-01T13:07:41.8667859Z","data":{"paymentIntentId":"pi_vpwd4ooAPEqyNAQe4z89WQ","paymentStatus":"Created","captureMode":"Auto"}}"#;
/// assert_eq!(
///     dojo_emulator::signature(body, "PDYkJQq6sESYHp_zJuTTBQ"),
///     "sha256=4B-49-F8-FE-25-A7-E6-7D-00-4F-A7-9C-F8-0B-63-00-C7-77-B4-F2-2D-E5-E1-22-84-FA-04-18-50-A1-76-FD"
/// );
/// ```
pub fn signature(body: &[u8], secret: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    let hex: Vec<String> = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("sha256={}", hex.join("-"))
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubled before each next one.
    pub first_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_backoff: Duration::from_millis(200),
        }
    }
}

/// One attempt to deliver one event, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The subscription's URL.
    pub url: String,
    /// The event type.
    pub event: String,
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
    event: String,
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
/// active secrets (several active secrets: their signatures, comma-separated,
/// in the one header; a subscription with none gets no delivery).
pub fn jobs(store: &mut Store, notifications: &[Notification], account_id: &str) -> Vec<Job> {
    let mut jobs = Vec::new();
    for notification in notifications {
        let subscribers: Vec<(String, Vec<String>)> = store
            .subscriptions
            .values()
            .filter(|s| s.events.iter().any(|e| e == notification.event))
            .map(|s| (s.url.clone(), s.active_secrets()))
            .collect();
        for (url, secrets) in subscribers.into_iter().filter(|(_, s)| !s.is_empty()) {
            let event_id = store.ids.id("evt");
            let body = serde_json::to_vec(&EventBody {
                id: &event_id,
                event: notification.event,
                account_id,
                created_at: dojo_types::Timestamp::new(notification.at).to_string(),
                data: EventData {
                    payment_intent_id: &notification.payment_intent_id,
                    payment_status: &notification.status,
                    capture_mode: &notification.capture_mode,
                },
            })
            .expect("an event serializes");
            let signature = secrets
                .iter()
                .map(|s| signature(&body, s))
                .collect::<Vec<_>>()
                .join(",");
            jobs.push(Job {
                url,
                event: notification.event.to_owned(),
                event_id,
                body,
                signature,
            });
        }
    }
    jobs
}

/// Sends jobs in the background and records every attempt.
#[derive(Debug, Clone)]
pub struct Deliverer {
    http: reqwest::Client,
    policy: RetryPolicy,
    log: Arc<Mutex<Vec<Attempt>>>,
}

impl Deliverer {
    /// A deliverer retrying by `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a plain HTTP client builds");
        Self {
            http,
            policy,
            log: Arc::default(),
        }
    }

    /// Every attempt so far.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Starts delivering `job`.
    pub fn send(&self, job: Job) {
        let this = self.clone();
        tokio::spawn(async move { this.deliver(job).await });
    }

    async fn deliver(self, job: Job) {
        let mut backoff = self.policy.first_backoff;
        for attempt in 1..=self.policy.attempts {
            let status = self
                .http
                .post(&job.url)
                .header("content-type", "application/json")
                .header("dojo-signature", &job.signature)
                .body(job.body.clone())
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16());
            self.log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Attempt {
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
                backoff *= 2;
            }
        }
    }
}
