//! The failure matrix of `failure_matrix.rs`, for terminal sessions: every
//! call that starts or moves a session (`POST /terminal-sessions` for a
//! sale — by the counter and through the journal —, a matched and an
//! unlinked refund through the journal; `PUT …/cancel`; `PUT …/signature`
//! accepting and rejecting) × every bad answer (a 500, a 429, a gateway's
//! 502, 503 and 504, a status the document does not list, a 200 that does
//! not decode, a body cut off, no answer until the deadline, a connection
//! closed), made with the change (`acted`) and without. The emulator's
//! state, read behind every fault, is the oracle. In every cell:
//!
//! 1. what the SDK says never claims less, or more, than the truth:
//!    "applied" only when the emulator made the change, "nothing moved"
//!    only when it did not (anything else is "unknown");
//! 2. a session is created once, never twice: nothing sends the create
//!    again (`POST /terminal-sessions` has no idempotency key);
//! 3. through the journal, an unknown create is settled by `reconcile_counter`
//!    once the customer has finished: `Applied` exactly when the money
//!    moved, `NotApplied` exactly when no session was made; an unlinked
//!    refund's stays open, with the reason.
//!
//! `cargo test -p dojo-payments --test session_failure_matrix -- --nocapture`
//! prints the table.

mod common;

use std::fmt;
use std::time::Duration;

use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus, TerminalSessionStatus as S};
use dojo_payments::counter::{Canceling, Counter, Outcome, TerminalSession, WaitPolicy};
use dojo_payments::counter::{InProgress, SignatureRequired};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, Started};
use dojo_payments::lifecycle::payment_intent::{AnyPaymentIntent, Created, PaymentIntent};
use dojo_payments::types::{Open, PaymentIntentId, TerminalId, TerminalSessionId};
use dojo_payments::{Delivery, Dojo, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault, Presentation};
use futures_util::StreamExt;

const DEADLINE: Duration = Duration::from_millis(700);
const MARGIN: Duration = Duration::from_millis(200);
const WINDOW: Duration = DEADLINE.saturating_add(MARGIN);
const READ_LAG: Duration = Duration::from_millis(150);
const CREATE: &str = "POST /terminal-sessions";
const CANCEL: &str = "PUT /terminal-sessions/{terminalSessionId}/cancel";
const SIGNATURE: &str = "PUT /terminal-sessions/{terminalSessionId}/signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    SaleByCounter,
    SaleJournaled,
    MatchedRefundJournaled,
    UnlinkedRefundJournaled,
    Cancel,
    AcceptSignature,
    RejectSignature,
}

impl Op {
    const ALL: [Op; 7] = [
        Op::SaleByCounter,
        Op::SaleJournaled,
        Op::MatchedRefundJournaled,
        Op::UnlinkedRefundJournaled,
        Op::Cancel,
        Op::AcceptSignature,
        Op::RejectSignature,
    ];

    fn route(self) -> &'static str {
        match self {
            Op::Cancel => CANCEL,
            Op::AcceptSignature | Op::RejectSignature => SIGNATURE,
            _ => CREATE,
        }
    }

    fn creates(self) -> bool {
        self.route() == CREATE
    }

    fn journaled(self) -> bool {
        matches!(
            self,
            Op::SaleJournaled | Op::MatchedRefundJournaled | Op::UnlinkedRefundJournaled
        )
    }
}

fn troubles() -> Vec<BadAnswer> {
    let mut every: Vec<BadAnswer> = [500, 429, 502, 503, 504, 418]
        .into_iter()
        .map(|status| BadAnswer::Status {
            status,
            retry_after: None,
        })
        .collect();
    every.extend([
        BadAnswer::Undecodable,
        BadAnswer::CutOff,
        BadAnswer::Stall,
        BadAnswer::HangUp,
    ]);
    every
}

fn trouble_name(answer: &BadAnswer) -> String {
    match answer {
        BadAnswer::Status { status, .. } => status.to_string(),
        BadAnswer::Undecodable => "undecodable".into(),
        BadAnswer::CutOff => "cut off".into(),
        BadAnswer::Stall => "stall".into(),
        BadAnswer::HangUp => "hang-up".into(),
        other => format!("{other:?}"),
    }
}

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

fn claim_of_error(error: &dojo_payments::Error) -> Claim {
    match error.delivery() {
        Delivery::Applied => Claim::Applied,
        Delivery::MaybeApplied => Claim::Unknown,
        Delivery::NotSent | Delivery::Refused | Delivery::NotApplied => Claim::Nothing,
    }
}

fn claim_of_started(started: &Started) -> Claim {
    match started {
        Started::Session(_) | Started::Settled(EntryState::Applied { .. }) => Claim::Applied,
        Started::Settled(EntryState::NotApplied { .. }) => Claim::Nothing,
        Started::Settled(EntryState::Open) | Started::Unknown(_) => Claim::Unknown,
    }
}

fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(10))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

struct World {
    emulator: Emulator,
    /// The client under test (its deadline ends a stalled answer).
    counter: Counter,
    /// A client for setting up and for reading the truth.
    clean: Counter,
    journal: Journal<InMemoryJournal>,
}

impl World {
    async fn new(seed: u64, http: &reqwest::Client) -> Self {
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
        let clean = builder_of(&emulator, quick_retries())
            .http_client(http.clone())
            .build()
            .unwrap();
        World {
            journal: Journal::new(InMemoryJournal::default(), &dojo),
            counter: Counter::new(dojo, "sw-house"),
            clean: Counter::new(clean, "sw-house"),
            emulator,
        }
    }

    fn setup(&self) -> &Dojo {
        self.clean.dojo()
    }

    async fn created(&self, minor: i64) -> PaymentIntent<Created> {
        self.setup()
            .payment_intents()
            .create(gbp(minor), "Matrix")
            .capture_mode(CaptureMode::Auto)
            .created()
            .await
            .unwrap()
    }

    /// Whether a session runs on the manual terminal now.
    async fn in_use(&self) -> bool {
        let terminal = self.clean.terminal(&manual()).await.unwrap();
        !terminal.is_available()
    }

    async fn status_of(&self, id: &TerminalSessionId) -> Open<S> {
        self.clean.session(id).await.unwrap().status().clone()
    }

    fn intent_status(&self, id: &PaymentIntentId) -> Option<Open<PaymentIntentStatus>> {
        self.emulator.payment_intent(id).unwrap().status
    }
}

struct Cell {
    op: Op,
    acted: bool,
    trouble: BadAnswer,
    claim: Claim,
    violations: Vec<String>,
}

fn check(violations: &mut Vec<String>, claim: Claim, truth: bool, when: &str) {
    let truthful = match claim {
        Claim::Applied => truth,
        Claim::Nothing => !truth,
        Claim::Unknown => true,
    };
    if !truthful {
        violations.push(format!("{when}: said {claim}, the change made: {truth}"));
    }
}

async fn run_cell(
    op: Op,
    acted: bool,
    trouble: BadAnswer,
    seed: u64,
    http: &reqwest::Client,
) -> Cell {
    let w = World::new(seed, http).await;
    let mut violations = Vec::new();
    let fault = Fault::Answer {
        acted,
        answer: trouble.clone(),
    };
    let claim = if op.creates() {
        create_cell(&w, op, fault, &mut violations).await
    } else {
        session_cell(&w, op, fault, &mut violations).await
    };
    Cell {
        op,
        acted,
        trouble,
        claim,
        violations,
    }
}

/// A create under the fault: the claim checked against the terminal; then
/// the customer pays on whatever session was made, and the journal's
/// reconcile must say what happened. Never a second create.
async fn create_cell(w: &World, op: Op, fault: Fault, violations: &mut Vec<String>) -> Claim {
    let sale = w.created(1200).await;
    let paid = paid(&w.emulator, w.setup(), 2000, CaptureMode::Auto).await;
    let paid_id = paid.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) =
        AnyPaymentIntent::read(w.setup(), &paid_id).await.unwrap()
    else {
        panic!("captured");
    };
    w.emulator.inject_fault(CREATE, fault, 1).unwrap();
    let name = "matrix/session";
    let (claim, session) = match op {
        Op::SaleByCounter => match w.counter.sale(&manual(), &sale).await {
            Ok(session) => (Claim::Applied, Some(session)),
            Err(error) => (claim_of_error(&error), None),
        },
        _ => {
            let started = match op {
                Op::SaleJournaled => w.journal.sale(&w.counter, name, &manual(), &sale).await,
                Op::MatchedRefundJournaled => {
                    w.journal
                        .matched_refund(&w.counter, name, &manual(), &captured, gbp(500))
                        .await
                }
                _ => {
                    w.journal
                        .unlinked_refund(&w.counter, name, &manual(), gbp(700), true)
                        .await
                }
            };
            let started = started.unwrap();
            let claim = claim_of_started(&started);
            let session = match started {
                Started::Session(Outcome::InProgress(session)) => Some(session),
                _ => None,
            };
            (claim, session)
        }
    };
    w.emulator.clear_faults();
    let made = w.in_use().await;
    check(violations, claim, made, "the first answer");
    if session.is_some() && !made {
        violations.push("a session was answered, none runs".into());
    }
    // The customer pays on the session made, if one was.
    if made {
        w.emulator
            .terminal(&manual())
            .present_card(&good_card())
            .unwrap();
    }
    if op.journaled() {
        // The same name again sends nothing.
        let again = match op {
            Op::SaleJournaled => w.journal.sale(&w.counter, name, &manual(), &sale).await,
            Op::MatchedRefundJournaled => {
                w.journal
                    .matched_refund(&w.counter, name, &manual(), &captured, gbp(500))
                    .await
            }
            _ => {
                w.journal
                    .unlinked_refund(&w.counter, name, &manual(), gbp(700), true)
                    .await
            }
        };
        if let Err(error) = again {
            violations.push(format!("the same name again: {error}"));
        }
        tokio::time::sleep(WINDOW).await;
        let reconciled = w.journal.reconcile_counter(&w.counter).await.unwrap();
        let state = match reconciled.iter().find(|r| r.name == name) {
            Some(r) => r.state.clone(),
            None => {
                let entry = w.journal.finish_session(&w.counter, name).await.unwrap();
                entry.state
            }
        };
        let moved = match op {
            Op::SaleJournaled => {
                w.intent_status(sale.id()) == Some(Open::Known(PaymentIntentStatus::Captured))
            }
            Op::MatchedRefundJournaled => w.emulator.refund_count(&paid_id) == 1,
            _ => made,
        };
        match (&state, op) {
            (EntryState::Open, Op::UnlinkedRefundJournaled) if claim == Claim::Unknown => {}
            (EntryState::Open, _) => violations.push("reconciled, still open".into()),
            (EntryState::Applied { .. }, _) if !moved => {
                violations.push("reconciled Applied, nothing moved".into());
            }
            (EntryState::NotApplied { .. }, _) if moved => {
                violations.push("reconciled NotApplied, the money moved".into());
            }
            _ => {}
        }
    }
    let creates = calls(&w.emulator, CREATE);
    if creates != 1 {
        violations.push(format!("{creates} creates: sent again"));
    }
    claim
}

/// A cancel or a signature answer under the fault, on a session made
/// without one: the claim checked against the session's status.
async fn session_cell(w: &World, op: Op, fault: Fault, violations: &mut Vec<String>) -> Claim {
    let sale = w.created(1300).await;
    let session: TerminalSession<InProgress> = w.counter.sale(&manual(), &sale).await.unwrap();
    let id = session.id().clone();
    let check_signature = if op == Op::Cancel {
        None
    } else {
        w.emulator
            .terminal(&manual())
            .present(&good_card(), Presentation::Swipe)
            .unwrap();
        let Outcome::SignatureRequired(check) = session.clone().outcome(quick()).await.unwrap()
        else {
            panic!("a signature check");
        };
        Some(check)
    };
    w.emulator.inject_fault(op.route(), fault, 1).unwrap();
    let claim = match (op, check_signature) {
        (Op::Cancel, _) => match session.cancel().await {
            Ok(Canceling::Requested(_)) => Claim::Applied,
            Ok(Canceling::CardPresented(_)) => Claim::Nothing,
            // Over when the cancel came: canceled (by this cancel's first
            // attempt) is the cancel made; any other end, nothing done.
            Ok(Canceling::Over(Outcome::Canceled(_))) => Claim::Applied,
            Ok(Canceling::Over(_)) => Claim::Nothing,
            Err(error) => claim_of_error(&error),
        },
        (op, Some(check)) => answer(op, check).await,
        _ => unreachable!(),
    };
    w.emulator.clear_faults();
    let status = w.status_of(&id).await;
    let made = match op {
        Op::Cancel => matches!(status, Open::Known(S::CancelRequested | S::Canceled)),
        Op::AcceptSignature => matches!(
            status,
            Open::Known(S::SignatureVerificationAccepted | S::Captured)
        ),
        _ => status == Open::Known(S::SignatureVerificationRejected),
    };
    check(violations, claim, made, "the answer");
    claim
}

async fn answer(op: Op, check: TerminalSession<SignatureRequired>) -> Claim {
    let result = if op == Op::AcceptSignature {
        check.accept().await.map(|_| ())
    } else {
        check.reject().await.map(|_| ())
    };
    match result {
        Ok(()) => Claim::Applied,
        Err(error) => claim_of_error(&error),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_session_call_under_every_answer_tells_the_truth_and_creates_once() {
    let troubles = troubles();
    let mut plan = Vec::new();
    for op in Op::ALL {
        for trouble in &troubles {
            for acted in [false, true] {
                plan.push((op, acted, trouble.clone()));
            }
        }
    }
    let http = dojo_payments::raw::http_client_with(Duration::from_secs(5), None).unwrap();
    let started = std::time::Instant::now();
    let cells: Vec<Cell> = futures_util::stream::iter(plan.into_iter().enumerate())
        .map(|(n, (op, acted, trouble))| run_cell(op, acted, trouble, n as u64, &http))
        .buffer_unordered(32)
        .collect()
        .await;
    let elapsed = started.elapsed();

    let mut table = String::from("| call |");
    for trouble in &troubles {
        table.push_str(&format!(" {} | (acted) |", trouble_name(trouble)));
    }
    table.push_str("\n| --- |");
    table.push_str(&" --- |".repeat(troubles.len() * 2));
    for op in Op::ALL {
        table.push_str(&format!("\n| {op:?} |"));
        for trouble in &troubles {
            for acted in [false, true] {
                let cell = cells
                    .iter()
                    .find(|c| c.op == op && c.acted == acted && &c.trouble == trouble)
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
    let violations: Vec<String> = cells
        .iter()
        .flat_map(|c| {
            c.violations.iter().map(move |v| {
                format!(
                    "{:?} / {} (acted: {}): {v}",
                    c.op,
                    trouble_name(&c.trouble),
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
    assert_eq!(cells.len(), 140, "7 calls × 10 answers × acted or not");
    assert!(violations.is_empty(), "{violations:#?}");
}
