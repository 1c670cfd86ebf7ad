//! The URLs the builders take (`redirect_url`, `cancel_url`, a webhook
//! subscription's) are `HttpsUrl`s, or text that is one: a URL that is not
//! https (or http to this machine) is refused by `send` before anything is
//! sent, as `Invalid::Value` naming the field and never the URL.

mod common;

use common::*;
use dojo_payments::api_types::MerchantInitiatedTransactionType;
use dojo_payments::types::{HttpsUrl, WebhookEventName};
use dojo_payments::{Delivery, Error, Invalid};

/// `error` is the refusal of `field`, before sending, not showing the URL.
fn assert_refused(error: &Error, field: &str, url: &str) {
    let Error::InvalidRequest {
        reason: Invalid::Value(value),
        ..
    } = error
    else {
        panic!("not a URL refused before sending: {error:?}");
    };
    assert_eq!(value.field(), field, "{error}");
    assert!(value.rule().starts_with("must"), "{error}");
    assert_eq!(error.delivery(), Delivery::NotSent);
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(url), "the URL is shown: {shown}");
    assert!(!shown.contains("s3cret"), "the URL is shown: {shown}");
}

#[tokio::test]
async fn a_url_off_https_is_refused_before_sending_naming_the_field() {
    let (emulator, dojo) = dojo().await;
    let before = emulator.state_digest();
    for url in [
        "javascript:alert(document.cookie)",
        "http://shop.example/orders/42?token=s3cret",
        "https://someone:s3cret@shop.example/orders/42",
        "/orders/42",
    ] {
        let error = dojo
            .payment_intents()
            .create(gbp(1000), "Order 42")
            .redirect_url(url)
            .send()
            .await
            .unwrap_err();
        assert_refused(&error, "config.redirectUrl", url);

        let error = dojo
            .payment_intents()
            .create(gbp(1000), "Order 42")
            .redirect_url("https://shop.example/orders/42")
            .cancel_url(url.to_owned())
            .created()
            .await
            .unwrap_err();
        assert_refused(&error, "config.cancelUrl", url);

        let error = dojo
            .setup_intents()
            .create(
                "Booking 42",
                "You may be charged for no-shows.",
                MerchantInitiatedTransactionType::NoShow,
            )
            .cancel_url(url.to_owned())
            .send()
            .await
            .unwrap_err();
        assert_refused(&error, "config.cancelUrl", url);

        let error = dojo
            .webhooks()
            .subscribe(url, [WebhookEventName::PaymentIntentCreated])
            .send()
            .await
            .unwrap_err();
        assert_refused(&error, "url", url);
    }
    assert_eq!(
        emulator.state_digest(),
        before,
        "nothing reached the emulator"
    );
}

#[tokio::test]
async fn https_and_loopback_http_are_sent_as_given() {
    let (_emulator, dojo) = dojo().await;
    let back = HttpsUrl::new("https://shop.example/orders/42").unwrap();
    let created = dojo
        .payment_intents()
        .create(gbp(1000), "Order 42")
        .redirect_url(back.clone())
        .cancel_url("http://127.0.0.1:3000/orders/42?canceled=true")
        .send()
        .await
        .unwrap();
    let config = created.config.unwrap();
    assert_eq!(config.redirect_url.as_deref(), Some(back.as_str()));
    assert_eq!(
        config.cancel_url.as_deref(),
        Some("http://127.0.0.1:3000/orders/42?canceled=true")
    );

    let setup = dojo
        .setup_intents()
        .create(
            "Booking 42",
            "You may be charged for no-shows.",
            MerchantInitiatedTransactionType::NoShow,
        )
        .redirect_url(String::from("http://localhost:3000/bookings/42"))
        .cancel_url(back)
        .send()
        .await;
    assert!(setup.is_ok(), "{setup:?}");
}

#[tokio::test]
async fn the_first_refused_url_is_the_one_reported() {
    let (_emulator, dojo) = dojo().await;
    let error = dojo
        .payment_intents()
        .create(gbp(1000), "Order 42")
        .cancel_url("ftp://shop.example/")
        .redirect_url("javascript:void(0)")
        .send()
        .await
        .unwrap_err();
    assert_refused(&error, "config.cancelUrl", "ftp://shop.example/");
}
