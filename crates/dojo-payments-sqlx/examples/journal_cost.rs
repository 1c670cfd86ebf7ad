//! What the journal costs per call, beside what one durable commit costs:
//! `cargo run --release -p dojo-payments-sqlx --example journal_cost`
//! (PostgreSQL too when `DOJO_TEST_POSTGRES_URL` is set).
//!
//! Per database, in one run, `CALLS` of each:
//!
//! - the same refund against the embedded emulator, sent plainly and
//!   through the journal: the difference of their medians is the journal's
//!   cost per call;
//! - a bare durable commit on the journal's own pool: one `INSERT` in a
//!   transaction of its own (autocommit), at the database's default
//!   durability, the yardstick (the goal: a journaled call costs no more
//!   than one of these);
//! - the journal's store calls alone, no HTTP: the entry written before
//!   sending, stamped by the database's clock (`open_now`), and the outcome
//!   after (`close`, which the journal runs behind the call's answer);
//! - a bare commit, then the plain refund, timed together: what one
//!   commit before the call costs in this process, waking its tasks
//!   included (after the commit's wait the runtime's threads are parked,
//!   and the refund's round trip to the embedded emulator pays for waking
//!   them). A journal that costs one commit and nothing more matches it;
//! - the entry's own write (`open_now`), then the plain refund, timed
//!   together: what is left of the journaled refund beside it is the
//!   journal's own work besides its one commit (building the entry,
//!   spawning the outcome's write);
//! - the entry's own row committed plainly: the same row, in the same
//!   table and its indexes, by a bare `INSERT` (no `ON CONFLICT`, no
//!   `RETURNING`): what one commit of the journal's data costs, the
//!   yardstick for "one synchronous commit per call";
//! - the plain refund timed just after an untimed bare commit: the state
//!   the journal's own send starts from. Against the embedded emulator a
//!   refund takes ~60 µs after a read but ~170 µs after any wait of a few
//!   hundred microseconds (a commit, or a sleep: the runtime's threads and
//!   the emulator's have parked); against Dojo, tens of milliseconds away,
//!   every call's own wait parks them, so this is the plain call a
//!   journaled one is compared with like for like.
//!
//! Each is timed from a task on the runtime's workers, as a server's
//! handlers run, starts just after the same untimed read (but the last,
//! which starts after a commit), and they run in a new random order each
//! round, so that none always follows the same neighbour.

use std::time::{Duration, Instant};

use dojo_payments::Dojo;
use dojo_payments::journal::{EntryState, Journal, JournalStore};
use dojo_payments::types::{Currency, Money, PaymentIntentId};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};
use dojo_payments_sqlx::SqlJournal;

const CALLS: usize = 400;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Timed from a task on the runtime's workers, where a server's handlers
    // run (not `main`'s own thread, which parks and wakes otherwise).
    tokio::spawn(measure())
        .await?
        .map_err(|e| -> Box<dyn std::error::Error> { e.to_string().into() })
}

async fn measure() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
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
    let run = std::process::id();
    for (name, url) in databases {
        let journal = Journal::new(SqlJournal::connect(&url).await?, &dojo);
        let (store, pool) = (journal.store(), journal.store().pool());
        sqlx::query("CREATE TABLE IF NOT EXISTS journal_cost_bare (name TEXT PRIMARY KEY, at TEXT NOT NULL)")
            .execute(pool)
            .await?;
        let intent = paid(&dojo, &emulator).await?;
        let pence = Money::new(1, Currency::GBP);
        // An entry to time the store calls with: the first journaled
        // refund's, renamed and reopened each time.
        let first = format!("cost-{run}-first");
        let read = dojo.payment_intents().get(&intent).await?;
        journal.refund(&dojo, &first, &read, pence).await?;
        let mut template = store
            .entry(dojo.location_id(), &first)
            .await?
            .ok_or("the entry just written")?;
        template.state = EntryState::Open;
        let applied = EntryState::Applied {
            detail: Some("rf_cost".into()),
        };

        let mut samples: [Vec<Duration>; 9] = Default::default();
        let [
            plain,
            journaled,
            bare,
            open,
            close,
            committed,
            entry_then,
            entry_row,
            plain_after_wait,
        ] = &mut samples;
        let mut order = Timing::ALL;
        for n in 0..CALLS {
            // In a new order each round: what ran just before a timing
            // (an HTTP round trip, a commit's wait, a write behind) leaves
            // other threads parked or awake, and a fixed order gave each
            // timing the same neighbour every time: the same store call
            // measured 40–60 µs apart in two places of one round.
            fastrand::shuffle(&mut order);
            for timing in order {
                // Every timing but the last starts just after the same
                // untimed read of the intent (which the journal needs
                // anyway: it takes the intent as read before).
                let read = dojo.payment_intents().get(&intent).await?;
                match timing {
                    Timing::Plain => {
                        let started = Instant::now();
                        dojo.payment_intents().refund(&intent, pence).send().await?;
                        plain.push(started.elapsed());
                    }
                    Timing::Journaled => {
                        let started = Instant::now();
                        journal
                            .refund(&dojo, &format!("cost-{run}-{n}"), &read, pence)
                            .await?;
                        journaled.push(started.elapsed());
                        // Its outcome, written behind the answer, is not
                        // timed: it is not the caller's wait (and must not
                        // overlap the next timing).
                        journal.flush().await;
                    }
                    Timing::BareCommit => {
                        let started = Instant::now();
                        bare_commit(pool, &format!("bare-{run}-{n}")).await?;
                        bare.push(started.elapsed());
                    }
                    Timing::StoreCalls => {
                        template.name = format!("store-{run}-{n}");
                        let started = Instant::now();
                        store.open_now(&mut template).await?;
                        open.push(started.elapsed());
                        let started = Instant::now();
                        store
                            .close(dojo.location_id(), &template.name, &applied)
                            .await?;
                        close.push(started.elapsed());
                    }
                    Timing::BareCommitThenPlain => {
                        let started = Instant::now();
                        bare_commit(pool, &format!("bare-then-{run}-{n}")).await?;
                        dojo.payment_intents().refund(&intent, pence).send().await?;
                        committed.push(started.elapsed());
                    }
                    Timing::EntryThenPlain => {
                        template.name = format!("entry-then-{run}-{n}");
                        let started = Instant::now();
                        store.open_now(&mut template).await?;
                        dojo.payment_intents().refund(&intent, pence).send().await?;
                        entry_then.push(started.elapsed());
                    }
                    Timing::EntryRow => {
                        template.name = format!("row-{run}-{n}");
                        let started = Instant::now();
                        row_commit(pool, &template).await?;
                        entry_row.push(started.elapsed());
                    }
                    Timing::PlainAfterCommit => {
                        // After a commit, not a read: the state the
                        // journal's own send starts from.
                        bare_commit(pool, &format!("bare-wait-{run}-{n}")).await?;
                        let started = Instant::now();
                        dojo.payment_intents().refund(&intent, pence).send().await?;
                        plain_after_wait.push(started.elapsed());
                    }
                }
            }
        }
        let [
            plain,
            journaled,
            bare,
            open,
            close,
            committed,
            entry_then,
            entry_row,
            plain_after_wait,
        ] = samples.map(|mut s| median(&mut s));
        let cost = journaled.saturating_sub(plain);
        println!(
            "{name}: refund median {:.0} µs plain, {:.0} µs journaled: +{:.0} µs per call ({CALLS} each, in shuffled rounds)",
            micros(plain),
            micros(journaled),
            micros(cost)
        );
        println!(
            "  bare durable commit (one INSERT, autocommit): median {:.0} µs; the store's calls alone: open_now {:.0} µs, close {:.0} µs (behind the answer)",
            micros(bare),
            micros(open),
            micros(close)
        );
        println!(
            "  goal, journal's cost per call ≤ one bare commit: {} ({:.2} commits; a bare commit before the plain refund, measured so, is {:.2}: a commit's wait before a call costs the call its warm threads too)",
            if cost <= bare { "met" } else { "NOT met" },
            cost.as_secs_f64() / bare.as_secs_f64(),
            committed.saturating_sub(plain).as_secs_f64() / bare.as_secs_f64(),
        );
        let like = journaled.saturating_sub(plain_after_wait);
        println!(
            "  the entry's own row committed plainly (bare INSERT, same table and indexes): median {:.0} µs",
            micros(entry_row)
        );
        println!(
            "  like for like, the plain refund timed after a commit's wait (the state the journal's send starts from): median {:.0} µs; the journal's cost per call +{:.0} µs = {:.2} bare commits, {:.2} commits of its own row",
            micros(plain_after_wait),
            micros(like),
            like.as_secs_f64() / bare.as_secs_f64(),
            like.as_secs_f64() / entry_row.as_secs_f64(),
        );
        println!(
            "  goal like for like, one synchronous commit per call (cost ≤ one commit of the entry's row): {}; ≤ one bare commit of the smallest row: {}",
            if like <= entry_row { "met" } else { "NOT met" },
            if like <= bare { "met" } else { "NOT met" },
        );
        println!(
            "  a bare commit then the plain refund: median {:.0} µs; the journaled refund {:+.0} µs beside it ({})",
            micros(committed),
            micros(journaled) - micros(committed),
            if journaled <= committed {
                "no more than one commit before the call"
            } else {
                "more than one commit before the call"
            }
        );
        println!(
            "  the entry's write (open_now) then the plain refund: median {:.0} µs; the journaled refund {:+.0} µs beside it (the journal's own work besides its write)",
            micros(entry_then),
            micros(journaled) - micros(entry_then),
        );
        sqlx::query("DROP TABLE journal_cost_bare")
            .execute(pool)
            .await?;
        pool.close().await;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

async fn paid(
    dojo: &Dojo,
    emulator: &Emulator,
) -> Result<PaymentIntentId, Box<dyn std::error::Error + Send + Sync>> {
    let intent = dojo
        .payment_intents()
        .create(Money::new(100_000, Currency::GBP), "Cost")
        .created()
        .await?;
    emulator.pay(intent.id(), &Card::test(APPROVED_MASTERCARD)?, false)?;
    Ok(intent.id().clone())
}

/// One durable commit of `entry`'s row, as the journal stores it, by a
/// bare `INSERT` into the journal's own table (and so its indexes).
async fn row_commit(
    pool: &sqlx::AnyPool,
    entry: &dojo_payments::journal::Entry,
) -> Result<(), sqlx::Error> {
    let movement = &entry.movement;
    sqlx::query(
        "INSERT INTO dojo_journal (name, operation, payment_intent_id, amount, currency, \
         idempotency_key, before_status, before_captures, state, detail, opened_at, closed_at, \
         location, before_refunded, terminal_id, terminal_session_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 'open', NULL, $8, NULL, $9, $10, NULL, NULL)",
    )
    .bind(&entry.name)
    .bind(movement.operation())
    .bind(entry.payment_intent.as_str())
    .bind(movement.amount().map(|m| m.minor_units()))
    .bind(movement.amount().map(|m| m.currency().code().to_owned()))
    .bind(movement.key().map(|k| k.as_str().to_owned()))
    .bind(entry.before.status.as_ref().map(ToString::to_string))
    .bind("2026-12-03T00:00:00.000000Z")
    .bind(entry.location.as_str())
    .bind(entry.before.refunded)
    .execute(pool)
    .await
    .map(drop)
}

/// One durable commit of the smallest row: the yardstick.
async fn bare_commit(pool: &sqlx::AnyPool, row: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO journal_cost_bare (name, at) VALUES ($1, $2)")
        .bind(row)
        .bind("2026-12-03T00:00:00.000000Z")
        .execute(pool)
        .await
        .map(drop)
}

/// What one round times, each once, in a new order every round.
#[derive(Clone, Copy)]
enum Timing {
    /// The refund sent plainly.
    Plain,
    /// The same refund through the journal.
    Journaled,
    /// A bare durable commit of the smallest row.
    BareCommit,
    /// The journal's store calls alone: `open_now`, then `close`.
    StoreCalls,
    /// A bare commit, then the plain refund.
    BareCommitThenPlain,
    /// The entry's write (`open_now`), then the plain refund.
    EntryThenPlain,
    /// The entry's own row committed by a bare `INSERT`.
    EntryRow,
    /// The plain refund, timed just after an untimed commit.
    PlainAfterCommit,
}

impl Timing {
    const ALL: [Timing; 8] = [
        Timing::Plain,
        Timing::Journaled,
        Timing::BareCommit,
        Timing::StoreCalls,
        Timing::BareCommitThenPlain,
        Timing::EntryThenPlain,
        Timing::EntryRow,
        Timing::PlainAfterCommit,
    ];
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
