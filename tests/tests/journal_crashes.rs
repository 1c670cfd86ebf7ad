//! Money moves once across crashes, proven with a real process and a real
//! kill: `journal_worker` (src/bin) moves money through the journal on a
//! real database; the emulator commits the call and drops the answer; the
//! worker is killed with SIGKILL before it can write the outcome; a new
//! worker reconciles, then runs the same job again. One refund, capture or
//! charge in the emulator's state, and a journal with nothing open.
//!
//! On SQLite always, and on PostgreSQL when `DOJO_TEST_POSTGRES_URL` names
//! a server (`.ci/run` starts one).

mod journal_support;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dojo_payments::Dojo;
use dojo_payments::api_types::{
    CaptureMode, MerchantInitiatedTransactionType, PaymentIntentStatus,
};
use dojo_payments::journal::{EntryState, JournalStore};
use dojo_payments::types::Open;
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator, Fault};
use dojo_payments_sqlx::SqlJournal;
use journal_support::*;
use workspace_tests::databases;

const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";
const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const CHARGE: &str = "POST /payment-intents/{paymentIntentId}/charge";
const READ: &str = "GET /payment-intents/{paymentIntentId}";

/// The workers' call deadline (above the 1 s the tests slow reads by), and
/// the journal's in-flight window (which must outlast it).
const DEADLINE_MS: u64 = 2_000;
const WINDOW_MS: u64 = 2_100;

fn client(emulator: &Emulator) -> Dojo {
    Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()
        .unwrap()
}

fn worker(emulator: &Emulator, db: &str, args: &[&str]) -> Command {
    journal_support::worker(
        emulator,
        db,
        args,
        Duration::from_millis(DEADLINE_MS),
        Duration::from_millis(WINDOW_MS),
    )
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
    let entry = journal
        .entry(&dojo_payments::types::LocationId::default(), name)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(entry.state, EntryState::Applied { .. }),
        "{entry:?}"
    );
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
            .authorize_setup_intent(setup.id(), &Card::test(APPROVED_MASTERCARD).unwrap())
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

/// A reversal and a cancel, each killed after Dojo made it and before its
/// outcome was written: the restarted worker settles each by reads, and
/// the intent is reversed, or canceled, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_and_a_cancel_killed_after_dojo_committed_them_are_settled_by_reads() {
    const REVERSAL: &str = "POST /payment-intents/{paymentIntentId}/reversal";
    const CANCEL: &str = "DELETE /payment-intents/{paymentIntentId}";
    for kind in databases::kinds() {
        for (operation, route, status) in [
            ("reverse", REVERSAL, PaymentIntentStatus::Reversed),
            ("cancel", CANCEL, PaymentIntentStatus::Canceled),
        ] {
            let db = databases::fresh(kind, &format!("{operation}_kill")).await;
            let emulator = Emulator::start().await.unwrap();
            let dojo = client(&emulator);
            let id = if operation == "reverse" {
                paid(&dojo, &emulator, CaptureMode::Manual).await
            } else {
                let created = dojo.payment_intents().create(gbp(500), "Order 5");
                created.created().await.unwrap().id().clone()
            };
            emulator
                .inject_fault(route, Fault::drop_after_commit(), 1)
                .unwrap();
            emulator
                .inject_fault(READ, Fault::Latency(Duration::from_secs(1)), 2)
                .unwrap();
            let name = format!("order-5/{operation}");
            let job = [operation, name.as_str(), id.as_str()];
            let sent = || emulator.requests().iter().any(|r| r == route);
            kill_after_commit(&emulator, &db, &job, sent).await;
            restart(&emulator, &db, &job, &name).await;
            let held = emulator.payment_intent(&id).unwrap();
            assert_eq!(
                held.status,
                Some(Open::Known(status)),
                "{kind:?} {operation}"
            );
            let calls = emulator.requests().iter().filter(|r| *r == route).count();
            assert_eq!(calls, 1, "{kind:?}: {operation} sent once");
        }
    }
}

/// A platform's worker moves money at three locations, each with its own
/// key, and is killed; the restarted worker's `reconcile` settles each
/// open entry with its own location's key (the emulator's log names the
/// account of every call), and each location holds one refund.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_of_three_locations_are_each_settled_with_their_own_key() {
    use dojo_payments::types::{ApiKey, LocationId};
    use dojo_payments::{Location, Locations};

    let names = ["soho", "camden", "leeds"];
    let keys: Vec<ApiKey> = names
        .iter()
        .map(|n| ApiKey::new(format!("sk_sandbox_{n}_0123456789abcdef")).unwrap())
        .collect();
    for kind in databases::kinds() {
        let db = databases::fresh(kind, "locations_kill").await;
        let mut builder = Emulator::builder();
        let mut locations = Locations::default();
        for (name, key) in names.iter().zip(&keys) {
            let id: LocationId = name.parse().unwrap();
            builder = builder.location(id.clone(), key.clone());
            locations.insert(Location::new(id, key.clone()));
        }
        let emulator = builder.start().await.unwrap();
        let platform = Dojo::builder(emulator.api_key())
            .endpoints(emulator.endpoints())
            .locations(locations)
            .build()
            .unwrap();
        let mut intents = Vec::new();
        for name in names {
            let cafe = platform.location(&name.parse().unwrap()).unwrap();
            intents.push(paid(&cafe, &emulator, CaptureMode::Auto).await);
        }
        let file = std::env::temp_dir().join(format!(
            "dojo-locations-{}-{kind:?}.jobs",
            std::process::id()
        ));
        let jobs: Vec<String> = names
            .iter()
            .zip(&intents)
            .map(|(name, id)| format!("refund {name}/refund-1 {id} 300 @{name}"))
            .collect();
        std::fs::write(&file, jobs.join("\n")).unwrap();
        // Every attempt is made and its answer lost: each refund ends
        // unconfirmed, its entry open; the worker is killed on the third.
        emulator
            .inject_fault(REFUNDS, Fault::drop_after_commit(), 1000)
            .unwrap();
        let mut jobs_worker = worker(&emulator, &db, &["jobs", file.to_str().unwrap()]);
        for (name, key) in names.iter().zip(&keys) {
            jobs_worker.env(
                format!("DOJO_LOCATION_{}", name.to_uppercase()),
                key.expose(),
            );
        }
        let last = intents[2].clone();
        let mut child = jobs_worker.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while emulator.refund_count(&last) == 0 {
            assert!(Instant::now() < deadline, "the third refund was never made");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().unwrap();
        assert_eq!(child.wait().unwrap().signal(), Some(9));
        let journal = SqlJournal::connect(&db).await.unwrap();
        let open = journal.open_entries().await.unwrap();
        assert_eq!(open.len(), 3, "{kind:?}: {open:?}");
        let locations: Vec<&str> = open.iter().map(|e| e.location.as_str()).collect();
        assert_eq!(locations, names, "{kind:?}: each entry knows its location");

        emulator.clear_faults();
        let logged = emulator.requests_by_account().len();
        tokio::time::sleep(Duration::from_millis(WINDOW_MS)).await;
        let mut reconcile = worker(&emulator, &db, &["reconcile"]);
        for (name, key) in names.iter().zip(&keys) {
            reconcile.env(
                format!("DOJO_LOCATION_{}", name.to_uppercase()),
                key.expose(),
            );
        }
        let settled = finished(reconcile.output().unwrap());
        for name in names {
            assert!(
                settled.contains(&format!("{name}/refund-1 applied")),
                "{kind:?}: {settled}"
            );
        }
        // The resent refunds, each with its own location's key.
        let resent: Vec<Option<String>> = emulator.requests_by_account()[logged..]
            .iter()
            .filter(|(route, _)| route == REFUNDS)
            .map(|(_, account)| account.clone())
            .collect();
        let expected: Vec<Option<String>> =
            names.iter().map(|n| Some(format!("acc_{n}"))).collect();
        assert_eq!(resent, expected, "{kind:?}");
        for id in &intents {
            assert_eq!(emulator.refund_count(id), 1, "{kind:?}: one refund each");
        }
        let _ = std::fs::remove_file(&file);
    }
}

/// A sale at the counter, killed twice: once while its session is in
/// flight (created, its id recorded, the worker polling it), once while
/// Dojo's answer to the create is on its way (the session made, its id not
/// yet known). Each time the customer pays on the terminal meanwhile; the
/// restarted worker reconciles (by the session's id; by the intent paid and
/// the terminal free), and the same job run again creates nothing: one
/// session, the intent captured once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_killed_mid_session_happens_once() {
    const CREATE: &str = "POST /terminal-sessions";
    const POLL: &str = "GET /terminal-sessions/{terminalSessionId}";
    const TERMINAL: &str = "tm_sandbox_counter3";
    for kind in databases::kinds() {
        for answer_lost in [false, true] {
            let db = databases::fresh(kind, &format!("sale_kill_{answer_lost}")).await;
            let emulator = Emulator::start().await.unwrap();
            let dojo = client(&emulator);
            let intent = dojo
                .payment_intents()
                .create(gbp(1840), "Table 7")
                .created()
                .await
                .unwrap();
            let id = intent.id().clone();
            let terminal = dojo_payments::types::TerminalId::from_wire(TERMINAL);
            let counter = dojo_payments::counter::Counter::new(dojo.clone(), "sw-house");
            if answer_lost {
                // The session is made; the answer stalls until the kill.
                let stall = Fault::Answer {
                    acted: true,
                    answer: dojo_payments_emulator::BadAnswer::Stall,
                };
                emulator.inject_fault(CREATE, stall, 1).unwrap();
            }
            let name = "table-7/sale";
            let job = ["sale", name, id.as_str(), TERMINAL];
            let in_flight = || {
                let requests = emulator.requests();
                let created = requests.iter().any(|r| r == CREATE);
                created && (answer_lost || requests.iter().any(|r| r == POLL))
            };
            kill_after_commit(&emulator, &db, &job, in_flight).await;
            let journal = SqlJournal::connect(&db).await.unwrap();
            let open = journal.open_entries().await.unwrap();
            assert_eq!(open.len(), 1, "{kind:?}: written before the create");
            assert_eq!(
                open[0].movement.session().is_some(),
                !answer_lost,
                "{kind:?}: the id recorded as soon as it was known"
            );
            emulator.clear_faults();
            // The customer pays on the session meanwhile.
            emulator
                .terminal(&terminal)
                .present_card(&Card::test(APPROVED_MASTERCARD).unwrap())
                .unwrap();
            if answer_lost {
                tokio::time::sleep(Duration::from_millis(WINDOW_MS)).await;
            }
            let reconciled = finished(worker(&emulator, &db, &["reconcile"]).output().unwrap());
            assert_eq!(reconciled.trim(), format!("{name} applied"), "{kind:?}");
            let again = finished(worker(&emulator, &db, &job).output().unwrap());
            assert_eq!(again.trim(), format!("{name} applied"), "{kind:?}");
            assert!(journal.open_entries().await.unwrap().is_empty());
            let creates = emulator.requests().iter().filter(|r| *r == CREATE).count();
            assert_eq!(creates, 1, "{kind:?}: one session, never two");
            let held = emulator.payment_intent(&id).unwrap();
            assert_eq!(
                held.status,
                Some(Open::Known(PaymentIntentStatus::Captured)),
                "{kind:?}"
            );
            assert!(counter.terminal(&terminal).await.unwrap().is_available());
        }
    }
}
