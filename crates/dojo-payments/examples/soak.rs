//! A fault soak: `cargo run -p dojo-payments --example soak --release [calls] [seed]`.
//!
//! Money-moving calls (captures, refunds, reversals, charges), each on a
//! fresh payment intent, with faults injected at random by the emulator:
//! dropped connections before and after its change commits, 5xx bursts,
//! timeouts, 429 with `Retry-After`, and drops whose follow-up read fails
//! too. Then an audit from the emulator's own state: no capture, refund,
//! reversal or charge applied twice, and every outcome the SDK reported
//! (`Applied`, `NotApplied`, `Unknown`) true. A short run is part of the
//! test suite (`tests/soak.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use dojo_payments::api_types::{
    CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus,
};
use dojo_payments::types::{Open, PaymentIntentId};
use dojo_payments::{Delivery, Dojo, RetryPolicy};
use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, gbp};
use dojo_payments_emulator::{BadAnswer, Card, Emulator, Fault};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const OPS: [&str; 4] = ["capture", "refund", "reversal", "charge"];

/// What the SDK said happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reported {
    /// The call succeeded, or a read confirmed it applied.
    Applied,
    /// It failed, and nothing was applied (an answer said so, it never left,
    /// or a read confirmed it).
    NotApplied,
    /// The SDK said it could not tell.
    Unknown,
}

/// The counts of a soak.
#[derive(Debug, Default)]
pub struct Audit {
    /// Calls made.
    pub calls: usize,
    /// By operation and reported outcome.
    pub outcomes: BTreeMap<(&'static str, Reported), usize>,
    /// By fault injected.
    pub faults: BTreeMap<&'static str, usize>,
    /// Changes applied more than once (must be 0).
    pub applied_twice: usize,
    /// Outcomes reported that the emulator's state contradicts (must be 0).
    pub wrong_reports: Vec<String>,
}

fn route(op: &str) -> &'static str {
    match op {
        "capture" => "POST /payment-intents/{paymentIntentId}/captures",
        "refund" => "POST /payment-intents/{paymentIntentId}/refunds",
        "reversal" => "POST /payment-intents/{paymentIntentId}/reversal",
        _ => "POST /payment-intents/{paymentIntentId}/charge",
    }
}

/// Arms one random fault on `op`'s route; returns its name.
fn arm(
    emulator: &Emulator,
    op: &str,
    rng: &mut fastrand::Rng,
) -> std::result::Result<&'static str, dojo_payments_emulator::FaultError> {
    let route = route(op);
    Ok(match rng.u8(0..8) {
        0 | 1 => "none",
        2 => {
            emulator.inject_fault(route, Fault::drop_before_commit(), 1)?;
            "drop before commit"
        }
        3 => {
            emulator.inject_fault(route, Fault::drop_after_commit(), 1)?;
            "drop after commit"
        }
        4 => {
            emulator.inject_fault(route, Fault::fail(503), rng.usize(1..4))?;
            "5xx burst"
        }
        5 => {
            emulator.inject_fault(route, Fault::Latency(Duration::from_millis(400)), 1)?;
            "timeout"
        }
        6 => {
            emulator.inject_fault(
                route,
                Fault::Answer {
                    acted: false,
                    answer: BadAnswer::Status {
                        status: 429,
                        retry_after: Some(0),
                    },
                },
                1,
            )?;
            "429 with Retry-After"
        }
        _ => {
            emulator.inject_fault(route, Fault::drop_after_commit(), 1)?;
            emulator.inject_fault(
                "GET /payment-intents/{paymentIntentId}",
                Fault::fail(500),
                1,
            )?;
            "drop after commit, then a failed read"
        }
    })
}

/// What the SDK said of the call: its one classification.
fn reported<T>(result: &dojo_payments::Result<T>) -> Reported {
    let Err(error) = result else {
        return Reported::Applied;
    };
    match error.delivery() {
        Delivery::Applied => Reported::Applied,
        Delivery::MaybeApplied => Reported::Unknown,
        Delivery::NotSent | Delivery::Refused | Delivery::NotApplied => Reported::NotApplied,
    }
}

/// A fresh intent ready for `op`: Manual and Authorized for a capture or a
/// reversal, Auto and Captured for a refund, created for an authorized
/// setup intent for a charge.
async fn prepare(
    dojo: &Dojo,
    emulator: &Emulator,
    op: &str,
) -> Result<(PaymentIntentId, dojo_payments::api_types::PaymentIntent)> {
    let card = Card::test(APPROVED_MASTERCARD)?;
    let id = match op {
        "charge" => {
            let setup = dojo
                .setup_intents()
                .create("Soak", "Terms.", MerchantInitiatedTransactionType::NoShow)
                .intended_amount(gbp(700))
                .created()
                .await?;
            emulator.authorize_setup_intent(setup.id(), &card)?;
            let charge = dojo
                .payment_intents()
                .create(gbp(700), "Soak charge")
                .setup_intent(setup.id())
                .created()
                .await?;
            charge.id().clone()
        }
        _ => {
            let mode = if op == "refund" {
                CaptureMode::Auto
            } else {
                CaptureMode::Manual
            };
            let created = dojo
                .payment_intents()
                .create(gbp(1000), "Soak")
                .capture_mode(mode)
                .created()
                .await?;
            emulator.pay(created.id(), &card, false)?;
            created.id().clone()
        }
    };
    let intent = dojo.payment_intents().get(&id).await?;
    Ok((id, intent))
}

/// One call of `op` on `intent`; what the SDK reported.
async fn call(dojo: &Dojo, op: &str, intent: &dojo_payments::api_types::PaymentIntent) -> Reported {
    let intents = dojo.payment_intents();
    match op {
        "capture" => reported(&intents.capture(intent, gbp(400)).await),
        "refund" => {
            let id = intent.id.as_ref().expect("prepared with an id");
            reported(&intents.refund(id, gbp(300)).send().await)
        }
        "reversal" => reported(&intents.reverse(intent).await),
        _ => reported(&intents.charge(intent).await),
    }
}

/// How many times `op` was applied to `id`, by the emulator's own state.
async fn applied(
    dojo: &Dojo,
    emulator: &Emulator,
    op: &str,
    id: &PaymentIntentId,
) -> Result<usize> {
    let intent = dojo
        .raw()
        .payment_intents_get(id, Some(true))
        .await?
        .into_inner();
    let status = intent.status.clone();
    Ok(match op {
        "capture" => intent.captures.unwrap_or_default().len(),
        "refund" => emulator.refund_count(id),
        "reversal" => usize::from(status == Some(Open::Known(PaymentIntentStatus::Reversed))),
        _ => usize::from(status == Some(Open::Known(PaymentIntentStatus::Captured))),
    })
}

/// Runs `calls` money-moving calls with faults drawn from `seed`.
pub async fn run(calls: usize, seed: u64) -> Result<Audit> {
    let emulator = Emulator::builder().seed(seed).start().await?;
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(1),
            deadline: Duration::from_millis(300),
        })
        .build()?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut audit = Audit::default();
    for i in 0..calls {
        let op = OPS[rng.usize(0..OPS.len())];
        let (id, intent) = prepare(&dojo, &emulator, op).await?;
        let fault = arm(&emulator, op, &mut rng)?;
        let said = call(&dojo, op, &intent).await;
        emulator.clear_faults();
        let times = applied(&dojo, &emulator, op, &id).await?;
        audit.calls += 1;
        *audit.outcomes.entry((op, said)).or_default() += 1;
        *audit.faults.entry(fault).or_default() += 1;
        if times > 1 {
            audit.applied_twice += 1;
        }
        let contradicted = match said {
            Reported::Applied => times != 1,
            Reported::NotApplied => times != 0,
            Reported::Unknown => false,
        };
        if contradicted {
            audit.wrong_reports.push(format!(
                "call {i}: {op} under {fault} reported {said:?}, applied {times} times"
            ));
        }
    }
    Ok(audit)
}

#[allow(dead_code)] // used when run on its own; the test suite calls `run`
#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let calls = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let seed = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2026);
    let started = std::time::Instant::now();
    let audit = run(calls, seed).await?;
    println!(
        "{} money-moving calls (seed {seed}) in {:.1} s",
        audit.calls,
        started.elapsed().as_secs_f64()
    );
    println!("faults injected:");
    for (fault, count) in &audit.faults {
        println!("  {fault:<40} {count:>5}");
    }
    println!("outcomes reported:");
    for ((op, said), count) in &audit.outcomes {
        println!("  {op:<10} {:<12} {count:>5}", format!("{said:?}"));
    }
    println!("applied twice: {}", audit.applied_twice);
    println!(
        "reported outcomes contradicted by the emulator's state: {}",
        audit.wrong_reports.len()
    );
    for wrong in &audit.wrong_reports {
        println!("  {wrong}");
    }
    if audit.applied_twice > 0 || !audit.wrong_reports.is_empty() {
        return Err("the audit failed".into());
    }
    Ok(())
}
