//! Two instances whose clocks disagree by ten minutes (one five minutes
//! slow, one five minutes fast: an injected clock on each instance's
//! client) share one journal, and claim the same names at once, under
//! faults that keep a call in flight (a slow capture, an answer that never
//! comes) or leave an entry open (a connection closed without an answer).
//! Because the journal takes time from the database, not from the host,
//! neither settles a call still in flight by a read ("wrongly closed"),
//! nor waits for ever on an entry the other left; and money moves once.
//! On SQLite, and on PostgreSQL when its server is there.

mod journal_support;

use std::time::Duration;

use chrono::Utc;
use dojo_payments::Dojo;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus};
use dojo_payments::journal::{EntryState, Journal};
use dojo_payments::types::{Open, PaymentIntentId};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault};
use dojo_payments_sqlx::SqlJournal;
use journal_support::*;
use workspace_tests::databases;

/// The instances' call deadline, and the journal's in-flight window.
const DEADLINE: Duration = Duration::from_millis(500);
const WINDOW: Duration = Duration::from_millis(700);
/// Longer than any wait the journal can ask for: a caller still waiting
/// then waits for ever.
const PATIENCE: Duration = Duration::from_secs(10);

/// An instance: a client whose clock is `skew` off, and its own
/// connection to the shared journal.
async fn instance(
    emulator: &Emulator,
    db: &str,
    skew: chrono::Duration,
) -> (Dojo, Journal<SqlJournal>) {
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .timeout(DEADLINE)
        .clock(move || Utc::now() + skew)
        .build()
        .unwrap();
    let journal = Journal::new(SqlJournal::connect(db).await.unwrap(), &dojo)
        .in_flight_for(WINDOW, &dojo)
        .unwrap();
    (dojo, journal)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Capture,
    Refund,
    Reverse,
}

/// One instance's call of `name`.
async fn call(
    dojo: &Dojo,
    journal: &Journal<SqlJournal>,
    op: Op,
    name: &str,
    id: &PaymentIntentId,
) -> Result<EntryState, String> {
    let made = async {
        let intent = dojo
            .payment_intents()
            .get(id)
            .await
            .map_err(|e| e.to_string());
        let intent = match intent {
            Ok(intent) => intent,
            Err(e) => return Ok(Err(e)),
        };
        match op {
            Op::Refund => journal.refund(dojo, name, &intent, gbp(300)).await,
            Op::Capture => journal.capture(dojo, name, &intent, gbp(400)).await,
            Op::Reverse => journal.reverse(dojo, name, &intent).await,
        }
        .map(Ok)
    };
    match tokio::time::timeout(PATIENCE, made).await {
        Ok(Ok(Ok(state))) => Ok(state),
        Ok(Ok(Err(read))) => Err(format!("the intent could not be read: {read}")),
        Ok(Err(journal)) => Err(journal.to_string()),
        Err(_) => Err(format!("still waiting after {PATIENCE:?}")),
    }
}

/// How many times the emulator holds `op` on `id`.
async fn moved(dojo: &Dojo, emulator: &Emulator, op: Op, id: &PaymentIntentId) -> usize {
    let read = dojo.payment_intents().get(id).await.unwrap();
    match op {
        Op::Refund => emulator.refund_count(id),
        Op::Capture => read.captures.iter().flatten().count(),
        Op::Reverse => usize::from(read.status == Some(Open::Known(PaymentIntentStatus::Reversed))),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_five_minutes_apart_move_money_once_and_settle_nothing_early() {
    // Each database on its own emulator, at once: the waits overlap.
    futures_util::future::join_all(databases::kinds().into_iter().map(skew)).await;
}

async fn skew(kind: databases::Kind) {
    let db = databases::fresh(kind, "skew").await;
    let emulator = Emulator::start().await.unwrap();
    let slow = instance(&emulator, &db, chrono::Duration::minutes(-5)).await;
    let fast = instance(&emulator, &db, chrono::Duration::minutes(5)).await;
    let faults = [
        // In flight while the other instance asks.
        Fault::Latency(Duration::from_millis(300)),
        // Made, and no answer until the deadline: in flight, then unknown.
        Fault::Answer {
            acted: true,
            answer: BadAnswer::Stall,
        },
        // Not made, no answer: the entry stays open for the other to settle.
        Fault::drop_before_commit(),
        Fault::drop_after_commit(),
    ];
    let ops = [Op::Capture, Op::Refund, Op::Reverse];
    let mut rng = fastrand::Rng::with_seed(25);
    let (mut jobs, mut twice, mut wrongly_closed, mut failures) = (0, 0, 0, Vec::new());
    // Every operation under every fault, once.
    let plan = ops
        .iter()
        .flat_map(|op| faults.iter().map(move |f| (*op, f)));
    for (n, (op, fault)) in plan.enumerate() {
        let mode = if op == Op::Refund {
            CaptureMode::Auto
        } else {
            CaptureMode::Manual
        };
        let id = paid(&slow.0, &emulator, mode).await;
        let route = match op {
            Op::Capture => "POST /payment-intents/{paymentIntentId}/captures",
            Op::Refund => "POST /payment-intents/{paymentIntentId}/refunds",
            Op::Reverse => "POST /payment-intents/{paymentIntentId}/reversal",
        };
        emulator.inject_fault(route, fault.clone(), 1).unwrap();
        let name = format!("skew-{n}");
        // Either instance may claim first; the other asks 50 ms later.
        let (first, second) = if rng.bool() {
            (&slow, &fast)
        } else {
            (&fast, &slow)
        };
        let (a, b) = tokio::join!(call(&first.0, &first.1, op, &name, &id), async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            call(&second.0, &second.1, op, &name, &id).await
        });
        emulator.clear_faults();
        // What either left open is settled once it can no longer be in flight.
        tokio::time::sleep(WINDOW).await;
        if let Err(error) = fast.1.reconcile(&fast.0).await {
            failures.push(format!("{name}: reconcile: {error}"));
        }
        let times = moved(&slow.0, &emulator, op, &id).await;
        jobs += 1;
        twice += usize::from(times > 1);
        for (who, result) in [("first", a), ("second", b)] {
            match result {
                Ok(EntryState::Applied { .. }) if times != 1 => wrongly_closed += 1,
                Ok(EntryState::NotApplied { .. }) if times != 0 => wrongly_closed += 1,
                Ok(_) => {}
                Err(error) => failures.push(format!("{name} ({op:?}, {fault:?}), {who}: {error}")),
            }
        }
        // Outcomes are written behind the answers: read once they are.
        slow.1.flush().await;
        fast.1.flush().await;
        let entry = dojo_payments::journal::JournalStore::entry(
            fast.1.store(),
            fast.0.location_id(),
            &name,
        )
        .await
        .unwrap()
        .unwrap();
        match entry.state {
            EntryState::Applied { .. } if times != 1 => wrongly_closed += 1,
            EntryState::NotApplied { .. } if times != 0 => wrongly_closed += 1,
            EntryState::Open => failures.push(format!("{name}: still open after the window")),
            _ => {}
        }
    }
    eprintln!(
        "skew audit ({kind:?}): {jobs} names claimed by both instances 10 min apart; \
         moved twice {twice}; wrongly closed {wrongly_closed}; failures {}",
        failures.len()
    );
    assert_eq!(twice, 0, "{kind:?}: money moved twice");
    assert_eq!(
        wrongly_closed, 0,
        "{kind:?}: an entry contradicts the emulator"
    );
    assert!(failures.is_empty(), "{kind:?}: {failures:#?}");
}
