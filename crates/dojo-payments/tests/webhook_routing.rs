//! Webhooks routed by account (issue #32, point 5): an event is checked
//! under the secrets of the location whose account it names only; an
//! account and a signer that disagree are refused however the secrets were
//! trusted; one secret at two locations verifies either's events; a
//! location can be forgotten. And arbitrary bodies and headers never panic
//! and never verify without the right secret.

use dojo_payments::types::{AccountId, LocationId, WebhookSecret, WebhookSignature};
use dojo_payments::webhook::{TrustError, Verifier, WebhookError};
use proptest::prelude::*;

fn location(name: &str) -> LocationId {
    name.parse().unwrap()
}

fn account(id: &str) -> AccountId {
    AccountId::new(id).unwrap()
}

fn secret(s: &str) -> WebhookSecret {
    WebhookSecret::new(s).unwrap()
}

fn event(account: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"evt_1","event":"payment_intent.created","accountId":"{account}","data":{{"paymentIntentId":"pi_1","paymentStatus":"Created"}}}}"#
    )
    .into_bytes()
}

fn signed(by: &WebhookSecret, body: &[u8]) -> String {
    WebhookSignature::sign(by, body).to_string()
}

/// Soho (acc_soho) and Camden (acc_camden), each with its own secret.
fn two_cafes() -> Verifier {
    let verifier = Verifier::default();
    verifier
        .trust_at(
            &location("soho"),
            &account("acc_soho"),
            secret("whsec_soho"),
        )
        .unwrap();
    verifier
        .trust_at(
            &location("camden"),
            &account("acc_camden"),
            secret("whsec_camden"),
        )
        .unwrap();
    verifier
}

#[test]
fn an_event_is_its_account_s_location_s() {
    let verifier = two_cafes();
    for (name, key) in [("soho", "whsec_soho"), ("camden", "whsec_camden")] {
        let body = event(&format!("acc_{name}"));
        let verified = verifier
            .verify(Some(&signed(&secret(key), &body)), &body)
            .unwrap();
        assert_eq!(verified.location, Some(location(name)));
        assert_eq!(verified.account_id, Some(account(&format!("acc_{name}"))));
        let at = verifier
            .verify_at(&location(name), Some(&signed(&secret(key), &body)), &body)
            .unwrap();
        assert_eq!(at, verified);
    }
}

#[test]
fn an_account_and_a_signer_that_disagree_are_refused_however_trusted() {
    // Soho's secret signs an event naming Camden's account.
    let body = event("acc_camden");
    let header = signed(&secret("whsec_soho"), &body);

    // Trusted one secret at a time.
    let verifier = two_cafes();
    assert_eq!(
        verifier.verify(Some(&header), &body),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verifier.verify_at(&location("soho"), Some(&header), &body),
        Err(WebhookError::WrongAccount)
    );
    assert_eq!(
        verifier.verify_at(&location("camden"), Some(&header), &body),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verifier.verify_signature(Some(&header), &body),
        Err(WebhookError::SignatureMismatch)
    );

    // Soho's secret also trusted for any location: still never for an
    // event naming a location's account.
    verifier.trust(secret("whsec_soho"));
    assert_eq!(
        verifier.verify(Some(&header), &body),
        Err(WebhookError::SignatureMismatch)
    );

    // Through subscriptions, as `subscribe` answers them.
    let verifier = Verifier::default();
    for name in ["soho", "camden"] {
        let subscription: dojo_payments::api_types::Subscription =
            serde_json::from_value(serde_json::json!({
                "id": format!("wh_{name}"),
                "accountId": format!("acc_{name}"),
                "events": ["payment_intent.created"],
                "url": "https://example.com/hooks",
                "secrets": [{"id": format!("whs_{name}"), "value": format!("whsec_{name}"), "isActive": true}],
            }))
            .unwrap();
        verifier
            .trust_subscription_at(&location(name), &subscription)
            .unwrap();
    }
    assert_eq!(
        verifier.verify(Some(&header), &body),
        Err(WebhookError::SignatureMismatch)
    );
    let honest = signed(&secret("whsec_camden"), &body);
    assert_eq!(
        verifier.verify(Some(&honest), &body).unwrap().location,
        Some(location("camden"))
    );
}

#[test]
fn one_secret_at_two_locations_verifies_either_s_events_as_its_own() {
    let shared = secret("whsec_shared_by_the_group");
    let verifier = Verifier::default();
    verifier
        .trust_at(&location("soho"), &account("acc_soho"), shared.clone())
        .unwrap();
    verifier
        .trust_at(&location("camden"), &account("acc_camden"), shared.clone())
        .unwrap();
    for name in ["soho", "camden"] {
        let body = event(&format!("acc_{name}"));
        let verified = verifier
            .verify(Some(&signed(&shared, &body)), &body)
            .unwrap();
        assert_eq!(verified.location, Some(location(name)));
    }
}

#[test]
fn a_location_forgotten_verifies_nothing_more_and_others_are_untouched() {
    let verifier = two_cafes();
    assert!(verifier.forget(&location("soho")));
    assert!(!verifier.forget(&location("soho")));
    assert_eq!(verifier.account_of(&location("soho")), None);
    let body = event("acc_soho");
    assert_eq!(
        verifier.verify(Some(&signed(&secret("whsec_soho"), &body)), &body),
        Err(WebhookError::SignatureMismatch)
    );
    let camden = event("acc_camden");
    assert!(
        verifier
            .verify(Some(&signed(&secret("whsec_camden"), &camden)), &camden)
            .is_ok()
    );
    // Forgotten, its account may be trusted again, even for another name.
    verifier
        .trust_at(
            &location("soho-2"),
            &account("acc_soho"),
            secret("whsec_new"),
        )
        .unwrap();
    assert_eq!(
        verifier
            .verify(Some(&signed(&secret("whsec_new"), &body)), &body)
            .unwrap()
            .location,
        Some(location("soho-2"))
    );
}

#[test]
fn an_account_is_one_location_s_and_a_location_one_account_s() {
    let verifier = two_cafes();
    assert_eq!(
        verifier.trust_at(&location("brixton"), &account("acc_soho"), secret("s")),
        Err(TrustError::AccountTaken {
            account: account("acc_soho"),
            location: location("soho")
        })
    );
    assert_eq!(
        verifier.trust_at(&location("soho"), &account("acc_brixton"), secret("s")),
        Err(TrustError::LocationTaken {
            location: location("soho"),
            account: account("acc_soho")
        })
    );
    // A second secret for the same pair is rotation, not a conflict.
    verifier
        .trust_at(
            &location("soho"),
            &account("acc_soho"),
            secret("whsec_soho_2"),
        )
        .unwrap();
    let body = event("acc_soho");
    for key in ["whsec_soho", "whsec_soho_2"] {
        assert!(
            verifier
                .verify(Some(&signed(&secret(key), &body)), &body)
                .is_ok()
        );
    }
    verifier.distrust(&secret("whsec_soho"));
    assert_eq!(
        verifier.verify(Some(&signed(&secret("whsec_soho"), &body)), &body),
        Err(WebhookError::SignatureMismatch)
    );
    let subscription: dojo_payments::api_types::Subscription =
        serde_json::from_value(serde_json::json!({
            "id": "wh_1", "events": [], "url": "https://example.com/hooks", "secrets": [],
        }))
        .unwrap();
    assert_eq!(
        verifier.trust_subscription_at(&location("brixton"), &subscription),
        Err(TrustError::NoAccount)
    );
}

#[test]
fn secrets_trusted_for_any_location_verify_events_of_accounts_no_location_holds() {
    let verifier = two_cafes();
    let any = secret("whsec_for_any");
    verifier.trust(any.clone());
    let body = event("acc_elsewhere");
    let verified = verifier.verify(Some(&signed(&any, &body)), &body).unwrap();
    assert_eq!(verified.location, None);
    let no_account = br#"{"id":"evt_2","event":"payment_intent.created","data":{"paymentIntentId":"pi_1","paymentStatus":"Created"}}"#;
    let verified = verifier
        .verify(Some(&signed(&any, no_account)), no_account)
        .unwrap();
    assert_eq!((verified.location, verified.account_id), (None, None));
    // Nothing trusted for any: an unknown account verifies nothing.
    let verifier = two_cafes();
    assert_eq!(
        verifier.verify(Some(&signed(&any, &body)), &body),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verifier.verify_at(&location("brixton"), Some(&signed(&any, &body)), &body),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verifier.verify(Some("sha1=abc"), &body),
        Err(WebhookError::MalformedSignature)
    );
}

#[test]
fn nothing_shown_holds_a_secret() {
    let verifier = two_cafes();
    let shown = format!("{verifier:?}");
    assert_eq!(shown, "Verifier { locations: 2, secrets: 2 }");
    let error = verifier
        .trust_at(
            &location("brixton"),
            &account("acc_soho"),
            secret("whsec_brixton"),
        )
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("whsec"), "{error}");
}

/// A body like an event, naming one of the accounts or another, or none,
/// or anything at all.
fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        ".{0,200}".prop_map(String::into_bytes),
        (
            prop_oneof![
                Just("acc_soho".to_owned()),
                Just("acc_camden".to_owned()),
                "[a-z_\\\\\"]{0,12}",
            ],
            ".{0,40}"
        )
            .prop_map(|(account, rest)| {
                serde_json::json!({"id": "evt_p", "event": rest, "accountId": account, "data": {}})
                    .to_string()
                    .into_bytes()
            }),
    ]
}

fn headers() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        ".{0,120}".prop_map(Some),
        "(sha256=)?[0-9a-fA-F-]{60,70}(,[ -~]{0,20})?".prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_deliveries_never_panic_and_never_verify_unsigned(
        body in bodies(),
        header in headers(),
    ) {
        let verifier = two_cafes();
        verifier.trust(secret("whsec_for_any"));
        // Nothing the generator makes is a signature under these secrets
        // (finding one is finding an HMAC-SHA256 collision).
        prop_assert!(verifier.verify(header.as_deref(), &body).is_err());
        prop_assert!(verifier.verify_signature(header.as_deref(), &body).is_err());
        prop_assert!(verifier.verify_at(&location("soho"), header.as_deref(), &body).is_err());
    }

    #[test]
    fn a_signed_body_verifies_only_under_its_account_s_secret(
        body in bodies(),
        signer in prop_oneof![Just("whsec_soho"), Just("whsec_camden"), Just("whsec_for_any"), Just("whsec_stranger")],
    ) {
        let verifier = two_cafes();
        verifier.trust(secret("whsec_for_any"));
        let header = signed(&secret(signer), &body);
        let named = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("accountId").and_then(|a| a.as_str()).map(str::to_owned));
        let right = match named.as_deref() {
            Some("acc_soho") => "whsec_soho",
            Some("acc_camden") => "whsec_camden",
            _ => "whsec_for_any",
        };
        match verifier.verify_signature(Some(&header), &body) {
            Ok(()) => prop_assert_eq!(signer, right),
            Err(error) => {
                prop_assert_eq!(error, WebhookError::SignatureMismatch);
                prop_assert_ne!(signer, right);
            }
        }
        if let Ok(event) = verifier.verify(Some(&header), &body) {
            prop_assert_eq!(signer, right);
            prop_assert_eq!(event.account_id.map(|a| a.as_str().to_owned()), named);
        }
    }
}
