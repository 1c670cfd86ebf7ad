//! What the lifecycle tests share: an emulator on a manual clock, a refusal
//! that sent nothing, and payment intents brought to a state.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use dojo_payments::api_types::CaptureMode;
use dojo_payments::lifecycle::LifecycleRule;
use dojo_payments::lifecycle::payment_intent::{
    AnyPaymentIntent, Authorized, Captured, PaymentIntent,
};
use dojo_payments::{Dojo, Error, Invalid};
use dojo_payments_emulator::Emulator;

use super::{gbp, good_card, quick_retries};

/// An emulator on a manual clock (a Monday, 10:00 UTC) and a client whose
/// clock is the emulator's.
pub async fn on_a_manual_clock() -> (Arc<Emulator>, Dojo) {
    let emulator = Emulator::builder()
        .manual_clock(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap())
        .start()
        .await
        .unwrap();
    let emulator = Arc::new(emulator);
    let clock = emulator.clone();
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .retry_policy(quick_retries())
        .clock(move || clock.now())
        .build()
        .unwrap();
    (emulator, dojo)
}

/// `result` is refused by `rule`, and the emulator received nothing for it.
pub fn refused<T: std::fmt::Debug>(
    emulator: &Emulator,
    before: usize,
    result: dojo_payments::Result<T>,
    rule: LifecycleRule,
) {
    match result {
        Err(Error::InvalidRequest {
            reason: Invalid::Lifecycle(actual),
            ..
        }) => assert_eq!(actual, rule),
        other => panic!("expected a refusal by {rule:?}, got {other:?}"),
    }
    assert_eq!(
        emulator.requests().len(),
        before,
        "a refused call sent a request"
    );
}

/// A manual payment intent of `minor` pence, paid: authorized.
pub async fn authorized(emulator: &Emulator, dojo: &Dojo, minor: i64) -> PaymentIntent<Authorized> {
    let created = dojo
        .payment_intents()
        .create(gbp(minor), "Deposit")
        .capture_mode(CaptureMode::Manual)
        .created()
        .await
        .unwrap();
    emulator.pay(created.id(), &good_card(), false).unwrap();
    match created.refresh(dojo).await.unwrap() {
        AnyPaymentIntent::Authorized(intent) => intent,
        other => panic!("{other:?}"),
    }
}

/// An automatic payment intent of `minor` pence, paid: captured.
pub async fn captured_auto(
    emulator: &Emulator,
    dojo: &Dojo,
    minor: i64,
) -> PaymentIntent<Captured> {
    let created = dojo
        .payment_intents()
        .create(gbp(minor), "Shop")
        .created()
        .await
        .unwrap();
    emulator.pay(created.id(), &good_card(), false).unwrap();
    match created.refresh(dojo).await.unwrap() {
        AnyPaymentIntent::Captured(intent) => intent,
        other => panic!("{other:?}"),
    }
}
