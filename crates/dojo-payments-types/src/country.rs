//! ISO 3166-1 alpha-2 country codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidValue;

/// A country as Dojo's `countryCode`: ISO 3166-1 alpha-2 (`GB`).
///
/// [`CountryCode::new`] accepts only assigned codes; decoding keeps whatever
/// Dojo sends ([`CountryCode::is_known`] tells which), so a response never
/// fails over a code this SDK does not know.
///
/// ```
/// use dojo_payments_types::CountryCode;
/// assert_eq!(CountryCode::new("GB")?.as_str(), "GB");
/// assert!(CountryCode::new("UK").is_err()); // not ISO 3166-1
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CountryCode(Box<str>);

impl CountryCode {
    /// The assigned ISO 3166-1 alpha-2 code `code` (upper case).
    pub fn new(code: &str) -> Result<Self, InvalidValue> {
        if Self::is_assigned(code) {
            Ok(Self(code.into()))
        } else {
            Err(InvalidValue::new(
                "countryCode",
                format!("must be an ISO 3166-1 alpha-2 code such as GB, got {code:?}"),
            ))
        }
    }

    fn is_assigned(code: &str) -> bool {
        code.len() == 2
            && code.bytes().all(|b| b.is_ascii_uppercase())
            && iso_country::Country::from_str(code).is_ok()
    }

    /// The code as sent or given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the code is an assigned ISO 3166-1 alpha-2 code.
    pub fn is_known(&self) -> bool {
        Self::is_assigned(&self.0)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.0)
    }
}

impl FromStr for CountryCode {
    type Err = InvalidValue;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::new(code)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|code| Self(code.into()))
    }
}
