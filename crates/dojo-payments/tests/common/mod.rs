//! What the `dojo-payments` crate's tests share: an emulator and a client on it.

#![allow(dead_code)]

use std::time::Duration;

use dojo_payments::api_types::{self, CaptureMode};
use dojo_payments::{Dojo, RetryPolicy};
use dojo_payments_emulator::Emulator;
#[allow(unused_imports)] // each test uses some of them
pub use dojo_payments_emulator::testkit::{gbp, good_card};

pub mod lifecycle;

/// Retries quick enough for tests, the defaults' shape otherwise.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        deadline: Duration::from_secs(10),
    }
}

/// An emulator, and a client of both its hosts.
pub async fn dojo() -> (Emulator, Dojo) {
    let emulator = Emulator::builder().seed(7).start().await.unwrap();
    let dojo = client_of(&emulator, quick_retries());
    (emulator, dojo)
}

/// A client of `emulator` with `retry`.
pub fn client_of(emulator: &Emulator, retry: RetryPolicy) -> Dojo {
    builder_of(emulator, retry).build().unwrap()
}

/// A builder of a client of `emulator` with `retry`: for a shared reqwest
/// client, say (each new one costs tens of milliseconds of TLS set-up).
pub fn builder_of(emulator: &Emulator, retry: RetryPolicy) -> dojo_payments::DojoBuilder {
    Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .retry_policy(retry)
}

/// A payment intent of `minor` GBP, paid at checkout by the emulator.
pub async fn paid(
    emulator: &Emulator,
    dojo: &Dojo,
    minor: i64,
    mode: CaptureMode,
) -> api_types::PaymentIntent {
    let intent = dojo
        .payment_intents()
        .create(gbp(minor), "Order 9")
        .capture_mode(mode)
        .send()
        .await
        .unwrap();
    let id = intent.id.clone().unwrap();
    dojo_payments_emulator::testkit::pay(emulator, &id);
    dojo.payment_intents().get(&id).await.unwrap()
}

/// How many calls of `route` the emulator received.
pub fn calls(emulator: &Emulator, route: &str) -> usize {
    emulator.requests().iter().filter(|r| *r == route).count()
}
