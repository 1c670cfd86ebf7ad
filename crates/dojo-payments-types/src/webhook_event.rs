//! The names of Dojo's webhook events: the one list the SDK's decoder, its
//! subscriptions and the emulator all read.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The name of a webhook event (`payment_intent.status_updated`, …): one Dojo
/// documents, or any other kept verbatim.
///
/// The known names are those Dojo's guides list under "Available webhooks".
/// A name this SDK does not know yet decodes to [`WebhookEventName::Unknown`]
/// rather than failing, and encodes back to exactly the text it came from.
/// Equality and hashing are by name, so `Unknown("payment_intent.created")`
/// (which only a caller can build) equals `PaymentIntentCreated`.
///
/// ```
/// use dojo_payments_types::WebhookEventName;
///
/// let known: WebhookEventName = serde_json::from_str(r#""payment_intent.status_updated""#)?;
/// assert_eq!(known, WebhookEventName::PaymentIntentStatusUpdated);
/// assert!(known.is_known());
///
/// let new: WebhookEventName = serde_json::from_str(r#""payment.successful""#)?;
/// assert_eq!(new, WebhookEventName::Unknown("payment.successful".into()));
/// assert_eq!(serde_json::to_string(&new)?, r#""payment.successful""#);
///
/// // Plain text converts too: subscriptions take either.
/// assert_eq!(WebhookEventName::from("payment_intent.created"), WebhookEventName::PaymentIntentCreated);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum WebhookEventName {
    /// `payment_intent.created`: a payment intent was created.
    PaymentIntentCreated,
    /// `payment_intent.status_updated`: a payment intent's status changed.
    PaymentIntentStatusUpdated,
    /// `payment_intent.send-receipt`: a receipt of a payment intent was asked
    /// for.
    PaymentIntentSendReceipt,
    /// A name this SDK does not know, exactly as written.
    Unknown(String),
}

impl WebhookEventName {
    /// Every name Dojo documents, in the order its guides (and
    /// `GET /webhooks/events`) list them.
    pub const DOCUMENTED: [Self; 3] = [
        Self::PaymentIntentCreated,
        Self::PaymentIntentStatusUpdated,
        Self::PaymentIntentSendReceipt,
    ];

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unknown(name) => name,
            known => known.static_str().unwrap_or_default(),
        }
    }

    /// The name on the wire of a documented event (`None` for
    /// [`WebhookEventName::Unknown`]), borrowed for as long as the program
    /// runs.
    pub const fn static_str(&self) -> Option<&'static str> {
        match self {
            Self::PaymentIntentCreated => Some("payment_intent.created"),
            Self::PaymentIntentStatusUpdated => Some("payment_intent.status_updated"),
            Self::PaymentIntentSendReceipt => Some("payment_intent.send-receipt"),
            Self::Unknown(_) => None,
        }
    }

    /// The documented event named `name`, if there is one.
    pub fn documented(name: &str) -> Option<Self> {
        Self::DOCUMENTED.into_iter().find(|e| e.as_str() == name)
    }

    /// Whether Dojo documents this name.
    pub fn is_known(&self) -> bool {
        Self::documented(self.as_str()).is_some()
    }
}

impl From<&str> for WebhookEventName {
    fn from(name: &str) -> Self {
        Self::documented(name).unwrap_or_else(|| Self::Unknown(name.to_owned()))
    }
}

impl From<String> for WebhookEventName {
    fn from(name: String) -> Self {
        Self::documented(&name).unwrap_or(Self::Unknown(name))
    }
}

impl From<&String> for WebhookEventName {
    fn from(name: &String) -> Self {
        Self::from(name.as_str())
    }
}

impl From<&WebhookEventName> for WebhookEventName {
    fn from(name: &WebhookEventName) -> Self {
        name.clone()
    }
}

impl From<WebhookEventName> for String {
    fn from(name: WebhookEventName) -> Self {
        match name {
            WebhookEventName::Unknown(text) => text,
            known => known.as_str().to_owned(),
        }
    }
}

impl FromStr for WebhookEventName {
    type Err = std::convert::Infallible;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(name))
    }
}

impl AsRef<str> for WebhookEventName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for WebhookEventName {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for WebhookEventName {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for WebhookEventName {}

impl PartialEq<str> for WebhookEventName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for WebhookEventName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for WebhookEventName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that `Borrow<str>` lookups agree.
        self.as_str().hash(state);
    }
}

impl PartialOrd for WebhookEventName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for WebhookEventName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for WebhookEventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for WebhookEventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PaymentIntentCreated => f.write_str("PaymentIntentCreated"),
            Self::PaymentIntentStatusUpdated => f.write_str("PaymentIntentStatusUpdated"),
            Self::PaymentIntentSendReceipt => f.write_str("PaymentIntentSendReceipt"),
            Self::Unknown(name) => write!(f, "Unknown({name:?})"),
        }
    }
}

impl Serialize for WebhookEventName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookEventName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer, "a webhook event name", |text| {
            Ok::<_, std::convert::Infallible>(Self::from(text))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::WebhookEventName;

    #[test]
    fn every_documented_name_reads_back_as_itself() {
        for event in WebhookEventName::DOCUMENTED {
            assert!(event.is_known());
            assert_eq!(WebhookEventName::from(event.as_str()), event);
            assert!(!matches!(
                WebhookEventName::from(event.as_str()),
                WebhookEventName::Unknown(_)
            ));
        }
    }

    #[test]
    fn an_unknown_name_is_kept_and_equal_by_name() {
        let made = WebhookEventName::Unknown("payment_intent.created".into());
        assert_eq!(made, WebhookEventName::PaymentIntentCreated);
        let new = WebhookEventName::from("order.created");
        assert!(!new.is_known());
        assert_eq!(String::from(new), "order.created");
    }
}
