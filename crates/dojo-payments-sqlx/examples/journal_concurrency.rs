//! What the journal does under concurrent calls:
//! `cargo run --release -p dojo-payments-sqlx --example journal_concurrency`
//! (PostgreSQL too when `DOJO_TEST_POSTGRES_URL` is set).
//!
//! Per database, 400 journaled refunds of one payment intent against the
//! embedded emulator, made 1, 4 and 16 at a time (each batch from one read
//! of the intent, each call under a name of its own): each call's latency
//! (median, 90th percentile, worst) and the calls made per second. The
//! plain refund, made as many at a time, beside them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dojo_payments::Dojo;
use dojo_payments::journal::Journal;
use dojo_payments::types::{Currency, Money, PaymentIntentId};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};
use dojo_payments_sqlx::SqlJournal;

const CALLS: usize = 400;

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tokio::spawn(measure())
        .await?
        .map_err(|e| -> Box<dyn std::error::Error> { e.to_string().into() })
}

async fn measure() -> Result<(), Failure> {
    let emulator = Emulator::start().await?;
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()?;
    let file =
        std::env::temp_dir().join(format!("journal-concurrency-{}.sqlite", std::process::id()));
    let mut databases = vec![(
        "SQLite (file)",
        format!("sqlite:{}?mode=rwc", file.display()),
    )];
    if let Ok(url) = std::env::var("DOJO_TEST_POSTGRES_URL") {
        databases.push(("PostgreSQL (loopback)", url));
    }
    let intent = dojo
        .payment_intents()
        .create(Money::new(10_000_000, Currency::GBP), "Concurrency")
        .created()
        .await?;
    emulator.pay(intent.id(), &Card::test(APPROVED_MASTERCARD)?, false)?;
    let id = intent.id().clone();
    let run = std::process::id();
    for at_once in [1, 4, 16] {
        let plain = calls(&dojo, &id, at_once, None).await?;
        println!("{at_once} at a time, plain: {plain}");
    }
    for (name, url) in databases {
        let journal = Arc::new(Journal::new(SqlJournal::connect(&url).await?, &dojo));
        for at_once in [1, 4, 16] {
            let names = format!("concurrency-{run}-{at_once}");
            let journaled = calls(&dojo, &id, at_once, Some((&journal, &names))).await?;
            println!("{at_once} at a time, journaled on {name}: {journaled}");
        }
        journal.store().pool().close().await;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// What `CALLS` refunds of a penny made `at_once` at a time showed:
/// through `journal` (under names starting `names`) when given.
async fn calls(
    dojo: &Dojo,
    id: &PaymentIntentId,
    at_once: usize,
    journal: Option<(&Arc<Journal<SqlJournal>>, &str)>,
) -> Result<Latencies, Failure> {
    let pence = Money::new(1, Currency::GBP);
    let mut each = Vec::with_capacity(CALLS);
    let started = Instant::now();
    for batch in 0..CALLS / at_once {
        let read = dojo.payment_intents().get(id).await?;
        let mut calls = Vec::with_capacity(at_once);
        for n in 0..at_once {
            let (dojo, id, read) = (dojo.clone(), id.clone(), read.clone());
            let journal = journal.map(|(j, names)| (Arc::clone(j), format!("{names}-{batch}-{n}")));
            calls.push(tokio::spawn(async move {
                let started = Instant::now();
                match journal {
                    Some((journal, name)) => {
                        journal.refund(&dojo, &name, &read, pence).await?;
                    }
                    None => {
                        dojo.payment_intents().refund(&id, pence).send().await?;
                    }
                }
                Ok::<_, Failure>(started.elapsed())
            }));
        }
        for call in calls {
            each.push(call.await??);
        }
        if let Some((journal, _)) = journal {
            journal.flush().await;
        }
    }
    Ok(Latencies::of(each, started.elapsed()))
}

/// Latencies of calls, and their rate.
struct Latencies {
    sorted: Vec<Duration>,
    per_second: f64,
}

impl Latencies {
    fn of(mut each: Vec<Duration>, took: Duration) -> Self {
        each.sort();
        let per_second = each.len() as f64 / took.as_secs_f64();
        Self {
            sorted: each,
            per_second,
        }
    }

    fn at(&self, fraction: f64) -> Duration {
        let last = self.sorted.len().saturating_sub(1);
        self.sorted
            .get(((last as f64) * fraction).round() as usize)
            .copied()
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Latencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "median {:.2} ms, p90 {:.2} ms, worst {:.2} ms; {:.0} calls/s",
            ms(self.at(0.5)),
            ms(self.at(0.9)),
            ms(self.at(1.0)),
            self.per_second
        )
    }
}
