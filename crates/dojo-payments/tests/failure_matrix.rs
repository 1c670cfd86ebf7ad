//! A failed call tells the truth about the money, under every answer Dojo
//! can give and every way its reads can mislead: every money-moving
//! operation × every kind of bad answer (a 500, a 429, a gateway's 502,
//! 503 and 504, a status the document does not list, a 200 that does not
//! decode, a 2xx without the created object, a body cut off, no answer
//! until the deadline, a connection closed, a change committed after the
//! answer, a documented refusal of a resend after a "maybe"), made with the
//! change committed and without, and every fault of the settlement read
//! (it fails, it hangs, it lags, it lacks fields) × each way to make the
//! call (the resource, with the caller's key or the SDK's, the lifecycle,
//! the journal). The emulator's state, read behind every fault, is the
//! oracle. In every cell:
//!
//! 1. what the SDK says first never claims less, or more, than the truth:
//!    "applied" only when the emulator holds the movement once, "nothing
//!    moved" only when it holds none (anything else is "unknown", and is
//!    settled);
//! 2. a caller that follows the documented advice (resend on "nothing
//!    moved"; on "unknown" resend a refund with the error's key, settle
//!    anything else with `Error::unsettled().settle()`, or let the journal
//!    reconcile it) ends with the movement made exactly once;
//! 3. the journal never says `NotApplied` for an applied call nor `Applied`
//!    for one that was not.
//!
//! The table is printed (`cargo test -p dojo-payments --test failure_matrix
//! -- --nocapture`) and kept in BENCHMARKS.md.

mod common;

use std::fmt;
use std::time::Duration;

use common::*;
use dojo_payments::api_types::{
    self, CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus,
};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::lifecycle::setup_intent::AnySetupIntent;
use dojo_payments::settlement::Unsettled;
use dojo_payments::types::{Open, PaymentIntentId, SetupIntentId};
use dojo_payments::{Delivery, Dojo, IdempotencyKey, Outcome, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault, Omitted};
use futures_util::{StreamExt, TryStreamExt};

/// The client's deadline in the matrix: a stalled answer ends here.
const DEADLINE: Duration = Duration::from_millis(700);
/// How long after its deadline a call may still land: with the deadline,
/// the in-flight window (0.9 s) of the journal and of `Unsettled::settle`.
const MARGIN: Duration = Duration::from_millis(200);
const WINDOW: Duration = DEADLINE.saturating_add(MARGIN);
/// How far apart the two reads that prove "not applied" are.
const READ_LAG: Duration = Duration::from_millis(500);
/// A lagging read's lag: longer than the window (a single read made at its
/// end misses a change committed as the call was sent), shorter than the
/// window and the read lag (the second read sees it): the read-lag
/// assumption, held by the fault.
const LAG: Duration = Duration::from_millis(1_100);
/// How often the advice looks again at what is still unknown.
const PATIENCE: usize = 6;

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

const READ_ROUTE: &str = "GET /payment-intents/{paymentIntentId}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// The resource call (a refund with the caller's key).
    Resource,
    /// A refund's resource call without a key: the SDK makes one, and the
    /// advice resends with the key the error carries.
    ResourceSdkKey,
    /// The typed lifecycle (a refund with the SDK's key).
    Lifecycle,
    Journal,
}

impl Way {
    const ALL: [Way; 4] = [
        Way::Resource,
        Way::ResourceSdkKey,
        Way::Lifecycle,
        Way::Journal,
    ];

    fn applies_to(self, op: Op) -> bool {
        self != Way::ResourceSdkKey || op == Op::Refund
    }
}

/// What goes wrong in a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Trouble {
    /// The movement's answer, the change made (`acted`) or not.
    Answer(BadAnswer),
    /// A `2xx` without the created object: `{}`, after acting or without.
    Unproven,
    /// A `200` with a problem document, nothing done.
    ProblemWith200,
    /// The change committed 300 ms after a 500 was answered.
    CommitLater,
    /// A refund answered 500, then every resend of the SDK's (its own
    /// retry, the journal's reconcile) refused with a documented 400.
    ResendRefused,
    /// The movement answered 500; then the settlement reads…
    Read(ReadTrouble),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadTrouble {
    /// …fail (500) three times (one whole read, its retries included).
    Fails,
    /// …hang once, until the client's deadline.
    Hangs,
    /// …lag by [`LAG`], all of them.
    Stale,
    /// …lack `captures`, `refundedAmount` and `status`, three times.
    FieldsMissing,
}

impl Trouble {
    fn every() -> Vec<Trouble> {
        let mut every: Vec<Trouble> = [500, 429, 502, 503, 504, 418]
            .into_iter()
            .map(|status| {
                Trouble::Answer(BadAnswer::Status {
                    status,
                    retry_after: None,
                })
            })
            .collect();
        every.extend(
            [
                BadAnswer::Undecodable,
                BadAnswer::CutOff,
                BadAnswer::Stall,
                BadAnswer::HangUp,
            ]
            .map(Trouble::Answer),
        );
        every.extend([
            Trouble::Unproven,
            Trouble::ProblemWith200,
            Trouble::CommitLater,
            Trouble::ResendRefused,
        ]);
        every.extend(
            [
                ReadTrouble::Fails,
                ReadTrouble::Hangs,
                ReadTrouble::Stale,
                ReadTrouble::FieldsMissing,
            ]
            .map(Trouble::Read),
        );
        every
    }

    fn applies_to(&self, op: Op, acted: bool) -> bool {
        match self {
            // Only a refund is ever sent again by the SDK.
            Trouble::ResendRefused => op == Op::Refund,
            // It always commits; a problem document comes of nothing done.
            Trouble::CommitLater => acted,
            Trouble::ProblemWith200 => !acted,
            _ => true,
        }
    }

    fn name(&self) -> String {
        match self {
            Trouble::Answer(BadAnswer::Status { status, .. }) => status.to_string(),
            Trouble::Answer(BadAnswer::Undecodable) => "undecodable".into(),
            Trouble::Answer(BadAnswer::EmptyObject) => "200 {} (as an answer)".into(),
            Trouble::Answer(BadAnswer::CutOff) => "cut off".into(),
            Trouble::Answer(BadAnswer::Stall) => "stall".into(),
            Trouble::Answer(BadAnswer::HangUp) => "hang-up".into(),
            Trouble::Unproven => "200 {}".into(),
            Trouble::ProblemWith200 => "200 + problem".into(),
            Trouble::CommitLater => "500, commit later".into(),
            Trouble::ResendRefused => "500, resend 400".into(),
            Trouble::Read(ReadTrouble::Fails) => "500 + read fails".into(),
            Trouble::Read(ReadTrouble::Hangs) => "500 + read hangs".into(),
            Trouble::Read(ReadTrouble::Stale) => "500 + read lags".into(),
            Trouble::Read(ReadTrouble::FieldsMissing) => "500 + read lacks fields".into(),
        }
    }

    /// Arms the faults of this trouble, the change made or not.
    fn arm(&self, emulator: &Emulator, op: Op, acted: bool, resends: usize) {
        let route = op.route();
        let status = |status| Fault::Answer {
            acted,
            answer: BadAnswer::Status {
                status,
                retry_after: None,
            },
        };
        match self {
            Trouble::Answer(answer) => {
                let fault = Fault::Answer {
                    acted,
                    answer: answer.clone(),
                };
                emulator.inject_fault(route, fault, 1).unwrap();
            }
            Trouble::Unproven if acted => {
                let fault = Fault::Omit(Omitted::Everything);
                emulator.inject_fault(route, fault, 1).unwrap();
            }
            Trouble::Unproven => {
                let fault = Fault::Answer {
                    acted: false,
                    answer: BadAnswer::EmptyObject,
                };
                emulator.inject_fault(route, fault, 1).unwrap();
            }
            Trouble::ProblemWith200 => emulator.inject_fault(route, Fault::fail(200), 1).unwrap(),
            Trouble::CommitLater => {
                let fault = Fault::CommitLater {
                    after: Duration::from_millis(300),
                    answer: BadAnswer::Status {
                        status: 500,
                        retry_after: None,
                    },
                };
                emulator.inject_fault(route, fault, 1).unwrap();
            }
            Trouble::ResendRefused => {
                emulator.inject_fault(route, status(500), 1).unwrap();
                emulator
                    .inject_fault(route, Fault::fail(400), resends)
                    .unwrap();
            }
            Trouble::Read(_) => {
                emulator.inject_fault(route, status(500), 1).unwrap();
                self.arm_reads(emulator);
            }
        }
    }

    /// Whether the movement's route keeps its faults while the advice is
    /// followed (the journal's resend must meet the refusal).
    fn movement_faults_outlive_the_call(&self) -> bool {
        matches!(self, Trouble::ResendRefused)
    }
}

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

/// What a call said, with what the advice needs of its error.
struct Said {
    claim: Claim,
    key: Option<IdempotencyKey>,
    unsettled: Option<Unsettled>,
}

impl Said {
    fn of<T>(result: &dojo_payments::Result<T>) -> Self {
        match result {
            Ok(_) => Said {
                claim: Claim::Applied,
                key: None,
                unsettled: None,
            },
            Err(error) => Said {
                claim: match error.delivery() {
                    Delivery::Applied => Claim::Applied,
                    Delivery::MaybeApplied => Claim::Unknown,
                    Delivery::NotSent | Delivery::Refused | Delivery::NotApplied => Claim::Nothing,
                },
                key: error.idempotency_key().cloned(),
                unsettled: error.unsettled().cloned(),
            },
        }
    }

    fn of_entry(state: &EntryState) -> Self {
        Said {
            claim: claim_of_entry(state),
            key: None,
            unsettled: None,
        }
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
    /// A client with the default deadline, for setting up.
    setup: Dojo,
    journal: Journal<InMemoryJournal>,
    op: Op,
    intent: Option<api_types::PaymentIntent>,
    /// The typed intent, read before any fault is armed.
    typed: Option<AnyPaymentIntent>,
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
            .settlement_policy(SettlementPolicy {
                in_flight_margin: MARGIN,
                read_lag: READ_LAG,
            })
            .build()
            .unwrap();
        let journal = Journal::new(InMemoryJournal::default(), &dojo);
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
            typed: None,
            setup_intent: None,
            key: IdempotencyKey::generate(),
            names: 0,
        };
        world.prepare().await;
        world
    }

    /// The intent `op` moves money on, in the state it needs, read (raw
    /// and typed) before any fault is armed.
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
        self.reread().await;
    }

    /// Reads the intent again (no fault armed), raw and typed.
    async fn reread(&mut self) {
        if let Some(intent) = &self.intent {
            let id = intent.id.clone().unwrap();
            let intents = self.setup.payment_intents();
            self.intent = Some(intents.get_including_canceled(&id).await.unwrap());
            self.typed = Some(AnyPaymentIntent::read(&self.setup, &id).await.unwrap());
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

    /// How many times the emulator holds the movement: the oracle, read
    /// from its state behind every fault.
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
                    .filter_map(|i| self.emulator.payment_intent(i.id.as_ref()?))
                    .map(|i| is(&i, PaymentIntentStatus::Captured))
                    .sum()
            }
            _ => {
                let held = self.emulator.payment_intent(self.id()).unwrap();
                match self.op {
                    Op::Capture => held.captures.iter().flatten().count(),
                    Op::Charge => is(&held, PaymentIntentStatus::Captured),
                    Op::Reverse => is(&held, PaymentIntentStatus::Reversed),
                    _ => is(&held, PaymentIntentStatus::Canceled),
                }
            }
        }
    }

    /// The call, made `way`: what the SDK says of it (or why it could not
    /// be made: the intent is no longer in a state that allows it).
    async fn call(&mut self, way: Way) -> Result<Said, String> {
        match way {
            Way::Resource | Way::ResourceSdkKey => self.by_resource(way).await,
            Way::Lifecycle => self.by_lifecycle().await,
            Way::Journal => {
                self.names += 1;
                let name = format!("matrix/{}", self.names);
                let state = self.by_journal(&name).await?;
                Ok(Said::of_entry(&state))
            }
        }
    }

    async fn by_resource(&self, way: Way) -> Result<Said, String> {
        let intents = self.dojo.payment_intents();
        let intent = || self.intent.as_ref().unwrap();
        Ok(match self.op {
            Op::Capture => Said::of(&intents.capture(intent(), gbp(400)).await),
            Op::Charge => Said::of(&intents.charge(intent()).await),
            Op::Reverse => Said::of(&intents.reverse(intent()).await),
            Op::Cancel => Said::of(&intents.cancel(intent()).await),
            Op::Refund => {
                let refund = intents.refund(self.id(), gbp(300));
                let refund = match way {
                    Way::ResourceSdkKey => refund,
                    _ => refund.idempotency_key(self.key.clone()),
                };
                Said::of(&refund.send().await)
            }
            Op::SetupIntentCharge => {
                let made = self.charge_intent().await?;
                Said::of(&intents.charge(&made).await)
            }
        })
    }

    async fn by_lifecycle(&self) -> Result<Said, String> {
        let dojo = &self.dojo;
        if self.op == Op::SetupIntentCharge {
            let setup = self.setup_intent.as_ref().unwrap();
            return match AnySetupIntent::read(&self.setup, setup).await.unwrap() {
                AnySetupIntent::Authorized(setup) => Ok(Said::of(&setup.charge(dojo).await)),
                other => Err(format!("the setup intent is {:?}", other.status())),
            };
        }
        let read = self.typed.clone().unwrap();
        Ok(match (self.op, read) {
            (Op::Capture, AnyPaymentIntent::Authorized(p)) => {
                Said::of(&p.capture(dojo, gbp(400)).await)
            }
            (Op::Charge, AnyPaymentIntent::Created(p)) => Said::of(&p.charge(dojo).await),
            (Op::Reverse, AnyPaymentIntent::Authorized(p)) => Said::of(&p.reverse(dojo).await),
            (Op::Cancel, AnyPaymentIntent::Created(p)) => Said::of(&p.cancel(dojo).await),
            // The SDK makes the key; the error carries it.
            (Op::Refund, AnyPaymentIntent::Captured(p)) => {
                Said::of(&p.refund(dojo, gbp(300), None).await)
            }
            (Op::Refund, AnyPaymentIntent::Refunded(p)) => {
                Said::of(&p.refund(dojo, gbp(300), None).await)
            }
            (op, other) => return Err(format!("no {op:?} on an intent {:?}", other.status())),
        })
    }

    async fn by_journal(&mut self, name: &str) -> Result<EntryState, String> {
        let (dojo, journal) = (&self.dojo, &self.journal);
        let outcome = match self.op {
            Op::SetupIntentCharge => {
                let made = self.charge_intent().await?;
                let outcome = journal.charge(dojo, name, &made).await;
                self.intent = Some(made);
                outcome
            }
            _ => {
                let intent = self.intent.as_ref().unwrap();
                match self.op {
                    Op::Refund => journal.refund(dojo, name, intent, gbp(300)).await,
                    Op::Capture => journal.capture(dojo, name, intent, gbp(400)).await,
                    Op::Charge => journal.charge(dojo, name, intent).await,
                    Op::Reverse => journal.reverse(dojo, name, intent).await,
                    _ => journal.cancel(dojo, name, intent).await,
                }
            }
        };
        outcome.map_err(|e| e.to_string())
    }

    /// The documented advice for "unknown": the journal reconciles (again,
    /// later, while it leaves the entry open); a refund is sent again with
    /// the error's key; anything else is settled by `Unsettled::settle`,
    /// which waits out the in-flight window and reads twice; what did not
    /// happen is made again.
    async fn settle_unknown(&mut self, way: Way, said: Said) -> Result<(), String> {
        for attempt in 0..PATIENCE {
            if attempt > 0 {
                tokio::time::sleep(READ_LAG).await;
            }
            match self.settle_once(way, &said).await? {
                Claim::Applied => return self.check_claim(Claim::Applied, "settled").await,
                Claim::Nothing => {
                    self.check_claim(Claim::Nothing, "settled").await?;
                    return self.again(way).await;
                }
                Claim::Unknown => {}
            }
        }
        Err(format!("still unknown after {PATIENCE} settlements"))
    }

    /// One settlement, as the advice makes it.
    async fn settle_once(&mut self, way: Way, said: &Said) -> Result<Claim, String> {
        if way == Way::Journal {
            tokio::time::sleep(WINDOW).await;
            let reconciled = self.journal.reconcile(&self.dojo).await.unwrap();
            let state = reconciled
                .first()
                .map(|r| r.state.clone())
                .ok_or("reconcile did not take up the open entry")?;
            return Ok(claim_of_entry(&state));
        }
        if self.op == Op::Refund {
            let key = said
                .key
                .clone()
                .ok_or("the refund's error carries no key")?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            let resent = self
                .dojo
                .payment_intents()
                .refund(self.id(), gbp(300))
                .idempotency_key(key)
                .send()
                .await;
            return match Said::of(&resent).claim {
                Claim::Nothing => Err(format!("the resend says nothing moved: {resent:?}")),
                claim => Ok(claim),
            };
        }
        let unsettled = said
            .unsettled
            .as_ref()
            .ok_or("an unknown movement's error says nothing of how to settle it")?;
        Ok(match unsettled.settle(&self.dojo).await {
            Outcome::Applied(_) => Claim::Applied,
            Outcome::NotApplied(_) => Claim::Nothing,
            Outcome::Unknown(_) => Claim::Unknown,
        })
    }

    /// The call made again, now that Dojo answers normally: it must say
    /// applied.
    async fn again(&mut self, way: Way) -> Result<(), String> {
        self.emulator.clear_faults();
        if self.op == Op::SetupIntentCharge && way != Way::Lifecycle {
            // A new payment intent for the setup intent, as a caller would.
            self.intent = None;
        }
        self.reread().await;
        let said = self.call(way).await?;
        match said.claim {
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

/// One cell: the trouble, the claim, and what went wrong (nothing, we hope).
struct Cell {
    op: Op,
    way: Way,
    acted: bool,
    trouble: Trouble,
    claim: Claim,
    violations: Vec<String>,
}

async fn run_cell(
    op: Op,
    way: Way,
    acted: bool,
    trouble: Trouble,
    seed: u64,
    http: &reqwest::Client,
) -> Cell {
    let mut world = World::new(op, seed, http).await;
    if trouble == Trouble::Read(ReadTrouble::Stale) {
        // A lagging read then shows the intent as it was before the call,
        // not a 404 from before it existed.
        tokio::time::sleep(LAG).await;
    }
    // The SDK's resends a refused resend meets: its own retry within the
    // call, and (for the journal) the reconcile's.
    let resends = if way == Way::Journal { 2 } else { 1 };
    trouble.arm(&world.emulator, op, acted, resends);
    let said = world
        .call(way)
        .await
        .expect("the intent is prepared for the call");
    if !trouble.movement_faults_outlive_the_call() {
        // Dojo answers its movements normally again (the reads' faults
        // stay, to meet the settlement).
        world.emulator.clear_faults();
        trouble.arm_reads(&world.emulator);
    }
    let claim = said.claim;
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
        Claim::Unknown => world.settle_unknown(way, said).await,
    };
    check(advice);
    // A change committed later has landed by now, if ever.
    tokio::time::sleep(Duration::from_millis(50)).await;
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
        trouble,
        claim,
        violations,
    }
}

impl Trouble {
    /// The faults of the settlement reads, if any (again, after the
    /// movement's were cleared).
    fn arm_reads(&self, emulator: &Emulator) {
        if let Trouble::Read(read) = self {
            let (fault, times) = match read {
                ReadTrouble::Fails => (Fault::fail(500), 3),
                ReadTrouble::Hangs => (
                    Fault::Answer {
                        acted: false,
                        answer: BadAnswer::Stall,
                    },
                    1,
                ),
                ReadTrouble::Stale => (Fault::Stale { lag: LAG }, 10_000),
                ReadTrouble::FieldsMissing => (
                    Fault::Omit(Omitted::fields(["captures", "refundedAmount", "status"])),
                    3,
                ),
            };
            emulator.inject_fault(READ_ROUTE, fault, times).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_answer_and_read_tells_the_truth_and_moves_money_once() {
    let troubles = Trouble::every();
    let mut plan = Vec::new();
    for op in Op::ALL {
        for way in Way::ALL.into_iter().filter(|w| w.applies_to(op)) {
            for trouble in &troubles {
                for acted in [false, true] {
                    if trouble.applies_to(op, acted) {
                        plan.push((op, way, acted, trouble.clone()));
                    }
                }
            }
        }
    }
    // One pool for every cell's clients: a reqwest client costs tens of
    // milliseconds to build (its TLS roots), hundreds of them seconds.
    let http = dojo_payments::raw::http_client_with(Duration::from_secs(5), None).unwrap();
    let started = std::time::Instant::now();
    let cells: Vec<Cell> = futures_util::stream::iter(plan.into_iter().enumerate())
        .map(|(n, (op, way, acted, trouble))| run_cell(op, way, acted, trouble, n as u64, &http))
        .buffer_unordered(48)
        .collect()
        .await;
    let elapsed = started.elapsed();

    // The table: a row per operation and way, a column per trouble, without
    // and with (`acted`) the change; A applied, N nothing moved, ? unknown,
    // · not a cell (the trouble cannot happen to that call).
    let mut table = String::from("| operation | way |");
    for trouble in &troubles {
        table.push_str(&format!(" {} | (acted) |", trouble.name()));
    }
    table.push_str("\n| --- | --- |");
    table.push_str(&" --- |".repeat(troubles.len() * 2));
    for op in Op::ALL {
        for way in Way::ALL.into_iter().filter(|w| w.applies_to(op)) {
            table.push_str(&format!("\n| {} | {way:?} |", op.name()));
            for trouble in &troubles {
                for acted in [false, true] {
                    let cell = cells.iter().find(|c| {
                        c.op == op && c.way == way && c.acted == acted && &c.trouble == trouble
                    });
                    match cell {
                        Some(cell) => {
                            let mark = if cell.violations.is_empty() {
                                ""
                            } else {
                                " ✗"
                            };
                            table.push_str(&format!(" {}{mark} |", cell.claim));
                        }
                        None => table.push_str(" · |"),
                    }
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
                    c.trouble.name(),
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
    assert_eq!(cells.len(), 616, "15 rows of 32 cells, 4 refund rows of 34");
    assert!(violations.is_empty(), "{violations:#?}");
}
