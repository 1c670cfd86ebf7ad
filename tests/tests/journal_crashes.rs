//! Money moves once across crashes, proven with a real process and a real
//! kill: `journal_worker` (src/bin) moves money through the journal on a
//! real database; the emulator commits the call and drops the answer; the
//! worker is killed with SIGKILL before it can write the outcome; a new
//! worker reconciles, then runs the same job again. One refund, capture or
//! charge in the emulator's state, and a journal with nothing open.
//!
//! On SQLite always, and on PostgreSQL when `DOJO_TEST_POSTGRES_URL` names
//! a server (`.ci/run` starts one).

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use dojo_payments::Dojo;
use dojo_payments::api_types::{
    CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus,
};
use dojo_payments::journal::{EntryState, JournalStore};
use dojo_payments::types::{Currency, Money, Open, PaymentIntentId};
use dojo_payments_emulator::{Card, Emulator, Fault};
use dojo_payments_sqlx::SqlJournal;
use workspace_tests::databases;

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const CHARGE: &str = "POST /payment-intents/{paymentIntentId}/charge";
const READ: &str = "GET /payment-intents/{paymentIntentId}";

/// The workers' call deadline (above the 1 s the tests slow reads by), and
/// the journal's in-flight window (which must outlast it).
const DEADLINE_MS: u64 = 2_000;
const WINDOW_MS: u64 = 2_100;

fn gbp(pence: i64) -> Money {
    Money::new(pence, Currency::GBP)
}

fn client(emulator: &Emulator) -> Dojo {
    Dojo::builder(emulator.api_key())
        .api_url(emulator.api_url())
        .build()
        .unwrap()
}

fn worker(emulator: &Emulator, db: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_journal_worker"));
    command
        .args(args)
        .env("DOJO_API_KEY", emulator.api_key().expose())
        .env("DOJO_API_URL", emulator.api_url())
        .env("JOURNAL_URL", db)
        // Short, so that a killed worker's entry is soon stale for the next.
        .env("DOJO_DEADLINE_MS", DEADLINE_MS.to_string())
        .env("JOURNAL_IN_FLIGHT_MS", WINDOW_MS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn finished(output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the worker failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Runs the worker with `args`, kills it (SIGKILL) once `committed` holds
/// (Dojo made the change; its answer is lost), and checks it was killed,
/// not finished.
async fn kill_after_commit(
    emulator: &Emulator,
    db: &str,
    args: &[&str],
    committed: impl Fn() -> bool,
) {
    let mut child = worker(emulator, db, args)
        .spawn()
        .expect("the worker starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !committed() {
        assert!(Instant::now() < deadline, "Dojo never committed {args:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "the worker was killed mid-call, not finished: {status}"
    );
}

/// After the kill: the entry written before sending is the one open entry;
/// a new worker reconciles it to `applied`, and the same job run again
/// sends nothing.
async fn restart(emulator: &Emulator, db: &str, job: &[&str], name: &str) {
    let journal = SqlJournal::connect(db).await.unwrap();
    let open = journal.open_entries().await.unwrap();
    assert_eq!(
        open.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        [name],
        "written before sending"
    );
    emulator.clear_faults();
    // Until the window has passed, the entry may be in flight: reconcile
    // would leave it alone.
    tokio::time::sleep(Duration::from_millis(WINDOW_MS)).await;
    let reconciled = finished(worker(emulator, db, &["reconcile"]).output().unwrap());
    assert_eq!(reconciled.trim(), format!("{name} applied"));
    let again = finished(worker(emulator, db, job).output().unwrap());
    assert_eq!(
        again.trim(),
        format!("{name} applied"),
        "the job again: the first outcome"
    );
    assert!(journal.open_entries().await.unwrap().is_empty());
    let entry = journal.entry(name).await.unwrap().unwrap();
    assert!(
        matches!(entry.state, EntryState::Applied { .. }),
        "{entry:?}"
    );
}

async fn paid(dojo: &Dojo, emulator: &Emulator, mode: CaptureMode) -> PaymentIntentId {
    let intent = dojo
        .payment_intents()
        .create(gbp(1000), "Order")
        .capture_mode(mode)
        .created()
        .await
        .unwrap();
    emulator
        .pay(intent.id(), &Card::test("5200000000001005").unwrap(), false)
        .unwrap();
    intent.id().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_killed_after_dojo_committed_it_is_made_once() {
    for kind in databases::kinds() {
        let db = databases::fresh(kind, "refund_kill").await;
        let emulator = Emulator::start().await.unwrap();
        let id = paid(&client(&emulator), &emulator, CaptureMode::Auto).await;
        // Every attempt is made and its answer lost: the worker retries
        // with the same key until it is killed.
        emulator
            .inject_fault(REFUNDS, Fault::drop_after_commit(), 1000)
            .unwrap();
        let job = ["refund", "order-1/refund-1", id.as_str(), "300"];
        kill_after_commit(&emulator, &db, &job, || emulator.refund_count(&id) == 1).await;
        restart(&emulator, &db, &job, "order-1/refund-1").await;
        assert_eq!(
            emulator.refund_count(&id),
            1,
            "{kind:?}: one refund in Dojo's state"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_killed_after_dojo_committed_it_is_settled_by_a_read() {
    for kind in databases::kinds() {
        let db = databases::fresh(kind, "capture_kill").await;
        let emulator = Emulator::start().await.unwrap();
        let dojo = client(&emulator);
        let id = paid(&dojo, &emulator, CaptureMode::Manual).await;
        // The capture is made and its answer lost; the SDK's read that
        // would settle it is slow, so the kill lands before the outcome is
        // written.
        emulator
            .inject_fault(CAPTURES, Fault::drop_after_commit(), 1)
            .unwrap();
        emulator
            .inject_fault(READ, Fault::Latency(Duration::from_secs(1)), 2)
            .unwrap();
        let job = ["capture", "order-2/capture-1", id.as_str(), "400"];
        let captured = || emulator.requests().iter().any(|r| r == CAPTURES);
        kill_after_commit(&emulator, &db, &job, captured).await;
        restart(&emulator, &db, &job, "order-2/capture-1").await;
        let read = dojo.payment_intents().get(&id).await.unwrap();
        let captures: Vec<i64> = read
            .captures
            .iter()
            .flatten()
            .filter_map(|c| c.amount)
            .collect();
        assert_eq!(captures, [400], "{kind:?}: one capture in Dojo's state");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_charge_killed_after_dojo_committed_it_is_settled_by_a_read() {
    for kind in databases::kinds() {
        let db = databases::fresh(kind, "charge_kill").await;
        let emulator = Emulator::start().await.unwrap();
        let dojo = client(&emulator);
        let setup = dojo
            .setup_intents()
            .create(
                "Booking",
                "No-show fee.",
                MerchantInitiatedTransactionType::NoShow,
            )
            .intended_amount(gbp(700))
            .created()
            .await
            .unwrap();
        emulator
            .authorize_setup_intent(setup.id(), &Card::test("5200000000001005").unwrap())
            .unwrap();
        let intent = dojo
            .payment_intents()
            .create(gbp(700), "Booking")
            .setup_intent(setup.id())
            .created()
            .await
            .unwrap();
        let id = intent.id().clone();
        emulator
            .inject_fault(CHARGE, Fault::drop_after_commit(), 1)
            .unwrap();
        emulator
            .inject_fault(READ, Fault::Latency(Duration::from_secs(1)), 2)
            .unwrap();
        let job = ["charge", "booking-3/no-show", id.as_str()];
        let charged = || emulator.requests().iter().any(|r| r == CHARGE);
        kill_after_commit(&emulator, &db, &job, charged).await;
        restart(&emulator, &db, &job, "booking-3/no-show").await;
        let read = dojo.payment_intents().get(&id).await.unwrap();
        assert_eq!(
            read.status,
            Some(Open::Known(PaymentIntentStatus::Captured)),
            "{kind:?}"
        );
        let charges = emulator.requests().iter().filter(|r| *r == CHARGE).count();
        assert_eq!(charges, 1, "{kind:?}: charged once");
    }
}
