//! An outsider's attack on the journal's side of the counter (split from
//! `outsider_counter_bad_input.rs`, whose counter cases are fixed): a
//! journaled matched refund of more than was captured. Expected: refused
//! with a typed error BEFORE any request is sent (the payment intent
//! lifecycle's own refund does it: `LifecycleRule::RefundExceedsCaptured`).
//! The emulator's request log is the oracle.

mod common;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::Counter;
use dojo_payments::journal::{InMemoryJournal, Journal, Started};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::TerminalId;

const CREATE: &str = "POST /terminal-sessions";

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

#[tokio::test]
async fn the_journal_sends_no_matched_refund_over_the_captured_amount() {
    let (emulator, dojo) = dojo().await;
    let counter = Counter::new(dojo.clone(), "sw-house");
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    let intent = paid(&emulator, &dojo, 2000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&dojo, &id).await.unwrap()
    else {
        panic!("captured");
    };
    let started = journal
        .matched_refund(&counter, "too-much", &manual(), &captured, gbp(5000))
        .await;
    let started = format!("{started:?}");
    assert_eq!(
        calls(&emulator, CREATE),
        0,
        "a £50 refund of a £20 payment was sent: {started}"
    );
    let _ = Started::Unknown(String::new());
}
