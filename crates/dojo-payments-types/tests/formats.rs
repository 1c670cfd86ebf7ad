//! Timestamps, card expiry, countries, API versions and ids: every form Dojo
//! emits decodes, and what a merchant types wrongly is refused.

use chrono::{NaiveDate, Timelike};
use dojo_payments_types::{
    ApiVersion, CardExpiry, CountryCode, PaymentIntentId, RefundId, Timestamp,
};

#[test]
fn timestamps_with_seven_fraction_digits() {
    let t: Timestamp = serde_json::from_str("\"2022-02-21T14:39:21.6050276Z\"").unwrap();
    let at = t.instant().unwrap();
    assert_eq!(at.nanosecond(), 605_027_600);
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        "\"2022-02-21T14:39:21.605027600Z\""
    );
}

#[test]
fn the_year_one_sentinel_reads_as_none() {
    let t: Timestamp = serde_json::from_str("\"0001-01-01T00:00:00Z\"").unwrap();
    assert!(t.is_unset());
    assert_eq!(t.instant(), None);
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        "\"0001-01-01T00:00:00Z\""
    );
}

#[test]
fn timestamps_without_a_zone_are_utc_and_offsets_are_normalised() {
    let t: Timestamp = "2023-12-13T14:15:01".parse().unwrap();
    assert_eq!(t.to_string(), "2023-12-13T14:15:01Z");
    let t: Timestamp = "2023-12-13T15:15:01+01:00".parse().unwrap();
    assert_eq!(t.to_string(), "2023-12-13T14:15:01Z");
    let err = "13/12/2023".parse::<Timestamp>().unwrap_err();
    assert_eq!(err.field(), "timestamp");
}

#[test]
fn card_expiry_forms() {
    let expiry: CardExpiry = "12/27".parse().unwrap();
    assert_eq!(("12 / 27".parse::<CardExpiry>().unwrap()), expiry);
    assert_eq!(("2027-12-31".parse::<CardExpiry>().unwrap()), expiry);
    assert_eq!(serde_json::to_string(&expiry).unwrap(), "\"12/27\"");
    assert_eq!(expiry.year(), 2027);
    let last_day = NaiveDate::from_ymd_opt(2027, 12, 31).unwrap();
    assert!(!expiry.is_expired_at(last_day));
    assert!(expiry.is_expired_at(last_day.succ_opt().unwrap()));
    for bad in ["13/27", "00/27", "1/27", "12/2027", "December", ""] {
        let err = bad.parse::<CardExpiry>().unwrap_err();
        assert_eq!(err.field(), "expiryDate", "{bad}");
    }
}

#[test]
fn country_codes_strict_to_build_lenient_to_decode() {
    assert!(CountryCode::new("GB").is_ok());
    assert_eq!(CountryCode::new("UK").unwrap_err().field(), "countryCode");
    assert!(CountryCode::new("gb").is_err());
    let odd: CountryCode = serde_json::from_str("\"XK\"").unwrap();
    assert_eq!(odd.as_str(), "XK");
    let unknown: CountryCode = serde_json::from_str("\"ZZ\"").unwrap();
    assert!(!unknown.is_known());
}

#[test]
fn an_api_version_from_a_date_needs_a_four_digit_year() {
    let far = NaiveDate::from_ymd_opt(12026, 2, 27).unwrap();
    assert_eq!(ApiVersion::from_date(far).unwrap_err().field(), "version");
    let date = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap();
    assert_eq!(ApiVersion::from_date(date).unwrap().as_str(), "2026-02-27");
}

#[test]
fn api_version_is_a_date() {
    assert_eq!(
        "2026-02-27".parse::<ApiVersion>().unwrap().to_string(),
        "2026-02-27"
    );
    for bad in ["2026-2-27", "2026-02-30", "27-02-2026", "latest"] {
        assert_eq!(
            bad.parse::<ApiVersion>().unwrap_err().field(),
            "version",
            "{bad}"
        );
    }
}

#[test]
fn ids_decode_whatever_the_prefix() {
    let id: PaymentIntentId =
        serde_json::from_str("\"pi_sandbox_RBMHTJ4fIkmSppDILZVCGw\"").unwrap();
    assert!(id.is_sandbox());
    assert!(id.has_expected_prefix());
    let prefixless: PaymentIntentId = serde_json::from_str("\"RBMHTJ4fIkmSppDILZVCGw\"").unwrap();
    assert!(!prefixless.has_expected_prefix());
    assert!(!prefixless.is_sandbox());
    assert_eq!(
        serde_json::to_string(&prefixless).unwrap(),
        "\"RBMHTJ4fIkmSppDILZVCGw\""
    );
    assert!(RefundId::new("").is_err());
    assert!(RefundId::new("rfnd 1").is_err());
    assert_eq!(RefundId::new("rfnd_1").unwrap().as_str(), "rfnd_1");
}
