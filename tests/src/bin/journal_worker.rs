//! A worker that moves money through the journal, as a merchant's job
//! runner would: the process `tests/tests/journal_crashes.rs` kills with
//! SIGKILL mid-call and starts again.
//!
//! `DOJO_API_KEY`, `DOJO_API_URL`: the Dojo (an emulator); `DOJO_DEADLINE_MS`:
//! the client's call deadline (default 60 s); `JOURNAL_URL`: the database;
//! `JOURNAL_IN_FLIGHT_MS`: the journal's in-flight window (default 90 s);
//! `DOJO_READ_LAG_MS`: how far behind a read may be (the settlement
//! policy's, default 3 s).
//!
//! ```text
//! journal_worker refund <name> <payment intent> <pence>
//! journal_worker capture <name> <payment intent> <pence>
//! journal_worker charge <name> <payment intent>
//! journal_worker sale <name> <payment intent> <terminal>   # at the counter: waits for the session's outcome
//! journal_worker reconcile                                 # sessions at a terminal too
//! journal_worker jobs <file> [reverse]   # reconcile, then every job of the file not yet settled (last first)
//! ```
//!
//! A job file has one job per line: `<op> <name> <payment intent> [pence]`,
//! `op` being one of the commands above. A job may end in `@<location>`: it
//! is made with that location's key (`DOJO_LOCATION_<NAME>=<key>`).
//!
//! Each prints one line per entry: `<name> <state>`.

use std::collections::HashSet;
use std::time::Duration;

use dojo_payments::counter::{Counter, Outcome, WaitPolicy};
use dojo_payments::journal::{EntryState, Journal, Started};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{ApiKey, Currency, Money, PaymentIntentId, TerminalId};
use dojo_payments::{Dojo, Locations, SettlementPolicy};
use dojo_payments_sqlx::SqlJournal;

type Failure = Box<dyn std::error::Error>;

fn millis(name: &str, default: u64) -> Duration {
    let ms = std::env::var(name).ok().and_then(|ms| ms.parse().ok());
    Duration::from_millis(ms.unwrap_or(default))
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let dojo = Dojo::builder(ApiKey::new(std::env::var("DOJO_API_KEY")?)?)
        .api_url(std::env::var("DOJO_API_URL")?)
        .locations(Locations::from_env()?)
        .timeout(millis("DOJO_DEADLINE_MS", 60_000))
        .settlement_policy(SettlementPolicy {
            read_lag: millis("DOJO_READ_LAG_MS", 3_000),
            ..SettlementPolicy::default()
        })
        .build()?;
    let store = SqlJournal::connect(&std::env::var("JOURNAL_URL")?).await?;
    let journal =
        Journal::new(store, &dojo).in_flight_for(millis("JOURNAL_IN_FLIGHT_MS", 90_000), &dojo)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["reconcile"] => {
            let counter = Counter::new(dojo.clone(), SOFTWARE_HOUSE);
            for settled in journal.reconcile_counter(&counter).await? {
                println!("{} {}", settled.name, name(&settled.state));
            }
        }
        ["jobs", file, order @ ..] => {
            journal.reconcile(&dojo).await?;
            let settled: HashSet<String> = journal
                .store()
                .entries()
                .await?
                .into_iter()
                .filter(|e| !e.state.is_open())
                .map(|e| e.name)
                .collect();
            let text = std::fs::read_to_string(file)?;
            let mut lines: Vec<&str> = text.lines().collect();
            if order == ["reverse"] {
                lines.reverse();
            }
            for line in lines {
                let job: Vec<&str> = line.split_whitespace().collect();
                if job.get(1).is_some_and(|name| !settled.contains(*name)) {
                    run(&dojo, &journal, &job).await?;
                }
            }
        }
        job => run(&dojo, &journal, job).await?,
    }
    // Outcomes are written behind the calls' answers: a process ending
    // waits for them (or leaves their entries open for reconcile).
    journal.flush().await;
    Ok(())
}

/// One job (at its location, if it names one); prints `<name> <state>`.
async fn run(dojo: &Dojo, journal: &Journal<SqlJournal>, job: &[&str]) -> Result<(), Failure> {
    let (dojo, job) = match job.split_last() {
        Some((last, rest)) if last.starts_with('@') => (&dojo.location(&last[1..].parse()?)?, rest),
        _ => (dojo, job),
    };
    let read = async |intent: &str| {
        // Canceled too: a restarted cancel job reads the intent it canceled.
        dojo.payment_intents()
            .get_including_canceled(&PaymentIntentId::from_wire(intent))
            .await
    };
    let (entry, state) = match job {
        ["refund", entry, intent, pence] => (
            entry,
            journal
                .refund(dojo, entry, &read(intent).await?, gbp(pence)?)
                .await?,
        ),
        ["capture", entry, intent, pence] => (
            entry,
            journal
                .capture(dojo, entry, &read(intent).await?, gbp(pence)?)
                .await?,
        ),
        ["charge", entry, intent] => (
            entry,
            journal.charge(dojo, entry, &read(intent).await?).await?,
        ),
        ["reverse", entry, intent] => (
            entry,
            journal.reverse(dojo, entry, &read(intent).await?).await?,
        ),
        ["cancel", entry, intent] => (
            entry,
            journal.cancel(dojo, entry, &read(intent).await?).await?,
        ),
        ["sale", entry, intent, terminal] => {
            (entry, sale(dojo, journal, entry, intent, terminal).await?)
        }
        _ => return Err(format!("unknown job {job:?}").into()),
    };
    println!("{entry} {}", name(&state));
    Ok(())
}

/// The software house the worker's till calls as.
const SOFTWARE_HOUSE: &str = "sw-house";

/// A sale at the counter: the session started through the journal, waited
/// on until it ends, its entry settled by its outcome.
async fn sale(
    dojo: &Dojo,
    journal: &Journal<SqlJournal>,
    name: &str,
    intent: &str,
    terminal: &str,
) -> Result<EntryState, Failure> {
    let counter = Counter::new(dojo.clone(), SOFTWARE_HOUSE);
    let id = PaymentIntentId::from_wire(intent);
    let AnyPaymentIntent::Created(intent) = AnyPaymentIntent::read(dojo, &id).await? else {
        // Paid already (a restarted job): the journal answers the first sale.
        let started = journal
            .finish_session(&counter, name)
            .await
            .map(|r| r.state)?;
        return Ok(started);
    };
    let terminal = TerminalId::from_wire(terminal);
    let wait = WaitPolicy::within(Duration::from_secs(60))
        .polling(Duration::from_millis(50), Duration::from_millis(200));
    match journal.sale(&counter, name, &terminal, &intent).await? {
        Started::Session(Outcome::InProgress(session)) => {
            let _ = session.outcome(wait).await?;
            Ok(journal.finish_session(&counter, name).await?.state)
        }
        Started::Session(_) => Ok(journal.finish_session(&counter, name).await?.state),
        Started::Settled(state) => Ok(state),
        Started::Unknown(_) => Ok(EntryState::Open),
    }
}

fn gbp(pence: &str) -> Result<Money, Failure> {
    Ok(Money::new(pence.parse()?, Currency::GBP))
}

fn name(state: &EntryState) -> &'static str {
    state.name()
}
