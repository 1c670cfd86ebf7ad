//! A worker that moves money through the journal, as a merchant's job
//! runner would: the process `tests/tests/journal_crashes.rs` kills with
//! SIGKILL mid-call and starts again.
//!
//! `DOJO_API_KEY`, `DOJO_API_URL`: the Dojo (an emulator); `JOURNAL_URL`:
//! the database; `JOURNAL_IN_FLIGHT_MS`: the journal's in-flight window.
//!
//! ```text
//! journal_worker refund <name> <payment intent> <pence>
//! journal_worker capture <name> <payment intent> <pence>
//! journal_worker charge <name> <payment intent>
//! journal_worker reconcile
//! ```
//!
//! Each prints one line per entry: `<name> <state>`.

use std::time::Duration;

use dojo_payments::Dojo;
use dojo_payments::journal::{EntryState, Journal};
use dojo_payments::types::{Currency, Money, PaymentIntentId};
use dojo_payments_sqlx::SqlJournal;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let dojo = Dojo::from_env()?;
    let store = SqlJournal::connect(&std::env::var("JOURNAL_URL")?).await?;
    let window = std::env::var("JOURNAL_IN_FLIGHT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(90_000);
    let journal = Journal::new(store).in_flight_for(Duration::from_millis(window));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["reconcile"] => {
            for settled in journal.reconcile(&dojo).await? {
                println!("{} {}", settled.name, name(&settled.state));
            }
        }
        ["refund", entry, intent, pence] => {
            let id = PaymentIntentId::from_wire(*intent);
            let state = journal.refund(&dojo, entry, &id, gbp(pence)?).await?;
            println!("{entry} {}", name(&state));
        }
        ["capture", entry, intent, pence] => {
            let read = dojo
                .payment_intents()
                .get(&PaymentIntentId::from_wire(*intent))
                .await?;
            let state = journal.capture(&dojo, entry, &read, gbp(pence)?).await?;
            println!("{entry} {}", name(&state));
        }
        ["charge", entry, intent] => {
            let read = dojo
                .payment_intents()
                .get(&PaymentIntentId::from_wire(*intent))
                .await?;
            let state = journal.charge(&dojo, entry, &read).await?;
            println!("{entry} {}", name(&state));
        }
        _ => return Err(format!("unknown command {args:?}").into()),
    }
    Ok(())
}

fn gbp(pence: &str) -> Result<Money, Failure> {
    Ok(Money::new(pence.parse()?, Currency::GBP))
}

fn name(state: &EntryState) -> &'static str {
    state.name()
}
