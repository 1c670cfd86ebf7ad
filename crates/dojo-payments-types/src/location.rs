//! A location: the merchant's own name for one of their Dojo location
//! accounts, each with its own API key ("An API key is location bound").

use std::fmt;

use crate::InvalidValue;

/// A merchant-chosen name of a location account (`cafe-soho`): 1–64
/// characters, ASCII letters, digits, `-`, `_` and `.`, so that it can be a
/// configuration key, a database value and a log field as it is.
///
/// One name, however it is written: a name is kept in lower case with `_`
/// read as `-`, so `DOJO_LOCATION_CAFE_SOHO`, a file's `cafe_soho = …` and
/// `Cafe-Soho` are one location, in the client, the journal, the webhook
/// verifier and the emulator alike.
///
/// ```
/// use dojo_payments_types::LocationId;
/// let soho: LocationId = "cafe-soho".parse()?;
/// assert_eq!(soho.as_str(), "cafe-soho");
/// assert_eq!("Cafe_Soho".parse::<LocationId>()?, soho);
/// assert!("café soho".parse::<LocationId>().is_err());
/// assert_eq!(LocationId::default().as_str(), "default");
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct LocationId(String);

impl LocationId {
    /// The name of the location whose key a client was built with, when
    /// no other was named.
    pub const DEFAULT: &'static str = "default";

    /// `name`, checked, in its one form (lower case, `_` read as `-`).
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidValue> {
        let mut name = name.into();
        let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if name.is_empty() || name.len() > 64 || !name.chars().all(fine) {
            return Err(InvalidValue::new(
                "location",
                "must be 1–64 ASCII letters, digits, '-', '_' or '.'",
            ));
        }
        if name.bytes().any(|b| b.is_ascii_uppercase() || b == b'_') {
            name = name.to_ascii_lowercase().replace('_', "-");
        }
        Ok(Self(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LocationId {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl std::str::FromStr for LocationId {
    type Err = InvalidValue;

    fn from_str(name: &str) -> Result<Self, InvalidValue> {
        Self::new(name)
    }
}

impl fmt::Display for LocationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LocationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocationId({:?})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for LocationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::new(name).map_err(serde::de::Error::custom)
    }
}
