//! What the journal costs per call: `cargo run --release -p dojo-payments-sqlx
//! --example journal_cost` (PostgreSQL too when `DOJO_TEST_POSTGRES_URL` is set).
//!
//! The same refund, against the embedded emulator, sent plainly and through
//! the journal (one write before, one after), alternating in one run; the
//! median of each and their difference, per database.

use std::time::{Duration, Instant};

use dojo_payments::Dojo;
use dojo_payments::journal::Journal;
use dojo_payments::types::{Currency, Money, PaymentIntentId};
use dojo_payments_emulator::{Card, Emulator};
use dojo_payments_sqlx::SqlJournal;

const CALLS: usize = 400;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()?;
    let file = std::env::temp_dir().join(format!("journal-cost-{}.sqlite", std::process::id()));
    let mut databases = vec![(
        "SQLite (file)",
        format!("sqlite:{}?mode=rwc", file.display()),
    )];
    if let Ok(url) = std::env::var("DOJO_TEST_POSTGRES_URL") {
        databases.push(("PostgreSQL (loopback)", url));
    }
    for (name, url) in databases {
        let journal = Journal::new(SqlJournal::connect(&url).await?, &dojo);
        let intent = paid(&dojo, &emulator).await?;
        let (mut plain, mut journaled) = (Vec::new(), Vec::new());
        for n in 0..CALLS {
            let pence = Money::new(1, Currency::GBP);
            let started = Instant::now();
            dojo.payment_intents().refund(&intent, pence).send().await?;
            plain.push(started.elapsed());
            let started = Instant::now();
            let entry = format!("cost-{}-{n}", std::process::id());
            journal.refund(&dojo, &entry, &intent, pence).await?;
            journaled.push(started.elapsed());
        }
        let (p, j) = (median(&mut plain), median(&mut journaled));
        println!(
            "{name}: refund median {:.0} µs plain, {:.0} µs journaled: +{:.0} µs per call ({CALLS} each, alternating)",
            micros(p),
            micros(j),
            micros(j.saturating_sub(p))
        );
    }
    let _ = std::fs::remove_file(file);
    Ok(())
}

async fn paid(
    dojo: &Dojo,
    emulator: &Emulator,
) -> Result<PaymentIntentId, Box<dyn std::error::Error>> {
    let intent = dojo
        .payment_intents()
        .create(Money::new(100_000, Currency::GBP), "Cost")
        .created()
        .await?;
    emulator.pay(intent.id(), &Card::test("5200000000001005")?, false)?;
    Ok(intent.id().clone())
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
