//! Credentials: API keys, customer secrets, client session secrets and
//! webhook secrets.
//!
//! Values live in `secrecy::SecretString` (zeroized on drop), compare in
//! constant time (`subtle`), and never appear in `Debug` or `Display`: those
//! show the kind, the environment where there is one, and the last four
//! characters at most.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;

use crate::{InvalidValue, Timestamp};

/// Which Dojo environment a key belongs to. Both share `https://api.dojo.tech`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// Test keys, `sk_sandbox_…`: no money moves.
    Sandbox,
    /// Live keys, `sk_prod_…`.
    Production,
}

/// The last four characters of `secret`, if it is long enough for that to
/// give little away; otherwise nothing.
fn tail(secret: &str) -> &str {
    let count = secret.chars().count();
    if count < 12 {
        return "";
    }
    let start = secret.char_indices().nth(count - 4).map_or(0, |(i, _)| i);
    &secret[start..]
}

fn ct_eq(a: &SecretString, b: &SecretString) -> bool {
    a.expose_secret()
        .as_bytes()
        .ct_eq(b.expose_secret().as_bytes())
        .into()
}

/// A secret API key (`sk_sandbox_…` or `sk_prod_…`), sent as
/// `Authorization: Basic <key>` verbatim.
///
/// ```
/// use dojo_payments_types::{ApiKey, Environment};
/// let key = ApiKey::new("sk_sandbox_c8oLGaI__msxsXbpBDpdtwJEz_eIhfQoKHmedqgZPCdBx59zpKZLSk8OPLT0cZolbeuYJSBvzDVVsYvtpo5RkQ")?;
/// assert_eq!(key.environment(), Environment::Sandbox);
/// assert_eq!(format!("{key:?}"), "ApiKey(Sandbox, …5RkQ)");
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone)]
pub struct ApiKey {
    secret: SecretString,
    environment: Environment,
}

impl ApiKey {
    /// The longest key accepted, in characters. Dojo's documented example
    /// key is 104; a key is held in memory for the life of a client (and
    /// an emulator keeps every one it is given), so an unbounded one is a
    /// way to make either grow without limit.
    pub const MAX_CHARS: usize = 256;

    /// Checks the prefix, which decides the environment, that a body
    /// follows it (`sk_sandbox_` alone is no key), the length (at most
    /// [`ApiKey::MAX_CHARS`]) and that it holds no spaces or control
    /// characters. A refusal never holds the key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidValue> {
        let key: String = key.into();
        let (environment, body) = if let Some(body) = key.strip_prefix("sk_sandbox_") {
            (Environment::Sandbox, body)
        } else if let Some(body) = key.strip_prefix("sk_prod_") {
            (Environment::Production, body)
        } else {
            return Err(InvalidValue::new(
                "api_key",
                "must start with `sk_sandbox_` or `sk_prod_`",
            ));
        };
        if body.is_empty() {
            return Err(InvalidValue::new(
                "api_key",
                "must have the key's own characters after `sk_sandbox_` or `sk_prod_`",
            ));
        }
        // Bytes bound characters from above: the common case is not counted.
        if key.len() > Self::MAX_CHARS && key.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::new(
                "api_key",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::new(
                "api_key",
                "must not contain spaces or control characters",
            ));
        }
        Ok(Self {
            secret: key.into(),
            environment,
        })
    }

    /// Sandbox or production, from the prefix.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The key itself, for the `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ApiKey({:?}, …{})",
            self.environment,
            tail(self.expose())
        )
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl PartialEq for ApiKey {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.secret, &other.secret)
    }
}

impl Eq for ApiKey {}

/// A short-lived customer secret (`cs_…`), which authenticates the
/// customer-owned endpoints (`/customers/public/…`) as `Basic cs_…`.
#[derive(Clone)]
pub struct CustomerSecret {
    secret: SecretString,
    expires_at: Option<Timestamp>,
}

impl CustomerSecret {
    /// A secret given by the caller: must start with `cs_`.
    pub fn new(secret: impl Into<String>) -> Result<Self, InvalidValue> {
        let secret: String = secret.into();
        if !secret.starts_with("cs_") || secret.len() <= 3 {
            return Err(InvalidValue::new(
                "customer_secret",
                "must start with `cs_`",
            ));
        }
        Ok(Self {
            secret: secret.into(),
            expires_at: None,
        })
    }

    /// The same secret, known to expire at `at` (Dojo's `expireAt`).
    pub fn with_expiry(mut self, at: Timestamp) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// When the secret expires, when known.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.expires_at
    }

    /// The secret itself, for the `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Debug for CustomerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerSecret(…{}", tail(self.expose()))?;
        match self.expires_at {
            Some(at) => write!(f, ", expires {at})"),
            None => f.write_str(")"),
        }
    }
}

impl fmt::Display for CustomerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl PartialEq for CustomerSecret {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.secret, &other.secret)
    }
}

impl Eq for CustomerSecret {}

/// A payment or setup intent's client session secret (`clientSessionSecret`):
/// the credential a browser or mobile app uses to take the payment.
///
/// It is handed to the customer's device on purpose, so [`Self::expose`]
/// exists for exactly that; but it authorizes paying for the intent, so it
/// never appears in `Debug`, `Display`, errors or logs.
///
/// ```
/// use dojo_payments_types::ClientSessionSecret;
/// let secret: ClientSessionSecret = serde_json::from_str(r#""sandbox_b6d3d9e5-1bfc-4d1f-a9cd""#)?;
/// assert_eq!(format!("{secret:?}"), "ClientSessionSecret(…a9cd)");
/// assert_eq!(secret.expose(), "sandbox_b6d3d9e5-1bfc-4d1f-a9cd"); // for the checkout page
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientSessionSecret(SecretString);

impl ClientSessionSecret {
    /// Any non-empty secret, as Dojo issues it.
    pub fn new(secret: impl Into<String>) -> Result<Self, InvalidValue> {
        let secret: String = secret.into();
        if secret.is_empty() {
            return Err(InvalidValue::new(
                "clientSessionSecret",
                "must not be empty",
            ));
        }
        Ok(Self(secret.into()))
    }

    /// The secret itself, to hand to the customer's browser or app (Dojo's
    /// checkout components take it) and nowhere else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ClientSessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientSessionSecret(…{})", tail(self.expose()))
    }
}

impl fmt::Display for ClientSessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl PartialEq for ClientSessionSecret {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for ClientSessionSecret {}

impl Serialize for ClientSessionSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for ClientSessionSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(s.into()))
    }
}

/// A webhook signing secret: the HMAC-SHA256 key for `dojo-signature`.
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    /// Any non-empty secret, as Dojo's portal or API gives it.
    pub fn new(secret: impl Into<String>) -> Result<Self, InvalidValue> {
        let secret: String = secret.into();
        if secret.is_empty() {
            return Err(InvalidValue::new("webhook_secret", "must not be empty"));
        }
        Ok(Self(secret.into()))
    }

    /// The secret itself, as the HMAC key and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookSecret(…{})", tail(self.expose()))
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl PartialEq for WebhookSecret {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for WebhookSecret {}

// Secrets that arrive in responses (a customer secret, a webhook secret) and
// go out in requests must cross serde, so these impls expose them to the
// serializer only; decoding is lenient about prefixes, like ids.

impl Serialize for CustomerSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for CustomerSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let secret = String::deserialize(deserializer)?;
        Ok(Self {
            secret: secret.into(),
            expires_at: None,
        })
    }
}

impl Serialize for WebhookSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for WebhookSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(s.into()))
    }
}
