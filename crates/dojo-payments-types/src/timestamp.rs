//! Instants as Dojo writes them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidValue;

/// What Dojo sends for "no date" in some non-nullable fields (seen for
/// `clientSessionSecretExpirationDate`).
const UNSET_SENTINEL: &str = "0001-01-01T00:00:00Z";

/// An instant from Dojo's API, or Dojo's "unset" sentinel.
///
/// Decodes every form Dojo emits: RFC 3339 with up to nine fractional digits
/// (`2022-02-21T14:39:21.6050276Z`), and, as some of its examples do, no time
/// zone at all (`2023-12-13T14:15:01`, read as UTC). `0001-01-01T00:00:00Z`
/// means "not set": [`Timestamp::instant`] is then `None`, never year 1.
/// Encodes as RFC 3339 UTC.
///
/// ```
/// use dojo_payments_types::Timestamp;
/// let t: Timestamp = "2022-02-21T14:39:21.6050276Z".parse()?;
/// assert_eq!(t.to_string(), "2022-02-21T14:39:21.605027600Z");
/// let unset: Timestamp = "0001-01-01T00:00:00Z".parse()?;
/// assert_eq!(unset.instant(), None);
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(Option<DateTime<Utc>>);

impl Timestamp {
    /// Dojo's "not set" value.
    pub const UNSET: Self = Self(None);

    /// The instant `at`.
    pub const fn new(at: DateTime<Utc>) -> Self {
        Self(Some(at))
    }

    /// The instant, or `None` when Dojo sent its "not set" sentinel.
    pub const fn instant(&self) -> Option<DateTime<Utc>> {
        self.0
    }

    /// Whether Dojo sent its "not set" sentinel.
    pub const fn is_unset(&self) -> bool {
        self.0.is_none()
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::new(at)
    }
}

impl FromStr for Timestamp {
    type Err = InvalidValue;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let parsed = DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| NaiveDateTime::from_str(text).map(|t| t.and_utc()))
            .map_err(|_| {
                InvalidValue::new(
                    "timestamp",
                    format!("must be an ISO 8601 date and time such as 2024-01-31T12:00:00Z, got {text:?}"),
                )
            })?;
        if parsed == unset_instant() {
            Ok(Self::UNSET)
        } else {
            Ok(Self::new(parsed))
        }
    }
}

/// The sentinel's instant, built rather than parsed: every decoded
/// timestamp is compared with it.
fn unset_instant() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(at) => f.write_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => f.write_str(UNSET_SENTINEL),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => write!(f, "Timestamp({self})"),
            None => f.write_str("Timestamp(unset)"),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer, "an ISO 8601 date and time", str::parse)
    }
}
