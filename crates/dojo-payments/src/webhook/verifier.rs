//! Checking `dojo-signature` against the raw body, in constant time, under
//! any of the secrets trusted now.

use std::sync::{Arc, RwLock};

use dojo_payments_types::{SignatureError, WebhookSecret, WebhookSignature};

use super::Event;

/// The header Dojo signs deliveries in.
pub const SIGNATURE_HEADER: &str = "dojo-signature";

/// Why a delivery was refused. Never holds the body, the header's bytes or a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request has no `dojo-signature` header.
    #[error("the delivery has no dojo-signature header")]
    MissingSignature,
    /// The header holds no `sha256=…` signature this SDK can read.
    #[error("the dojo-signature header holds no well-formed sha256= signature")]
    MalformedSignature,
    /// No signature matches the body under any trusted secret: the body was
    /// changed, or it was signed with a secret not trusted here.
    #[error("no signature matches the body under any trusted webhook secret")]
    SignatureMismatch,
    /// The body is signed but is not an event (not JSON, or no `id`,
    /// `event` and `data`).
    #[error("the signed body is not a webhook event: {reason}")]
    MalformedBody {
        /// What is wrong, without the body's content.
        reason: String,
    },
}

/// Verifies deliveries under the secrets trusted now: cheap to clone and
/// share (one `Arc`), changed in place while secrets rotate.
#[derive(Clone, Default)]
pub struct Verifier {
    secrets: Arc<RwLock<Vec<WebhookSecret>>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.read().len())
            .finish()
    }
}

impl Verifier {
    /// A verifier trusting `secrets`.
    pub fn new(secrets: impl IntoIterator<Item = WebhookSecret>) -> Self {
        Self {
            secrets: Arc::new(RwLock::new(secrets.into_iter().collect())),
        }
    }

    /// Trusts `secret` too (before Dojo activates it).
    pub fn trust(&self, secret: WebhookSecret) {
        let mut secrets = self.write();
        if !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }

    /// Trusts every secret of `subscription`, as `dojo.webhooks().subscribe`
    /// answers it: what a receiver does right after subscribing.
    pub fn trust_subscription(&self, subscription: &dojo_payments_api::api::types::Subscription) {
        for secret in subscription.secrets.iter().filter_map(|s| s.value.clone()) {
            self.trust(secret);
        }
    }

    /// Stops trusting `secret` (after Dojo deleted it).
    pub fn distrust(&self, secret: &WebhookSecret) {
        self.write().retain(|s| s != secret);
    }

    /// Checks `signature` (the `dojo-signature` header, if any) against the
    /// raw `body`, then decodes the event.
    pub fn verify(&self, signature: Option<&str>, body: &[u8]) -> Result<Event, WebhookError> {
        self.verify_signature(signature, body)?;
        Event::from_json(body)
    }

    /// Only the signature check.
    pub fn verify_signature(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let header = signature.ok_or(WebhookError::MissingSignature)?;
        WebhookSignature::verify(header, body, &self.read()).map_err(|error| match error {
            SignatureError::Malformed => WebhookError::MalformedSignature,
            SignatureError::NoMatch => WebhookError::SignatureMismatch,
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<WebhookSecret>> {
        self.secrets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<WebhookSecret>> {
        self.secrets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
