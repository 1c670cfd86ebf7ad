//! The journal's exactly-once promise at every point a process can die
//! in a journaled call, for all five money-moving operations, in one
//! process: a store wrapper "crashes" (answers a `StoreError`, and every
//! call after it too: the process is gone), or the call's task is aborted
//! while Dojo's answer is on its way; then a new `Journal` on the same
//! store (the restart) reconciles once the in-flight window has passed,
//! and the caller asks for the same name again. The emulator's state is
//! the oracle: the movement is never held twice, an entry is never
//! `Applied` when it is not held nor `NotApplied` when it is, and every
//! case ends with the movement held exactly once.
//!
//! The crash points (the module docs' table, `dojo_payments::journal`):
//!
//! - **(a)** the entry is written, nothing is sent: a refund is sent by
//!   `reconcile` with its key; any other call is settled `NotApplied` by
//!   two reads, the same name then answers `NotApplied` (one name is one
//!   call, never made twice), and the caller makes it under a new name;
//! - **(b)** the call is made at Dojo, its outcome is not written: the
//!   task dies awaiting a stalled answer (its future dropped), or the
//!   answer comes and writing the outcome fails; `reconcile` settles it
//!   `Applied` (a read shows it; a refund is sent again with its key,
//!   which Dojo makes once);
//! - **(c)** the outcome is written, then the process dies before its
//!   caller hears: `reconcile` has nothing to do, the name answers
//!   `Applied`.
//!
//! `cargo test -p dojo-payments --test journal_crash_points -- --nocapture`
//! prints the table.

mod common;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use dojo_payments::api_types::{
    self, CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus,
};
use dojo_payments::journal::{
    Closed, Entry, EntryState, InMemoryJournal, Journal, JournalError, JournalStore, Opened,
    StoreError,
};
use dojo_payments::types::{LocationId, Open, PaymentIntentId};
use dojo_payments::{Dojo, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault};
use futures_util::StreamExt;

/// The client's deadline: a call is given up on after this.
const DEADLINE: Duration = Duration::from_millis(500);
/// How much longer a call may still land at Dojo.
const MARGIN: Duration = Duration::from_millis(200);
/// The journal's in-flight window (`Journal::new` takes it from the
/// client): the deadline and the margin.
const WINDOW: Duration = DEADLINE.saturating_add(MARGIN);
/// How far apart the two reads that prove "not applied" are.
const READ_LAG: Duration = Duration::from_millis(200);
/// How long the restart waits after the crash before reconciling: past
/// the window, measured from before the entry was written.
const PAST_THE_WINDOW: Duration = WINDOW.saturating_add(Duration::from_millis(100));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Capture,
    Charge,
    Reverse,
    Cancel,
    Refund,
}

impl Op {
    const ALL: [Op; 5] = [Op::Capture, Op::Charge, Op::Reverse, Op::Cancel, Op::Refund];

    fn route(self) -> &'static str {
        match self {
            Op::Capture => "POST /payment-intents/{paymentIntentId}/captures",
            Op::Charge => "POST /payment-intents/{paymentIntentId}/charge",
            Op::Reverse => "POST /payment-intents/{paymentIntentId}/reversal",
            Op::Cancel => "DELETE /payment-intents/{paymentIntentId}",
            Op::Refund => "POST /payment-intents/{paymentIntentId}/refunds",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::Capture => "capture",
            Op::Charge => "charge",
            Op::Reverse => "reverse",
            Op::Cancel => "cancel",
            Op::Refund => "refund",
        }
    }
}

/// Where the process dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crash {
    /// (a) The entry is written, then `open` fails: nothing is sent.
    BeforeSending,
    /// (b) The call is made at Dojo (it acts, then stalls its answer); the
    /// process dies awaiting it: its task is aborted, the store is gone.
    AwaitingAnswer,
    /// (b) Dojo answers; writing the outcome fails, nothing written. An
    /// outcome that proves the movement is written behind the answer: the
    /// caller has heard it, and the crash loses only the record.
    BeforeClosing,
    /// (c) The outcome is written, then `close` fails: a caller still
    /// waiting for it (a `NotApplied`) never hears it.
    WhileClosing,
}

impl Crash {
    const ALL: [Crash; 4] = [
        Crash::BeforeSending,
        Crash::AwaitingAnswer,
        Crash::BeforeClosing,
        Crash::WhileClosing,
    ];

    fn name(self) -> &'static str {
        match self {
            Crash::BeforeSending => "(a) written, not sent",
            Crash::AwaitingAnswer => "(b) sent, task aborted awaiting answer",
            Crash::BeforeClosing => "(b) answered, outcome not written",
            Crash::WhileClosing => "(c) outcome written, then the store dies",
        }
    }

    /// Whether the call reached Dojo before the crash.
    fn sent(self) -> bool {
        self != Crash::BeforeSending
    }
}

/// A store that dies at `crash`: from then on every call fails, as
/// every write of a dead process does. The entries it wrote before stay
/// in `inner`, the durable store a restart finds.
struct CrashingStore {
    inner: Arc<InMemoryJournal>,
    crash: Crash,
    dead: AtomicBool,
}

impl CrashingStore {
    fn new(inner: Arc<InMemoryJournal>, crash: Crash) -> Self {
        Self {
            inner,
            crash,
            dead: AtomicBool::new(false),
        }
    }

    /// The process dies now.
    fn die(&self) {
        self.dead.store(true, Ordering::SeqCst);
    }

    fn alive(&self) -> Result<(), StoreError> {
        if self.dead.load(Ordering::SeqCst) {
            Err(crashed("the process is gone"))
        } else {
            Ok(())
        }
    }

    /// Dies, and says so.
    fn dies(&self, at: &str) -> StoreError {
        self.die();
        crashed(at)
    }
}

fn crashed(at: &str) -> StoreError {
    StoreError(format!("crashed: {at}").into())
}

impl JournalStore for CrashingStore {
    async fn now(&self) -> Result<chrono::DateTime<Utc>, StoreError> {
        self.alive()?;
        self.inner.now().await
    }

    async fn open(&self, entry: &Entry) -> Result<Opened, StoreError> {
        self.alive()?;
        let opened = self.inner.open(entry).await?;
        if self.crash == Crash::BeforeSending {
            return Err(self.dies("after writing the entry, before sending"));
        }
        Ok(opened)
    }

    async fn close(
        &self,
        location: &LocationId,
        name: &str,
        state: &EntryState,
    ) -> Result<Closed, StoreError> {
        self.alive()?;
        match self.crash {
            Crash::BeforeClosing => Err(self.dies("before writing the outcome")),
            Crash::WhileClosing => {
                self.inner.close(location, name, state).await?;
                Err(self.dies("after writing the outcome, before answering"))
            }
            _ => self.inner.close(location, name, state).await,
        }
    }

    async fn entry(&self, location: &LocationId, name: &str) -> Result<Option<Entry>, StoreError> {
        self.alive()?;
        self.inner.entry(location, name).await
    }

    async fn open_entries(&self) -> Result<Vec<Entry>, StoreError> {
        self.alive()?;
        self.inner.open_entries().await
    }
}

/// An entry's state, short: A applied, N not applied, open.
fn short(state: &EntryState) -> &'static str {
    match state {
        EntryState::Applied { .. } => "A",
        EntryState::NotApplied { .. } => "N",
        EntryState::Open => "open",
    }
}

/// One case's world: an emulator, a client, the intent `op` moves money
/// on, in the state it needs.
struct World {
    emulator: Emulator,
    dojo: Dojo,
    op: Op,
    intent: api_types::PaymentIntent,
}

impl World {
    async fn new(op: Op, seed: u64, http: &reqwest::Client) -> Self {
        let emulator = Emulator::builder().seed(seed).start().await.unwrap();
        let dojo = builder_of(
            &emulator,
            RetryPolicy {
                deadline: DEADLINE,
                ..quick_retries()
            },
        )
        .http_client(http.clone())
        .settlement_policy(SettlementPolicy {
            in_flight_margin: MARGIN,
            read_lag: READ_LAG,
        })
        .build()
        .unwrap();
        let intent = match op {
            Op::Capture | Op::Reverse => paid(&emulator, &dojo, 1000, CaptureMode::Manual).await,
            Op::Refund => paid(&emulator, &dojo, 1000, CaptureMode::Auto).await,
            Op::Cancel => dojo
                .payment_intents()
                .create(gbp(1000), "Crash points")
                .send()
                .await
                .unwrap(),
            Op::Charge => {
                let setup = dojo
                    .setup_intents()
                    .create(
                        "Crash points",
                        "Terms.",
                        MerchantInitiatedTransactionType::NoShow,
                    )
                    .intended_amount(gbp(700))
                    .created()
                    .await
                    .unwrap();
                emulator
                    .authorize_setup_intent(setup.id(), &good_card())
                    .unwrap();
                dojo.payment_intents()
                    .create(gbp(700), "Crash points charge")
                    .setup_intent(setup.id())
                    .send()
                    .await
                    .unwrap()
            }
        };
        // As read before the call: what the journal's reads compare with.
        let id = intent.id.clone().unwrap();
        let intent = dojo.payment_intents().get(&id).await.unwrap();
        Self {
            emulator,
            dojo,
            op,
            intent,
        }
    }

    fn id(&self) -> &PaymentIntentId {
        self.intent.id.as_ref().unwrap()
    }

    /// How many times the emulator holds the movement: the oracle.
    fn held(&self) -> usize {
        let held = self.emulator.payment_intent(self.id()).unwrap();
        let is = |status| usize::from(held.status == Some(Open::Known(status)));
        match self.op {
            Op::Capture => held.captures.iter().flatten().count(),
            Op::Charge => is(PaymentIntentStatus::Captured),
            Op::Reverse => is(PaymentIntentStatus::Reversed),
            Op::Cancel => is(PaymentIntentStatus::Canceled),
            Op::Refund => self.emulator.refund_count(self.id()),
        }
    }

    /// How many times the movement's call reached the emulator.
    fn sends(&self) -> usize {
        calls(&self.emulator, self.op.route())
    }

    /// The journaled call, as the caller makes it.
    async fn journaled<S: JournalStore + 'static>(
        journal: &Journal<S>,
        dojo: &Dojo,
        op: Op,
        name: &str,
        intent: &api_types::PaymentIntent,
    ) -> Result<EntryState, JournalError> {
        match op {
            Op::Capture => journal.capture(dojo, name, intent, gbp(400)).await,
            Op::Charge => journal.charge(dojo, name, intent).await,
            Op::Reverse => journal.reverse(dojo, name, intent).await,
            Op::Cancel => journal.cancel(dojo, name, intent).await,
            Op::Refund => journal.refund(dojo, name, intent, gbp(300)).await,
        }
    }
}

/// One case, as it went.
struct Case {
    op: Op,
    crash: Crash,
    /// What the crashed call came to.
    first: String,
    held_after_crash: usize,
    /// What `reconcile` made of the entry (`-`: nothing open to take up).
    reconciled: String,
    held_after_reconcile: usize,
    /// The same name asked for again.
    same_name: String,
    /// A new name, when the same one said nothing moved.
    new_name: String,
    held: usize,
    sends: usize,
    violations: Vec<String>,
}

/// The oracle's rule: an entry's state is true of the emulator's state.
fn truthful(state: &EntryState, held: usize) -> Result<(), String> {
    match (state, held) {
        (_, n) if n > 1 => Err(format!("the movement is held {n} times")),
        (EntryState::Applied { .. }, 1) | (EntryState::NotApplied { .. }, 0) => Ok(()),
        (EntryState::Open, _) => Err("left open, though every read answers".into()),
        (state, held) => Err(format!(
            "{} while the emulator holds it {held} times",
            short(state)
        )),
    }
}

async fn run_case(op: Op, crash: Crash, seed: u64, http: &reqwest::Client) -> Case {
    let world = World::new(op, seed, http).await;
    let mut violations = Vec::new();
    let mut check = |what: &str, result: Result<(), String>| {
        if let Err(why) = result {
            violations.push(format!("{what}: {why}"));
        }
    };
    let name = format!("order-{seed}/{}", op.name());
    let inner = Arc::new(InMemoryJournal::default());
    let store = Arc::new(CrashingStore::new(inner.clone(), crash));

    // The process that crashes: the journaled call, in its own task.
    if crash == Crash::AwaitingAnswer {
        let stalled = Fault::Answer {
            acted: true,
            answer: BadAnswer::Stall,
        };
        world.emulator.inject_fault(op.route(), stalled, 1).unwrap();
    }
    let crashing = Arc::new(Journal::new(store.clone(), &world.dojo));
    let process = {
        let journal = crashing.clone();
        let (dojo, intent, name) = (world.dojo.clone(), world.intent.clone(), name.clone());
        tokio::spawn(async move { World::journaled(&journal, &dojo, op, &name, &intent).await })
    };
    let first = if crash == Crash::AwaitingAnswer {
        // Dies once Dojo has acted, while its answer stalls (long before
        // the client's deadline; the limit is for a call that never came).
        let waited = Instant::now();
        while world.held() == 0 && waited.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        store.die();
        process.abort();
        match process.await {
            Err(join) if join.is_cancelled() => "aborted".to_owned(),
            Err(join) => format!("panicked: {join}"),
            Ok(outcome) => format!("finished before the crash: {outcome:?}"),
        }
    } else {
        let answered = process.await.unwrap();
        // An outcome that proves the movement is written behind the answer:
        // the crash then comes after the caller heard the truth.
        crashing.flush().await;
        match answered {
            Err(JournalError::Store(error)) => format!("Err(Store): {error}"),
            Ok(state @ EntryState::Applied { .. })
                if matches!(crash, Crash::BeforeClosing | Crash::WhileClosing) =>
            {
                check("the answer", truthful(&state, world.held()));
                format!("answered {}, then crashed writing it", short(&state))
            }
            other => format!("not the crash: {other:?}"),
        }
    };
    let crashed_as_planned =
        first == "aborted" || first.starts_with("Err(Store)") || first.starts_with("answered A");
    check(
        "the crash",
        crashed_as_planned
            .then_some(())
            .ok_or_else(|| first.clone()),
    );
    let held_after_crash = world.held();
    check(
        "after the crash",
        (held_after_crash == usize::from(crash.sent()))
            .then_some(())
            .ok_or_else(|| {
                format!(
                    "held {held_after_crash} times; expected {}",
                    usize::from(crash.sent())
                )
            }),
    );
    let left = inner
        .entry(world.dojo.location_id(), &name)
        .await
        .unwrap()
        .map(|e| e.state);
    let expected_left = match crash {
        Crash::WhileClosing => "A",
        _ => "open",
    };
    check(
        "the entry the crash left",
        (left.as_ref().map(short) == Some(expected_left))
            .then_some(())
            .ok_or_else(|| format!("{left:?}; expected {expected_left}")),
    );
    if let Some(left) = left.as_ref().filter(|s| !s.is_open()) {
        check("the entry the crash left", truthful(left, held_after_crash));
    }

    // The restart: a new journal on the store the crash left, once the
    // entry can no longer be in flight.
    tokio::time::sleep(PAST_THE_WINDOW).await;
    let journal = Journal::new(inner.clone(), &world.dojo);
    let reconciled = journal.reconcile(&world.dojo).await;
    let held_after_reconcile = world.held();
    let reconciled = match reconciled {
        Ok(settled) => {
            let ours = settled.iter().find(|r| r.name == name);
            let expected = match (crash, op) {
                (Crash::WhileClosing, _) => "-",
                // Sent again with its key: the refund is made now.
                (Crash::BeforeSending, Op::Refund) => "A",
                (Crash::BeforeSending, _) => "N",
                _ => "A",
            };
            let found = ours.map_or("-", |r| short(&r.state));
            check(
                "reconcile",
                (found == expected && settled.len() == usize::from(ours.is_some()))
                    .then_some(())
                    .ok_or_else(|| format!("{settled:?}; expected {expected}")),
            );
            if let Some(ours) = ours {
                check("reconcile", truthful(&ours.state, held_after_reconcile));
            }
            found.to_owned()
        }
        Err(error) => {
            check("reconcile", Err(error.to_string()));
            "error".to_owned()
        }
    };

    // The caller asks for the same name again (a retried job).
    let sends_before = world.sends();
    let again = World::journaled(&journal, &world.dojo, op, &name, &world.intent).await;
    let held_after_again = world.held();
    let sent_again = world.sends() - sends_before;
    check(
        "the same name again",
        (sent_again == 0)
            .then_some(())
            .ok_or_else(|| format!("sent {sent_again} calls for a settled entry")),
    );
    let (same_name, new_name) = match again {
        Ok(state) => {
            check("the same name again", truthful(&state, held_after_again));
            let recorded = inner
                .entry(world.dojo.location_id(), &name)
                .await
                .unwrap()
                .map(|e| e.state);
            check(
                "the same name again",
                (recorded.as_ref() == Some(&state))
                    .then_some(())
                    .ok_or_else(|| format!("answered {state:?}, the store holds {recorded:?}")),
            );
            let new_name = match state {
                // Nothing moved under that name, and it is one call: the
                // caller makes it under a new name.
                EntryState::NotApplied { .. } => {
                    let renamed = format!("{name}/again");
                    let made =
                        World::journaled(&journal, &world.dojo, op, &renamed, &world.intent).await;
                    match made {
                        Ok(state) => {
                            check("a new name", truthful(&state, world.held()));
                            short(&state).to_owned()
                        }
                        Err(error) => {
                            check("a new name", Err(error.to_string()));
                            "error".to_owned()
                        }
                    }
                }
                _ => "-".to_owned(),
            };
            (short(&state).to_owned(), new_name)
        }
        Err(error) => {
            check("the same name again", Err(error.to_string()));
            ("error".to_owned(), "-".to_owned())
        }
    };

    let held = world.held();
    check(
        "in the end",
        (held == 1)
            .then_some(())
            .ok_or_else(|| format!("held {held} times")),
    );
    // Only a refund is ever sent again (with its key, made once): by the
    // reconcile after a crash that may have sent it.
    let sends = world.sends();
    let expected_sends = match (op, crash) {
        (Op::Refund, Crash::AwaitingAnswer | Crash::BeforeClosing) => 2,
        _ => 1,
    };
    check(
        "sends",
        (sends == expected_sends)
            .then_some(())
            .ok_or_else(|| format!("{sends} calls reached Dojo; expected {expected_sends}")),
    );
    Case {
        op,
        crash,
        first,
        held_after_crash,
        reconciled,
        held_after_reconcile,
        same_name,
        new_name,
        held,
        sends,
        violations,
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = if self.first == "aborted" {
            "aborted"
        } else if self.first.starts_with("Err(Store)") {
            "Err(Store)"
        } else if self.first.starts_with("answered A") {
            "Ok(A), outcome behind"
        } else {
            "?"
        };
        write!(
            f,
            "| {} | {} | {first} | {} | {} | {} | {} | {} | {} | {} | {} |",
            self.op.name(),
            self.crash.name(),
            self.held_after_crash,
            self.reconciled,
            self.held_after_reconcile,
            self.same_name,
            self.new_name,
            self.held,
            self.sends,
            if self.violations.is_empty() {
                "ok"
            } else {
                "✗"
            },
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_survives_every_crash_point_moving_money_exactly_once() {
    let plan: Vec<(Op, Crash)> = Op::ALL
        .into_iter()
        .flat_map(|op| Crash::ALL.map(|crash| (op, crash)))
        .collect();
    // One connection pool for every case's client.
    let http = dojo_payments::raw::http_client_with(Duration::from_secs(5), None).unwrap();
    let started = Instant::now();
    let cases: Vec<Case> = futures_util::stream::iter(plan.iter().enumerate())
        .map(|(n, &(op, crash))| run_case(op, crash, n as u64, &http))
        .buffer_unordered(plan.len())
        .collect()
        .await;
    let elapsed = started.elapsed();

    println!(
        "| op | crash point | crashed call | held | reconcile | held | same name again | new name | held at the end | calls sent | |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for &(op, crash) in &plan {
        let case = cases
            .iter()
            .find(|c| c.op == op && c.crash == crash)
            .unwrap();
        println!("{case}");
    }
    let violations: Vec<String> = cases
        .iter()
        .flat_map(|c| {
            c.violations
                .iter()
                .map(move |v| format!("{} / {}: {v}", c.op.name(), c.crash.name()))
        })
        .collect();
    println!(
        "\n{} cases in {:.1} s; violations: {}",
        cases.len(),
        elapsed.as_secs_f64(),
        violations.len()
    );
    assert_eq!(cases.len(), 20, "5 operations × 4 crashes (3 points)");
    assert!(violations.is_empty(), "{violations:#?}");
}
