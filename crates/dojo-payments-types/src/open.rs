//! Values from a set Dojo may extend without notice.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value of the closed enum `T`, or one Dojo added after this SDK was
/// built, kept verbatim.
///
/// Dojo's versioning policy counts a new enum value (a new payment intent
/// `status`, say) as non-breaking, so every enum in a response is decoded as
/// `Open<T>`: the values the SDK knows are typed, a new one does not fail the
/// response and can still be read, logged and compared.
///
/// ```
/// use dojo_payments_types::Open;
/// #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// enum Status { Created, Captured }
///
/// let known: Open<Status> = serde_json::from_str("\"Captured\"")?;
/// assert_eq!(known, Open::Known(Status::Captured));
/// let new: Open<Status> = serde_json::from_str("\"PartiallyCaptured\"")?;
/// assert_eq!(new.known(), None);
/// assert_eq!(new, Open::Unknown("PartiallyCaptured".into()));
/// assert_eq!(serde_json::to_string(&new)?, "\"PartiallyCaptured\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Open<T> {
    /// A value this SDK knows.
    Known(T),
    /// A value this SDK does not know yet, exactly as Dojo sent it.
    Unknown(String),
}

impl<T> Open<T> {
    /// The known value, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Self::Known(value) => Some(value),
            Self::Unknown(_) => None,
        }
    }

    /// Whether this is a value the SDK does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown(_))
    }
}

/// Reads a value by its wire name: a known one is typed, any other is kept.
///
/// ```
/// use dojo_payments_types::Open;
/// let scheme: Open<u8> = "7".parse().unwrap();
/// assert_eq!(scheme, Open::Known(7));
/// let other: Open<u8> = "seven".parse().unwrap();
/// assert_eq!(other, Open::Unknown("seven".into()));
/// ```
impl<T: std::str::FromStr> std::str::FromStr for Open<T> {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(text
            .parse()
            .map_or_else(|_| Self::Unknown(text.to_owned()), Self::Known))
    }
}

impl<T> From<T> for Open<T> {
    fn from(value: T) -> Self {
        Self::Known(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(value) => value.fmt(f),
            Self::Unknown(text) => write!(f, "Unknown({text:?})"),
        }
    }
}

impl<T: fmt::Display> fmt::Display for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(value) => value.fmt(f),
            Self::Unknown(text) => f.write_str(text),
        }
    }
}

impl<T: Serialize> Serialize for Open<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Known(value) => value.serialize(serializer),
            Self::Unknown(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Try the borrowed text as a known value; copy it only if it is new.
        crate::text::from_text(deserializer, "a string", |text| {
            let known = T::deserialize(
                serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text),
            );
            Ok::<_, std::convert::Infallible>(
                known.map_or_else(|_| Self::Unknown(text.to_owned()), Self::Known),
            )
        })
    }
}
