//! An outsider's attacks on Pay at Counter (issue #34): races on a
//! terminal and on a journal name, creates whose answers are lost or
//! empty, cancels and signature answers whose answers are lost, and
//! secrets in what the counter's types print. The emulator's state (its
//! request log, the payment intent, its refunds) is the oracle.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus};
use dojo_payments::counter::{Canceling, Counter, Outcome, WaitPolicy};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, JournalStore, Started};
use dojo_payments::lifecycle::payment_intent::{AnyPaymentIntent, Created, PaymentIntent};
use dojo_payments::types::{ApiKey, Open, TerminalId};
use dojo_payments::{Dojo, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault, NewTerminal, Omitted, Presentation};

const DEADLINE: Duration = Duration::from_millis(500);
const MARGIN: Duration = Duration::from_millis(200);
const WINDOW: Duration = DEADLINE.saturating_add(MARGIN);
const READ_LAG: Duration = Duration::from_millis(150);
const CREATE: &str = "POST /terminal-sessions";
const CANCEL: &str = "PUT /terminal-sessions/{terminalSessionId}/cancel";
const SIGNATURE: &str = "PUT /terminal-sessions/{terminalSessionId}/signature";
const SECRET: &str = "sk_sandbox_outsider_counter_0123456789abcdef";

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(10))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

struct World {
    emulator: Emulator,
    dojo: Dojo,
    counter: Counter,
    journal: Arc<Journal<InMemoryJournal>>,
}

async fn world() -> World {
    let key = ApiKey::new(SECRET).unwrap();
    let emulator = Emulator::builder()
        .seed(3434)
        .api_key(key)
        .start()
        .await
        .unwrap();
    let dojo = builder_of(
        &emulator,
        RetryPolicy {
            deadline: DEADLINE,
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: MARGIN,
        read_lag: READ_LAG,
    })
    .build()
    .unwrap();
    let counter = Counter::new(dojo.clone(), "sw-house");
    let journal = Arc::new(Journal::new(InMemoryJournal::default(), &dojo));
    World {
        emulator,
        dojo,
        counter,
        journal,
    }
}

async fn created(dojo: &Dojo, minor: i64) -> PaymentIntent<Created> {
    dojo.payment_intents()
        .create(gbp(minor), "Counter")
        .capture_mode(CaptureMode::Auto)
        .created()
        .await
        .unwrap()
}

fn intent_status(
    emulator: &Emulator,
    id: &dojo_payments::types::PaymentIntentId,
) -> PaymentIntentStatus {
    match emulator.payment_intent(id).unwrap().status {
        Some(Open::Known(status)) => status,
        other => panic!("status {other:?}"),
    }
}

/// Eight callers start the same sale under one name at once (a till's
/// double click, a retried job, two workers): one session is made, and
/// every caller is answered with it (or with the create still unknown).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_callers_racing_one_name_make_one_session() {
    let w = world().await;
    let sale = Arc::new(created(&w.dojo, 1250).await);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (journal, counter, sale) = (w.journal.clone(), w.counter.clone(), sale.clone());
        tasks.push(tokio::spawn(async move {
            journal
                .sale(&counter, "race/sale-1", &manual(), &sale)
                .await
                .unwrap()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Started::Session(outcome) => ids.push(outcome.data().id.clone()),
            other => panic!("every caller sees the session: {other:?}"),
        }
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(calls(&w.emulator, CREATE), 1);
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    let settled = w
        .journal
        .finish_session(&w.counter, "race/sale-1")
        .await
        .unwrap();
    assert!(
        matches!(settled.state, EntryState::Applied { .. }),
        "{settled:?}"
    );
    assert_eq!(
        intent_status(&w.emulator, sale.id()),
        PaymentIntentStatus::Captured
    );
}

/// Two tills start sales of different intents on the same terminal at
/// once: one gets the terminal, the other a typed refusal (Dojo's
/// TERMINAL_UNAVAILABLE), which its journal entry records as not applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_tills_racing_for_one_terminal_one_wins_the_other_is_refused() {
    let w = world().await;
    let a = created(&w.dojo, 1000).await;
    let b = created(&w.dojo, 2000).await;
    let till = manual();
    let (ra, rb) = tokio::join!(
        w.journal.sale(&w.counter, "till-a", &till, &a),
        w.journal.sale(&w.counter, "till-b", &till, &b),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let won = [&ra, &rb]
        .iter()
        .filter(|r| matches!(r, Started::Session(_)))
        .count();
    let refused = [&ra, &rb]
        .iter()
        .filter(|r| matches!(r, Started::Settled(EntryState::NotApplied { .. })))
        .count();
    assert_eq!((won, refused), (1, 1), "{ra:?} / {rb:?}");
    assert_eq!(calls(&w.emulator, CREATE), 2);
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    let statuses = [
        intent_status(&w.emulator, a.id()),
        intent_status(&w.emulator, b.id()),
    ];
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == PaymentIntentStatus::Captured)
            .count(),
        1,
        "{statuses:?}"
    );
}

/// The same intent sold on two terminals at once (two names): the card
/// presented on both takes the money once; the other session is declined,
/// and the journal settles one entry applied, the other not.
#[tokio::test]
async fn one_intent_on_two_terminals_is_paid_once() {
    let w = world().await;
    let other = w
        .emulator
        .add_terminal(NewTerminal::new("tm_sandbox_outsider_two"))
        .unwrap();
    let sale = created(&w.dojo, 1500).await;
    let a = w
        .journal
        .sale(&w.counter, "two/a", &manual(), &sale)
        .await
        .unwrap();
    let b = w
        .journal
        .sale(&w.counter, "two/b", &other, &sale)
        .await
        .unwrap();
    assert!(matches!(a, Started::Session(_)), "{a:?}");
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    if let Started::Session(_) = b {
        let second = w.emulator.terminal(&other).present_card(&good_card());
        assert!(
            !matches!(
                second,
                Ok(dojo_payments_emulator::TerminalOutcome::Approved)
            ),
            "{second:?}"
        );
    }
    let intent = w.emulator.payment_intent(sale.id()).unwrap();
    assert_eq!(
        intent.status,
        Some(Open::Known(PaymentIntentStatus::Captured))
    );
    let captures = intent.captures.as_deref().unwrap_or_default();
    assert!(captures.len() <= 1, "captured once: {captures:?}");
    let reconciled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    let states: Vec<_> = ["two/a", "two/b"]
        .iter()
        .map(|name| {
            let r = reconciled.iter().find(|r| r.name == *name);
            r.map(|r| r.state.clone())
        })
        .collect();
    let applied = states
        .iter()
        .filter(|s| matches!(s, Some(EntryState::Applied { .. })))
        .count();
    assert!(applied <= 1, "the intent was paid once: {states:?}");
}

/// An unlinked refund whose create landed but whose answer was lost (the
/// connection dropped after the commit): retried under its name by five
/// callers at once, reconciled by two journals over one store at once,
/// twice: never sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_unlinked_refund_is_never_resent_by_racing_retries_and_reconciles() {
    let w = world().await;
    w.emulator
        .inject_fault(CREATE, Fault::drop_after_commit(), 1)
        .unwrap();
    let first = w
        .journal
        .unlinked_refund(&w.counter, "u/1", &manual(), gbp(700), true)
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)), "{first:?}");
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let (journal, counter) = (w.journal.clone(), w.counter.clone());
        tasks.push(tokio::spawn(async move {
            journal
                .unlinked_refund(&counter, "u/1", &manual(), gbp(700), true)
                .await
                .unwrap()
        }));
    }
    for _ in 0..2 {
        let (journal, counter) = (w.journal.clone(), w.counter.clone());
        tasks.push(tokio::spawn(async move {
            let _ = journal.reconcile_counter(&counter).await.unwrap();
            Started::Unknown(String::new())
        }));
    }
    for task in tasks {
        let started = task.await.unwrap();
        assert!(matches!(started, Started::Unknown(_)), "{started:?}");
    }
    tokio::time::sleep(WINDOW).await;
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    let (x, y) = tokio::join!(
        w.journal.reconcile_counter(&w.counter),
        w.journal.reconcile_counter(&w.counter)
    );
    for r in [x.unwrap(), y.unwrap()] {
        assert_eq!(r[0].state, EntryState::Open, "{r:?}");
    }
    assert_eq!(calls(&w.emulator, CREATE), 1);
}

/// A create answered with `{}` (the session made, its id unreadable), or
/// with its id left out: the till is told it is unknown, and the name
/// never sends it again.
#[tokio::test]
async fn a_create_answered_without_its_id_is_never_sent_again() {
    let w = world().await;
    for (n, omitted) in [Omitted::Everything, Omitted::fields(["id"])]
        .into_iter()
        .enumerate()
    {
        let before = calls(&w.emulator, CREATE);
        w.emulator
            .inject_fault(CREATE, Fault::Omit(omitted), 1)
            .unwrap();
        let name = format!("omit/{n}");
        let first = w
            .journal
            .unlinked_refund(&w.counter, &name, &manual(), gbp(300), true)
            .await
            .unwrap();
        assert!(matches!(first, Started::Unknown(_)), "{first:?}");
        let again = w
            .journal
            .unlinked_refund(&w.counter, &name, &manual(), gbp(300), true)
            .await
            .unwrap();
        assert!(matches!(again, Started::Unknown(_)), "{again:?}");
        assert_eq!(calls(&w.emulator, CREATE), before + 1);
        // Free the terminal for the next round.
        w.emulator.terminal(&manual()).walk_away().unwrap();
    }
}

/// Without the journal, a create whose answer is lost (500 after the
/// commit, a dropped connection, a commit after the answer) is
/// sent once, and its error says the session may exist.
#[tokio::test]
async fn a_counter_create_lost_is_sent_once_and_says_it_may_exist() {
    let w = world().await;
    let faults = [
        Fault::fail_after_commit(500),
        Fault::drop_after_commit(),
        Fault::Answer {
            acted: true,
            answer: BadAnswer::Undecodable,
        },
        Fault::CommitLater {
            after: Duration::from_millis(100),
            answer: BadAnswer::HangUp,
        },
    ];
    for fault in faults {
        let before = calls(&w.emulator, CREATE);
        w.emulator.inject_fault(CREATE, fault.clone(), 1).unwrap();
        let error = w
            .counter
            .unlinked_refund(&manual(), gbp(250), true)
            .await
            .expect_err("the answer is lost");
        assert!(
            !error.delivery().moved_nothing(),
            "{fault:?}: {error} claims nothing moved"
        );
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(calls(&w.emulator, CREATE), before + 1, "{fault:?}");
        let terminal = w.counter.terminal(&manual()).await.unwrap();
        assert!(!terminal.is_available(), "{fault:?}: the session runs");
        w.emulator.terminal(&manual()).walk_away().unwrap();
    }
}

/// A cancel whose first attempt landed but whose answer was lost: the
/// resend's 422 proves nothing, the session is read, and the cancel is
/// reported made. A card presented after the cancel was taken is
/// refused by the terminal; the intent is never paid.
#[tokio::test]
async fn a_cancel_whose_answer_is_lost_is_reported_made_and_no_card_pays_after_it() {
    let w = world().await;
    let sale = created(&w.dojo, 900).await;
    let session = w.counter.sale(&manual(), &sale).await.unwrap();
    w.emulator
        .inject_fault(CANCEL, Fault::fail_after_commit(500), 1)
        .unwrap();
    let canceling = session.cancel().await.expect("the cancel is made");
    let Canceling::Requested(canceling) = canceling else {
        panic!("the first attempt canceled it: {canceling:?}");
    };
    assert!(
        w.emulator
            .terminal(&manual())
            .present_card(&good_card())
            .is_err(),
        "no card after a cancel"
    );
    assert!(matches!(
        canceling.outcome(quick()).await.unwrap(),
        Outcome::Canceled(_)
    ));
    assert_eq!(
        intent_status(&w.emulator, sale.id()),
        PaymentIntentStatus::Created
    );
}

/// A cancel racing a card: the card first, the cancel is the typed
/// `CardPresented` (Dojo's 422), and the sale goes on to its end.
#[tokio::test]
async fn a_cancel_after_the_card_is_card_presented_and_the_sale_completes() {
    let w = world().await;
    let sale = created(&w.dojo, 900).await;
    let session = w.counter.sale(&manual(), &sale).await.unwrap();
    let (card, cancel) = tokio::join!(
        async {
            w.emulator
                .terminal(&manual())
                .present(&good_card(), Presentation::Swipe)
        },
        session.cancel()
    );
    match (card, cancel.unwrap()) {
        (Ok(_), Canceling::CardPresented(error)) => assert_eq!(error.status(), Some(422)),
        (Err(_), Canceling::Requested(_)) => {
            assert_eq!(
                intent_status(&w.emulator, sale.id()),
                PaymentIntentStatus::Created
            );
            return;
        }
        (card, cancel) => panic!("exactly one wins: {card:?} / {cancel:?}"),
    }
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.unwrap() else {
        panic!("expected a signature check");
    };
    let _ = check
        .accept()
        .await
        .unwrap()
        .outcome(quick())
        .await
        .unwrap();
    assert_eq!(
        intent_status(&w.emulator, sale.id()),
        PaymentIntentStatus::Captured
    );
}

/// A signature answer whose first attempt landed and whose answer was
/// lost: the resend's 422 is read through, the accept reported taken and
/// the reject reported taken; the intent is as the first attempt left it.
#[tokio::test]
async fn a_signature_answer_whose_answer_is_lost_is_reported_taken() {
    let w = world().await;
    for accept in [true, false] {
        let sale = created(&w.dojo, 1100).await;
        let session = w.counter.sale(&manual(), &sale).await.unwrap();
        w.emulator
            .terminal(&manual())
            .present(&good_card(), Presentation::Swipe)
            .unwrap();
        let Outcome::SignatureRequired(check) = session.outcome(quick()).await.unwrap() else {
            panic!("expected a signature check");
        };
        w.emulator
            .inject_fault(SIGNATURE, Fault::fail_after_commit(500), 1)
            .unwrap();
        if accept {
            let session = check.accept().await.expect("taken");
            assert!(matches!(
                session.outcome(quick()).await.unwrap(),
                Outcome::Captured(_)
            ));
            assert_eq!(
                intent_status(&w.emulator, sale.id()),
                PaymentIntentStatus::Captured
            );
        } else {
            let _ = check.reject().await.expect("taken");
            assert_eq!(
                intent_status(&w.emulator, sale.id()),
                PaymentIntentStatus::Reversed
            );
        }
    }
}

/// The API key never shows in what the counter's types print: the
/// counter, a session, an outcome, a journal answer, a create's error.
#[tokio::test]
async fn the_api_key_shows_in_no_counter_debug_or_error() {
    let w = world().await;
    let sale = created(&w.dojo, 500).await;
    let session = w.counter.sale(&manual(), &sale).await.unwrap();
    let mut printed = vec![
        format!("{:?}", w.counter),
        format!("{session:?}"),
        format!("{:?}", session.refresh().await.unwrap()),
        format!("{:?}", w.journal),
    ];
    let busy = w.counter.sale(&manual(), &sale).await.unwrap_err();
    printed.push(format!("{busy:?}"));
    printed.push(format!("{busy}"));
    w.emulator
        .inject_fault(CANCEL, Fault::fail(401), 1)
        .unwrap();
    if let Err(error) = session.cancel().await {
        printed.push(format!("{error:?}"));
        printed.push(format!("{error}"));
    }
    let started = w
        .journal
        .sale(&w.counter, "secret/1", &manual(), &sale)
        .await
        .unwrap();
    printed.push(format!("{started:?}"));
    let location = w.dojo.location_id().clone();
    let entry = w
        .journal
        .store()
        .entry(&location, "secret/1")
        .await
        .unwrap();
    printed.push(format!("{entry:?}"));
    for text in printed {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("outsider_counter_0123"), "{text}");
    }
}

/// A lost sale whose session the customer pays while reads of the intent
/// lag (less than the policy's read lag): reconcile waits the in-flight
/// window, then settles it applied, never not-applied.
#[tokio::test]
async fn a_lost_sale_paid_under_lagging_reads_is_settled_applied() {
    let w = world().await;
    let sale = created(&w.dojo, 1700).await;
    w.emulator
        .inject_fault(CREATE, Fault::fail_after_commit(502), 1)
        .unwrap();
    let first = w
        .journal
        .sale(&w.counter, "lag/1", &manual(), &sale)
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)), "{first:?}");
    // Before the window: open, whatever is read.
    let early = w.journal.reconcile_counter(&w.counter).await.unwrap();
    assert!(
        early.iter().all(|r| r.state == EntryState::Open),
        "{early:?}"
    );
    tokio::time::sleep(WINDOW).await;
    w.emulator
        .inject_fault(
            "GET /payment-intents/{paymentIntentId}",
            Fault::Stale {
                lag: Duration::from_millis(100),
            },
            50,
        )
        .unwrap();
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    let settled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    assert!(
        matches!(settled[0].state, EntryState::Applied { .. }),
        "{settled:?}"
    );
    assert_eq!(calls(&w.emulator, CREATE), 1);
    let again = w
        .journal
        .sale(&w.counter, "lag/1", &manual(), &sale)
        .await
        .unwrap();
    assert!(matches!(
        again,
        Started::Settled(EntryState::Applied { .. })
    ));
    assert_eq!(calls(&w.emulator, CREATE), 1);
    assert!(matches!(
        AnyPaymentIntent::read(&w.dojo, sale.id()).await.unwrap(),
        AnyPaymentIntent::Captured(_)
    ));
}

/// A name reused for another call (another terminal, another intent) is
/// refused before anything is sent.
#[tokio::test]
async fn a_name_reused_for_another_sale_is_refused_unsent() {
    let w = world().await;
    let a = created(&w.dojo, 100).await;
    let b = created(&w.dojo, 100).await;
    let _ = w
        .journal
        .sale(&w.counter, "reuse", &manual(), &a)
        .await
        .unwrap();
    let sent = calls(&w.emulator, CREATE);
    let other_intent = w.journal.sale(&w.counter, "reuse", &manual(), &b).await;
    assert!(other_intent.is_err(), "{other_intent:?}");
    let other_terminal = w
        .journal
        .sale(
            &w.counter,
            "reuse",
            &TerminalId::from_wire("tm_sandbox_counter1"),
            &a,
        )
        .await;
    assert!(other_terminal.is_err(), "{other_terminal:?}");
    let refund = w
        .journal
        .unlinked_refund(&w.counter, "reuse", &manual(), gbp(100), true)
        .await;
    assert!(refund.is_err(), "{refund:?}");
    assert_eq!(calls(&w.emulator, CREATE), sent);
}

/// Session answers missing a field Dojo requires (`statusEvents`,
/// `notificationEvents`, `status`, `expireAt`, `terminalId`, `id`): the
/// stream of updates ends with a typed decode error and the outcome is
/// one, at once; no panic, no wait to the deadline, no guess.
#[tokio::test]
async fn session_answers_missing_required_fields_are_typed_errors() {
    let w = world().await;
    let get = "GET /terminal-sessions/{terminalSessionId}";
    let policy = WaitPolicy::within(Duration::from_secs(5))
        .polling(Duration::from_millis(20), Duration::from_millis(100));
    for field in [
        "statusEvents",
        "notificationEvents",
        "status",
        "expireAt",
        "terminalId",
        "id",
    ] {
        let sale = created(&w.dojo, 1000).await;
        let session = w.counter.sale(&manual(), &sale).await.unwrap();
        w.emulator
            .inject_fault(get, Fault::Omit(Omitted::fields([field])), 1000)
            .unwrap();
        w.emulator
            .terminal(&manual())
            .present_card(&good_card())
            .unwrap();
        let started = std::time::Instant::now();
        let updates: Vec<_> = futures_util::StreamExt::collect(session.updates(policy)).await;
        assert!(
            matches!(updates.last(), Some(Err(_))),
            "{field}: the stream ends with the error: {updates:?}"
        );
        let error = session.outcome(policy).await.expect_err(field);
        assert!(error.to_string().contains(field), "{field}: {error}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{field}: waited"
        );
        w.emulator.clear_faults();
    }
}

/// Rejecting a signature after Dojo's 80 s (Dojo accepted it itself) is
/// refused, and the payment stands: the intent is captured, not reversed.
#[tokio::test]
async fn rejecting_after_80_seconds_is_refused_and_the_payment_stands() {
    let emulator = Emulator::builder()
        .seed(80)
        .manual_clock("2026-03-02T10:00:00Z".parse().unwrap())
        .start()
        .await
        .unwrap();
    let dojo = client_of(&emulator, quick_retries());
    let counter = Counter::new(dojo.clone(), "sw");
    let sale = created(&dojo, 1000).await;
    let session = counter.sale(&manual(), &sale).await.unwrap();
    let id = session.id().clone();
    emulator
        .terminal(&manual())
        .present(&good_card(), Presentation::Swipe)
        .unwrap();
    let Outcome::SignatureRequired(check) = session.outcome(quick()).await.unwrap() else {
        panic!("expected a signature check");
    };
    let by = check.respond_by().expect("expireAt");
    assert_eq!((by - emulator.now()).num_seconds(), 80);
    emulator
        .advance_clock(chrono::Duration::seconds(81))
        .unwrap();
    let error = check.reject().await.expect_err("too late to reject");
    assert_eq!(error.status(), Some(422));
    assert_eq!(
        intent_status(&emulator, sale.id()),
        PaymentIntentStatus::Captured
    );
    assert!(matches!(
        counter.session(&id).await.unwrap(),
        Outcome::Captured(_)
    ));
}
