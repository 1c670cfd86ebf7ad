//! The README's error `match` (`after_failure`, in `readme_errors/`), held
//! to the README word for word and run against the emulator's faults: each
//! error answers did money move, should it be sent again and when, and what
//! the customer may be told, and names the location it was made for,
//! without a secret in its `Display` or `Debug`.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::lifecycle::payment_intent::Authorized;
use dojo_payments::types::{ApiKey, LocationId};
use dojo_payments::{
    CustomerReason, Delivery, Dojo, Error, ErrorKind, Location, Locations, Outcome, RetryAdvice,
    RetryPolicy, SettlementPolicy,
};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault};

include!("readme_errors/after_failure.rs");

const GET: &str = "GET /payment-intents/{paymentIntentId}";
const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
const CHARGE: &str = "POST /payment-intents/{paymentIntentId}/charge";

/// What every error must hold to, whatever it is: a customer message that
/// is one of the SDK's own sentences (never Dojo's text, an id or a key),
/// and no secret in its `Display` or `Debug`.
fn safe(error: &Error, secrets: &[&str]) {
    let message = error.customer_message();
    assert_eq!(message, error.customer_reason().message());
    assert_eq!(message, error.customer_reason().to_string());
    for shown in [error.to_string(), format!("{error:?}"), message.to_owned()] {
        for secret in secrets {
            assert!(!shown.contains(secret), "a secret in {shown}");
        }
    }
    for dojo_s in [error.operation(), "trace", "pi_", "Dojo"] {
        assert!(!message.contains(dojo_s), "{dojo_s:?} in {message}");
    }
}

fn key(name: &str) -> ApiKey {
    ApiKey::new(format!("sk_sandbox_{name}_0123456789abcdef")).unwrap()
}

fn id(name: &str) -> LocationId {
    name.parse().unwrap()
}

#[test]
fn the_readme_shows_the_match_this_test_runs() {
    let readme = include_str!("../../../README.md");
    let snippet = include_str!("readme_errors/after_failure.rs");
    assert!(
        readme.contains(snippet),
        "README.md's `after_failure` differs from tests/readme_errors/after_failure.rs: \
         change both"
    );
}

#[tokio::test]
async fn another_location_s_intent_is_not_found_there_and_the_error_names_the_location() {
    let emulator = Emulator::builder()
        .seed(31)
        .location(id("soho"), key("soho"))
        .location(id("camden"), key("camden"))
        .start()
        .await
        .unwrap();
    let mut locations = Locations::default();
    locations.insert(Location::new(id("soho"), key("soho")));
    locations.insert(Location::new(id("camden"), key("camden")));
    let platform = builder_of(&emulator, quick_retries())
        .locations(locations)
        .build()
        .unwrap();
    let soho = platform.location(&id("soho")).unwrap();
    let camden = platform.location(&id("camden")).unwrap();
    let intent = soho
        .payment_intents()
        .create(gbp(1250), "Flat white")
        .send()
        .await
        .unwrap();

    let error = camden
        .payment_intents()
        .get(intent.id.as_ref().unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert!(error.is_not_found());
    assert_eq!(error.status(), Some(404), "still Dojo's answer");
    assert_eq!(error.location(), Some(&id("camden")));
    assert!(error.to_string().contains("(location camden)"), "{error}");
    assert_eq!(error.delivery(), Delivery::Refused);
    assert_eq!(error.retry_advice(), RetryAdvice::Never);
    assert_eq!(error.customer_reason(), CustomerReason::NotFound);
    assert_eq!(
        after_failure(&camden, &error).await,
        format!(
            "not found for location camden: {}",
            CustomerReason::NotFound.message()
        )
    );
    safe(&error, &["0123456789abcdef"]);
}

#[tokio::test]
async fn a_429_keeps_dojo_s_retry_after_on_the_error() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let before = calls(&emulator, GET);
    // Longer than the test policy honours (2 s): the SDK gives up at once,
    // and the caller learns when Dojo will take it.
    let limited = Fault::Answer {
        acted: false,
        answer: BadAnswer::Status {
            status: 429,
            retry_after: Some(7),
        },
    };
    emulator.inject_fault(GET, limited, 1).unwrap();
    let error = dojo
        .payment_intents()
        .get(intent.id.as_ref().unwrap())
        .await
        .unwrap_err();
    assert_eq!(calls(&emulator, GET) - before, 1, "not retried: {error}");
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(
        error.retry_advice(),
        RetryAdvice::After(Duration::from_secs(7))
    );
    assert_eq!(error.customer_reason(), CustomerReason::TryAgainLater);
    assert_eq!(error.location(), Some(&LocationId::default()));
    assert!(
        after_failure(&dojo, &error)
            .await
            .starts_with("send it again in 7s: ")
    );
    safe(&error, &[emulator.api_key().expose()]);
}

#[tokio::test]
async fn a_refused_charge_of_a_saved_card_is_declined() {
    let (emulator, dojo) = dojo().await;
    let intent = dojo
        .payment_intents()
        .create(gbp(1000), "No-show fee")
        .send()
        .await
        .unwrap();
    emulator.inject_fault(CHARGE, Fault::fail(403), 1).unwrap();
    let error = dojo.payment_intents().charge(&intent).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Declined, "{error}");
    assert_eq!(
        error.delivery(),
        Delivery::Refused,
        "the document lists 403"
    );
    assert_eq!(error.retry_advice(), RetryAdvice::Never);
    assert_eq!(error.customer_reason(), CustomerReason::Declined);
    assert_eq!(
        after_failure(&dojo, &error).await,
        format!(
            "not again (Declined): {}",
            CustomerReason::Declined.message()
        )
    );
    safe(&error, &[emulator.api_key().expose()]);
}

#[tokio::test]
async fn a_refund_that_may_have_been_made_is_sent_again_with_its_key_and_made_once() {
    let emulator = Emulator::builder().seed(7).start().await.unwrap();
    let dojo = client_of(&emulator, RetryPolicy::none());
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    emulator
        .inject_fault(REFUNDS, Fault::drop_after_commit(), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .refund(&id, gbp(300))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.delivery(), Delivery::MaybeApplied, "{error}");
    let RetryAdvice::SameKey { key, after: None } = error.retry_advice() else {
        panic!("{:?} for {error}", error.retry_advice());
    };
    assert_eq!(Some(&key), error.idempotency_key());
    assert_eq!(error.customer_reason(), CustomerReason::Confirming);
    assert!(
        after_failure(&dojo, &error)
            .await
            .starts_with(&format!("send it again with key {key}: "))
    );
    safe(&error, &[emulator.api_key().expose()]);
    let again = dojo
        .payment_intents()
        .refund(&id, gbp(300))
        .idempotency_key(key)
        .send()
        .await
        .unwrap();
    assert!(again.refund.refund_id.is_some());
    assert_eq!(emulator.refund_count(&id), 1, "one refund, never two");
}

#[tokio::test]
async fn a_capture_made_and_answered_500_is_done_and_not_sent_again() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::fail_after_commit(500), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Interrupted {
                outcome: Outcome::Applied(_),
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.delivery(), Delivery::Applied);
    assert_eq!(error.retry_advice(), RetryAdvice::Never);
    assert_eq!(error.customer_reason(), CustomerReason::Completed);
    assert_eq!(error.kind(), ErrorKind::Unavailable, "what Dojo answered");
    assert_eq!(error.location(), Some(&LocationId::default()));
    assert!(after_failure(&dojo, &error).await.starts_with("done: "));
    safe(&error, &[emulator.api_key().expose()]);
}

/// The match the README stopped teaching missed this one: the capture was
/// made, and only the read after it failed.
#[tokio::test]
async fn an_unexpected_answer_is_done_and_not_sent_again() {
    let (emulator, dojo) = dojo().await;
    let created = dojo
        .payment_intents()
        .create(gbp(1000), "Room 12")
        .capture_mode(CaptureMode::Manual)
        .created()
        .await
        .unwrap();
    emulator.pay(created.id(), &good_card(), false).unwrap();
    let authorized = created.refresh_as::<Authorized>(&dojo).await.unwrap();
    emulator.inject_fault(GET, Fault::fail(500), 10).unwrap();
    let error = authorized.capture(&dojo, gbp(400)).await.unwrap_err();
    emulator.clear_faults();
    assert!(matches!(error, Error::UnexpectedAnswer { .. }), "{error}");
    assert_eq!(error.delivery(), Delivery::Applied);
    assert_eq!(error.retry_advice(), RetryAdvice::Never);
    assert_eq!(error.customer_reason(), CustomerReason::Completed);
    assert_eq!(error.location(), Some(&LocationId::default()), "the read's");
    assert!(after_failure(&dojo, &error).await.starts_with("done: "));
    safe(&error, &[emulator.api_key().expose()]);
}

#[tokio::test]
async fn a_capture_whose_answer_was_lost_is_settled_first() {
    let emulator = Emulator::builder().seed(7).start().await.unwrap();
    let dojo = builder_of(
        &emulator,
        RetryPolicy {
            deadline: Duration::from_secs(1),
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: Duration::from_millis(100),
        read_lag: Duration::from_millis(100),
    })
    .build()
    .unwrap();
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Manual).await;
    emulator
        .inject_fault(CAPTURES, Fault::drop_before_commit(), 1)
        .unwrap();
    let error = dojo
        .payment_intents()
        .capture(&intent, gbp(400))
        .await
        .unwrap_err();
    assert_eq!(error.delivery(), Delivery::MaybeApplied, "{error}");
    assert!(error.unsettled().is_some());
    assert_eq!(error.retry_advice(), RetryAdvice::SettleFirst);
    assert_eq!(error.customer_reason(), CustomerReason::Confirming);
    assert_eq!(error.kind(), ErrorKind::NoAnswer);
    assert_eq!(
        after_failure(&dojo, &error).await,
        "not done, as reads show: send it again"
    );
    safe(&error, &[emulator.api_key().expose()]);
}

#[tokio::test]
async fn a_call_that_never_left_is_sent_again_now_and_names_its_location() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let secret = key("nowhere");
    let nowhere = Dojo::builder(secret.clone())
        .api_url(url)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let id = "pi_sandbox_1".parse().unwrap();
    let error = nowhere.payment_intents().get(&id).await.unwrap_err();
    assert_eq!(error.delivery(), Delivery::NotSent, "{error}");
    assert_eq!(error.kind(), ErrorKind::NoAnswer);
    assert_eq!(error.retry_advice(), RetryAdvice::Now);
    assert_eq!(error.customer_reason(), CustomerReason::TryAgainLater);
    assert!(error.to_string().ends_with("(location default)"), "{error}");
    assert!(
        after_failure(&nowhere, &error)
            .await
            .starts_with("send it again: ")
    );
    safe(&error, &[secret.expose()]);
}

#[tokio::test]
async fn a_read_whose_answer_does_not_decode_is_not_sent_again() {
    let (emulator, dojo) = dojo().await;
    let intent = paid(&emulator, &dojo, 1000, CaptureMode::Auto).await;
    let undecodable = Fault::Answer {
        acted: false,
        answer: BadAnswer::Undecodable,
    };
    emulator.inject_fault(GET, undecodable, 1).unwrap();
    let error = dojo
        .payment_intents()
        .get(intent.id.as_ref().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error}");
    assert_eq!(error.kind(), ErrorKind::Unexpected);
    assert_eq!(
        error.retry_advice(),
        RetryAdvice::Never,
        "it would not decode again"
    );
    assert_eq!(error.customer_reason(), CustomerReason::ContactMerchant);
    assert_eq!(error.location(), Some(&LocationId::default()));
    safe(&error, &[emulator.api_key().expose()]);
}

#[tokio::test]
async fn a_request_refused_before_sending_is_never_sent_again() {
    let (emulator, dojo) = dojo().await;
    let error = dojo
        .payment_intents()
        .create(gbp(100), "")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error}");
    assert_eq!(
        error.location(),
        Some(&LocationId::default()),
        "refused by the send path's check"
    );
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert_eq!(error.retry_advice(), RetryAdvice::Never);
    assert_eq!(error.customer_reason(), CustomerReason::ContactMerchant);
    assert!(
        after_failure(&dojo, &error)
            .await
            .starts_with("not again (Invalid): ")
    );
    safe(&error, &[emulator.api_key().expose()]);
}
