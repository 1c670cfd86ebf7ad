//! What the journal's process tests share (`journal_crashes`, `journal_skew`,
//! `journal_soak`): money, a paid intent, and the worker process.

#![allow(dead_code)] // each test uses some of it

use std::process::{Command, Stdio};
use std::time::Duration;

use dojo_payments::Dojo;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::types::PaymentIntentId;
use dojo_payments_emulator::Emulator;
pub use dojo_payments_emulator::testkit::{gbp, pay};

/// A payment intent of 10.00 GBP in `mode`, paid at checkout.
pub async fn paid(dojo: &Dojo, emulator: &Emulator, mode: CaptureMode) -> PaymentIntentId {
    let intent = dojo
        .payment_intents()
        .create(gbp(1000), "Order")
        .capture_mode(mode)
        .created()
        .await
        .unwrap();
    pay(emulator, intent.id());
    intent.id().clone()
}

/// The journal worker (`src/bin/journal_worker.rs`) on `emulator` and the
/// journal at `db`, running `args`, its calls bounded by `deadline` and
/// its journal's in-flight window `window` (short, so that a killed
/// worker's entry is soon stale for the next); its output piped.
pub fn worker(
    emulator: &Emulator,
    db: &str,
    args: &[&str],
    deadline: Duration,
    window: Duration,
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_journal_worker"));
    command
        .args(args)
        .env("DOJO_API_KEY", emulator.api_key().expose())
        .env("DOJO_API_URL", emulator.api_url())
        .env("JOURNAL_URL", db)
        .env("DOJO_DEADLINE_MS", deadline.as_millis().to_string())
        .env("JOURNAL_IN_FLIGHT_MS", window.as_millis().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}
