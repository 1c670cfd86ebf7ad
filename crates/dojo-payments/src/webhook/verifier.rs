//! Checking `dojo-signature` against the raw body, in constant time, under
//! any of the secrets trusted now.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use dojo_payments_types::{AccountId, LocationId, SignatureError, WebhookSecret, WebhookSignature};

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
    /// The event names another location's account than the one whose
    /// secret signed it.
    #[error("the event names another location's account than the secret that signed it")]
    WrongAccount,
    /// The body is signed but is not an event (not JSON, or no `id`,
    /// `event` and `data`).
    #[error("the signed body is not a webhook event: {reason}")]
    MalformedBody {
        /// What is wrong, without the body's content.
        reason: String,
    },
}

/// Verifies deliveries under the secrets trusted now: cheap to clone and
/// share (one `Arc`), changed in place while secrets rotate. With several
/// locations, each location's secrets are trusted for it
/// ([`Verifier::trust_at`], [`Verifier::trust_subscription_at`]), and a
/// verified event says which location it belongs to ([`Event::location`]):
/// the one whose secret verified it, or whose account it names.
#[derive(Clone, Default)]
pub struct Verifier {
    trusted: Arc<RwLock<Trusted>>,
}

#[derive(Default)]
struct Trusted {
    /// The secrets trusted for each location (`None`: for any), kept
    /// grouped so that a delivery is checked against each group in place.
    secrets: BTreeMap<Option<LocationId>, Vec<WebhookSecret>>,
    /// Each location's account, as its subscription said.
    accounts: BTreeMap<LocationId, AccountId>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let trusted = self.read();
        f.debug_struct("Verifier")
            .field(
                "secrets",
                &trusted.secrets.values().map(Vec::len).sum::<usize>(),
            )
            .field("accounts", &trusted.accounts)
            .finish()
    }
}

impl Verifier {
    /// A verifier trusting `secrets` (for any location).
    pub fn new(secrets: impl IntoIterator<Item = WebhookSecret>) -> Self {
        let verifier = Self::default();
        for secret in secrets {
            verifier.trust(secret);
        }
        verifier
    }

    /// Trusts `secret` too (before Dojo activates it), for any location.
    pub fn trust(&self, secret: WebhookSecret) {
        self.add(None, secret);
    }

    /// Trusts `secret` for location `location` only: an event it verifies
    /// is that location's.
    pub fn trust_at(&self, location: &LocationId, secret: WebhookSecret) {
        self.add(Some(location.clone()), secret);
    }

    fn add(&self, location: Option<LocationId>, secret: WebhookSecret) {
        let mut trusted = self.write();
        let secrets = trusted.secrets.entry(location).or_default();
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

    /// Trusts every secret of `subscription` for location `location` (a
    /// subscription made with `dojo.location(&location)`), and learns its
    /// account: an event naming another location's account is refused.
    pub fn trust_subscription_at(
        &self,
        location: &LocationId,
        subscription: &dojo_payments_api::api::types::Subscription,
    ) {
        for secret in subscription.secrets.iter().filter_map(|s| s.value.clone()) {
            self.trust_at(location, secret);
        }
        if let Some(account) = &subscription.account_id {
            self.write()
                .accounts
                .insert(location.clone(), AccountId::from_wire(account.clone()));
        }
    }

    /// Stops trusting `secret` (after Dojo deleted it), for every location.
    pub fn distrust(&self, secret: &WebhookSecret) {
        let mut trusted = self.write();
        for secrets in trusted.secrets.values_mut() {
            secrets.retain(|s| s != secret);
        }
        trusted.secrets.retain(|_, secrets| !secrets.is_empty());
    }

    /// Checks `signature` (the `dojo-signature` header, if any) against the
    /// raw `body`, then decodes the event, and says which location it
    /// belongs to.
    pub fn verify(&self, signature: Option<&str>, body: &[u8]) -> Result<Event, WebhookError> {
        let header = signature.ok_or(WebhookError::MissingSignature)?;
        let verified_by = self.signer(header, body, None)?;
        self.located(verified_by, body)
    }

    /// [`Verifier::verify`] under location `location`'s secrets only (and
    /// those trusted for any): another location's secret is refused.
    pub fn verify_at(
        &self,
        location: &LocationId,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Event, WebhookError> {
        let header = signature.ok_or(WebhookError::MissingSignature)?;
        let verified_by = self.signer(header, body, Some(location))?;
        self.located(verified_by.or(Some(location.clone())), body)
    }

    /// Only the signature check, under every trusted secret.
    pub fn verify_signature(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let header = signature.ok_or(WebhookError::MissingSignature)?;
        self.signer(header, body, None).map(|_| ())
    }

    /// The location of the secret that signed `body` (`None`: one trusted
    /// for any), among those trusted for `only` (all when `None`).
    fn signer(
        &self,
        header: &str,
        body: &[u8],
        only: Option<&LocationId>,
    ) -> Result<Option<LocationId>, WebhookError> {
        let trusted = self.read();
        let wanted = |location: &Option<LocationId>| {
            only.is_none_or(|only| location.as_ref().is_none_or(|l| l == only))
        };
        // Located secrets first: an event is its location's when one of
        // that location's secrets signed it.
        let located = trusted.secrets.iter().filter(|(l, _)| l.is_some());
        let for_any = trusted.secrets.get_key_value(&None);
        let mut groups = located.chain(for_any).filter(|(l, _)| wanted(l)).peekable();
        if groups.peek().is_none() {
            // Nothing to check against: still tell a malformed header.
            return match WebhookSignature::verify(header, body, &[]) {
                Err(SignatureError::Malformed) => Err(WebhookError::MalformedSignature),
                _ => Err(WebhookError::SignatureMismatch),
            };
        }
        for (location, secrets) in groups {
            match WebhookSignature::verify(header, body, secrets) {
                Ok(()) => return Ok(location.clone()),
                Err(SignatureError::Malformed) => return Err(WebhookError::MalformedSignature),
                Err(SignatureError::NoMatch) => {}
            }
        }
        Err(WebhookError::SignatureMismatch)
    }

    /// The event of `body`, with its location: the signer's, or the one
    /// whose account it names; refused when the two disagree.
    fn located(&self, signer: Option<LocationId>, body: &[u8]) -> Result<Event, WebhookError> {
        let mut event = Event::from_json(body)?;
        let trusted = self.read();
        let named = event.account_id.as_ref().and_then(|account| {
            trusted
                .accounts
                .iter()
                .find(|(_, a)| *a == account)
                .map(|(location, _)| location.clone())
        });
        let signer_account = signer.as_ref().and_then(|l| trusted.accounts.get(l));
        if let (Some(expected), Some(said)) = (signer_account, &event.account_id)
            && expected != said
        {
            return Err(WebhookError::WrongAccount);
        }
        event.location = signer.or(named);
        Ok(event)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Trusted> {
        self.trusted
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Trusted> {
        self.trusted
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
