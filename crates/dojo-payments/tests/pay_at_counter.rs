//! A till at the counter, in typed code, against the emulated terminal:
//! sell (approved), declined, a signature accepted and rejected, cancel
//! (before a card, and too late), refunds (matched and unlinked), and the
//! stream of what the till shows on an `auto` terminal that pays on its own.

mod common;

use std::time::Duration;

use common::{dojo, gbp, good_card};
use dojo_payments::Dojo;
use dojo_payments::api_types::{CaptureMode, TerminalSessionStatus as Status};
use dojo_payments::counter::{Canceling, Counter, Outcome, SessionUpdate, WaitPolicy};
use dojo_payments::lifecycle::payment_intent::{AnyPaymentIntent, Created, PaymentIntent};
use dojo_payments::types::{Open, TerminalId};
use dojo_payments_emulator::testkit::declined_card;
use dojo_payments_emulator::{Emulator, Presentation};
use futures_util::StreamExt;

/// Quick reads for a test on the emulator's real-time clock.
fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(10))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

/// The emulator's terminal that moves only when told.
fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

async fn intent(dojo: &Dojo, minor: i64, mode: CaptureMode) -> PaymentIntent<Created> {
    dojo.payment_intents()
        .create(gbp(minor), "Counter")
        .capture_mode(mode)
        .created()
        .await
        .expect("created")
}

fn terminal<'e>(
    emulator: &'e Emulator,
    id: &'e TerminalId,
) -> dojo_payments_emulator::EmulatedTerminal<'e> {
    emulator.terminal(id)
}

#[tokio::test]
async fn a_till_sells_and_is_declined() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "my-epos").reseller("my-reseller");
    let till = manual();

    let sale = intent(&dojo, 1250, CaptureMode::Auto).await;
    let session = counter.sale(&till, &sale).await.expect("started");
    terminal(&emulator, &till)
        .present_card(&good_card())
        .expect("presented");
    match session.outcome(quick()).await.expect("read") {
        Outcome::Captured(done) => {
            assert!(done.payment_details().is_some());
            match done.payment_intent().await.expect("read") {
                Some(AnyPaymentIntent::Captured(paid)) => assert_eq!(paid.id(), sale.id()),
                other => panic!("the sale's intent: {other:?}"),
            }
        }
        other => panic!("expected Captured, got {other:?}"),
    }

    // A Manual sale is authorized, and captured through its intent.
    let deposit = intent(&dojo, 5000, CaptureMode::Manual).await;
    let session = counter.sale(&till, &deposit).await.expect("started");
    terminal(&emulator, &till)
        .present(&good_card(), Presentation::Contactless)
        .expect("tapped");
    let Outcome::Authorized(done) = session.outcome(quick()).await.expect("read") else {
        panic!("expected Authorized");
    };
    let Some(AnyPaymentIntent::Authorized(authorized)) = done.payment_intent().await.expect("read")
    else {
        panic!("expected an authorized intent");
    };
    authorized
        .capture(&dojo, gbp(4000))
        .await
        .expect("captured");

    let sale = intent(&dojo, 900, CaptureMode::Auto).await;
    let session = counter.sale(&till, &sale).await.expect("started");
    terminal(&emulator, &till)
        .present_card(&declined_card())
        .expect("presented");
    assert!(matches!(
        session.outcome(quick()).await,
        Ok(Outcome::Declined(_))
    ));
    assert!(matches!(
        sale.refresh(&dojo).await,
        Ok(AnyPaymentIntent::Created(_))
    ));
}

#[tokio::test]
async fn a_signature_accepted_and_one_rejected() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "my-epos");
    let till = manual();

    let sale = intent(&dojo, 1250, CaptureMode::Auto).await;
    let session = counter.sale(&till, &sale).await.expect("started");
    terminal(&emulator, &till)
        .present(&good_card(), Presentation::Swipe)
        .expect("swiped");
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.expect("read") else {
        panic!("expected a signature check");
    };
    let by = check.respond_by().expect("expireAt");
    let left = (by - emulator.now()).num_seconds();
    assert!(
        (70..=80).contains(&left),
        "80 s to answer, less the reads: {left}"
    );
    let accepted = check.accept().await.expect("answered");
    assert_eq!(
        accepted.status(),
        &Open::Known(Status::SignatureVerificationAccepted)
    );
    assert!(matches!(
        accepted.outcome(quick()).await,
        Ok(Outcome::Captured(_))
    ));

    let sale = intent(&dojo, 1250, CaptureMode::Auto).await;
    let session = counter.sale(&till, &sale).await.expect("started");
    terminal(&emulator, &till)
        .present(&good_card(), Presentation::Swipe)
        .expect("swiped");
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.expect("read") else {
        panic!("expected a signature check");
    };
    let rejected = check.reject().await.expect("answered");
    assert_eq!(
        rejected.status(),
        &Open::Known(Status::SignatureVerificationRejected)
    );
    assert!(matches!(
        rejected.payment_intent().await,
        Ok(Some(AnyPaymentIntent::Reversed(_)))
    ));
}

#[tokio::test]
async fn cancel_before_a_card_and_too_late_after() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "my-epos");
    let till = manual();

    let sale = intent(&dojo, 1250, CaptureMode::Auto).await;
    let session = counter.sale(&till, &sale).await.expect("started");
    let Canceling::Requested(canceling) = session.cancel().await.expect("answered") else {
        panic!("a session with no card is canceled");
    };
    assert!(matches!(
        canceling.outcome(quick()).await,
        Ok(Outcome::Canceled(_))
    ));

    let session = counter.sale(&till, &sale).await.expect("started again");
    terminal(&emulator, &till)
        .present(&good_card(), Presentation::Swipe)
        .expect("swiped");
    match session.cancel().await.expect("answered") {
        Canceling::CardPresented(error) => assert_eq!(error.status(), Some(422)),
        other => panic!("a card was presented: too late, not {other:?}"),
    }
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.expect("read") else {
        panic!("expected a signature check");
    };
    let _ = check.reject().await.expect("answered");
}

#[tokio::test]
async fn refunds_matched_and_unlinked() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "my-epos");
    let till = manual();

    let sale = intent(&dojo, 2000, CaptureMode::Auto).await;
    let session = counter.sale(&till, &sale).await.expect("started");
    terminal(&emulator, &till)
        .present_card(&good_card())
        .expect("presented");
    let Outcome::Captured(done) = session.outcome(quick()).await.expect("read") else {
        panic!("expected Captured");
    };
    let Some(AnyPaymentIntent::Captured(paid)) = done.payment_intent().await.expect("read") else {
        panic!("expected a captured intent");
    };

    let refund = counter
        .matched_refund(&till, &paid, Some(gbp(500)))
        .await
        .expect("started");
    terminal(&emulator, &till)
        .present_card(&good_card())
        .expect("presented");
    assert!(matches!(
        refund.outcome(quick()).await,
        Ok(Outcome::Captured(_))
    ));
    let Ok(AnyPaymentIntent::Refunded(refunded)) = paid.refresh(&dojo).await else {
        panic!("expected Refunded");
    };
    assert_eq!(refunded.data().refunded_amount, Some(500));

    let unlinked = counter
        .unlinked_refund(&till, gbp(300), false)
        .await
        .expect("started");
    terminal(&emulator, &till)
        .present_card(&good_card())
        .expect("keyed");
    match unlinked.outcome(quick()).await.expect("read") {
        Outcome::Captured(done) => assert!(done.payment_intent_id().is_none()),
        other => panic!("expected Captured, got {other:?}"),
    }
}

#[tokio::test]
async fn an_auto_terminal_pays_on_its_own_and_the_till_sees_each_step() {
    let (_emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "my-epos");
    let Some(till) = counter.available_terminal().await.expect("listed") else {
        panic!("the emulator has available terminals");
    };
    assert!(till.is_available());
    let sale = intent(&dojo, 1250, CaptureMode::Auto).await;
    let session = counter.sale(till.id(), &sale).await.expect("started");
    let updates: Vec<SessionUpdate> = session
        .updates(quick())
        .map(|update| update.expect("read"))
        .collect()
        .await;
    let shown: Vec<String> = updates.iter().map(SessionUpdate::till_message).collect();
    assert_eq!(
        shown,
        [
            "Sending to the terminal…",
            "On the terminal",
            "Present card",
            "Please wait",
            "Enter PIN",
            "Please wait",
            "Remove card",
            "Approved",
            "Paid",
        ]
    );
    let outcome = session.outcome(quick()).await.expect("read");
    assert!(matches!(outcome, Outcome::Captured(_)));
    // Read after the fact (a page drawn again), the same lines in the same order.
    assert_eq!(counter.history(&outcome), updates);
    let terminals = counter.terminals().await.expect("listed");
    assert_eq!(terminals.len(), 3);
}

#[tokio::test]
async fn a_customer_who_walks_away_and_a_read_that_fails_once() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "my-epos");
    let till = manual();

    let sale = intent(&dojo, 1250, CaptureMode::Auto).await;
    let session = counter.sale(&till, &sale).await.expect("started");
    terminal(&emulator, &till).walk_away().expect("walked away");
    // A read answered 503 once: the SDK reads again (a read is safe to
    // repeat), and the till still learns the outcome.
    emulator
        .inject_fault(
            "GET /terminal-sessions/{terminalSessionId}",
            dojo_payments_emulator::Fault::fail(503),
            1,
        )
        .expect("armed");
    match session.outcome(quick()).await.expect("read") {
        Outcome::Expired(done) => assert!(done.expire_at().is_some()),
        other => panic!("expected Expired, got {other:?}"),
    }
    assert!(matches!(
        sale.refresh(&dojo).await,
        Ok(AnyPaymentIntent::Created(_))
    ));

    // Nothing happens before the deadline: still in progress, typed so.
    let session = counter.sale(&till, &sale).await.expect("started");
    let short = WaitPolicy::within(Duration::from_millis(300))
        .polling(Duration::from_millis(50), Duration::from_millis(50));
    let Outcome::InProgress(waiting) = session.outcome(short).await.expect("read") else {
        panic!("nobody presented a card yet");
    };
    assert!(matches!(
        waiting.cancel().await,
        Ok(Canceling::Requested(_))
    ));
}

/// A till's futures can be spawned on a multi-threaded runtime.
#[allow(dead_code, clippy::let_underscore_future)]
fn the_counter_futures_are_send(
    counter: &Counter,
    terminal: &TerminalId,
    intent: &PaymentIntent<Created>,
    session: dojo_payments::counter::TerminalSession<dojo_payments::counter::InProgress>,
    check: dojo_payments::counter::TerminalSession<dojo_payments::counter::SignatureRequired>,
) {
    fn send<T: Send>(_: T) {}
    send(counter.available_terminal());
    send(counter.terminals());
    send(counter.sale(terminal, intent));
    send(counter.unlinked_refund(terminal, gbp(1), true));
    send(session.cancel());
    send(session.refresh());
    send(session.updates(WaitPolicy::default()));
    send(session.outcome(WaitPolicy::default()));
    send(check.clone().accept());
    send(check.reject());
}
