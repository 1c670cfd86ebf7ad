//! A soak of the journal: over 500 money-moving calls (refunds, captures,
//! setup-intent charges, reversals) by two worker processes at once, each
//! killed at random and restarted, while random faults are armed on Dojo's
//! routes: every bad answer the emulator can give (a 5xx, a 200 that does
//! not decode, a status the document does not list, a body cut off, no
//! answer until the deadline, a connection closed), each with the change
//! made or not, and slow answers. The two workers take the jobs in
//! opposite orders, so they meet on the same names. Then an audit from the
//! emulator's state: no money moved twice, no journal entry contradicting
//! it, every entry left open listed with its reason. On SQLite, and
//! PostgreSQL when its server is there.

mod journal_support;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dojo_payments::Dojo;
use dojo_payments::api_types::{
    CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus,
};
use dojo_payments::journal::EntryState;
use dojo_payments::types::{Open, PaymentIntentId};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{BadAnswer, Card, Emulator, Fault};
use dojo_payments_sqlx::SqlJournal;
use journal_support::*;
use workspace_tests::databases;

const JOBS: usize = 520;
const ROUTES: [&str; 4] = [
    "POST /payment-intents/{paymentIntentId}/refunds",
    "POST /payment-intents/{paymentIntentId}/captures",
    "POST /payment-intents/{paymentIntentId}/charge",
    "POST /payment-intents/{paymentIntentId}/reversal",
];

/// One job of the soak: what it does, and on which intent.
struct Job {
    op: &'static str,
    name: String,
    intent: PaymentIntentId,
}

impl Job {
    fn line(&self) -> String {
        match self.op {
            "refund" => format!("refund {} {} 300", self.name, self.intent),
            "capture" => format!("capture {} {} 400", self.name, self.intent),
            op => format!("{op} {} {}", self.name, self.intent),
        }
    }
}

async fn prepare(dojo: &Dojo, emulator: &Emulator, rng: &mut fastrand::Rng) -> Vec<Job> {
    let card = Card::test(APPROVED_MASTERCARD).unwrap();
    let mut jobs = Vec::new();
    for n in 0..JOBS {
        let op = ["refund", "capture", "charge", "reverse"][rng.usize(0..4)];
        let intent = if op == "charge" {
            let setup = dojo
                .setup_intents()
                .create(
                    format!("Soak {n}"),
                    "Terms.",
                    MerchantInitiatedTransactionType::NoShow,
                )
                .intended_amount(gbp(700))
                .created()
                .await
                .unwrap();
            emulator.authorize_setup_intent(setup.id(), &card).unwrap();
            let made = dojo
                .payment_intents()
                .create(gbp(700), format!("Soak {n}"))
                .setup_intent(setup.id());
            made.created().await.unwrap().id().clone()
        } else {
            let mode = if op == "refund" {
                CaptureMode::Auto
            } else {
                CaptureMode::Manual
            };
            let made = dojo
                .payment_intents()
                .create(gbp(1000), format!("Soak {n}"))
                .capture_mode(mode);
            let id = made.created().await.unwrap().id().clone();
            emulator.pay(&id, &card, false).unwrap();
            id
        };
        jobs.push(Job {
            op,
            name: format!("soak-{n}/{op}"),
            intent,
        });
    }
    jobs
}

fn worker(emulator: &Emulator, db: &str, args: &[&str]) -> Command {
    // The deadline is above the longest a killed worker's request can
    // still be in Dojo (the 100 ms latency fault): only then is a read
    // conclusive.
    let mut command = journal_support::worker(
        emulator,
        db,
        args,
        Duration::from_millis(200),
        Duration::from_millis(250),
    );
    // The emulator here answers every read at once and whole (lagging reads
    // are the failure matrix's, `crates/dojo-payments/tests/`): the 3 s a
    // read may lag by default would only be waited out by every call left
    // in doubt, hundreds of times, and proves nothing more here.
    command.env("DOJO_READ_LAG_MS", "100");
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command
}

fn arm_random_fault(emulator: &Emulator, rng: &mut fastrand::Rng) {
    let answers = [
        BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
        BadAnswer::Status {
            status: 503,
            retry_after: None,
        },
        BadAnswer::Status {
            status: 418,
            retry_after: None,
        },
        BadAnswer::Undecodable,
        BadAnswer::CutOff,
        BadAnswer::Stall,
        BadAnswer::HangUp,
    ];
    let fault = match rng.usize(0..=answers.len()) {
        n if n == answers.len() => Fault::Latency(Duration::from_millis(100)),
        n => Fault::Answer {
            acted: rng.bool(),
            answer: answers[n].clone(),
        },
    };
    emulator
        .inject_fault(ROUTES[rng.usize(0..ROUTES.len())], fault, 1)
        .unwrap();
}

/// Runs the jobs to the end by two workers at once (the second taking them
/// in reverse order), through kills and faults; how many kills.
async fn run_with_kills(
    emulator: &Emulator,
    db: &str,
    file: &str,
    rng: &mut fastrand::Rng,
) -> usize {
    let orders: [&[&str]; 2] = [&["jobs", file], &["jobs", file, "reverse"]];
    let mut running: [Option<Child>; 2] = [None, None];
    let mut done = [false, false];
    let (mut kills, mut starts) = (0, 0);
    let mut kill_at = Instant::now() + Duration::from_millis(rng.u64(40..400));
    while !(done[0] && done[1]) {
        for (slot, args) in orders.iter().enumerate() {
            if done[slot] {
                continue;
            }
            match &mut running[slot] {
                None => {
                    starts += 1;
                    assert!(starts < 800, "the workers never finished the jobs");
                    running[slot] = Some(worker(emulator, db, args).spawn().unwrap());
                }
                Some(child) => {
                    if let Some(status) = child.try_wait().unwrap() {
                        // A worker that gave up on an error is started again.
                        done[slot] = status.success();
                        running[slot] = None;
                    }
                }
            }
        }
        if kills < 30 && Instant::now() >= kill_at {
            let slot = rng.usize(0..2);
            if let Some(mut child) = running[slot].take() {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
            }
            kill_at = Instant::now() + Duration::from_millis(rng.u64(40..400));
        }
        if rng.u8(0..4) == 0 {
            arm_random_fault(emulator, rng);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    kills
}

/// Whether the emulator shows `job`'s money moved, and how many times.
async fn moved(dojo: &Dojo, emulator: &Emulator, job: &Job) -> usize {
    let read = dojo.payment_intents().get(&job.intent).await.unwrap();
    let is = |status| read.status == Some(Open::Known(status));
    match job.op {
        "refund" => emulator.refund_count(&job.intent),
        "capture" => read.captures.iter().flatten().count(),
        "charge" => usize::from(is(PaymentIntentStatus::Captured)),
        _ => usize::from(is(PaymentIntentStatus::Reversed)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_journaled_calls_through_faults_and_kills_move_money_once_on_sqlite() {
    soak(databases::Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_journaled_calls_through_faults_and_kills_move_money_once_on_postgres() {
    if databases::kinds().contains(&databases::Kind::Postgres) {
        soak(databases::Kind::Postgres).await;
    }
}

async fn soak(kind: databases::Kind) {
    {
        let db = databases::fresh(kind, "soak").await;
        let emulator = Emulator::start().await.unwrap();
        let dojo = Dojo::builder(emulator.api_key())
            .endpoints(emulator.endpoints())
            .build()
            .unwrap();
        let mut rng = fastrand::Rng::with_seed(20_261_202);
        let jobs = prepare(&dojo, &emulator, &mut rng).await;
        let file =
            std::env::temp_dir().join(format!("dojo-soak-{}-{kind:?}.jobs", std::process::id()));
        std::fs::write(
            &file,
            jobs.iter().map(Job::line).collect::<Vec<_>>().join("\n"),
        )
        .unwrap();

        let kills = run_with_kills(&emulator, &db, file.to_str().unwrap(), &mut rng).await;
        emulator.clear_faults();
        let status = worker(&emulator, &db, &["reconcile"]).status().unwrap();
        assert!(status.success());

        let journal = SqlJournal::connect(&db).await.unwrap();
        let entries: BTreeMap<String, EntryState> = journal
            .entries()
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.state))
            .collect();
        let (mut twice, mut contradictions, mut open, mut applied, mut not_applied) =
            (0, 0, Vec::new(), 0, 0);
        for job in &jobs {
            let times = moved(&dojo, &emulator, job).await;
            twice += usize::from(times > 1);
            match entries.get(&job.name) {
                Some(EntryState::Applied { .. }) => {
                    applied += 1;
                    if times != 1 {
                        contradictions += 1;
                        let _ = writeln!(
                            std::io::stderr(),
                            "contradiction: {} applied, moved {times}",
                            job.name
                        );
                    }
                }
                Some(EntryState::NotApplied { reason }) => {
                    not_applied += 1;
                    if times != 0 {
                        contradictions += 1;
                        let _ = writeln!(
                            std::io::stderr(),
                            "contradiction: {} not applied ({reason}), moved {times}",
                            job.name
                        );
                    }
                }
                Some(EntryState::Open) => open.push(job.name.clone()),
                None => contradictions += 1, // every job ran
            }
        }
        let calls = emulator
            .requests()
            .iter()
            .filter(|r| ROUTES.contains(&r.as_str()))
            .count();
        let _ = writeln!(
            std::io::stderr(),
            "soak audit ({kind:?}): {} jobs, {calls} money-moving requests, {kills} kills; \
             applied {applied}, not applied {not_applied}, open {}; moved twice {twice}; contradictions {contradictions}",
            jobs.len(),
            open.len()
        );
        assert!(calls >= 500, "{calls} money-moving requests");
        assert!(kills >= 20, "the worker was killed only {kills} times");
        assert_eq!(twice, 0, "{kind:?}: money moved twice");
        assert_eq!(
            contradictions, 0,
            "{kind:?}: journal entries contradict the emulator"
        );
        // A read settles every unkeyed entry here, and a refund is resent:
        // nothing is left open once Dojo answers again.
        assert!(open.is_empty(), "{kind:?}: left open: {open:?}");
        let _ = std::fs::remove_file(&file);
    }
}
