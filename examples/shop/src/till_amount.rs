//! The till's amounts: what staff type (`12.50`) into minor units of the
//! shop's currency, exactly. The SDK's decimal parser does the arithmetic
//! (integers only, checked, extra digits refused, never rounded); this adds
//! the till's rules around it, each refusal naming the field: spaces and a
//! leading `£` forgiven, nothing negative or zero, nothing a till would
//! never take.

use dojo_payments::types::{Currency, InvalidValue, Money};

/// The shop's currency: every price, phone order and till sale is in it.
pub const SHOP_CURRENCY: Currency = Currency::GBP;

/// The most one session at the till takes or refunds: £100,000.00. A
/// typing slip (`125000` for `12.50`) is refused, not sent to a terminal.
pub const TILL_LIMIT: Money = Money::new(10_000_000, SHOP_CURRENCY);

/// The longest text read as an amount: refused before it is parsed, so an
/// error never quotes a page of digits back.
const MAX_LEN: usize = 24;

/// `text`, typed into field `field`, as an amount of the shop's currency:
/// more than zero and at most [`TILL_LIMIT`]. Refused with a rule that
/// names the field (`amount: must be a decimal number such as 10.00…`).
pub fn parse_till_amount(field: &'static str, text: &str) -> Result<Money, InvalidValue> {
    let trimmed = text.trim();
    let trimmed = trimmed.strip_prefix('£').unwrap_or(trimmed).trim_start();
    if trimmed.is_empty() {
        return Err(InvalidValue::new(field, "is required, such as 12.50"));
    }
    if trimmed.chars().count() > MAX_LEN {
        return Err(InvalidValue::new(
            field,
            format!("must be at most {MAX_LEN} characters, such as 12.50"),
        ));
    }
    if trimmed.starts_with('-') {
        return Err(InvalidValue::new(field, "must be more than zero"));
    }
    let amount = Money::parse_decimal(trimmed, SHOP_CURRENCY).map_err(|e| e.in_field(field))?;
    if amount.minor_units() <= 0 {
        return Err(InvalidValue::new(field, "must be more than zero"));
    }
    if amount.minor_units() > TILL_LIMIT.minor_units() {
        return Err(InvalidValue::new(
            field,
            format!("must be at most {TILL_LIMIT} at the till"),
        ));
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pence(text: &str) -> Result<i64, String> {
        parse_till_amount("amount", text)
            .map(|m| m.minor_units())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn what_staff_type_is_read_exactly() {
        assert_eq!(pence("12.50"), Ok(1250));
        assert_eq!(pence(" 12.5 "), Ok(1250));
        assert_eq!(pence("£3"), Ok(300));
        assert_eq!(pence("0.01"), Ok(1));
        assert_eq!(pence("100000.00"), Ok(10_000_000));
    }

    #[test]
    fn what_a_till_must_not_take_is_refused_naming_the_field() {
        for bad in [
            "",
            "  ",
            "£",
            "0",
            "0.00",
            "-1",
            "-0.01",
            "1.005",
            "12,50",
            "1e3",
            "NaN",
            "inf",
            "12.",
            ".5",
            "1 000",
            "100000.01",
            "99999999999999999999",
            "1111111111111111111111111111111",
        ] {
            let refused = pence(bad).expect_err(bad);
            assert!(refused.starts_with("amount"), "{bad:?}: {refused}");
        }
        assert!(
            pence("1.005")
                .unwrap_err()
                .contains("at most 2 digits after the decimal point")
        );
        assert!(pence("-1").unwrap_err().contains("more than zero"));
        assert!(
            pence("100000.01")
                .unwrap_err()
                .contains("at most 100000.00 GBP")
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Every amount the till takes, written as staff would write it,
        /// is read back to the penny.
        #[test]
        fn every_amount_in_range_round_trips(pence in 1..=TILL_LIMIT.minor_units()) {
            let text = Money::new(pence, SHOP_CURRENCY).to_decimal_string();
            prop_assert_eq!(parse_till_amount("amount", &text).map(|m| m.minor_units()), Ok(pence));
        }

        /// Whatever is typed, the parser answers (never panics), and what
        /// it takes is in the till's range; what it refuses names the field.
        #[test]
        fn any_text_is_answered(text in "\\PC{0,40}") {
            match parse_till_amount("amount", &text) {
                Ok(amount) => prop_assert!(
                    amount.minor_units() > 0 && amount.minor_units() <= TILL_LIMIT.minor_units()
                ),
                Err(refused) => prop_assert_eq!(refused.field(), "amount"),
            }
        }

        /// Digits and a point, the shapes a slip of the finger makes: taken
        /// exactly when they are a well-formed amount in range, at its value.
        #[test]
        fn decimal_shapes_are_read_at_their_value(text in "[0-9]{0,12}(\\.[0-9]{0,4})?") {
            let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
            let well_formed = !whole.is_empty() && !text.ends_with('.') && fraction.len() <= 2;
            let expected = whole
                .parse::<i64>()
                .ok()
                .filter(|_| well_formed)
                .and_then(|whole| {
                    let cents = format!("{fraction:0<2}").parse::<i64>().ok()?;
                    whole.checked_mul(100)?.checked_add(cents)
                })
                .filter(|pence| (1..=TILL_LIMIT.minor_units()).contains(pence));
            let read = parse_till_amount("amount", &text).ok().map(|m| m.minor_units());
            prop_assert_eq!(read, expected);
        }
    }
}
