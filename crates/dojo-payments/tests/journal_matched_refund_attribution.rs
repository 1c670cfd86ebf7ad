//! A journaled matched refund whose create went unanswered is credited
//! only with its own session, never with the refunded amount's growth
//! (another refund's, or one made since a stale snapshot): the session is
//! found in the payment intent's `terminalSessionHistory` (this intent and
//! amount, the entry's terminal, made inside its in-flight window,
//! recorded by no other entry, with no rival entry that could own it), and
//! then settled by its own status. The emulator's state is the oracle:
//! what the journal says `Applied` is what Dojo refunded. Also: the
//! journal refuses amounts no refund can have before writing or sending
//! anything, checked against its own read of the intent.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::{Counter, Outcome, WaitPolicy};
use dojo_payments::journal::{
    EntryState, InMemoryJournal, Journal, JournalError, JournalStore, Started,
};
use dojo_payments::lifecycle::LifecycleRule;
use dojo_payments::lifecycle::payment_intent::{AnyPaymentIntent, Captured, PaymentIntent};
use dojo_payments::types::{Currency, Money, PaymentIntentId, TerminalId};
use dojo_payments::{Dojo, Error, Invalid, RetryPolicy, SettlementPolicy};
use dojo_payments_emulator::{BadAnswer, Emulator, Fault, NewTerminal};

const CREATE: &str = "POST /terminal-sessions";

/// Longer than the deadline and the margin: an entry is then stale.
const WINDOW: Duration = Duration::from_millis(800);

fn manual() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(3))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

fn lost(acted: bool) -> Fault {
    Fault::Answer {
        acted,
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    }
}

struct World {
    emulator: Emulator,
    dojo: Dojo,
    counter: Counter,
    journal: Journal<InMemoryJournal>,
    /// A second terminal at the location.
    other: TerminalId,
}

async fn world(seed: u64) -> World {
    let emulator = Emulator::builder().seed(seed).start().await.unwrap();
    let dojo = builder_of(
        &emulator,
        RetryPolicy {
            deadline: Duration::from_millis(500),
            ..quick_retries()
        },
    )
    .settlement_policy(SettlementPolicy {
        in_flight_margin: Duration::from_millis(200),
        read_lag: Duration::from_millis(150),
    })
    .build()
    .unwrap();
    let other = emulator
        .add_terminal(NewTerminal::new("tm_sandbox_attribution_b"))
        .unwrap();
    World {
        counter: Counter::new(dojo.clone(), "sw"),
        journal: Journal::new(InMemoryJournal::default(), &dojo),
        dojo,
        other,
        emulator,
    }
}

async fn captured(w: &World, minor: i64) -> (PaymentIntentId, PaymentIntent<Captured>) {
    let intent = paid(&w.emulator, &w.dojo, minor, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap()
    else {
        panic!("captured")
    };
    (id, captured)
}

/// A journaled matched refund of `minor` under `name` at `terminal`, its
/// create answered 500, made by Dojo or not (`made`): the journal cannot
/// tell which, and says so.
async fn lost_create(
    w: &World,
    name: &str,
    terminal: &TerminalId,
    intent: &PaymentIntent<Captured>,
    minor: i64,
    made: bool,
) {
    w.emulator.inject_fault(CREATE, lost(made), 1).unwrap();
    let started = w
        .journal
        .matched_refund(&w.counter, name, terminal, intent, gbp(minor))
        .await
        .unwrap();
    assert!(
        matches!(started, Started::Unknown(_)),
        "{name}: {started:?}"
    );
}

/// The customer presents a good card at `terminal`.
fn card_presented(w: &World, terminal: &TerminalId) {
    w.emulator
        .terminal(terminal)
        .present_card(&good_card())
        .unwrap();
}

/// Once every entry is out of its in-flight window: `name`'s entry as
/// `reconcile_counter` settled it.
async fn reconciled_after_window(w: &World, name: &str) -> dojo_payments::journal::Reconciled {
    tokio::time::sleep(WINDOW).await;
    w.journal
        .reconcile_counter(&w.counter)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("{name} reconciled"))
}

/// What the journal's `Applied` entries of `amount` each add up to, in
/// minor units: compared with what the emulator refunded.
fn applied_minor(reconciled: &[(String, EntryState)], amount: i64) -> i64 {
    reconciled
        .iter()
        .filter(|(_, s)| matches!(s, EntryState::Applied { .. }))
        .count() as i64
        * amount
}

/// Two matched refunds of £5 on one £20 payment, journaled at once on two
/// terminals; the first create to reach Dojo is answered 500 and NOT made,
/// the other is made and paid. Exactly the made one is `Applied` (by its
/// session); the lost one is `NotApplied` or open, never `Applied`; the
/// journal's books equal Dojo's refunded amount. Several seeds, so either
/// entry can be the lost one.
#[tokio::test]
async fn two_matched_refunds_at_once_one_lost_and_not_made_only_the_made_one_is_applied() {
    for seed in 0..4 {
        let w = world(40 + seed).await;
        let (id, intent) = captured(&w, 2000).await;
        w.emulator.inject_fault(CREATE, lost(false), 1).unwrap();
        let here = manual();
        let (a, b) = tokio::join!(
            w.journal
                .matched_refund(&w.counter, "return-a", &here, &intent, gbp(500)),
            w.journal
                .matched_refund(&w.counter, "return-b", &w.other, &intent, gbp(500)),
        );
        let (made_name, made_terminal, session, lost_name) = match (a.unwrap(), b.unwrap()) {
            (Started::Session(Outcome::InProgress(s)), Started::Unknown(_)) => {
                ("return-a", manual(), s, "return-b")
            }
            (Started::Unknown(_), Started::Session(Outcome::InProgress(s))) => {
                ("return-b", w.other.clone(), s, "return-a")
            }
            other => panic!("one lost, one made: {other:?}"),
        };
        card_presented(&w, &made_terminal);
        assert!(matches!(
            session.outcome(quick()).await.unwrap(),
            Outcome::Captured(_)
        ));
        tokio::time::sleep(WINDOW).await;
        let reconciled: Vec<(String, EntryState)> = w
            .journal
            .reconcile_counter(&w.counter)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.name, r.state))
            .collect();
        let state = |name: &str| {
            reconciled
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .unwrap()
        };
        // The oracle: Dojo made one refund of £5.
        assert_eq!(w.emulator.refund_count(&id), 1, "seed {seed}");
        let refunded = w.emulator.payment_intent(&id).unwrap().refunded_amount;
        assert_eq!(refunded, Some(500), "seed {seed}");
        assert!(
            matches!(state(made_name), EntryState::Applied { .. }),
            "seed {seed}: the made one is {:?}",
            state(made_name)
        );
        assert!(
            !matches!(state(lost_name), EntryState::Applied { .. }),
            "seed {seed}: the lost one, never made, is {:?}",
            state(lost_name)
        );
        assert_eq!(applied_minor(&reconciled, 500), refunded.unwrap());
        assert_eq!(calls(&w.emulator, CREATE), 2, "nothing sent again");
    }
}

/// Two matched refunds whose creates are both answered 500 though both
/// were made, on two terminals: each is credited with its own session
/// (found in the intent's history on its terminal), both `Applied`, each
/// naming a different session; Dojo refunded both.
#[tokio::test]
async fn two_lost_creates_both_made_are_each_credited_with_their_own_session() {
    let w = world(50).await;
    let (id, intent) = captured(&w, 2000).await;
    for (name, terminal) in [("return-a", manual()), ("return-b", w.other.clone())] {
        lost_create(&w, name, &terminal, &intent, 500, true).await;
        card_presented(&w, &terminal);
    }
    tokio::time::sleep(WINDOW).await;
    let reconciled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    let sessions: Vec<String> = reconciled
        .iter()
        .map(|r| match &r.state {
            EntryState::Applied { detail: Some(id) } => id.clone(),
            other => panic!("{}: {other:?} ({:?})", r.name, r.still_open_because),
        })
        .collect();
    assert_eq!(sessions.len(), 2);
    assert_ne!(sessions[0], sessions[1], "one session credited twice");
    assert_eq!(w.emulator.refund_count(&id), 2);
    assert_eq!(
        w.emulator.payment_intent(&id).unwrap().refunded_amount,
        Some(1000)
    );
    assert_eq!(calls(&w.emulator, CREATE), 2, "nothing sent again");
}

/// Two entries of the same call shape (terminal, amount) whose creates
/// both went unanswered; only the second was made. One session in the
/// history could be either's: neither is credited with it, both stay open
/// with the reason (a person settles them), and nothing is sent again.
#[tokio::test]
async fn one_session_two_lost_entries_that_could_own_it_neither_is_credited() {
    let w = world(60).await;
    let (id, intent) = captured(&w, 2000).await;
    lost_create(&w, "return-1", &manual(), &intent, 500, false).await;
    lost_create(&w, "return-2", &manual(), &intent, 500, true).await;
    card_presented(&w, &manual());
    tokio::time::sleep(WINDOW).await;
    let reconciled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    assert_eq!(w.emulator.refund_count(&id), 1);
    assert_eq!(reconciled.len(), 2);
    for r in &reconciled {
        assert_eq!(r.state, EntryState::Open, "{}", r.name);
        let why = r.still_open_because.clone().unwrap_or_default();
        assert!(why.contains("not credited"), "{}: {why}", r.name);
    }
    assert_eq!(calls(&w.emulator, CREATE), 2, "nothing sent again");
}

/// The stale-snapshot case, made: the till read the intent, a first £5
/// was refunded at the counter, then the journal refunds £5 more with the
/// old object and its create is answered 500 though made. The journal's
/// own read is the snapshot, the session is found in the history:
/// `Applied`, by its session; Dojo refunded £10.
#[tokio::test]
async fn a_lost_create_that_was_made_is_applied_by_its_session_despite_a_stale_object() {
    let w = world(70).await;
    let (id, stale) = captured(&w, 2000).await;
    let first = w
        .counter
        .matched_refund(&manual(), &stale, Some(gbp(500)))
        .await
        .unwrap();
    card_presented(&w, &manual());
    let first_id = first.id().to_string();
    assert!(matches!(
        first.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    lost_create(&w, "return-2", &manual(), &stale, 500, true).await;
    card_presented(&w, &manual());
    tokio::time::sleep(WINDOW).await;
    let reconciled = w.journal.reconcile_counter(&w.counter).await.unwrap();
    match &reconciled[0].state {
        EntryState::Applied {
            detail: Some(session),
        } => {
            assert_ne!(*session, first_id, "credited with the counter's refund")
        }
        other => panic!("{other:?} ({:?})", reconciled[0].still_open_because),
    }
    assert_eq!(w.emulator.refund_count(&id), 2);
}

fn rule_of(result: Result<Started, JournalError>) -> LifecycleRule {
    match result {
        Err(JournalError::Refused(error)) => match *error {
            Error::InvalidRequest {
                reason: Invalid::Lifecycle(rule),
                ..
            } => rule,
            other => panic!("{other:?}"),
        },
        other => panic!("refused before sending: {other:?}"),
    }
}

/// Amounts no refund can have — zero, negative, another currency, more
/// than is left to refund by the journal's own read (the caller's object
/// is stale: £15 of £20 was refunded since) — are refused with the
/// lifecycle's typed rule; nothing is written, nothing sent; the name is
/// free for a good call afterwards. An unlinked refund of zero or less
/// too. The same name again after a refund used up what is refundable
/// answers the first outcome, not a refusal.
#[tokio::test]
async fn the_journal_refuses_refund_amounts_no_refund_can_have_before_sending() {
    let w = world(80).await;
    let (id, stale) = captured(&w, 2000).await;
    let first = w
        .counter
        .matched_refund(&manual(), &stale, Some(gbp(1500)))
        .await
        .unwrap();
    card_presented(&w, &manual());
    assert!(matches!(
        first.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    let before = calls(&w.emulator, CREATE);
    let here = manual();
    let refund = |amount| {
        w.journal
            .matched_refund(&w.counter, "bad", &here, &stale, amount)
    };
    assert_eq!(
        rule_of(refund(gbp(0)).await),
        LifecycleRule::AmountNotPositive
    );
    assert_eq!(
        rule_of(refund(gbp(-1)).await),
        LifecycleRule::AmountNotPositive
    );
    assert_eq!(
        rule_of(refund(Money::new(i64::MIN, Currency::GBP)).await),
        LifecycleRule::AmountNotPositive
    );
    assert!(matches!(
        rule_of(refund(Money::new(100, Currency::EUR)).await),
        LifecycleRule::CurrencyMismatch { .. }
    ));
    assert_eq!(
        rule_of(refund(gbp(600)).await),
        LifecycleRule::RefundExceedsCaptured {
            refundable: gbp(500),
            requested: gbp(600),
        }
    );
    for amount in [gbp(0), gbp(-500)] {
        let unlinked = w
            .journal
            .unlinked_refund(&w.counter, "bad-unlinked", &manual(), amount, true)
            .await;
        assert_eq!(rule_of(unlinked), LifecycleRule::AmountNotPositive);
    }
    assert_eq!(calls(&w.emulator, CREATE), before, "sent to Dojo");
    let location = w.dojo.location_id().clone();
    let written = w.journal.store().entry(&location, "bad").await.unwrap();
    assert!(written.is_none(), "written: {written:?}");
    // The rest, £5, is refundable; once made, the same name again answers it.
    let good = refund(gbp(500)).await.unwrap();
    let Started::Session(Outcome::InProgress(session)) = good else {
        panic!("{good:?}")
    };
    card_presented(&w, &manual());
    assert!(matches!(
        session.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    let settled = w.journal.finish_session(&w.counter, "bad").await.unwrap();
    assert!(matches!(settled.state, EntryState::Applied { .. }));
    let again = refund(gbp(500)).await.unwrap();
    assert!(
        matches!(again, Started::Settled(EntryState::Applied { .. })),
        "{again:?}"
    );
    assert_eq!(w.emulator.refund_count(&id), 2);
}

/// A lost create, made (£5 on the manual terminal), beside an entry of the
/// same call shape (terminal and amount) that Dojo refused outright: the
/// refused one (settled `NotApplied`, no session) cannot own the session,
/// so it is no rival, and the made one is credited with its session.
#[tokio::test]
async fn a_refused_entry_of_the_same_shape_is_no_rival() {
    let w = world(80).await;
    let (id, intent) = captured(&w, 2000).await;
    w.emulator
        .inject_fault(CREATE, Fault::fail(400), 1)
        .unwrap();
    let refused = w
        .journal
        .matched_refund(&w.counter, "return-refused", &manual(), &intent, gbp(500))
        .await;
    assert!(
        matches!(refused, Ok(Started::Settled(EntryState::NotApplied { .. }))),
        "{refused:?}"
    );
    let entry = w
        .journal
        .store()
        .entry(w.dojo.location_id(), "return-refused")
        .await
        .unwrap()
        .expect("the refused entry");
    assert!(
        matches!(entry.state, EntryState::NotApplied { .. }) && entry.movement.session().is_none(),
        "{entry:?}"
    );
    lost_create(&w, "return-made", &manual(), &intent, 500, true).await;
    card_presented(&w, &manual());
    let made = reconciled_after_window(&w, "return-made").await;
    assert!(
        matches!(made.state, EntryState::Applied { detail: Some(_) }),
        "{made:?}"
    );
    assert_eq!(w.emulator.refund_count(&id), 1);
}

/// A lost create, made (£5), and since its entry: a matched refund of £9
/// at the other terminal that the card's bank declined, and £3 refunded
/// online. The declined session refunded nothing (counted, its £9 would
/// be more than the growth), and the online refund is no session: what
/// the new sessions refunded (£5) is within the refunded amount's growth
/// (£8), so the entry is credited with its own session.
#[tokio::test]
async fn declined_sessions_and_online_refunds_do_not_hide_a_made_session() {
    let w = world(90).await;
    let (id, intent) = captured(&w, 2000).await;
    lost_create(&w, "return-made", &manual(), &intent, 500, true).await;
    card_presented(&w, &manual());
    let declined = w
        .counter
        .matched_refund(&w.other, &intent, Some(gbp(900)))
        .await
        .unwrap();
    w.emulator
        .terminal(&w.other)
        .present_card(&dojo_payments_emulator::testkit::declined_card())
        .unwrap();
    assert!(
        !matches!(
            declined.outcome(quick()).await.unwrap(),
            Outcome::Captured(_)
        ),
        "declined"
    );
    w.dojo
        .payment_intents()
        .refund(&id, gbp(300))
        .send()
        .await
        .unwrap();
    let made = reconciled_after_window(&w, "return-made").await;
    assert!(
        matches!(made.state, EntryState::Applied { detail: Some(_) }),
        "{made:?}"
    );
    assert_eq!(
        w.emulator.payment_intent(&id).unwrap().refunded_amount,
        Some(800)
    );
}

/// A lost create NOT made, while £5 was refunded online: the refunded
/// amount grew by exactly the entry's amount, but no session of it is in
/// the history. It stays open, and says why and what to do: it is never
/// credited without its session, nor sent again.
#[tokio::test]
async fn growth_without_a_session_leaves_a_matched_refund_open_saying_what_to_do() {
    let w = world(100).await;
    let (id, intent) = captured(&w, 2000).await;
    lost_create(&w, "return-lost", &manual(), &intent, 500, false).await;
    w.dojo
        .payment_intents()
        .refund(&id, gbp(500))
        .send()
        .await
        .unwrap();
    let r = reconciled_after_window(&w, "return-lost").await;
    assert_eq!(r.state, EntryState::Open, "{r:?}");
    let why = r.still_open_because.clone().unwrap_or_default();
    assert!(
        why.contains("never credited without its session") && why.contains("receipts"),
        "{why}"
    );
    assert_eq!(w.emulator.refund_count(&id), 1);
    assert_eq!(calls(&w.emulator, CREATE), 1, "nothing sent again");
}
