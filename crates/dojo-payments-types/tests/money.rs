//! Money: exact decimals, wire form, checked arithmetic — for every currency.

use dojo_payments_types::{Currency, Money, MoneyArithmeticError};
use proptest::prelude::*;
use serde_json::json;

fn known_currencies() -> Vec<Currency> {
    Currency::all_known().collect()
}

#[test]
fn decimals_honour_each_currency_exponent() {
    let bhd = Currency::from_code("BHD").unwrap();
    let clf = Currency::from_code("CLF").unwrap();
    for (text, currency, minor) in [
        ("10.00", Currency::GBP, 1000),
        ("10.5", Currency::GBP, 1050),
        ("-0.05", Currency::GBP, -5),
        ("1000", Currency::JPY, 1000),
        ("1.005", bhd, 1005),
        ("1.0001", clf, 10001),
    ] {
        let money = Money::parse_decimal(text, currency).unwrap();
        assert_eq!(money.minor_units(), minor, "{text} {currency}");
    }
    assert_eq!(Money::new(1000, Currency::GBP).to_decimal_string(), "10.00");
    assert_eq!(Money::new(1000, Currency::JPY).to_decimal_string(), "1000");
    assert_eq!(Money::new(1005, bhd).to_decimal_string(), "1.005");
    assert_eq!(Money::new(-5, Currency::GBP).to_string(), "-0.05 GBP");
}

#[test]
fn extra_fraction_digits_are_refused_not_rounded() {
    let err = Money::parse_decimal("10.005", Currency::GBP).unwrap_err();
    assert_eq!(err.field(), "amount");
    assert!(err.rule().contains("at most 2 digits"), "{err}");
    assert!(Money::parse_decimal("1.0", Currency::JPY).is_err());
    for bad in [
        "", "-", ".5", "5.", "1,000.00", " 1.00", "1e3", "+1.00", "١٢",
    ] {
        assert!(
            Money::parse_decimal(bad, Currency::GBP).is_err(),
            "{bad:?} parsed"
        );
    }
    assert!(Money::parse_decimal("92233720368547758.08", Currency::GBP).is_err());
    assert_eq!(
        Money::parse_decimal("-92233720368547758.08", Currency::GBP)
            .unwrap()
            .minor_units(),
        i64::MIN
    );
}

#[test]
fn wire_form_is_dojos_and_accepts_a_string_value() {
    let money = Money::new(1000, Currency::GBP);
    assert_eq!(
        serde_json::to_value(money).unwrap(),
        json!({"value": 1000, "currencyCode": "GBP"})
    );
    let from_string: Money =
        serde_json::from_value(json!({"value": "1000", "currencyCode": "GBP"})).unwrap();
    assert_eq!(from_string, money);
    assert!(
        serde_json::from_value::<Money>(json!({"value": "10.00", "currencyCode": "GBP"})).is_err()
    );
    assert!(
        serde_json::from_value::<Money>(json!({"value": 10.5, "currencyCode": "GBP"})).is_err()
    );
}

#[test]
fn an_unknown_currency_from_the_server_decodes_and_is_kept() {
    let money: Money = serde_json::from_value(json!({"value": 12, "currencyCode": "XYZ"})).unwrap();
    assert!(!money.currency().is_known());
    assert_eq!(money.currency().code(), "XYZ");
    assert_eq!(money.currency().minor_units(), None);
    assert_eq!(money.to_string(), "12 minor units of XYZ");
    assert_eq!(
        serde_json::to_value(money).unwrap(),
        json!({"value": 12, "currencyCode": "XYZ"})
    );
    // ...but a merchant typing it gets an error naming the field.
    let err = Currency::from_code("XYZ").unwrap_err();
    assert_eq!(err.field(), "currencyCode");
    assert!(
        Currency::from_code("HRK")
            .unwrap_err()
            .rule()
            .contains("withdrawn")
    );
}

#[test]
fn arithmetic_is_checked() {
    let gbp = Money::new(i64::MAX, Currency::GBP);
    assert_eq!(
        gbp.checked_add(Money::new(1, Currency::GBP)),
        Err(MoneyArithmeticError::Overflow)
    );
    assert_eq!(
        Money::new(1, Currency::GBP).checked_add(Money::new(1, Currency::EUR)),
        Err(MoneyArithmeticError::CurrencyMismatch {
            left: Currency::GBP,
            right: Currency::EUR
        })
    );
    assert_eq!(
        Money::new(5, Currency::GBP).checked_sub(Money::new(7, Currency::GBP)),
        Ok(Money::new(-2, Currency::GBP))
    );
}

#[test]
fn every_known_currency_has_a_three_letter_code_and_an_exponent() {
    let all = known_currencies();
    assert!(all.len() > 150, "only {} currencies", all.len());
    for currency in all {
        assert_eq!(currency.code().len(), 3);
        assert!(
            currency.minor_units().is_some_and(|e| e <= 4),
            "{currency:?}"
        );
    }
}

fn any_money() -> impl Strategy<Value = Money> {
    (any::<i64>(), prop::sample::select(known_currencies())).prop_map(|(m, c)| Money::new(m, c))
}

proptest! {
    #[test]
    fn decimal_round_trip(money in any_money()) {
        let text = money.to_decimal_string();
        prop_assert_eq!(Money::parse_decimal(&text, money.currency()).unwrap(), money);
    }

    #[test]
    fn serde_round_trip(money in any_money()) {
        let json = serde_json::to_string(&money).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
    }

    #[test]
    fn arithmetic_never_wraps(a in any::<i64>(), b in any::<i64>(), currency in prop::sample::select(known_currencies())) {
        let (x, y) = (Money::new(a, currency), Money::new(b, currency));
        match a.checked_add(b) {
            Some(sum) => prop_assert_eq!(x.checked_add(y), Ok(Money::new(sum, currency))),
            None => prop_assert_eq!(x.checked_add(y), Err(MoneyArithmeticError::Overflow)),
        }
        match a.checked_sub(b) {
            Some(diff) => prop_assert_eq!(x.checked_sub(y), Ok(Money::new(diff, currency))),
            None => prop_assert_eq!(x.checked_sub(y), Err(MoneyArithmeticError::Overflow)),
        }
    }
}

#[test]
fn every_known_currency_is_listed_once_and_decodes_as_known() {
    let codes: Vec<String> = known_currencies()
        .iter()
        .map(|c| c.code().to_owned())
        .collect();
    let unique: std::collections::BTreeSet<&String> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "a currency listed twice");
    for code in ["GBP", "EUR", "USD", "JPY", "BHD", "CLF", "XAU"] {
        assert!(unique.contains(&code.to_owned()), "{code} is missing");
    }
    // ISO 4217 lists about 180 codes; a listing cut short would show here.
    assert!(codes.len() > 170, "only {} currencies", codes.len());
    for code in &codes {
        let decoded: Money = serde_json::from_value(json!({"value": 1, "currencyCode": code}))
            .expect("a known code decodes");
        assert!(decoded.currency().is_known(), "{code} decoded as unknown");
    }
}
