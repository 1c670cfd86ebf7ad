//! Checking `dojo-signature` against the raw body, in constant time, under
//! the secrets trusted for the account the event names.
//!
//! **Routing.** Each location is one Dojo account, and its subscription's
//! secrets sign its events, which name the account (`accountId`, at the top
//! of the event). So a delivery is checked under the secrets of the
//! location whose account it names, and only those: the account is read
//! first, from the untrusted body, by a parse of that one field (nothing is
//! believed until the signature holds: it only picks which secrets to try),
//! and one hash lookup finds its location. Verifying costs the same at one
//! location or ten thousand, and a forged delivery costs at most one
//! location's check (none, when it names an account not trusted here and no
//! secret is trusted for any location).
//!
//! What each delivery is checked against:
//!
//! | the event names | checked under | the event's `location` |
//! | --- | --- | --- |
//! | a location's account ([`Verifier::trust_at`]) | that location's secrets only | that location |
//! | another account, or none | the secrets trusted for any location ([`Verifier::trust`]) | none |
//!
//! So an event signed with Soho's secret that names Camden's account is
//! refused (Camden's secrets did not sign it), one secret trusted at two
//! locations verifies either's events, each as its own, and a secret
//! trusted for any location never verifies an event naming a location's
//! account.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use dojo_payments_types::{AccountId, LocationId, SignatureError, WebhookSecret, WebhookSignature};
use serde::Deserialize;

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
    /// No signature matches the body under the secrets trusted for the
    /// account the event names: the body was changed, or it was signed with
    /// a secret not trusted for that account (another location's
    /// included; which one is never looked for).
    #[error("no signature matches the body under the webhook secrets trusted for its account")]
    SignatureMismatch,
    /// The event names another account than the location's it was verified
    /// for ([`Verifier::verify_at`]), or than the one its secrets were
    /// chosen by.
    #[error("the event names another account than the location's it was verified for")]
    WrongAccount,
    /// The body is signed but is not an event (not JSON, or no `id`,
    /// `event` and `data`).
    #[error("the signed body is not a webhook event: {reason}")]
    MalformedBody {
        /// What is wrong, without the body's content.
        reason: String,
    },
}

/// Why secrets were not trusted for a location: the account a location
/// stands for is fixed until it is forgotten ([`Verifier::forget`]), and an
/// account is one location's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The account is another location's already.
    #[error("account {account} is location {location}'s already")]
    AccountTaken {
        /// The account given.
        account: AccountId,
        /// The location it is trusted for.
        location: LocationId,
    },
    /// The location stands for another account already.
    #[error("location {location} is account {account}'s already (forget it first)")]
    LocationTaken {
        /// The location given.
        location: LocationId,
        /// The account it stands for.
        account: AccountId,
    },
    /// The subscription does not say its account (`accountId`), so its
    /// events cannot be routed to the location.
    #[error("the subscription does not say its account (accountId)")]
    NoAccount,
}

/// Verifies deliveries under the secrets trusted now: cheap to clone and
/// share (one `Arc`), changed in place while secrets rotate and locations
/// come and go. With several locations, each location's account and
/// secrets are trusted for it ([`Verifier::trust_at`],
/// [`Verifier::trust_subscription_at`]), an event is checked under the
/// secrets of the account it names only, and a verified event says which
/// location it belongs to ([`Event::location`]).
#[derive(Clone, Default)]
pub struct Verifier {
    trusted: Arc<RwLock<Trusted>>,
}

#[derive(Default)]
struct Trusted {
    /// The secrets trusted for any location: an event naming no
    /// location's account is checked under these.
    any: Vec<WebhookSecret>,
    /// Each location's account and secrets, by account: the one lookup a
    /// delivery costs.
    accounts: HashMap<AccountId, Site>,
    /// Each location's account.
    locations: HashMap<LocationId, AccountId>,
}

struct Site {
    location: LocationId,
    secrets: Vec<WebhookSecret>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let trusted = self.read();
        let located: usize = trusted.accounts.values().map(|s| s.secrets.len()).sum();
        f.debug_struct("Verifier")
            .field("locations", &trusted.locations.len())
            .field("secrets", &(located + trusted.any.len()))
            .finish()
    }
}

/// The one field routing reads: `accountId` at the top of the event,
/// borrowed from the body where it holds no escapes. Every other field is
/// skipped (still parsed, as the event will be, so both read the same
/// account: a duplicate `accountId` is an error to both).
#[derive(Deserialize)]
struct Routing<'a> {
    #[serde(rename = "accountId", default, borrow)]
    account_id: Option<Account<'a>>,
}

#[derive(Deserialize)]
struct Account<'a>(#[serde(borrow)] Cow<'a, str>);

/// The account `body` names, if it is a JSON object naming one. Untrusted:
/// it only chooses the secrets to check.
fn account_named(body: &[u8]) -> Option<Cow<'_, str>> {
    serde_json::from_slice::<Routing<'_>>(body)
        .ok()?
        .account_id
        .map(|account| account.0)
}

impl Verifier {
    /// A verifier trusting `secrets` for any location: what one location
    /// needs.
    pub fn new(secrets: impl IntoIterator<Item = WebhookSecret>) -> Self {
        let verifier = Self::default();
        for secret in secrets {
            verifier.trust(secret);
        }
        verifier
    }

    /// Trusts `secret` too (before Dojo activates it), for events that name
    /// no location's account (see the module's table).
    pub fn trust(&self, secret: WebhookSecret) {
        let mut trusted = self.write();
        if !trusted.any.contains(&secret) {
            trusted.any.push(secret);
        }
    }

    /// Trusts `secret` for location `location`, Dojo account `account`
    /// (its subscription's `accountId`): an event naming `account` is
    /// checked under `location`'s secrets only, and is `location`'s. The
    /// same secret may be trusted at several locations.
    pub fn trust_at(
        &self,
        location: &LocationId,
        account: &AccountId,
        secret: WebhookSecret,
    ) -> Result<(), TrustError> {
        let mut trusted = self.write();
        if let Some(held) = trusted.locations.get(location)
            && held != account
        {
            return Err(TrustError::LocationTaken {
                location: location.clone(),
                account: held.clone(),
            });
        }
        if let Some(site) = trusted.accounts.get(account)
            && site.location != *location
        {
            return Err(TrustError::AccountTaken {
                account: account.clone(),
                location: site.location.clone(),
            });
        }
        trusted.locations.insert(location.clone(), account.clone());
        let site = trusted
            .accounts
            .entry(account.clone())
            .or_insert_with(|| Site {
                location: location.clone(),
                secrets: Vec::new(),
            });
        if !site.secrets.contains(&secret) {
            site.secrets.push(secret);
        }
        Ok(())
    }

    /// Trusts every secret of `subscription`, as `dojo.webhooks().subscribe`
    /// answers it, for any location: what a receiver of one location does
    /// right after subscribing.
    pub fn trust_subscription(&self, subscription: &dojo_payments_api::api::types::Subscription) {
        for secret in subscription.secrets.iter().filter_map(|s| s.value.clone()) {
            self.trust(secret);
        }
    }

    /// Trusts every secret of `subscription` (one made with
    /// `dojo.location(&location)`) for `location` and the account the
    /// subscription names ([`Verifier::trust_at`]).
    pub fn trust_subscription_at(
        &self,
        location: &LocationId,
        subscription: &dojo_payments_api::api::types::Subscription,
    ) -> Result<(), TrustError> {
        let account = subscription
            .account_id
            .as_ref()
            .ok_or(TrustError::NoAccount)?;
        let account = AccountId::from_wire(account.clone());
        for secret in subscription.secrets.iter().filter_map(|s| s.value.clone()) {
            self.trust_at(location, &account, secret)?;
        }
        Ok(())
    }

    /// Stops trusting `secret` (after Dojo deleted it), for every location.
    /// A location left with no secret still stands for its account: its
    /// events are refused, never checked under the secrets trusted for any.
    pub fn distrust(&self, secret: &WebhookSecret) {
        let mut trusted = self.write();
        trusted.any.retain(|s| s != secret);
        for site in trusted.accounts.values_mut() {
            site.secrets.retain(|s| s != secret);
        }
    }

    /// Forgets location `location`: its account and every secret trusted
    /// for it (a location closed, or about to be trusted for another
    /// account). Its events are then checked as any unknown account's.
    /// Whether it was known.
    pub fn forget(&self, location: &LocationId) -> bool {
        let mut trusted = self.write();
        let Some(account) = trusted.locations.remove(location) else {
            return false;
        };
        trusted.accounts.remove(&account);
        true
    }

    /// The account location `location` stands for, if it is trusted here.
    pub fn account_of(&self, location: &LocationId) -> Option<AccountId> {
        self.read().locations.get(location).cloned()
    }

    /// Checks `signature` (the `dojo-signature` header, if any) against the
    /// raw `body` under the secrets of the account the body names (see the
    /// module's table), then decodes the event and says which location it
    /// belongs to.
    pub fn verify(&self, signature: Option<&str>, body: &[u8]) -> Result<Event, WebhookError> {
        let header = signature.ok_or(WebhookError::MissingSignature)?;
        let routed = self.check(header, body, None)?;
        located(routed, body)
    }

    /// [`Verifier::verify`] for a delivery known to be location
    /// `location`'s (one URL per location): an event naming another
    /// account is [`WebhookError::WrongAccount`] before any signature is
    /// computed, and the signature is checked under `location`'s secrets
    /// only. A location not trusted here verifies nothing.
    pub fn verify_at(
        &self,
        location: &LocationId,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Event, WebhookError> {
        let header = signature.ok_or(WebhookError::MissingSignature)?;
        let routed = self.check(header, body, Some(location))?;
        located(routed, body)
    }

    /// Only the signature check of [`Verifier::verify`] (routed the same
    /// way), without decoding the event.
    pub fn verify_signature(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let header = signature.ok_or(WebhookError::MissingSignature)?;
        self.check(header, body, None).map(|_| ())
    }

    /// Checks `header` against `body` under the secrets the account it
    /// names chooses (or `only`'s, whose account it must name): the
    /// account and location they were chosen by.
    fn check(
        &self,
        header: &str,
        body: &[u8],
        only: Option<&LocationId>,
    ) -> Result<Routed, WebhookError> {
        let named = account_named(body);
        let trusted = self.read();
        let site = named
            .as_deref()
            .and_then(|account| trusted.accounts.get_key_value(account));
        let (secrets, routed) = match (only, site) {
            (Some(only), Some((account, site))) if site.location == *only => (
                &site.secrets[..],
                Routed::Site(account.clone(), site.location.clone()),
            ),
            (Some(only), _) => {
                if !trusted.locations.contains_key(only) {
                    // Nothing trusted for it: still tell a malformed header.
                    return Err(refusal(WebhookSignature::verify(header, body, &[])));
                }
                return Err(WebhookError::WrongAccount);
            }
            (None, Some((account, site))) => (
                &site.secrets[..],
                Routed::Site(account.clone(), site.location.clone()),
            ),
            (None, None) => (&trusted.any[..], Routed::Any(named.map(Cow::into_owned))),
        };
        match WebhookSignature::verify(header, body, secrets) {
            Ok(()) => Ok(routed),
            Err(error) => Err(refusal(Err(error))),
        }
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

/// Which secrets verified a delivery.
enum Routed {
    /// A location's, chosen by its account.
    Site(AccountId, LocationId),
    /// Those trusted for any location; the account the body named, if any
    /// (no location's).
    Any(Option<String>),
}

fn refusal(result: Result<(), SignatureError>) -> WebhookError {
    match result {
        Err(SignatureError::Malformed) => WebhookError::MalformedSignature,
        _ => WebhookError::SignatureMismatch,
    }
}

/// The event of the verified `body`, with its location; refused when the
/// account it decodes to is not the one its secrets were chosen by (the
/// two parses agree by construction: this holds them to it).
fn located(routed: Routed, body: &[u8]) -> Result<Event, WebhookError> {
    let mut event = Event::from_json(body)?;
    let decoded = event.account_id.as_ref().map(AccountId::as_str);
    match routed {
        Routed::Site(account, location) => {
            if decoded != Some(account.as_str()) {
                return Err(WebhookError::WrongAccount);
            }
            event.location = Some(location);
        }
        Routed::Any(named) => {
            if decoded != named.as_deref() {
                return Err(WebhookError::WrongAccount);
            }
            event.location = None;
        }
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::account_named;

    #[test]
    fn the_account_is_read_from_the_top_of_the_event_only() {
        let read = |body: &str| account_named(body.as_bytes()).map(|a| a.into_owned());
        assert_eq!(
            read(r#"{"id":"e","accountId":"acc_1","data":{}}"#).as_deref(),
            Some("acc_1")
        );
        assert_eq!(
            read(r#"{"accountId":"acc_\u0031"}"#).as_deref(),
            Some("acc_1")
        );
        assert_eq!(read(r#"{"data":{"accountId":"acc_1"}}"#), None);
        assert_eq!(read(r#"{"accountId":null}"#), None);
        assert_eq!(read(r#"{"accountId":1}"#), None);
        assert_eq!(read(r#"{"accountId":"acc_1","accountId":"acc_2"}"#), None);
        assert_eq!(read(r#"["accountId","acc_1"]"#), None);
        assert_eq!(read("not json"), None);
        assert_eq!(read(&"[".repeat(100_000)), None);
    }
}
