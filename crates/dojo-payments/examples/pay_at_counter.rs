//! Pay at Counter, step by step: `cargo run -p dojo-payments --example pay_at_counter`.
//!
//! Dojo's in-person flow, top to bottom, from an EPOS (a till) in Rust: find
//! a terminal that is free, create the payment intent for the bill, start a
//! sale session on the terminal, show the operator what the terminal shows
//! while the customer pays (Dojo sends no webhooks for sessions: the SDK
//! polls), and read the outcome; then the signature check Dojo's guide
//! reaches by inserting a card the wrong way round and swiping it, a refund
//! to the customer's card at the counter, and a session canceled before any
//! card. Every session is started through the journal: written before it is
//! created (`POST /terminal-sessions` has no idempotency key), its id
//! recorded as soon as Dojo answers, settled by its outcome.
//!
//! The emulated terminals play the customer: `tm_sandbox_counter1` pays on
//! its own with an approved card (so this runs unattended), and
//! `tm_sandbox_counter3` does what it is told.

use std::time::Duration;

use dojo_payments::Dojo;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::{Canceling, Counter, Outcome, WaitPolicy};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, Started};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{Currency, Money, TerminalId};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator, Presentation};
use futures_util::StreamExt;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// What the walk saw, for its test to check.
#[derive(Debug)]
#[allow(dead_code)] // read by its test (tests/pay_at_counter_example.rs)
pub struct Walk {
    /// The sale's journal entry, settled by the session's outcome.
    pub sale: EntryState,
    /// What the till showed while the customer paid.
    pub shown: Vec<String>,
    /// The signature-checked sale's entry.
    pub signed: EntryState,
    /// The matched refund's entry.
    pub refund: EntryState,
    /// The canceled session's entry.
    pub canceled: EntryState,
    /// Sessions created at Dojo: one per step, none twice.
    pub sessions_created: usize,
}

/// A sale's session, followed to its end (a signature check accepted on
/// the way): what the till shows, then the session's outcome.
fn follow_policy() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(30))
        .polling(Duration::from_millis(100), Duration::from_millis(500))
}

/// The flow, on `dojo-payments`; `emulator` plays the customer at the
/// terminal that does what it is told.
pub async fn run(dojo: &Dojo, emulator: &Emulator) -> Result<Walk> {
    let gbp = |text| Money::parse_decimal(text, Currency::GBP);
    // Your EPOS software's id (the same for every merchant you serve).
    let counter = Counter::new(dojo.clone(), "sw-house");
    let journal = Journal::new(InMemoryJournal::default(), dojo);
    journal.reconcile_counter(&counter).await?; // at start-up: settle what a crash left

    // Step 1. Find a terminal that is free (GET /terminals?statuses=Available).
    let Some(terminal) = counter.available_terminal().await? else {
        return Err("no terminal is free".into());
    };
    println!(
        "  terminal {} (tid {}) is free",
        terminal.id(),
        terminal.tid()
    );

    // Step 2. Create a payment intent for the bill.
    let bill = dojo
        .payment_intents()
        .create(gbp("18.40")?, "Table 7")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await?;
    println!("  payment intent {} for £18.40", bill.id());

    // Step 3. Start a sale session on the terminal (written to the journal
    // first: a lost answer is never sent again).
    let started = journal
        .sale(&counter, "table-7/sale", terminal.id(), &bill)
        .await?;
    let Started::Session(Outcome::InProgress(session)) = started else {
        return Err(format!("the sale did not start: {started:?}").into());
    };
    println!("  session {} on the terminal", session.id());

    // Step 4. Show the operator what the terminal shows, as it happens.
    let mut shown = Vec::new();
    let mut updates = std::pin::pin!(session.updates(follow_policy()));
    while let Some(update) = updates.next().await {
        let line = update?.till_message();
        println!("    till: {line}");
        shown.push(line);
    }

    // Step 5. The outcome, tied back to the payment intent.
    match session.outcome(follow_policy()).await? {
        Outcome::Captured(done) => {
            if let Some(AnyPaymentIntent::Captured(paid)) = done.payment_intent().await? {
                println!("  paid: {} is Captured", paid.id());
            }
        }
        other => return Err(format!("expected Captured, got {}", other.status()).into()),
    }
    let sale = journal
        .finish_session(&counter, "table-7/sale")
        .await?
        .state;
    println!("  journal: table-7/sale {}", sale.name());

    // Step 6. A signature check: the card inserted the wrong way round, then
    // swiped. The operator compares the signature within 80 s (after that
    // Dojo accepts it) and accepts it.
    let till = TerminalId::from_wire("tm_sandbox_counter3");
    let bill = dojo
        .payment_intents()
        .create(gbp("42.00")?, "Table 9")
        .created()
        .await?;
    let Started::Session(Outcome::InProgress(session)) =
        journal.sale(&counter, "table-9/sale", &till, &bill).await?
    else {
        return Err("the second sale did not start".into());
    };
    emulator
        .terminal(&till)
        .present(&Card::test(APPROVED_MASTERCARD)?, Presentation::Swipe)?;
    let Outcome::SignatureRequired(check) = session.outcome(follow_policy()).await? else {
        return Err("expected a signature check".into());
    };
    println!(
        "  signature check: answer by {}",
        check
            .respond_by()
            .map(|at| at.to_rfc3339())
            .unwrap_or_default()
    );
    let accepted = check.accept().await?;
    let outcome = accepted.outcome(follow_policy()).await?;
    println!("  signature accepted: {}", outcome.status());
    let signed = journal
        .finish_session(&counter, "table-9/sale")
        .await?
        .state;

    // Step 7. Refund £5 of table 9's bill to the card, at the counter.
    let AnyPaymentIntent::Captured(paid) = AnyPaymentIntent::read(dojo, bill.id()).await? else {
        return Err("table 9 is not captured".into());
    };
    let Started::Session(Outcome::InProgress(session)) = journal
        .matched_refund(&counter, "table-9/refund-1", &till, &paid, gbp("5.00")?)
        .await?
    else {
        return Err("the refund did not start".into());
    };
    emulator
        .terminal(&till)
        .present(&Card::test(APPROVED_MASTERCARD)?, Presentation::Contactless)?;
    let outcome = session.outcome(follow_policy()).await?;
    println!("  refund at the counter: {}", outcome.status());
    let refund = journal
        .finish_session(&counter, "table-9/refund-1")
        .await?
        .state;

    // Step 8. A session canceled before the customer presents a card.
    let bill = dojo
        .payment_intents()
        .create(gbp("3.20")?, "Counter: coffee")
        .created()
        .await?;
    let Started::Session(Outcome::InProgress(session)) =
        journal.sale(&counter, "coffee/sale", &till, &bill).await?
    else {
        return Err("the coffee sale did not start".into());
    };
    match session.cancel().await? {
        Canceling::Requested(canceling) => {
            let outcome = canceling.outcome(follow_policy()).await?;
            println!("  canceled before any card: {}", outcome.status());
        }
        Canceling::CardPresented(_) => return Err("a card was presented".into()),
        Canceling::Over(outcome) => println!("  already over: {}", outcome.status()),
    }
    let canceled = journal.finish_session(&counter, "coffee/sale").await?.state;

    let sessions_created = emulator
        .requests()
        .iter()
        .filter(|r| *r == "POST /terminal-sessions")
        .count();
    Ok(Walk {
        sale,
        shown,
        signed,
        refund,
        canceled,
        sessions_created,
    })
}

#[allow(dead_code)] // used when run on its own; the tour calls `run`
#[tokio::main]
async fn main() -> Result<()> {
    let emulator = Emulator::start().await?;
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()?;
    let walk = run(&dojo, &emulator).await?;
    println!("  {} sessions, each created once", walk.sessions_created);
    Ok(())
}
