//! Amounts of money: integer minor units with their currency.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Currency, InvalidValue};

/// An amount of money: an `i64` count of the currency's minor units (pence,
/// cents, yen) and the currency. There are no floats anywhere in this type.
///
/// On the wire it is Dojo's `{"value": 1000, "currencyCode": "GBP"}`; decoding
/// also accepts `value` as a JSON string (`"1000"`), as one of Dojo's own
/// examples sends it.
///
/// ```
/// use dojo_payments_types::{Currency, Money};
/// let price = Money::parse_decimal("10.00", Currency::GBP)?;
/// assert_eq!(price.minor_units(), 1000);
/// assert_eq!(price.to_string(), "10.00 GBP");
/// let total = price.checked_add(Money::new(250, Currency::GBP))?;
/// assert_eq!(total.to_decimal_string(), "12.50");
/// assert!(Money::parse_decimal("10.005", Currency::GBP).is_err()); // no rounding
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// Why arithmetic on [`Money`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyArithmeticError {
    /// The two amounts are in different currencies.
    #[error("cannot combine {left} with {right}: currencies differ")]
    CurrencyMismatch {
        /// The currency of the left operand.
        left: Currency,
        /// The currency of the right operand.
        right: Currency,
    },
    /// The result does not fit in an `i64` of minor units.
    #[error("amount overflows the range of minor units")]
    Overflow,
}

impl Money {
    /// `minor` minor units of `currency`: `Money::new(1000, Currency::GBP)`
    /// is £10.00.
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// The amount in minor units, as Dojo's `value`.
    pub const fn minor_units(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is zero.
    pub const fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// Parses a decimal amount exactly: `"10.00"` GBP is 1000, `"1000"` JPY
    /// is 1000, `"1.005"` BHD is 1005. Fewer fraction digits than the
    /// currency has are fine (`"10.5"` GBP is 1050); more are an error, never
    /// rounded. No signs but a leading `-`, no separators, no spaces.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Self, InvalidValue> {
        let exponent = currency.minor_units().ok_or_else(|| {
            InvalidValue::new(
                "currencyCode",
                format!("must be a currency this SDK knows to parse decimals, got {currency}"),
            )
        })?;
        parse_minor(text, exponent)
            .map(|minor| Self::new(minor, currency))
            .map_err(|rule| InvalidValue::new("amount", rule))
    }

    /// The amount as a decimal with exactly the currency's fraction digits
    /// (`"10.00"`, `"-0.05"`, `"1000"` for JPY). For a currency this SDK does
    /// not know, the bare count of minor units.
    pub fn to_decimal_string(&self) -> String {
        let Some(exponent) = self.currency.minor_units().filter(|e| *e > 0) else {
            return self.minor.to_string();
        };
        let scale = 10u64.pow(u32::from(exponent));
        let magnitude = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        let (whole, fraction) = (magnitude / scale, magnitude % scale);
        format!(
            "{sign}{whole}.{fraction:0width$}",
            width = usize::from(exponent)
        )
    }

    /// `self + other`, refused across currencies or on overflow.
    pub fn checked_add(self, other: Self) -> Result<Self, MoneyArithmeticError> {
        self.combine(other, i64::checked_add)
    }

    /// `self - other`, refused across currencies or on overflow.
    pub fn checked_sub(self, other: Self) -> Result<Self, MoneyArithmeticError> {
        self.combine(other, i64::checked_sub)
    }

    fn combine(
        self,
        other: Self,
        op: fn(i64, i64) -> Option<i64>,
    ) -> Result<Self, MoneyArithmeticError> {
        if self.currency != other.currency {
            return Err(MoneyArithmeticError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        op(self.minor, other.minor)
            .map(|minor| Self::new(minor, self.currency))
            .ok_or(MoneyArithmeticError::Overflow)
    }
}

/// Decimal text to minor units, by hand: no crate parses a decimal into an
/// integer count of a given exponent without either floats or a general
/// big-decimal type, and the rule (refuse extra digits, never round) is ours.
fn parse_minor(text: &str, exponent: u8) -> Result<i64, String> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || unsigned.ends_with('.') {
        return Err(format!(
            "must be a decimal number such as 10.00, got {text:?}"
        ));
    }
    if fraction.len() > usize::from(exponent) {
        return Err(format!(
            "must have at most {exponent} digits after the decimal point, got {text:?}"
        ));
    }
    let padded = format!("{whole}{fraction:0<width$}", width = usize::from(exponent));
    let magnitude: i128 = padded
        .parse()
        .map_err(|_| format!("is too large, got {text:?}"))?;
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).map_err(|_| format!("is too large for minor units, got {text:?}"))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.currency.is_known() {
            write!(f, "{} {}", self.to_decimal_string(), self.currency)
        } else {
            write!(f, "{} minor units of {}", self.minor, self.currency)
        }
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {:?})", self.minor, self.currency)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    value: WireValue,
    currency_code: Currency,
}

#[derive(Serialize)]
#[serde(untagged)]
enum WireValue {
    Number(i64),
    Text(String),
}

/// An integer, or its text (some of Dojo's examples quote amounts). Written
/// by hand rather than `#[serde(untagged)]`, which buffers every value
/// before trying each variant: money is in every response, several times.
impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = WireValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer count of minor units, or its text")
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<WireValue, E> {
                Ok(WireValue::Number(n))
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<WireValue, E> {
                i64::try_from(n)
                    .map(WireValue::Number)
                    .map_err(|_| E::custom(format!("value {n} is too large for minor units")))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<WireValue, E> {
                Ok(WireValue::Text(text.to_owned()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            value: WireValue::Number(self.minor),
            currency_code: self.currency,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        let minor = match wire.value {
            WireValue::Number(n) => n,
            WireValue::Text(text) => text.trim().parse().map_err(|_| {
                serde::de::Error::custom(format!(
                    "value must be an integer count of minor units, got {text:?}"
                ))
            })?,
        };
        Ok(Self::new(minor, wire.currency_code))
    }
}
