//! An outsider's findings, fixed: (1) `cancel()` on
//! a session that no card ever touched (already canceling, canceled, or
//! expired because the customer walked away) answers
//! `Canceling::CardPresented`, "too late: a card was presented, the
//! session goes on", which is false each time; (2) an empty
//! `software-house-id` (the header Dojo requires) was sent as is, and the
//! emulator took it as present. Now a refused cancel reads the session,
//! and both ids are checked before anything is sent.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::{Canceling, Counter, Outcome, WaitPolicy};
use dojo_payments::types::TerminalId;
use dojo_payments::{Delivery, Error, Invalid};
use dojo_payments_emulator::Presentation;

const CREATE: &str = "POST /terminal-sessions";

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

/// Expected: none of these is `CardPresented` (a read of the session
/// after the 422 tells: `CancelRequested`/`Canceled` is the cancel made,
/// `Expired` is over with no card).
#[tokio::test]
async fn a_cancel_of_a_session_no_card_touched_is_never_card_presented() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "sw");
    let mut wrong = Vec::new();
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 9")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    assert!(matches!(
        session.cancel().await.unwrap(),
        Canceling::Requested(_)
    ));
    // The till's operator presses Cancel again.
    if let Canceling::CardPresented(e) = session.cancel().await.unwrap() {
        wrong.push(format!("second cancel: {e}"));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    if let Canceling::CardPresented(e) = session.cancel().await.unwrap() {
        wrong.push(format!("cancel once Canceled: {e}"));
    }
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 9")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    emulator.terminal(&manual()).walk_away().unwrap();
    if let Canceling::CardPresented(e) = session.cancel().await.unwrap() {
        wrong.push(format!("cancel once Expired: {e}"));
    }
    assert!(wrong.is_empty(), "CardPresented with no card: {wrong:#?}");
}

/// Expected: an empty software house id refused before sending (or by
/// the emulator as a missing required header), not a session made.
#[tokio::test]
async fn an_empty_software_house_id_is_not_sent() {
    let (emulator, dojo) = dojo().await;
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 9")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let made = Counter::new(dojo.clone(), "").sale(&manual(), &sale).await;
    assert!(
        made.is_err(),
        "a session was made with `software-house-id: ` (empty): {:?}; creates sent {}",
        made.map(|s| s.id().clone()),
        calls(&emulator, CREATE)
    );
}

/// What a cancel Dojo refuses answers, from a read of the session: a
/// second cancel is `Requested` (the session `CancelRequested`), one once
/// the session is `Canceled` or `Expired` is `Over` with that outcome; a
/// card presented is `CardPresented`.
#[tokio::test]
async fn a_refused_cancel_answers_what_the_session_shows() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "sw");
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 9")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    assert!(matches!(
        session.cancel().await.unwrap(),
        Canceling::Requested(_)
    ));
    let again = session.cancel().await.unwrap();
    let Canceling::Requested(canceling) = again else {
        panic!("a second cancel: {again:?}")
    };
    assert!(matches!(
        canceling
            .outcome(WaitPolicy::within(Duration::from_secs(5)))
            .await
            .unwrap(),
        Outcome::Canceled(_)
    ));
    let late = session.cancel().await.unwrap();
    assert!(
        matches!(late, Canceling::Over(Outcome::Canceled(_))),
        "once Canceled: {late:?}"
    );

    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 9")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    emulator.terminal(&manual()).walk_away().unwrap();
    let gone = session.cancel().await.unwrap();
    assert!(
        matches!(gone, Canceling::Over(Outcome::Expired(_))),
        "once Expired: {gone:?}"
    );

    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 9")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .unwrap();
    match session.cancel().await.unwrap() {
        Canceling::CardPresented(error) => assert_eq!(error.status(), Some(422)),
        other => panic!("a card was presented: {other:?}"),
    }
    let Outcome::SignatureRequired(check) = session.outcome(WaitPolicy::default()).await.unwrap()
    else {
        panic!("a signature check")
    };
    let _ = check.reject().await.unwrap();
}

/// A software-house or reseller id no header should carry (empty, over
/// 256 characters) is refused before anything is sent, by every call of
/// a `Counter::new` and at once by `Counter::try_new`/`try_reseller`,
/// with the crate's typed error naming the header.
#[tokio::test]
async fn a_bad_software_house_or_reseller_id_is_refused_naming_the_header() {
    let (emulator, dojo) = dojo().await;
    let long = "h".repeat(100_000);
    for (house, reseller, header) in [
        ("", None, "software-house-id"),
        (long.as_str(), None, "software-house-id"),
        ("sw", Some(""), "reseller-id"),
        ("sw", Some(long.as_str()), "reseller-id"),
    ] {
        let mut counter = Counter::new(dojo.clone(), house);
        if let Some(reseller) = reseller {
            counter = counter.reseller(reseller);
        }
        let error = counter.terminals().await.expect_err("refused");
        assert_invalid(&error, header);
        let error = match Counter::try_new(dojo.clone(), house) {
            Err(error) => error,
            Ok(counter) => counter
                .try_reseller(reseller.unwrap_or_default())
                .expect_err("refused"),
        };
        assert_invalid(&error, header);
    }
    assert!(
        emulator.requests().iter().all(|r| !r.contains("/terminal")),
        "sent"
    );
    assert!(
        Counter::try_new(dojo.clone(), "sw")
            .and_then(|c| c.try_reseller("rs"))
            .is_ok()
    );
}

fn assert_invalid(error: &Error, header: &str) {
    match error {
        Error::InvalidRequest {
            reason: Invalid::Value(value),
            ..
        } => assert_eq!(value.field(), header, "{error}"),
        other => panic!("not a typed refusal: {other}"),
    }
    assert_eq!(error.delivery(), Delivery::NotSent);
}
