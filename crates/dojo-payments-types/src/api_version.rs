//! The `version` header's value.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidValue;

/// A Dojo API version, `YYYY-MM-DD`, as sent in the `version` header.
///
/// ```
/// use dojo_payments_types::ApiVersion;
/// let v: ApiVersion = "2026-02-27".parse()?;
/// assert_eq!(v.as_str(), "2026-02-27");
/// assert!("2026-2-27".parse::<ApiVersion>().is_err());
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiVersion {
    date: NaiveDate,
    text: [u8; 10],
}

impl ApiVersion {
    /// The version dated `date` (a four-digit year).
    pub fn from_date(date: NaiveDate) -> Result<Self, InvalidValue> {
        let formatted = date.format("%Y-%m-%d").to_string();
        let mut text = [0; 10];
        if formatted.len() != text.len() {
            return Err(InvalidValue::new(
                "version",
                format!("must be dated with a four-digit year, got {formatted}"),
            ));
        }
        text.copy_from_slice(formatted.as_bytes());
        Ok(Self { date, text })
    }

    /// The date the version is named after.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        // Written only from chrono's `%Y-%m-%d` of a four-digit year: ASCII.
        std::str::from_utf8(&self.text).unwrap_or("0000-00-00")
    }
}

impl FromStr for ApiVersion {
    type Err = InvalidValue;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
        valid
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
            .and_then(|date| Self::from_date(date).ok())
            .ok_or_else(|| {
                InvalidValue::new(
                    "version",
                    format!("must be a date written YYYY-MM-DD, got {text:?}"),
                )
            })
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiVersion({self})")
    }
}

impl Serialize for ApiVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(
            deserializer,
            "an API version such as 2026-02-27",
            str::parse,
        )
    }
}
