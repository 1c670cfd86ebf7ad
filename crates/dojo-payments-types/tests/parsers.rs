//! Every parser that reads what the outside world sends never panics, on
//! any text. The case count is proptest's, set by `PROPTEST_CASES` (the
//! long run in BENCHMARKS.md used 1,000,000).

use std::str::FromStr;

use dojo_payments_types::{
    ApiVersion, CardExpiry, CountryCode, Currency, CustomerId, Money, PaymentIntentId, Timestamp,
};
use proptest::prelude::*;

/// Text near what each parser expects, and anything at all.
fn decimals() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{0,25}(\\.[0-9]{0,6})?",
        "[-+ 0-9.,eE_]{0,30}",
        any::<String>(),
    ]
}

fn timestamps() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]{0,12})?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?",
        any::<String>(),
    ]
}

fn expiries() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,3}/[0-9]{0,5}",
        "[0-9]{1,5}-[0-9]{1,3}(-[0-9]{1,3})?",
        any::<String>()
    ]
}

proptest! {
    #[test]
    fn decimal_amounts_in_any_currency(text in decimals(), pick in any::<prop::sample::Index>()) {
        let currencies: Vec<Currency> = Currency::all_known().collect();
        let currency = currencies[pick.index(currencies.len())];
        if let Ok(money) = Money::parse_decimal(&text, currency) {
            // What parses exactly, prints back to an amount that parses to it.
            prop_assert_eq!(Money::parse_decimal(&money.to_decimal_string(), currency), Ok(money));
        }
    }

    #[test]
    fn money_from_json(value in any::<i64>(), code in "[A-Za-z]{0,12}", as_text in any::<bool>()) {
        let json = if as_text {
            format!(r#"{{"value":"{value}","currencyCode":"{code}"}}"#)
        } else {
            format!(r#"{{"value":{value},"currencyCode":"{code}"}}"#)
        };
        let _ = serde_json::from_str::<Money>(&json);
    }

    #[test]
    fn timestamps_in_any_form(text in timestamps()) {
        let _ = Timestamp::from_str(&text);
        let _ = serde_json::from_value::<Timestamp>(serde_json::Value::String(text));
    }

    #[test]
    fn card_expiries(text in expiries()) {
        let _ = CardExpiry::from_str(&text);
        let _ = serde_json::from_value::<CardExpiry>(serde_json::Value::String(text));
    }

    #[test]
    fn codes_versions_and_ids(text in any::<String>()) {
        let _ = Currency::from_str(&text);
        let _ = CountryCode::from_str(&text);
        let _ = ApiVersion::from_str(&text);
        let _ = PaymentIntentId::from_str(&text);
        let _ = CustomerId::from_str(&text);
    }
}
