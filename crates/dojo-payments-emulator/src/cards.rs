//! The test cards the emulator knows, and what each does at checkout.
//!
//! ```
//! use chrono::NaiveDate;
//! use dojo_payments_emulator::{Card, CardOutcome};
//!
//! let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
//! use dojo_payments_emulator::cards::{APPROVED_VISA, DECLINED_VISA};
//! assert_eq!(Card::test(APPROVED_VISA)?.outcome(today), CardOutcome::Approved);
//! assert_eq!(Card::test(DECLINED_VISA)?.outcome(today), CardOutcome::Declined);
//! assert!(Card::test("4000000000000001").is_err()); // fails the Luhn check
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::NaiveDate;
use dojo_payments_types::{CardExpiry, CardNumber, InvalidValue};

use crate::store::refusal::Refusal;

/// What paying with a card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardOutcome {
    /// Authorized (and captured, for `Auto` payment intents).
    Approved,
    /// Refused by the issuer; the intent stays as it was.
    Declined,
    /// The card's expiry date has passed.
    Expired,
}

/// One documented test card.
#[derive(Debug, Clone, Copy)]
pub struct TestCard {
    /// The number, digits only.
    pub number: &'static str,
    /// The scheme Dojo reports for it (`VISA`, `MASTERCARD`).
    pub scheme: &'static str,
    /// What paying with it does (with a future expiry date).
    pub outcome: CardOutcome,
    /// Where the number comes from.
    pub source: &'static str,
}

/// Dojo's sandbox Mastercard, approved: the card tests pay with unless they
/// mean another.
pub const APPROVED_MASTERCARD: &str = "5200000000001005";
/// Dojo's sandbox Visa, approved.
pub const APPROVED_VISA: &str = "4456530000001005";
/// The Visa of Dojo's save-card guide (a saved card), approved.
pub const SAVED_VISA: &str = "4456530000001096";
/// The emulator's Visa that is always declined (Dojo's decline numbers are
/// not published offline).
pub const DECLINED_VISA: &str = "4000000000000002";
/// The emulator's Mastercard that is always declined.
pub const DECLINED_MASTERCARD: &str = "5105105105105100";

/// The table of test cards; any other valid number is approved.
///
/// | number | scheme | outcome | source |
/// | --- | --- | --- | --- |
/// | `5200 0000 0000 1005` | MASTERCARD | approved | Dojo's sandbox test cards |
/// | `4456 5300 0000 1005` | VISA | approved | Dojo's sandbox test cards |
/// | `4456 5300 0000 1096` | VISA | approved | Dojo's docs (a saved card in the save-card guide) |
/// | `4000 0000 0000 0002` | VISA | declined | this emulator (Dojo's decline numbers are not published offline) |
/// | `5105 1051 0510 5100` | MASTERCARD | declined | this emulator |
///
/// Any card whose expiry month has passed (by the emulator's clock) is
/// refused as expired, whatever its number.
pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        number: APPROVED_MASTERCARD,
        scheme: "MASTERCARD",
        outcome: CardOutcome::Approved,
        source: "Dojo sandbox",
    },
    TestCard {
        number: APPROVED_VISA,
        scheme: "VISA",
        outcome: CardOutcome::Approved,
        source: "Dojo sandbox",
    },
    TestCard {
        number: SAVED_VISA,
        scheme: "VISA",
        outcome: CardOutcome::Approved,
        source: "Dojo docs",
    },
    TestCard {
        number: DECLINED_VISA,
        scheme: "VISA",
        outcome: CardOutcome::Declined,
        source: "emulator",
    },
    TestCard {
        number: DECLINED_MASTERCARD,
        scheme: "MASTERCARD",
        outcome: CardOutcome::Declined,
        source: "emulator",
    },
];

/// A card presented at checkout.
#[derive(Debug, Clone)]
pub struct Card {
    /// The number.
    pub number: CardNumber,
    /// The expiry month.
    pub expiry: CardExpiry,
}

impl Card {
    /// The expiry a test card has unless given one: December 2030.
    pub const TEST_EXPIRY: (u8, u16) = (12, 2030);

    /// A card with `number` (a test card from the table, or any
    /// Luhn-valid number) expiring at [`Card::TEST_EXPIRY`].
    ///
    /// ```
    /// use dojo_payments_emulator::cards::APPROVED_MASTERCARD;
    /// let card = dojo_payments_emulator::Card::test(APPROVED_MASTERCARD)?;
    /// assert_eq!(card.scheme(), "MASTERCARD");
    /// assert!(dojo_payments_emulator::Card::test("5200000000001006").is_err()); // fails Luhn
    /// # Ok::<(), dojo_payments_types::InvalidValue>(())
    /// ```
    pub fn test(number: &str) -> Result<Self, InvalidValue> {
        let (month, year) = Self::TEST_EXPIRY;
        Ok(Self {
            number: CardNumber::new(number)?,
            expiry: CardExpiry::new(month, year)?,
        })
    }

    /// A card as a form or a control call gives it: the number, and the
    /// expiry as `MM/YY` (default [`Card::TEST_EXPIRY`]); a bad value is
    /// refused naming `CardNumber` or `ExpiryDate`.
    pub fn parse(number: &str, expiry: Option<&str>) -> Result<Self, Refusal> {
        let mut card =
            Self::test(number).map_err(|e| Refusal::field("CardNumber", e.to_string()))?;
        if let Some(expiry) = expiry {
            card.expiry = expiry
                .parse()
                .map_err(|e: InvalidValue| Refusal::field("ExpiryDate", e.to_string()))?;
        }
        Ok(card)
    }

    /// The same card with another expiry.
    pub fn expiring(mut self, expiry: CardExpiry) -> Self {
        self.expiry = expiry;
        self
    }

    /// What paying with this card on `today` does.
    pub fn outcome(&self, today: NaiveDate) -> CardOutcome {
        if self.expiry.is_expired_at(today) {
            return CardOutcome::Expired;
        }
        self.known().map_or(CardOutcome::Approved, |c| c.outcome)
    }

    /// The card scheme, from the table or the first digit.
    pub fn scheme(&self) -> &'static str {
        match self.known() {
            Some(card) => card.scheme,
            None if self.number.expose().starts_with('4') => "VISA",
            None if self.number.expose().starts_with('5') => "MASTERCARD",
            None => "UNKNOWN",
        }
    }

    /// The number as Dojo shows it: first 8 digits, stars, last 4.
    pub fn masked(&self) -> String {
        let digits = self.number.expose();
        format!(
            "{}****{}",
            digits
                .get(..8.min(digits.len().saturating_sub(4)))
                .unwrap_or_default(),
            self.number.last4()
        )
    }

    fn known(&self) -> Option<&'static TestCard> {
        TEST_CARDS.iter().find(|c| c.number == self.number.expose())
    }
}
