//! Sessions at a terminal through the journal (`Journal::sale`,
//! `matched_refund`, `unlinked_refund`): written before the create, the
//! session's id recorded as soon as Dojo answers, settled by the session's
//! final status; a create whose answer is lost (the emulator acts, then
//! answers 500) is never sent again, and is settled by what can be read (the
//! terminal free, the payment intent), except an unlinked refund's, which
//! stays open with the reason. The emulator's state is the oracle.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::{CaptureMode, PaymentIntentStatus};
use dojo_payments::counter::{Counter, Outcome, WaitPolicy};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, JournalStore, Started};
use dojo_payments::lifecycle::payment_intent::{AnyPaymentIntent, Created, PaymentIntent};
use dojo_payments::types::{Open, TerminalId};
use dojo_payments::{Dojo, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault};

const DEADLINE: Duration = Duration::from_millis(500);
const MARGIN: Duration = Duration::from_millis(200);
const WINDOW: Duration = DEADLINE.saturating_add(MARGIN);
const READ_LAG: Duration = Duration::from_millis(150);
const CREATE: &str = "POST /terminal-sessions";

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

fn auto() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter1")
}

fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(10))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

struct World {
    emulator: Emulator,
    dojo: Dojo,
    counter: Counter,
    journal: Journal<InMemoryJournal>,
}

async fn world() -> World {
    let emulator = Emulator::builder().seed(34).start().await.unwrap();
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
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
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

fn status_of(emulator: &Emulator, intent: &PaymentIntent<Created>) -> PaymentIntentStatus {
    match emulator.payment_intent(intent.id()).unwrap().status {
        Some(Open::Known(status)) => status,
        other => panic!("status {other:?}"),
    }
}

fn lost_answer(emulator: &Emulator, acted: bool) {
    let fault = Fault::Answer {
        acted,
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    };
    emulator.inject_fault(CREATE, fault, 1).unwrap();
}

#[tokio::test]
async fn a_sale_is_written_first_its_id_recorded_and_settled_by_its_outcome() {
    let w = world().await;
    let sale = created(&w.dojo, 1250).await;
    let started = w
        .journal
        .sale(&w.counter, "till-1/sale-1", &auto(), &sale)
        .await
        .unwrap();
    let Started::Session(Outcome::InProgress(session)) = started else {
        panic!("expected a session in progress, got {started:?}");
    };
    let location = w.dojo.location_id().clone();
    let entry = w
        .journal
        .store()
        .entry(&location, "till-1/sale-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.movement.session(), Some(session.id()));
    assert!(entry.state.is_open(), "open while the session runs");

    // The same name again (a retried job, a double click) makes nothing.
    let again = w
        .journal
        .sale(&w.counter, "till-1/sale-1", &auto(), &sale)
        .await
        .unwrap();
    match again {
        Started::Session(outcome) => assert_eq!(outcome.data().id, *session.id()),
        other => panic!("expected the first session, got {other:?}"),
    }
    assert!(matches!(
        session.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    let finished = w
        .journal
        .finish_session(&w.counter, "till-1/sale-1")
        .await
        .unwrap();
    assert!(matches!(finished.state, EntryState::Applied { .. }));
    assert_eq!(calls(&w.emulator, CREATE), 1);
    assert_eq!(status_of(&w.emulator, &sale), PaymentIntentStatus::Captured);
    // Settled: the name answers it, sending nothing.
    let settled = w
        .journal
        .sale(&w.counter, "till-1/sale-1", &auto(), &sale)
        .await
        .unwrap();
    assert!(matches!(
        settled,
        Started::Settled(EntryState::Applied { .. })
    ));
    assert_eq!(calls(&w.emulator, CREATE), 1);
}

#[tokio::test]
async fn a_refused_create_is_not_applied_and_a_declined_session_neither() {
    let w = world().await;
    let sale = created(&w.dojo, 800).await;
    // Offline: Dojo refuses the create.
    let offline = TerminalId::from_wire("tm_sandbox_counter2");
    let refused = w
        .journal
        .sale(&w.counter, "sale-offline", &offline, &sale)
        .await
        .unwrap();
    assert!(matches!(
        refused,
        Started::Settled(EntryState::NotApplied { .. })
    ));
    let Started::Session(Outcome::InProgress(session)) = w
        .journal
        .sale(&w.counter, "sale-declined", &manual(), &sale)
        .await
        .unwrap()
    else {
        panic!("expected a session");
    };
    w.emulator
        .terminal(&manual())
        .present_card(&dojo_payments_emulator::testkit::declined_card())
        .unwrap();
    assert!(matches!(
        session.outcome(quick()).await.unwrap(),
        Outcome::Declined(_)
    ));
    let reconciled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    let declined = reconciled
        .iter()
        .find(|r| r.name == "sale-declined")
        .unwrap();
    assert!(matches!(declined.state, EntryState::NotApplied { .. }));
    assert_eq!(status_of(&w.emulator, &sale), PaymentIntentStatus::Created);
}

#[tokio::test]
async fn a_lost_answer_is_never_sent_again_and_reads_settle_it() {
    let w = world().await;
    // Dojo made the session; its answer was lost.
    let sale = created(&w.dojo, 1500).await;
    lost_answer(&w.emulator, true);
    let first = w
        .journal
        .sale(&w.counter, "sale-lost", &manual(), &sale)
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)), "{first:?}");
    tokio::time::sleep(WINDOW).await;
    // The terminal is InUse (the lost session runs on it): still open.
    let open = w.journal.reconcile_counter(&w.counter).await.unwrap();
    assert_eq!(open[0].state, EntryState::Open);
    assert!(
        open[0]
            .still_open_because
            .as_deref()
            .unwrap()
            .contains("InUse"),
        "{open:?}"
    );
    // The same name again: not created again.
    let again = w
        .journal
        .sale(&w.counter, "sale-lost", &manual(), &sale)
        .await
        .unwrap();
    assert!(matches!(again, Started::Unknown(_)), "{again:?}");
    assert_eq!(calls(&w.emulator, CREATE), 1);
    // The customer pays on the lost session; reads then show the sale.
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    let settled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    assert!(matches!(settled[0].state, EntryState::Applied { .. }));
    assert_eq!(status_of(&w.emulator, &sale), PaymentIntentStatus::Captured);
    assert_eq!(calls(&w.emulator, CREATE), 1);

    // Dojo made nothing; its answer said nothing either.
    let sale = created(&w.dojo, 1600).await;
    lost_answer(&w.emulator, false);
    let first = w
        .journal
        .sale(&w.counter, "sale-not-made", &manual(), &sale)
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)));
    tokio::time::sleep(WINDOW).await;
    let settled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    assert!(
        matches!(settled[0].state, EntryState::NotApplied { .. }),
        "{settled:?}"
    );
    assert_eq!(status_of(&w.emulator, &sale), PaymentIntentStatus::Created);
    assert_eq!(calls(&w.emulator, CREATE), 2);
}

/// Its session is found in the intent's `terminalSessionHistory` (the refunded
/// amount alone could be another refund's), recorded, and settled by its status.
#[tokio::test]
async fn a_matched_refund_lost_is_settled_by_its_session_found_in_the_intent_s_history() {
    let w = world().await;
    let intent = paid(&w.emulator, &w.dojo, 2000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap()
    else {
        panic!("captured");
    };
    lost_answer(&w.emulator, true);
    let first = w
        .journal
        .matched_refund(&w.counter, "refund-lost", &manual(), &captured, gbp(500))
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)));
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    tokio::time::sleep(WINDOW).await;
    let settled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    assert!(matches!(settled[0].state, EntryState::Applied { .. }));
    assert_eq!(w.emulator.refund_count(&id), 1);
    assert_eq!(calls(&w.emulator, CREATE), 1);
}

#[tokio::test]
async fn an_unlinked_refund_lost_stays_open_with_the_reason_and_is_never_sent_again() {
    let w = world().await;
    lost_answer(&w.emulator, true);
    let first = w
        .journal
        .unlinked_refund(&w.counter, "unlinked-1", &manual(), gbp(700), true)
        .await
        .unwrap();
    assert!(matches!(first, Started::Unknown(_)));
    w.emulator
        .terminal(&manual())
        .present_card(&good_card())
        .unwrap();
    tokio::time::sleep(WINDOW).await;
    for _ in 0..2 {
        let open = w.journal.reconcile_counter(&w.counter).await.unwrap();
        assert_eq!(open[0].state, EntryState::Open);
        let why = open[0].still_open_because.as_deref().unwrap();
        assert!(why.contains("never sent again"), "{why}");
        let again = w
            .journal
            .unlinked_refund(&w.counter, "unlinked-1", &manual(), gbp(700), true)
            .await
            .unwrap();
        assert!(matches!(again, Started::Unknown(_)));
    }
    assert_eq!(calls(&w.emulator, CREATE), 1);
    // Without the counter, reconcile leaves every session open, saying why.
    let plain = w.journal.reconcile(&w.dojo).await.unwrap();
    assert!(
        plain[0]
            .still_open_because
            .as_deref()
            .unwrap()
            .contains("reconcile_counter")
    );
    // A person checks the terminal's receipts and says what they found.
    let found = EntryState::Applied {
        detail: Some("receipt 0042 of terminal 22000003".to_owned()),
    };
    let location = w.dojo.location_id().clone();
    let settled = w
        .journal
        .settle_by_hand(&location, "unlinked-1", found.clone())
        .await
        .unwrap();
    assert_eq!(settled, found);
    assert!(
        w.journal
            .reconcile_counter(&w.counter)
            .await
            .unwrap()
            .is_empty()
    );
    let again = w
        .journal
        .unlinked_refund(&w.counter, "unlinked-1", &manual(), gbp(700), true)
        .await
        .unwrap();
    assert!(matches!(
        again,
        Started::Settled(EntryState::Applied { .. })
    ));
    assert_eq!(calls(&w.emulator, CREATE), 1);
}

/// What a read of the payment intent shows of a sale at a terminal whose
/// create went unanswered: paid shows it; still `Created` (or `Canceled`)
/// lacks it; `Reversed` does not tell (a rejected signature, or a reversal
/// since); an unlinked refund has nothing to read.
#[test]
fn a_read_of_the_intent_judges_a_sale_and_never_an_unlinked_refund() {
    use dojo_payments::api_types::PaymentIntent as Raw;
    use dojo_payments::settlement::{Before, Movement, Reading, reading};
    let with = |status| Raw {
        status: Some(Open::Known(status)),
        refunded_amount: Some(0),
        ..Default::default()
    };
    let before = Before::of(&with(PaymentIntentStatus::Created));
    let sale = Movement::TerminalSale {
        terminal: manual(),
        session: None,
    };
    for (status, expected) in [
        (PaymentIntentStatus::Created, Reading::Lacks),
        (PaymentIntentStatus::Canceled, Reading::Lacks),
        (PaymentIntentStatus::Authorized, Reading::Shows),
        (PaymentIntentStatus::Captured, Reading::Shows),
        (PaymentIntentStatus::Refunded, Reading::Shows),
    ] {
        assert_eq!(reading(&sale, &before, &with(status)), expected, "{status}");
    }
    assert!(matches!(
        reading(&sale, &before, &with(PaymentIntentStatus::Reversed)),
        Reading::Unclear(_)
    ));
    let unlinked = Movement::TerminalUnlinkedRefund {
        amount: gbp(700),
        terminal: manual(),
        session: None,
    };
    assert!(matches!(
        reading(&unlinked, &before, &with(PaymentIntentStatus::Captured)),
        Reading::Unclear(_)
    ));
}

/// A till spawns its sessions on a multi-threaded runtime: the journal's
/// session futures are `Send`.
#[allow(dead_code)]
fn journaled_session_futures_are_send(w: &World, intent: &PaymentIntent<Created>) {
    fn send<T: Send>(_: T) {}
    send(w.journal.sale(&w.counter, "n", &manual(), intent));
    send(
        w.journal
            .unlinked_refund(&w.counter, "n", &manual(), gbp(1), true),
    );
    send(w.journal.finish_session(&w.counter, "n"));
    send(w.journal.reconcile_counter(&w.counter));
}

/// A session started at one location (its handle's counter) is written
/// with that location, and settled with its key: the platform's counter
/// reconciles it through Soho's handle (the emulator's log names the
/// account of every read), never another location's.
#[tokio::test]
async fn a_session_is_settled_with_its_own_locations_key() {
    use dojo_payments::types::{ApiKey, LocationId};
    use dojo_payments::{Location, Locations};
    let soho: LocationId = "soho".parse().unwrap();
    let key = ApiKey::new("sk_sandbox_soho_0123456789abcdef").unwrap();
    let emulator = Emulator::builder()
        .location(soho.clone(), key.clone())
        .start()
        .await
        .unwrap();
    let mut locations = Locations::default();
    locations.insert(Location::new(soho.clone(), key));
    let platform = builder_of(
        &emulator,
        RetryPolicy {
            deadline: DEADLINE,
            ..quick_retries()
        },
    )
    .locations(locations)
    .settlement_policy(SettlementPolicy {
        in_flight_margin: MARGIN,
        read_lag: READ_LAG,
    })
    .build()
    .unwrap();
    let cafe = platform.location(&soho).unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &platform);
    let till = TerminalId::from_wire("tm_sandbox_soho_counter3");
    let sale = created(&cafe, 900).await;
    lost_answer(&emulator, true);
    let started = journal
        .sale(
            &Counter::new(cafe.clone(), "sw-house"),
            "soho/sale-1",
            &till,
            &sale,
        )
        .await
        .unwrap();
    assert!(matches!(started, Started::Unknown(_)));
    emulator.terminal(&till).present_card(&good_card()).unwrap();
    tokio::time::sleep(WINDOW).await;
    let logged = emulator.requests_by_account().len();
    let settled = journal
        .reconcile_counter(&Counter::new(platform.clone(), "sw-house"))
        .await
        .unwrap();
    assert!(
        matches!(settled[0].state, EntryState::Applied { .. }),
        "{settled:?}"
    );
    let soho_account = emulator.location_account(&soho);
    for (route, account) in &emulator.requests_by_account()[logged..] {
        assert_eq!(account, &soho_account, "{route}");
    }
    assert_eq!(calls(&emulator, CREATE), 1);
}
