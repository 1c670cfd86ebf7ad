//! The generated `Validate` impls: every document constraint of a request,
//! nested objects and arrays included, reported with its field path and
//! rule, never its value.

use dojo_payments_api::Validate;
use dojo_payments_api::api::types;
use dojo_payments_api::validate::Rule;
use dojo_payments_emulator::testkit::APPROVED_VISA;
use proptest::prelude::*;
use serde_json::json;

fn payment_intent(extra: serde_json::Value) -> types::CreatePaymentIntentRequest {
    let mut body = json!({
        "amount": {"value": 1000, "currencyCode": "GBP"},
        "reference": "Order 1",
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    serde_json::from_value(body).unwrap()
}

fn violations(request: &impl Validate) -> Vec<String> {
    match request.validate() {
        Ok(()) => Vec::new(),
        Err(all) => all.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_valid_request_has_no_violation() {
    assert_eq!(violations(&payment_intent(json!({}))), Vec::<String>::new());
}

#[test]
fn nested_fields_are_named_by_their_path() {
    let request = payment_intent(json!({
        "billingAddress": {"city": "x".repeat(101), "countryCode": "GB"},
        "itemLines": [
            {"id": "1", "name": "ok", "quantity": 1, "amountTotal": {"value": 1, "currencyCode": "GBP"}},
            {"id": "2", "name": "n".repeat(101), "quantity": 1, "amountTotal": {"value": 1, "currencyCode": "GBP"}},
        ],
    }));
    assert_eq!(
        violations(&request),
        [
            "billingAddress.city must be at most 100 characters, got 101",
            "itemLines[1].name must be at most 100 characters, got 101",
        ]
    );
}

#[test]
fn every_violation_is_reported_at_once() {
    let request = payment_intent(json!({
        "reference": "",
        "description": "d".repeat(4097),
    }));
    let all = request.validate().unwrap_err();
    let fields: Vec<&str> = all.iter().map(|v| v.field()).collect();
    assert_eq!(fields, ["description", "reference"]);
    assert_eq!(
        all.iter().last().unwrap().rule(),
        &Rule::Length {
            min: Some(1),
            max: Some(60),
            actual: 0
        }
    );
}

#[test]
fn ranges_and_patterns_are_checked() {
    let search: types::SearchPaymentIntentRequest =
        serde_json::from_value(json!({"cursor": {"limit": 101}})).unwrap();
    assert_eq!(violations(&search), ["cursor.limit must be 1–100, got 101"]);
    let subscription: types::SubscriptionRequest = serde_json::from_value(json!({
        "events": ["payment_intent.created"], "url": "http://example.com/hook",
    }))
    .unwrap();
    assert_eq!(violations(&subscription), ["url must match `^https://*.+`"]);
}

#[test]
fn a_violation_never_shows_the_value() {
    let secret_looking = "sk_sandbox_".to_owned() + &"s".repeat(90);
    let request = payment_intent(json!({"reference": secret_looking}));
    let text = request.validate().unwrap_err().to_string();
    assert_eq!(text, "reference must be 1–60 characters, got 101");
}

#[test]
fn the_pci_request_checks_its_own_fields_and_the_api_host_s() {
    let request: dojo_payments_api::pci::types::CreateTokenizedSetupIntentRequest =
        serde_json::from_value(json!({
            "reference": "r", "terms": "", "merchantInitiatedTransactionType": "NoShow",
            "customer": {"emailAddress": "e".repeat(255)},
            "cardDetails": {"cardNumber": APPROVED_VISA, "cardName": "Ada", "expiryDate": "12/30", "cV2": "123"},
        }))
        .unwrap();
    assert_eq!(
        violations(&request),
        [
            "customer.emailAddress must be at most 254 characters, got 255",
            "terms must be 1–10240 characters, got 0",
        ]
    );
}

proptest! {
    #[test]
    fn a_reference_is_refused_exactly_when_outside_1_to_60_characters(reference in "\\PC{0,80}") {
        let count = reference.chars().count();
        let request = payment_intent(json!({"reference": reference}));
        prop_assert_eq!(request.validate().is_ok(), (1..=60).contains(&count));
    }
}

/// Only plain HTTP to this machine counts as loopback: the host is parsed,
/// not prefix-matched, so a look-alike domain is refused.
#[test]
fn loopback_http_is_decided_by_the_parsed_host() {
    use dojo_payments_api::validate::is_loopback_http;
    for url in [
        "http://127.0.0.1:8080/hooks",
        "http://127.9.9.9/",
        "http://localhost/hooks",
        "http://LOCALHOST:3000",
        "http://[::1]:9000/x",
    ] {
        assert!(is_loopback_http(url), "{url}");
    }
    for url in [
        "https://127.0.0.1/hooks",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "http://localhostile.example/",
        "http://example.com/",
        "http://[::2]/",
        "not a url",
        "",
    ] {
        assert!(!is_loopback_http(url), "{url}");
    }
}

/// A closed schema's unknown field, kept when decoded, is refused in a
/// request, naming where it is.
#[test]
fn unknown_fields_of_closed_schemas_are_refused_in_requests() {
    use dojo_payments_api::Validate;
    use dojo_payments_api::validate::Rule;
    let request: dojo_payments_api::api::types::CreateCustomerRequest = serde_json::from_value(
        serde_json::json!({"name": "Ada", "billingAddress": {"city": "London", "countryCode": "GB", "foo": 1}}),
    )
    .unwrap();
    let violations = request.validate().unwrap_err().into_vec();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].field(), "billingAddress.foo");
    assert_eq!(violations[0].rule(), &Rule::Unknown);
}

/// An enum value the document does not list, and a `format: uri` field that
/// is not a URL, are refused in a request (decoding keeps both).
#[test]
fn unlisted_enum_values_and_non_urls_are_refused_in_requests() {
    use dojo_payments_api::Validate;
    use dojo_payments_api::validate::Rule;
    let request: dojo_payments_api::api::types::CreatePaymentIntentRequest =
        serde_json::from_value(serde_json::json!({
            "amount": {"value": 1, "currencyCode": "GBP"},
            "reference": "r",
            "actionLink": {"url": "not a url", "label": "Docs", "action": "AAA"},
        }))
        .unwrap();
    let violations = request.validate().unwrap_err().into_vec();
    let found: Vec<(&str, &Rule)> = violations.iter().map(|v| (v.field(), v.rule())).collect();
    assert!(
        found.contains(&("actionLink.action", &Rule::Unlisted)),
        "{found:?}"
    );
    assert!(
        found.contains(&("actionLink.url", &Rule::Format { format: "uri" })),
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "{found:?}");
}
