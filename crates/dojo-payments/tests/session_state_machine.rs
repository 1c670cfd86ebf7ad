//! The terminal session's state machine against Dojo's document: every
//! status of `TerminalSessionStatus` is reached, and no transition the
//! document forbids is ever made. The allowed transitions are the table
//! below, derived from the document and its in-person guides:
//!
//! - a session is created `InitiateRequested`; the terminal picks it up
//!   (`Initiated`), or it expires unclaimed (`expireAt` 10 s on);
//! - a cancel is taken only before a card is presented (`CancelRequested`,
//!   then `Canceled` once the terminal confirms; a terminal gone offline
//!   meanwhile lets it expire);
//! - on the terminal: a card approved is `Captured` (`Authorized` for a
//!   `Manual` sale), declined `Declined`; no card in time `Expired`; a
//!   signature card asks the operator (`SignatureVerificationRequired`),
//!   who accepts (`SignatureVerificationAccepted`, or Dojo does after 80 s)
//!   or rejects (`SignatureVerificationRejected`: final, the payment
//!   reversed); an accepted signature then finishes as `Captured` or
//!   `Authorized` (the emulator keeps `Captured` final, the decision its
//!   README records against the signature example);
//! - `Captured`, `Authorized`, `Declined`, `Expired`, `Canceled` and
//!   `SignatureVerificationRejected` are final.
//!
//! The emulator, on a manual clock, is walked through random sequences of
//! control actions (sessions of every kind started, cards presented every
//! way, card problems, a customer walking away, the terminal going offline
//! and back, time passing, cancels and signature answers); after each, every
//! pair of consecutive statuses in the session's `statusEvents` (its whole
//! history, so nothing between two reads is missed) must be in the table.

mod common;

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use dojo_payments::Dojo;
use dojo_payments::api_types::{CaptureMode, TerminalSessionStatus as S};
use dojo_payments::counter::{Counter, Outcome};
use dojo_payments::types::{Open, TerminalId, TerminalSessionId};
use dojo_payments_emulator::testkit::declined_card;
use dojo_payments_emulator::{CardProblem, Emulator, Presentation};

/// The transitions the document allows: (from, to).
const ALLOWED: &[(S, S)] = &[
    (S::InitiateRequested, S::Initiated),
    (S::InitiateRequested, S::CancelRequested),
    (S::InitiateRequested, S::Expired),
    (S::Initiated, S::Captured),
    (S::Initiated, S::Authorized),
    (S::Initiated, S::Declined),
    (S::Initiated, S::Expired),
    (S::Initiated, S::CancelRequested),
    (S::Initiated, S::SignatureVerificationRequired),
    (S::CancelRequested, S::Canceled),
    (S::CancelRequested, S::Expired),
    (
        S::SignatureVerificationRequired,
        S::SignatureVerificationAccepted,
    ),
    (
        S::SignatureVerificationRequired,
        S::SignatureVerificationRejected,
    ),
    (S::SignatureVerificationAccepted, S::Captured),
    (S::SignatureVerificationAccepted, S::Authorized),
];

const EVERY_STATUS: [S; 11] = [
    S::InitiateRequested,
    S::Initiated,
    S::Authorized,
    S::Captured,
    S::CancelRequested,
    S::Canceled,
    S::SignatureVerificationAccepted,
    S::SignatureVerificationRejected,
    S::SignatureVerificationRequired,
    S::Expired,
    S::Declined,
];

/// A small deterministic generator (xorshift), so a failing walk repeats.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

struct Walk {
    emulator: std::sync::Arc<Emulator>,
    dojo: Dojo,
    counter: Counter,
    terminal: TerminalId,
    sessions: Vec<TerminalSessionId>,
    seen: BTreeSet<String>,
    transitions: BTreeSet<(String, String)>,
}

impl Walk {
    /// One random action; refusals (the terminal not waiting for a card,
    /// a cancel too late, …) are part of the walk.
    async fn step(&mut self, rng: &mut Rng) {
        let terminal = self.emulator.terminal(&self.terminal);
        match rng.below(14) {
            0..=2 => {
                let minor = 500 + rng.below(5000) as i64;
                let mode = if rng.below(2) == 0 {
                    CaptureMode::Auto
                } else {
                    CaptureMode::Manual
                };
                let started = match rng.below(4) {
                    0 => {
                        let Ok(paid) = self.paid_intent(minor).await else {
                            return;
                        };
                        let refund = dojo_payments::types::Money::new(
                            1 + rng.below(minor as u64) as i64,
                            dojo_payments::types::Currency::GBP,
                        );
                        self.counter
                            .matched_refund(&self.terminal, &paid, Some(refund))
                            .await
                    }
                    1 => {
                        self.counter
                            .unlinked_refund(&self.terminal, gbp(minor), rng.below(2) == 0)
                            .await
                    }
                    _ => {
                        let intent = self
                            .dojo
                            .payment_intents()
                            .create(gbp(minor), "Walk")
                            .capture_mode(mode)
                            .created()
                            .await
                            .unwrap();
                        self.counter.sale(&self.terminal, &intent).await
                    }
                };
                if let Ok(session) = started {
                    self.sessions.push(session.id().clone());
                }
            }
            3 | 4 => {
                let card = if rng.below(4) == 0 {
                    declined_card()
                } else {
                    good_card()
                };
                let how = [
                    Presentation::Chip,
                    Presentation::Contactless,
                    Presentation::ContactlessOverLimit,
                    Presentation::Swipe,
                ][rng.below(4) as usize];
                let _ = terminal.present(&card, how);
            }
            5 => {
                let problem = [
                    CardProblem::CardError,
                    CardProblem::CardUnsupported,
                    CardProblem::PresentOnlyOneCard,
                ][rng.below(3) as usize];
                let _ = terminal.card_problem(problem);
            }
            6 => {
                let _ = terminal.walk_away();
            }
            7 => {
                let _ = if rng.below(2) == 0 {
                    terminal.go_offline()
                } else {
                    terminal.come_online()
                };
            }
            8..=10 => {
                let by = [100, 300, 600, 2_500, 11_000, 81_000, 95_000][rng.below(7) as usize];
                self.emulator
                    .advance_clock(Duration::milliseconds(by))
                    .unwrap();
            }
            11 => {
                if let Some(Outcome::InProgress(session)) = self.last().await {
                    let _ = session.cancel().await;
                }
            }
            _ => {
                if let Some(Outcome::SignatureRequired(check)) = self.last().await {
                    let _ = if rng.below(2) == 0 {
                        check.accept().await.map(|_| ())
                    } else {
                        check.reject().await.map(|_| ())
                    };
                }
            }
        }
    }

    async fn paid_intent(
        &self,
        minor: i64,
    ) -> Result<
        dojo_payments::lifecycle::payment_intent::PaymentIntent<
            dojo_payments::lifecycle::payment_intent::Captured,
        >,
        dojo_payments::Error,
    > {
        let intent = self
            .dojo
            .payment_intents()
            .create(gbp(minor), "Walk refund")
            .created()
            .await?;
        dojo_payments_emulator::testkit::pay(&self.emulator, intent.id());
        intent.refresh_as(&self.dojo).await
    }

    async fn last(&self) -> Option<Outcome> {
        let id = self.sessions.last()?;
        self.counter.session(id).await.ok()
    }

    /// Every session's history checked against the table.
    async fn check(&mut self) -> Result<(), String> {
        for id in &self.sessions {
            let outcome = self.counter.session(id).await.unwrap();
            let statuses: Vec<S> = outcome
                .data()
                .status_events
                .iter()
                .map(|e| match &e.status {
                    Open::Known(status) => *status,
                    Open::Unknown(other) => panic!("the emulator sent status {other}"),
                })
                .collect();
            if statuses.first() != Some(&S::InitiateRequested) {
                return Err(format!("{id} began {statuses:?}"));
            }
            if outcome.status() != &Open::Known(*statuses.last().unwrap()) {
                return Err(format!("{id}: status is not its last event: {statuses:?}"));
            }
            for status in &statuses {
                self.seen.insert(format!("{status:?}"));
            }
            for pair in statuses.windows(2) {
                self.transitions
                    .insert((format!("{:?}", pair[0]), format!("{:?}", pair[1])));
                if !ALLOWED.contains(&(pair[0], pair[1])) {
                    return Err(format!(
                        "{id}: {:?} → {:?} is not allowed ({statuses:?})",
                        pair[0], pair[1]
                    ));
                }
            }
        }
        Ok(())
    }
}

#[tokio::test]
async fn random_walks_reach_every_status_and_make_no_forbidden_transition() {
    let mut seen = BTreeSet::new();
    let mut transitions = BTreeSet::new();
    for seed in 1..=6u64 {
        let emulator = Emulator::builder()
            .seed(seed)
            .manual_clock(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap())
            .start()
            .await
            .unwrap();
        let emulator = std::sync::Arc::new(emulator);
        let clock = emulator.clone();
        let dojo = Dojo::builder(emulator.api_key())
            .endpoints(emulator.endpoints())
            .retry_policy(quick_retries())
            .clock(move || clock.now())
            .build()
            .unwrap();
        let mut walk = Walk {
            counter: Counter::new(dojo.clone(), "sw-house"),
            dojo,
            emulator,
            terminal: TerminalId::from_wire("tm_sandbox_counter3"),
            sessions: Vec::new(),
            seen: BTreeSet::new(),
            transitions: BTreeSet::new(),
        };
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        for n in 0..120 {
            walk.step(&mut rng).await;
            if n % 10 == 9 {
                walk.check()
                    .await
                    .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            }
        }
        walk.check()
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        seen.extend(walk.seen);
        transitions.extend(walk.transitions);
    }
    println!("transitions made: {transitions:#?}");
    let missing: Vec<String> = EVERY_STATUS
        .iter()
        .map(|s| format!("{s:?}"))
        .filter(|s| !seen.contains(s))
        .collect();
    assert!(missing.is_empty(), "never reached: {missing:?}");
}
