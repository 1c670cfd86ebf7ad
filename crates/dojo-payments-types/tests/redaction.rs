//! Secrets and card data never appear in `Debug` or `Display`.

use dojo_payments_types::{
    ApiKey, CardNumber, CardholderName, CustomerSecret, Cvv, Environment, Timestamp, WebhookSecret,
};

const API_KEY: &str = "sk_prod_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const CUSTOMER_SECRET: &str = "cs_sandbox_aW50ZXJuYWxzZWNyZXR2YWx1ZQ";
const WEBHOOK_SECRET: &str = "PDYkJQq6sESYHp_zJuTTBQ";
const PAN: &str = "4111111111111111";
const CVV: &str = "737";
const NAME: &str = "Ada Lovelace";

/// Every way the value could leak through formatting.
fn renderings(value: &(impl std::fmt::Debug + std::fmt::Display)) -> [String; 3] {
    [
        format!("{value:?}"),
        format!("{value:#?}"),
        format!("{value}"),
    ]
}

fn assert_hidden(
    value: &(impl std::fmt::Debug + std::fmt::Display),
    secret: &str,
    visible_tail: usize,
) {
    for text in renderings(value) {
        assert!(!text.contains(secret), "{text} shows the secret");
        // No run of the secret longer than the permitted tail (and at least
        // three characters, below which letters of "Debug" would match) shows.
        let window = (visible_tail + 1).max(3);
        for start in 0..=secret.len().saturating_sub(window) {
            let piece = &secret[start..start + window];
            assert!(
                !text.contains(piece),
                "{text} shows {piece:?} of the secret"
            );
        }
    }
}

#[test]
fn api_key_shows_environment_and_last_four() {
    let key = ApiKey::new(API_KEY).unwrap();
    assert_eq!(key.environment(), Environment::Production);
    assert_hidden(&key, API_KEY, 4);
    assert_eq!(format!("{key:?}"), "ApiKey(Production, …b1a0)");
}

#[test]
fn an_api_key_without_a_known_prefix_is_refused_without_echoing_it() {
    let err = ApiKey::new("pk_test_abcdef123456").unwrap_err();
    assert_eq!(err.field(), "api_key");
    assert!(err.rule().contains("sk_sandbox_") && err.rule().contains("sk_prod_"));
    assert!(!err.to_string().contains("abcdef123456"));
}

#[test]
fn customer_and_webhook_secrets_are_hidden() {
    let secret = CustomerSecret::new(CUSTOMER_SECRET)
        .unwrap()
        .with_expiry("2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap());
    assert_hidden(&secret, CUSTOMER_SECRET, 4);
    assert!(format!("{secret:?}").contains("expires 2026-01-01T00:00:00Z"));
    assert_hidden(
        &WebhookSecret::new(WEBHOOK_SECRET).unwrap(),
        WEBHOOK_SECRET,
        4,
    );
    assert!(CustomerSecret::new("sk_sandbox_x").is_err());
}

#[test]
fn card_data_is_hidden() {
    let pan = CardNumber::new(PAN).unwrap();
    assert_hidden(&pan, PAN, 4);
    assert_eq!(format!("{pan}"), "•••• 1111");
    assert_hidden(&Cvv::new(CVV).unwrap(), CVV, 0);
    assert_hidden(&CardholderName::new(NAME).unwrap(), NAME, 0);
    let err = Cvv::new("12").unwrap_err();
    assert_eq!(err.field(), "cV2");
    assert!(!err.to_string().contains("12"));
    assert!(
        CardNumber::new("4111 1111 1111 1112")
            .unwrap_err()
            .rule()
            .contains("Luhn")
    );
}

#[test]
fn secrets_compare_by_value() {
    assert_eq!(ApiKey::new(API_KEY).unwrap(), ApiKey::new(API_KEY).unwrap());
    assert_ne!(
        WebhookSecret::new("a-secret").unwrap(),
        WebhookSecret::new("b-secret").unwrap()
    );
}
