//! Outsider: the journal's own keyed refund (`Journal::refund`) at the
//! refund rule's edges. `JournalError::Refused` says an amount no refund
//! can have (zero or less, another currency, more than is left) is
//! refused before anything is written or sent; whatever the journal does,
//! no money may move. The emulator's state is the oracle.

mod common;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, JournalError, JournalStore};
use dojo_payments::types::{Currency, Money};

fn bad_amounts() -> [Money; 4] {
    [gbp(0), gbp(-1), Money::new(100, Currency::EUR), gbp(501)]
}

/// £20 captured, £15 refunded: £5 left.
async fn five_left(
    emulator: &dojo_payments_emulator::Emulator,
    dojo: &dojo_payments::Dojo,
) -> dojo_payments::api_types::PaymentIntent {
    let intent = paid(emulator, dojo, 2_000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    dojo.payment_intents()
        .refund(&id, gbp(1_500))
        .send()
        .await
        .unwrap();
    dojo.payment_intents().get(&id).await.unwrap()
}

/// No amount a refund cannot have moves money through the journal, and
/// its name is never settled `Applied`; exactly what is left is made once.
#[tokio::test]
async fn the_journal_s_refund_moves_nothing_for_amounts_no_refund_can_have() {
    let (emulator, dojo) = dojo().await;
    let read = five_left(&emulator, &dojo).await;
    let id = read.id.clone().unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    for (n, amount) in bad_amounts().into_iter().enumerate() {
        let state = journal
            .refund(&dojo, &format!("bad/{n}"), &read, amount)
            .await;
        let refunded = emulator.payment_intent(&id).unwrap().refunded_amount;
        assert_eq!(
            (emulator.refund_count(&id), refunded),
            (1, Some(1_500)),
            "{amount:?} moved money: the journal answered {state:?}"
        );
        assert!(
            !matches!(state, Ok(EntryState::Applied { .. })),
            "{amount:?}: {state:?}"
        );
    }
    let made = journal
        .refund(&dojo, "good", &read, gbp(500))
        .await
        .unwrap();
    assert!(matches!(made, EntryState::Applied { .. }), "{made:?}");
    journal.flush().await;
    assert_eq!(emulator.refund_count(&id), 2);
}

/// As `JournalError::Refused` documents: refused before anything is
/// written or sent, with the lifecycle's rule; no entry, no request.
#[tokio::test]
async fn the_journal_s_refund_refuses_amounts_no_refund_can_have_before_writing() {
    let (emulator, dojo) = dojo().await;
    let read = five_left(&emulator, &dojo).await;
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    for (n, amount) in bad_amounts().into_iter().enumerate() {
        let name = format!("bad/{n}");
        let requests = emulator.requests().len();
        let state = journal.refund(&dojo, &name, &read, amount).await;
        let written = journal
            .store()
            .entry(dojo.location_id(), &name)
            .await
            .unwrap();
        assert!(
            matches!(state, Err(JournalError::Refused(_))) && written.is_none(),
            "{amount:?}: answered {state:?}, written {written:?}, {} request(s) sent",
            emulator.requests().len() - requests
        );
    }
}

/// The journal's capture of an amount in another currency than the
/// intent's: must move no money (the lifecycle's capture refuses it).
#[tokio::test]
async fn the_journal_s_capture_in_another_currency_moves_nothing() {
    let (emulator, dojo) = dojo().await;
    let read = paid(&emulator, &dojo, 1_000, CaptureMode::Manual).await;
    let id = read.id.clone().unwrap();
    let journal = Journal::new(InMemoryJournal::default(), &dojo);
    let state = journal
        .capture(
            &dojo,
            "eur/capture",
            &read,
            Money::new(1_000, Currency::EUR),
        )
        .await;
    let captured = emulator
        .payment_intent(&id)
        .unwrap()
        .captures
        .iter()
        .flatten()
        .count();
    assert_eq!(
        captured, 0,
        "€10 asked, captured: the journal answered {state:?}"
    );
}
