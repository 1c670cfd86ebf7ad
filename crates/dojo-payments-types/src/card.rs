//! Card data captured for the PCI host: number, security code, cardholder.
//!
//! Held in `secrecy::SecretString` (zeroized on drop). `Debug` and `Display`
//! show at most the last four digits of the number and nothing of the code.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;

use crate::InvalidValue;

/// A primary account number: 12–19 digits passing the Luhn check. Spaces and
/// dashes as people type them are removed.
///
/// ```
/// use dojo_payments_types::CardNumber;
/// let pan = CardNumber::new("5200 0000 0000 1005")?;
/// assert_eq!(pan.last4(), "1005");
/// assert_eq!(format!("{pan:?}"), "CardNumber(…1005)");
/// assert!(CardNumber::new("5200 0000 0000 1006").is_err()); // Luhn
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone)]
pub struct CardNumber(SecretString);

impl CardNumber {
    /// Validates length and Luhn check digit.
    pub fn new(number: impl Into<String>) -> Result<Self, InvalidValue> {
        let typed: SecretString = number.into().into();
        let digits: String = typed
            .expose_secret()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = SecretString::from(digits);
        let pan = digits.expose_secret();
        if !pan.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::new("cardNumber", "must contain only digits"));
        }
        if !(12..=19).contains(&pan.len()) {
            return Err(InvalidValue::new(
                "cardNumber",
                format!("must be 12–19 digits, got {}", pan.len()),
            ));
        }
        if !luhn_valid(pan) {
            return Err(InvalidValue::new("cardNumber", "must pass the Luhn check"));
        }
        Ok(Self(digits))
    }

    /// The last four digits, which may be shown to people.
    pub fn last4(&self) -> &str {
        let pan = self.0.expose_secret();
        &pan[pan.len() - 4..]
    }

    /// The digits, for the request to the PCI host and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// The Luhn check, by hand: a few lines, not worth a dependency.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(…{})", self.last4())
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "•••• {}", self.last4())
    }
}

/// A card security code (CVV, CV2): 3 or 4 digits.
#[derive(Clone)]
pub struct Cvv(SecretString);

impl Cvv {
    /// Validates 3 or 4 digits.
    pub fn new(code: impl Into<String>) -> Result<Self, InvalidValue> {
        let code = SecretString::from(code.into());
        let text = code.expose_secret();
        if !(3..=4).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::new("cV2", "must be 3 or 4 digits"));
        }
        Ok(Self(code))
    }

    /// The code, for the request to the PCI host and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Cvv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cvv(***)")
    }
}

impl fmt::Display for Cvv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The name on the card: 1–100 characters after trimming.
#[derive(Clone)]
pub struct CardholderName(SecretString);

impl CardholderName {
    /// Validates the length.
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidValue> {
        let name = SecretString::from(name.into().trim().to_owned());
        let count = name.expose_secret().chars().count();
        if !(1..=100).contains(&count) {
            return Err(InvalidValue::new(
                "cardName",
                format!("must be 1–100 characters, got {count}"),
            ));
        }
        Ok(Self(name))
    }

    /// The name, for the request to the PCI host and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for CardholderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardholderName(***)")
    }
}

impl fmt::Display for CardholderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

// Card data crosses serde only in the request to the PCI host (and in the
// emulator that answers it): serializing exposes the value to the serializer
// alone; deserializing validates like the constructor. Equality is constant
// time, like the secrets'.
macro_rules! card_field_impls {
    ($($ty:ty),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.expose())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = zeroize::Zeroizing::new(String::deserialize(deserializer)?);
                Self::new(text.as_str()).map_err(serde::de::Error::custom)
            }
        }

        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.expose().as_bytes().ct_eq(other.expose().as_bytes()).into()
            }
        }

        impl Eq for $ty {}
    )*};
}
card_field_impls!(CardNumber, Cvv, CardholderName);
