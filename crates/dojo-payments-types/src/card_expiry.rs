//! A card's expiry month.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidValue;

/// The month a card expires in (it is valid through the last day of it).
///
/// Dojo writes it `MM/YY` in requests and `2024-12-31` in saved-card
/// responses; both parse, as does `MM / YY` as people type it. It encodes as
/// `MM/YY`.
///
/// ```
/// use chrono::NaiveDate;
/// use dojo_payments_types::CardExpiry;
/// let expiry: CardExpiry = "12 / 27".parse()?;
/// assert_eq!(expiry.to_string(), "12/27");
/// assert_eq!("2027-12-31".parse::<CardExpiry>()?, expiry);
/// assert!(!expiry.is_expired_at(NaiveDate::from_ymd_opt(2027, 12, 31).unwrap()));
/// assert!(expiry.is_expired_at(NaiveDate::from_ymd_opt(2028, 1, 1).unwrap()));
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardExpiry {
    year: u16,
    month: u8,
}

impl CardExpiry {
    /// Expiry at the end of `month` (1–12) of `year` (four digits).
    pub fn new(month: u8, year: u16) -> Result<Self, InvalidValue> {
        if !(1..=12).contains(&month) {
            return Err(InvalidValue::new(
                "expiryDate",
                format!("month must be 01–12, got {month:02}"),
            ));
        }
        if !(2000..=2099).contains(&year) {
            return Err(InvalidValue::new(
                "expiryDate",
                format!("year must be 2000–2099, got {year}"),
            ));
        }
        Ok(Self { year, month })
    }

    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The four-digit year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// Whether a card with this expiry can no longer be used on `date`.
    pub fn is_expired_at(&self, date: NaiveDate) -> bool {
        let (year, month) = (date.year(), date.month());
        (year, month) > (i32::from(self.year), u32::from(self.month))
    }

    fn parse_slashed(text: &str) -> Option<Self> {
        let (month, year) = text.split_once('/')?;
        let (month, year) = (month.trim(), year.trim());
        if month.len() != 2 || year.len() != 2 {
            return None;
        }
        Self::new(month.parse().ok()?, 2000 + year.parse::<u16>().ok()?).ok()
    }

    fn parse_date(text: &str) -> Option<Self> {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        Self::new(date.month() as u8, u16::try_from(date.year()).ok()?).ok()
    }
}

impl FromStr for CardExpiry {
    type Err = InvalidValue;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        Self::parse_slashed(text)
            .or_else(|| Self::parse_date(text))
            .ok_or_else(|| {
                InvalidValue::new(
                    "expiryDate",
                    format!("must be MM/YY (or YYYY-MM-DD) with a month 01–12, got {text:?}"),
                )
            })
    }
}

impl fmt::Display for CardExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}", self.month, self.year % 100)
    }
}

impl fmt::Debug for CardExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardExpiry({self})")
    }
}

impl Serialize for CardExpiry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CardExpiry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer, "a card expiry such as 12/27", str::parse)
    }
}
