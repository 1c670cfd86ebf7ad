//! A failed call tells the truth about the money, under every answer Dojo
//! can give: every money-moving operation × every kind of bad answer
//! (a 500, a 200 that does not decode, a status the document does not
//! list, a body cut off, no answer until the deadline, a connection
//! closed), made with the change committed and without × each way to make
//! the call (the resource, the lifecycle, the journal). The emulator's
//! state is the oracle. In every cell:
//!
//! 1. what the SDK says first never claims less, or more, than the truth:
//!    "applied" only when the emulator holds the movement once, "nothing
//!    moved" only when it holds none (anything else is "unknown", and is
//!    settled);
//! 2. a caller that follows the documented advice (resend on "nothing
//!    moved"; on "unknown" resend a refund with its key, settle anything
//!    else by a read once the call can no longer be in flight, or let the
//!    journal reconcile it) ends with the movement made exactly once;
//! 3. the journal never says `NotApplied` for an applied call nor `Applied`
//!    for one that was not.
//!
//! The table is printed (`cargo test -p dojo-payments --test failure_matrix
//! -- --nocapture`) and kept in BENCHMARKS.md.

mod common;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use dojo_payments::api_types::{
    self, CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus,
};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal};
use dojo_payments::lifecycle::{AnyPaymentIntent, AnySetupIntent};
use dojo_payments::settlement::{Before, Movement, applied};
use dojo_payments::types::{Open, PaymentIntentId, SetupIntentId};
use dojo_payments::{Delivery, Dojo, IdempotencyKey, RetryPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault};
use futures_util::{StreamExt, TryStreamExt};

/// The client's deadline in the matrix: a stalled answer ends here.
const DEADLINE: Duration = Duration::from_millis(1_000);
/// How long a call may still be in flight after it was sent: the journal's
/// window, and how long the advice waits before settling by a read.
const WINDOW: Duration = Duration::from_millis(1_200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Capture,
    Charge,
    Reverse,
    Cancel,
    Refund,
    SetupIntentCharge,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::Capture,
        Op::Charge,
        Op::Reverse,
        Op::Cancel,
        Op::Refund,
        Op::SetupIntentCharge,
    ];

    fn route(self) -> &'static str {
        match self {
            Op::Capture => "POST /payment-intents/{paymentIntentId}/captures",
            Op::Charge | Op::SetupIntentCharge => "POST /payment-intents/{paymentIntentId}/charge",
            Op::Reverse => "POST /payment-intents/{paymentIntentId}/reversal",
            Op::Cancel => "DELETE /payment-intents/{paymentIntentId}",
            Op::Refund => "POST /payment-intents/{paymentIntentId}/refunds",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::Capture => "capture",
            Op::Charge => "charge",
            Op::Reverse => "reversal",
            Op::Cancel => "cancel",
            Op::Refund => "refund",
            Op::SetupIntentCharge => "setup-intent charge",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Resource,
    Lifecycle,
    Journal,
}

const WAYS: [Way; 3] = [Way::Resource, Way::Lifecycle, Way::Journal];

/// What the SDK said of the money, first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    Applied,
    Nothing,
    Unknown,
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Claim::Applied => "A",
            Claim::Nothing => "N",
            Claim::Unknown => "?",
        })
    }
}

fn claim_of<T>(result: &dojo_payments::Result<T>) -> Claim {
    match result {
        Ok(_) => Claim::Applied,
        Err(error) => match error.delivery() {
            Delivery::Applied => Claim::Applied,
            Delivery::MaybeApplied => Claim::Unknown,
            Delivery::NotSent | Delivery::Refused | Delivery::NotApplied => Claim::Nothing,
        },
    }
}

fn claim_of_entry(state: &EntryState) -> Claim {
    match state {
        EntryState::Applied { .. } => Claim::Applied,
        EntryState::NotApplied { .. } => Claim::Nothing,
        EntryState::Open => Claim::Unknown,
    }
}

/// One cell's world: an emulator, a client, the journal, and the intent
/// (or setup intent) the movement is made on.
struct World {
    emulator: Emulator,
    /// The client under test.
    dojo: Dojo,
    /// A client with the default deadline, for setting up and for the
    /// oracle's reads.
    setup: Dojo,
    journal: Journal<InMemoryJournal>,
    op: Op,
    intent: Option<api_types::PaymentIntent>,
    setup_intent: Option<SetupIntentId>,
    key: IdempotencyKey,
    names: usize,
}

impl World {
    async fn new(op: Op, seed: u64, http: &reqwest::Client) -> Self {
        let emulator = Emulator::builder().seed(seed).start().await.unwrap();
        let under_test = RetryPolicy {
            deadline: DEADLINE,
            ..quick_retries()
        };
        let dojo = builder_of(&emulator, under_test)
            .http_client(http.clone())
            .build()
            .unwrap();
        let journal = Journal::new(InMemoryJournal::default(), &dojo)
            .in_flight_for(WINDOW, &dojo)
            .unwrap();
        let setup = builder_of(&emulator, quick_retries())
            .http_client(http.clone())
            .build()
            .unwrap();
        let mut world = Self {
            emulator,
            dojo,
            setup,
            journal,
            op,
            intent: None,
            setup_intent: None,
            key: IdempotencyKey::generate(),
            names: 0,
        };
        world.prepare().await;
        world
    }

    /// The intent `op` moves money on, in the state it needs.
    async fn prepare(&mut self) {
        let (emulator, dojo) = (&self.emulator, &self.setup);
        match self.op {
            Op::Capture | Op::Reverse => {
                self.intent = Some(paid(emulator, dojo, 1000, CaptureMode::Manual).await);
            }
            Op::Refund => self.intent = Some(paid(emulator, dojo, 1000, CaptureMode::Auto).await),
            Op::Cancel => {
                let created = dojo.payment_intents().create(gbp(1000), "Matrix").send();
                self.intent = Some(created.await.unwrap());
            }
            Op::Charge | Op::SetupIntentCharge => {
                let setup = dojo
                    .setup_intents()
                    .create("Matrix", "Terms.", MerchantInitiatedTransactionType::NoShow)
                    .intended_amount(gbp(700))
                    .created()
                    .await
                    .unwrap();
                emulator
                    .authorize_setup_intent(setup.id(), &good_card())
                    .unwrap();
                self.setup_intent = Some(setup.id().clone());
                if self.op == Op::Charge {
                    self.intent = Some(self.charge_intent().await.unwrap());
                }
            }
        }
    }

    /// A payment intent charging the setup intent (refused once it was
    /// charged).
    async fn charge_intent(&self) -> Result<api_types::PaymentIntent, String> {
        let setup = self.setup_intent.as_ref().unwrap();
        let made = self
            .setup
            .payment_intents()
            .create(gbp(700), "Matrix charge");
        made.setup_intent(setup)
            .send()
            .await
            .map_err(|e| e.to_string())
    }

    fn id(&self) -> &PaymentIntentId {
        self.intent.as_ref().unwrap().id.as_ref().unwrap()
    }

    fn movement(&self) -> Movement {
        match self.op {
            Op::Capture => Movement::Capture { amount: gbp(400) },
            Op::Charge | Op::SetupIntentCharge => Movement::Charge,
            Op::Reverse => Movement::Reverse,
            Op::Cancel => Movement::Cancel,
            Op::Refund => Movement::Refund {
                amount: gbp(300),
                key: self.key.clone(),
            },
        }
    }

    /// How many times the emulator holds the movement: the oracle.
    async fn moved(&self) -> usize {
        let is = |intent: &api_types::PaymentIntent, status| {
            usize::from(intent.status == Some(Open::Known(status)))
        };
        match self.op {
            Op::Refund => self.emulator.refund_count(self.id()),
            Op::SetupIntentCharge => {
                let setup = self.setup_intent.as_ref().unwrap();
                let intents: Vec<api_types::PaymentIntent> = self
                    .setup
                    .payment_intents()
                    .search()
                    .stream()
                    .try_collect()
                    .await
                    .unwrap();
                intents
                    .iter()
                    .filter(|i| i.setup_intent_id.as_ref() == Some(setup))
                    .map(|i| is(i, PaymentIntentStatus::Captured))
                    .sum()
            }
            _ => {
                let read = self
                    .setup
                    .payment_intents()
                    .get_including_canceled(self.id())
                    .await
                    .unwrap();
                match self.op {
                    Op::Capture => read.captures.iter().flatten().count(),
                    Op::Charge => is(&read, PaymentIntentStatus::Captured),
                    Op::Reverse => is(&read, PaymentIntentStatus::Reversed),
                    _ => is(&read, PaymentIntentStatus::Canceled),
                }
            }
        }
    }

    /// The call, made `way`: what the SDK says of it (or why it could not
    /// be made: the intent is no longer in a state that allows it).
    async fn call(&mut self, way: Way) -> Result<Claim, String> {
        match way {
            Way::Resource => self.by_resource().await,
            Way::Lifecycle => self.by_lifecycle().await,
            Way::Journal => {
                self.names += 1;
                let name = format!("matrix/{}", self.names);
                let state = self.by_journal(&name).await?;
                Ok(claim_of_entry(&state))
            }
        }
    }

    async fn by_resource(&self) -> Result<Claim, String> {
        let intents = self.dojo.payment_intents();
        Ok(match self.op {
            Op::Capture => claim_of(
                &intents
                    .capture(self.intent.as_ref().unwrap(), gbp(400))
                    .await,
            ),
            Op::Charge => claim_of(&intents.charge(self.intent.as_ref().unwrap()).await),
            Op::Reverse => claim_of(&intents.reverse(self.intent.as_ref().unwrap()).await),
            Op::Cancel => claim_of(&intents.cancel(self.intent.as_ref().unwrap()).await),
            Op::Refund => claim_of(
                &intents
                    .refund(self.id(), gbp(300))
                    .idempotency_key(self.key.clone())
                    .send()
                    .await,
            ),
            Op::SetupIntentCharge => {
                let made = self.charge_intent().await?;
                claim_of(&intents.charge(&made).await)
            }
        })
    }

    async fn by_lifecycle(&self) -> Result<Claim, String> {
        let dojo = &self.dojo;
        if self.op == Op::SetupIntentCharge {
            let setup = self.setup_intent.as_ref().unwrap();
            return match AnySetupIntent::read(dojo, setup).await.unwrap() {
                AnySetupIntent::Authorized(setup) => Ok(claim_of(&setup.charge(dojo).await)),
                other => Err(format!("the setup intent is {:?}", other.status())),
            };
        }
        let read = AnyPaymentIntent::read(dojo, self.id()).await.unwrap();
        Ok(match (self.op, read) {
            (Op::Capture, AnyPaymentIntent::Authorized(p)) => {
                claim_of(&p.capture(dojo, gbp(400)).await)
            }
            (Op::Charge, AnyPaymentIntent::Created(p)) => claim_of(&p.charge(dojo).await),
            (Op::Reverse, AnyPaymentIntent::Authorized(p)) => claim_of(&p.reverse(dojo).await),
            (Op::Cancel, AnyPaymentIntent::Created(p)) => claim_of(&p.cancel(dojo).await),
            (Op::Refund, AnyPaymentIntent::Captured(p)) => {
                claim_of(&p.refund(dojo, gbp(300), Some(self.key.clone())).await)
            }
            (Op::Refund, AnyPaymentIntent::Refunded(p)) => {
                claim_of(&p.refund(dojo, gbp(300), Some(self.key.clone())).await)
            }
            (op, other) => return Err(format!("no {op:?} on an intent {:?}", other.status())),
        })
    }

    async fn by_journal(&mut self, name: &str) -> Result<EntryState, String> {
        let (dojo, journal) = (&self.dojo, &self.journal);
        let outcome = match self.op {
            Op::Refund => journal.refund(dojo, name, self.id(), gbp(300)).await,
            Op::SetupIntentCharge => {
                let made = self.charge_intent().await?;
                let outcome = journal.charge(dojo, name, &made).await;
                self.intent = Some(made);
                outcome
            }
            _ => {
                let read = dojo.payment_intents().get_including_canceled(self.id());
                let intent = read.await.map_err(|e| e.to_string())?;
                match self.op {
                    Op::Capture => journal.capture(dojo, name, &intent, gbp(400)).await,
                    Op::Charge => journal.charge(dojo, name, &intent).await,
                    Op::Reverse => journal.reverse(dojo, name, &intent).await,
                    _ => journal.cancel(dojo, name, &intent).await,
                }
            }
        };
        outcome.map_err(|e| e.to_string())
    }

    /// The documented advice for "unknown": a refund is sent again with its
    /// key; anything else, once it can no longer be in flight, is settled
    /// by a read (the journal's `reconcile`, or a caller's own read
    /// compared with the intent before); what did not happen is made again.
    async fn settle_unknown(&mut self, way: Way, before: &Before) -> Result<(), String> {
        tokio::time::sleep(WINDOW).await;
        if way == Way::Journal {
            let reconciled = self.journal.reconcile(&self.dojo).await.unwrap();
            let state = reconciled
                .first()
                .map(|r| r.state.clone())
                .ok_or("reconcile did not take up the open entry")?;
            return match claim_of_entry(&state) {
                Claim::Applied => self.check_claim(Claim::Applied, "reconciled").await,
                Claim::Nothing => {
                    self.check_claim(Claim::Nothing, "reconciled").await?;
                    self.again(way).await
                }
                Claim::Unknown => Err(format!("reconcile left it open: {reconciled:?}")),
            };
        }
        if self.op == Op::Refund {
            return self.again(way).await;
        }
        if self.op == Op::SetupIntentCharge {
            // The setup intent says it: `Completed` once charged.
            let setup = self.setup_intent.as_ref().unwrap();
            return match AnySetupIntent::read(&self.setup, setup).await.unwrap() {
                AnySetupIntent::Completed(_) => Ok(()),
                AnySetupIntent::Authorized(_) => self.again(way).await,
                other => Err(format!("the setup intent is {:?}", other.status())),
            };
        }
        let after = self
            .dojo
            .payment_intents()
            .get_including_canceled(self.id())
            .await
            .unwrap();
        match applied(&self.movement(), before, &after) {
            Some(true) => Ok(()),
            Some(false) => self.again(way).await,
            None => Err("a read does not tell".into()),
        }
    }

    /// The call made again, now that Dojo answers normally: it must say
    /// applied.
    async fn again(&mut self, way: Way) -> Result<(), String> {
        if self.op == Op::SetupIntentCharge && way != Way::Lifecycle {
            // A new payment intent for the setup intent, as a caller would.
            self.intent = None;
        }
        match self.call(way).await? {
            Claim::Applied => Ok(()),
            other => Err(format!("made again, it says {other}")),
        }
    }

    /// `claim` is true of the emulator's state now.
    async fn check_claim(&self, claim: Claim, when: &str) -> Result<(), String> {
        let moved = self.moved().await;
        let truthful = match claim {
            Claim::Applied => moved == 1,
            Claim::Nothing => moved == 0,
            Claim::Unknown => moved <= 1,
        };
        if truthful {
            Ok(())
        } else {
            Err(format!(
                "{when}: said {claim}, the emulator holds it {moved} times"
            ))
        }
    }
}

/// One cell: the answer, the claim, and what went wrong (nothing, we hope).
struct Cell {
    op: Op,
    way: Way,
    acted: bool,
    answer: BadAnswer,
    claim: Claim,
    violations: Vec<String>,
}

async fn run_cell(
    op: Op,
    way: Way,
    acted: bool,
    answer: BadAnswer,
    seed: u64,
    http: &reqwest::Client,
) -> Cell {
    let mut world = World::new(op, seed, http).await;
    let before = world.intent.as_ref().map(Before::of);
    let fault = Fault::Answer {
        acted,
        answer: answer.clone(),
    };
    world.emulator.inject_fault(op.route(), fault, 1).unwrap();
    let claim = world
        .call(way)
        .await
        .expect("the intent is prepared for the call");
    world.emulator.clear_faults();
    let mut violations = Vec::new();
    let mut check = |result: Result<(), String>| {
        if let Err(violation) = result {
            violations.push(violation);
        }
    };
    check(world.check_claim(claim, "the first answer").await);
    let advice = match claim {
        Claim::Applied => Ok(()),
        Claim::Nothing => world.again(way).await,
        Claim::Unknown => {
            let before = before.clone().unwrap_or(Before {
                status: None,
                captures: None,
            });
            world.settle_unknown(way, &before).await
        }
    };
    check(advice);
    let moved = world.moved().await;
    if moved != 1 {
        check(Err(format!(
            "after the advice the emulator holds it {moved} times"
        )));
    }
    Cell {
        op,
        way,
        acted,
        answer,
        claim,
        violations,
    }
}

fn answer_name(answer: &BadAnswer) -> String {
    match answer {
        BadAnswer::Status { status, .. } => status.to_string(),
        BadAnswer::Undecodable => "undecodable".into(),
        BadAnswer::CutOff => "cut off".into(),
        BadAnswer::Stall => "stall".into(),
        BadAnswer::HangUp => "hang-up".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_answer_tells_the_truth_and_moves_money_once() {
    let mut answers: Vec<BadAnswer> = BadAnswer::every(500).into();
    // A status Dojo's document lists for none of these operations.
    answers.insert(
        2,
        BadAnswer::Status {
            status: 418,
            retry_after: None,
        },
    );
    let mut plan = Vec::new();
    for op in Op::ALL {
        for way in WAYS {
            for answer in &answers {
                for acted in [false, true] {
                    plan.push((op, way, acted, answer.clone()));
                }
            }
        }
    }
    // One pool for every cell's clients: a reqwest client costs tens of
    // milliseconds to build (its TLS roots), 432 of them seconds.
    let http = dojo_payments::raw::http_client_with(Duration::from_secs(5), None).unwrap();
    let started = std::time::Instant::now();
    let cells: Vec<Cell> = futures_util::stream::iter(plan.into_iter().enumerate())
        .map(|(n, (op, way, acted, answer))| run_cell(op, way, acted, answer, n as u64, &http))
        .buffer_unordered(16)
        .collect()
        .await;
    let elapsed = started.elapsed();

    // The table: a row per operation and way, a column per answer, with
    // (`acted`) and without the change; A applied, N nothing moved, ? unknown.
    let mut table = String::from("| operation | way |");
    for answer in &answers {
        table.push_str(&format!(
            " {} | {} (acted) |",
            answer_name(answer),
            answer_name(answer)
        ));
    }
    table.push_str("\n| --- | --- |");
    table.push_str(&" --- |".repeat(answers.len() * 2));
    let cells = Arc::new(cells);
    for op in Op::ALL {
        for way in WAYS {
            table.push_str(&format!("\n| {} | {way:?} |", op.name()));
            for answer in &answers {
                for acted in [false, true] {
                    let cell = cells
                        .iter()
                        .find(|c| {
                            c.op == op && c.way == way && c.acted == acted && &c.answer == answer
                        })
                        .unwrap();
                    let mark = if cell.violations.is_empty() {
                        ""
                    } else {
                        " ✗"
                    };
                    table.push_str(&format!(" {}{mark} |", cell.claim));
                }
            }
        }
    }
    let violations: Vec<String> = cells
        .iter()
        .flat_map(|c| {
            c.violations.iter().map(move |v| {
                format!(
                    "{} / {:?} / {} (acted: {}): {v}",
                    c.op.name(),
                    c.way,
                    answer_name(&c.answer),
                    c.acted
                )
            })
        })
        .collect();
    println!("{table}");
    println!(
        "\n{} cells in {:.1} s; violations: {}",
        cells.len(),
        elapsed.as_secs_f64(),
        violations.len()
    );
    assert_eq!(cells.len(), 6 * 3 * 6 * 2);
    assert!(violations.is_empty(), "{violations:#?}");
}
