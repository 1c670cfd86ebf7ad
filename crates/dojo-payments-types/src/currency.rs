//! ISO 4217 currencies and their minor-unit exponents.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidValue;

/// The longest code kept for a currency this SDK does not know: the
/// document's `maxLength` of `currencyCode`.
const MAX_UNKNOWN_LEN: usize = 10;

/// An ISO 4217 currency, as Dojo's `currencyCode`.
///
/// Known codes and their exponents come from the `iso_currency` crate, which
/// is generated from the ISO 4217 tables. [`Currency::from_code`] accepts only
/// active codes, so a typo fails where it is typed; decoding a response keeps
/// any code Dojo sends, known or not ([`Currency::is_known`]), because a
/// currency Dojo adds must not break a response.
///
/// ```
/// use dojo_payments_types::Currency;
/// assert_eq!(Currency::GBP.minor_units(), Some(2));
/// assert_eq!(Currency::from_code("JPY")?.minor_units(), Some(0));
/// assert!(Currency::from_code("GPB").is_err());
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(Repr);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Repr {
    Known(iso_currency::Currency),
    /// Kept verbatim (ASCII, at most [`MAX_UNKNOWN_LEN`] bytes).
    Unknown {
        bytes: [u8; MAX_UNKNOWN_LEN],
        len: u8,
    },
}

impl Currency {
    /// Pound sterling, exponent 2.
    pub const GBP: Self = Self(Repr::Known(iso_currency::Currency::GBP));
    /// Euro, exponent 2.
    pub const EUR: Self = Self(Repr::Known(iso_currency::Currency::EUR));
    /// US dollar, exponent 2.
    pub const USD: Self = Self(Repr::Known(iso_currency::Currency::USD));
    /// Japanese yen, exponent 0.
    pub const JPY: Self = Self(Repr::Known(iso_currency::Currency::JPY));

    /// The active ISO 4217 currency with this alphabetic code.
    ///
    /// Rejects unknown and withdrawn (superseded) codes: this is for codes a
    /// person or a program types, where a wrong code is a bug.
    pub fn from_code(code: &str) -> Result<Self, InvalidValue> {
        match known(code) {
            Some(known) if known.is_superseded().is_none() => Ok(Self(Repr::Known(known))),
            Some(known) => Err(InvalidValue::new(
                "currencyCode",
                format!(
                    "must be an active ISO 4217 code, got {code} (withdrawn for {})",
                    known.latest().code()
                ),
            )),
            None => Err(InvalidValue::new(
                "currencyCode",
                format!("must be an ISO 4217 alphabetic code such as GBP or EUR, got {code:?}"),
            )),
        }
    }

    /// Every currency this SDK knows, withdrawn ones included.
    pub fn all_known() -> impl Iterator<Item = Self> {
        every_iso_currency().map(|c| Self(Repr::Known(c)))
    }

    /// Keeps what a server sent, known or not; `None` for an empty or
    /// non-ASCII code, or one too long to be a code at all.
    fn lenient(code: &str) -> Option<Self> {
        if let Some(known) = known(code) {
            return Some(Self(Repr::Known(known)));
        }
        let len = code.len();
        if len == 0 || len > MAX_UNKNOWN_LEN || !code.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut bytes = [0; MAX_UNKNOWN_LEN];
        bytes[..len].copy_from_slice(code.as_bytes());
        Some(Self(Repr::Unknown {
            bytes,
            len: len as u8,
        }))
    }

    /// The alphabetic code, such as `GBP`.
    pub fn code(&self) -> &str {
        match &self.0 {
            Repr::Known(c) => c.code(),
            Repr::Unknown { bytes, len } => {
                // Built only from a `&str` of ASCII-graphic bytes.
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or("???")
            }
        }
    }

    /// Digits after the decimal point (GBP 2, JPY 0, BHD 3, CLF 4); `None` for
    /// a code this SDK does not know. ISO's "N.A." codes (gold, SDR) count as 0.
    pub fn minor_units(&self) -> Option<u8> {
        match &self.0 {
            Repr::Known(c) => Some(c.exponent().unwrap_or(0) as u8),
            Repr::Unknown { .. } => None,
        }
    }

    /// Whether this SDK knows the code (and so its exponent).
    pub fn is_known(&self) -> bool {
        matches!(self.0, Repr::Known(_))
    }
}

/// The ISO 4217 currency with alphabetic code `code`. Every amount in every
/// response comes through here, so the codes are kept as integers in a
/// sorted table built once: `iso_currency::Currency::from_code` compares the
/// text with each of its ~180 codes in turn.
fn known(code: &str) -> Option<iso_currency::Currency> {
    use std::sync::LazyLock;
    static BY_CODE: LazyLock<Vec<(u32, iso_currency::Currency)>> = LazyLock::new(|| {
        let mut table: Vec<_> = every_iso_currency()
            .filter_map(|c| Some((packed(c.code())?, c)))
            .collect();
        table.sort_unstable_by_key(|(key, _)| *key);
        table
    });
    let key = packed(code)?;
    let at = BY_CODE.binary_search_by_key(&key, |(key, _)| *key).ok()?;
    Some(BY_CODE[at].1)
}

/// Every currency `iso_currency` knows, by its ISO numeric code: those are
/// unique and below 1000. (The crate's own iterator would cost a derive
/// macro crate, strum, in every user's build.)
fn every_iso_currency() -> impl Iterator<Item = iso_currency::Currency> {
    (0..1000).filter_map(iso_currency::Currency::from_numeric)
}

/// A three-letter code as one integer; `None` for any other length.
fn packed(code: &str) -> Option<u32> {
    match *code.as_bytes() {
        [a, b, c] => Some(u32::from_be_bytes([0, a, b, c])),
        _ => None,
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Known(_) => write!(f, "{}", self.code()),
            Repr::Unknown { .. } => write!(f, "Unknown({})", self.code()),
        }
    }
}

impl FromStr for Currency {
    type Err = InvalidValue;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::from_code(code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::from_text(deserializer, "a currency code such as GBP", |code| {
            Self::lenient(code).ok_or_else(|| {
                format!(
                    "currencyCode must be 1–{MAX_UNKNOWN_LEN} printable ASCII characters, got {code:?}"
                )
            })
        })
    }
}
