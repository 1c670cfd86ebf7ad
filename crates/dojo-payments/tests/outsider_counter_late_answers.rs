//! An outsider's finding, fixed: accepting a signature after Dojo's 80 s
//! was an error that said nothing moved (`Delivery::Refused`, Dojo's 422),
//! though Dojo had accepted it itself and the payment was captured. Now a
//! 422 to an answer is settled by a read of the session.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus, TerminalSessionStatus};
use dojo_payments::counter::{Counter, Outcome, WaitPolicy};
use dojo_payments::types::{Open, TerminalId};
use dojo_payments_emulator::{Emulator, Presentation};

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(3))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

/// The operator answers the signature check after Dojo's 80 s: Dojo has
/// accepted it itself, the payment is captured. `accept()` answers an
/// error whose delivery is `Refused` ("nothing was done", `moved_nothing`
/// true), so a till following the error's advice believes the customer
/// did not pay. Expected: `accept()` reads the session (as it does for a
/// resend's 422) and answers it accepted, or at least an error that does
/// not claim nothing moved.
#[tokio::test]
async fn accepting_after_80_seconds_does_not_say_nothing_moved() {
    let emulator = Emulator::builder()
        .seed(1)
        .manual_clock("2026-03-02T10:00:00Z".parse().unwrap())
        .start()
        .await
        .unwrap();
    let dojo = client_of(&emulator, quick_retries());
    let counter = Counter::new(dojo.clone(), "sw");
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 4")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .unwrap();
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.unwrap() else {
        panic!("expected a signature check")
    };
    emulator
        .advance_clock(chrono::Duration::seconds(81))
        .unwrap();
    let answer = check.accept().await;
    assert_eq!(
        emulator.payment_intent(sale.id()).unwrap().status,
        Some(Open::Known(PaymentIntentStatus::Captured)),
        "Dojo accepted the signature itself"
    );
    if let Err(error) = &answer {
        assert!(
            !error.delivery().moved_nothing(),
            "accept after 80 s: {error} — delivery {:?} says nothing moved, but the customer paid",
            error.delivery()
        );
    }
    // The read answers it: the session Dojo accepted, paid.
    let accepted = answer.expect("the read after the 422 shows the signature accepted");
    assert!(matches!(
        accepted.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
}

/// A reject after Dojo's 80 s: Dojo accepted the signature itself, so the
/// reject reverses nothing. Its 422 stands (`Refused`: this reject did
/// nothing, and the read does not contradict that: the session is paid,
/// not rejected), and the sale stays Captured.
#[tokio::test]
async fn rejecting_after_80_seconds_is_refused_and_the_sale_stays_paid() {
    let emulator = Emulator::builder()
        .seed(2)
        .manual_clock("2026-03-02T10:00:00Z".parse().unwrap())
        .start()
        .await
        .unwrap();
    let dojo = client_of(&emulator, quick_retries());
    let counter = Counter::new(dojo.clone(), "sw");
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 5")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    let id = session.id().clone();
    emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .unwrap();
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.unwrap() else {
        panic!("expected a signature check")
    };
    emulator
        .advance_clock(chrono::Duration::seconds(81))
        .unwrap();
    let error = check.reject().await.expect_err("too late to reject");
    assert_eq!(error.status(), Some(422), "{error}");
    assert_eq!(
        emulator.payment_intent(sale.id()).unwrap().status,
        Some(Open::Known(PaymentIntentStatus::Captured)),
        "nothing reversed"
    );
    assert!(matches!(
        counter.session(&id).await.unwrap(),
        Outcome::Captured(_)
    ));
}

/// An accept whose 422 a read does not contradict stays the refusal: the
/// check was rejected already (another page of the till answered it), so
/// the read shows `SignatureVerificationRejected`, not the accept; the
/// error is Dojo's 422, `Refused`, and nothing is paid.
#[tokio::test]
async fn an_accept_of_a_session_not_paid_stays_the_refusal() {
    let emulator = Emulator::builder()
        .seed(3)
        .manual_clock("2026-03-02T10:00:00Z".parse().unwrap())
        .start()
        .await
        .unwrap();
    let dojo = client_of(&emulator, quick_retries());
    let counter = Counter::new(dojo.clone(), "sw");
    let sale = dojo
        .payment_intents()
        .create(gbp(1000), "Table 6")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap();
    let session = counter.sale(&manual(), &sale).await.unwrap();
    emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .unwrap();
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.unwrap() else {
        panic!("expected a signature check")
    };
    // The same check answered twice: the second is refused, and the read
    // shows the first answer's way (rejected), not the second's.
    let rejected = check.clone().reject().await.expect("rejected");
    assert_eq!(
        rejected.status(),
        &Open::Known(TerminalSessionStatus::SignatureVerificationRejected)
    );
    let error = check.accept().await.expect_err("rejected already");
    assert_eq!(error.status(), Some(422), "{error}");
    assert!(error.delivery().moved_nothing(), "{:?}", error.delivery());
    assert_ne!(
        emulator.payment_intent(sale.id()).unwrap().status,
        Some(Open::Known(PaymentIntentStatus::Captured))
    );
}
