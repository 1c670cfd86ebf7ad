//! Outsider: the one refund rule (`lifecycle::rules::refund_allowed`,
//! e1d945d) asked by the payment intent's refund, the counter's matched
//! refund and the journal's matched refund. At its edges (zero, negative,
//! another currency, exactly what is left, one more; a read whose capture
//! amounts are left out) the three must agree, and a refused refund must
//! send nothing. The emulator's state is the oracle.

mod common;

use std::time::Duration;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::{Counter, Outcome, WaitPolicy};
use dojo_payments::journal::{EntryState, InMemoryJournal, Journal, JournalError, Started};
use dojo_payments::lifecycle::LifecycleRule;
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{Currency, Money, PaymentIntentId, TerminalId};
use dojo_payments::{Dojo, Error, Invalid};
use dojo_payments_emulator::{Emulator, Fault, Omitted};

const GET: &str = "GET /payment-intents/{paymentIntentId}";

fn till() -> TerminalId {
    TerminalId::from_wire("tm_sandbox_counter3")
}

fn quick() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(3))
        .polling(Duration::from_millis(20), Duration::from_millis(100))
}

/// Runs `$body` with `$p` bound to the refundable typed intent in `$any`.
macro_rules! refundable {
    ($any:expr, |$p:ident| $body:expr) => {
        match $any {
            AnyPaymentIntent::Captured($p) => $body,
            AnyPaymentIntent::Refunded($p) => $body,
            other => panic!("not refundable: {other:?}"),
        }
    };
}

struct World {
    emulator: Emulator,
    dojo: Dojo,
    counter: Counter,
    journal: Journal<InMemoryJournal>,
}

async fn world(seed: u64) -> World {
    let emulator = Emulator::builder().seed(seed).start().await.unwrap();
    let dojo = client_of(&emulator, quick_retries());
    World {
        counter: Counter::new(dojo.clone(), "sw"),
        journal: Journal::new(InMemoryJournal::default(), &dojo),
        dojo,
        emulator,
    }
}

/// A £20 intent (auto capture) of which £15 is refunded: £5 left.
async fn five_left(w: &World) -> PaymentIntentId {
    let intent = paid(&w.emulator, &w.dojo, 2_000, CaptureMode::Auto).await;
    let id = intent.id.clone().unwrap();
    let AnyPaymentIntent::Captured(captured) = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap()
    else {
        panic!("captured")
    };
    captured.refund(&w.dojo, gbp(1_500), None).await.unwrap();
    assert_eq!(w.emulator.refund_count(&id), 1);
    id
}

fn rule_of_error(error: Error) -> LifecycleRule {
    match error {
        Error::InvalidRequest {
            reason: Invalid::Lifecycle(rule),
            ..
        } => rule,
        other => panic!("not a lifecycle refusal: {other:?}"),
    }
}

/// The rule each of the three refuses `amount` with (`None`: it sent).
async fn rules_for(w: &World, id: &PaymentIntentId, amount: Money) -> [Option<LifecycleRule>; 3] {
    let any = AnyPaymentIntent::read(&w.dojo, id).await.unwrap();
    refundable!(any, |p| {
        let lifecycle = p
            .refund(&w.dojo, amount, None)
            .await
            .err()
            .map(rule_of_error);
        let counter = w
            .counter
            .matched_refund(&till(), &p, Some(amount))
            .await
            .err()
            .map(rule_of_error);
        let journal = match w
            .journal
            .matched_refund(&w.counter, &format!("edge/{amount:?}"), &till(), &p, amount)
            .await
        {
            Err(JournalError::Refused(error)) => Some(rule_of_error(*error)),
            Ok(_) => None,
            Err(other) => panic!("{other:?}"),
        };
        [lifecycle, counter, journal]
    })
}

/// Zero, negative, the most negative, another currency, and one penny
/// more than is left: the same rule from all three, and the emulator's
/// state unchanged (nothing sent that moved or stored anything).
#[tokio::test]
async fn the_three_refuse_the_same_amounts_and_send_nothing() {
    let w = world(301).await;
    let id = five_left(&w).await;
    let cases = [
        (gbp(0), LifecycleRule::AmountNotPositive),
        (gbp(-1), LifecycleRule::AmountNotPositive),
        (
            Money::new(i64::MIN, Currency::GBP),
            LifecycleRule::AmountNotPositive,
        ),
        (
            Money::new(100, Currency::EUR),
            LifecycleRule::CurrencyMismatch {
                expected: Currency::GBP,
                given: Currency::EUR,
            },
        ),
        (
            gbp(501),
            LifecycleRule::RefundExceedsCaptured {
                refundable: gbp(500),
                requested: gbp(501),
            },
        ),
        (
            Money::new(i64::MAX, Currency::GBP),
            LifecycleRule::RefundExceedsCaptured {
                refundable: gbp(500),
                requested: Money::new(i64::MAX, Currency::GBP),
            },
        ),
    ];
    for (amount, rule) in cases {
        let digest = w.emulator.state_digest();
        let rules = rules_for(&w, &id, amount).await;
        assert_eq!(
            rules,
            [Some(rule.clone()), Some(rule.clone()), Some(rule)],
            "{amount:?}"
        );
        assert_eq!(
            w.emulator.state_digest(),
            digest,
            "{amount:?}: something stored"
        );
        assert_eq!(w.emulator.refund_count(&id), 1);
    }
}

/// Exactly what is left (£5) is allowed by each of the three, and made
/// once; after it, one penny more is refused by all three.
#[tokio::test]
async fn exactly_what_is_left_is_made_by_each_and_then_nothing_more() {
    let w = world(302).await;
    // The payment intent's own refund.
    let id = five_left(&w).await;
    let any = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap();
    refundable!(any, |p| p.refund(&w.dojo, gbp(500), None).await.unwrap());
    assert_eq!(w.emulator.refund_count(&id), 2);
    let rules = rules_for(&w, &id, gbp(1)).await;
    assert!(
        rules
            .iter()
            .all(|r| matches!(r, Some(LifecycleRule::RefundExceedsCaptured { .. }))),
        "{rules:?}"
    );
    assert_eq!(w.emulator.refund_count(&id), 2);

    // The counter's.
    let id = five_left(&w).await;
    let any = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap();
    let session = refundable!(any, |p| w
        .counter
        .matched_refund(&till(), &p, Some(gbp(500)))
        .await
        .unwrap());
    w.emulator
        .terminal(&till())
        .present_card(&good_card())
        .unwrap();
    assert!(matches!(
        session.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    assert_eq!(w.emulator.refund_count(&id), 2);

    // The journal's.
    let id = five_left(&w).await;
    let any = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap();
    let started = refundable!(any, |p| w
        .journal
        .matched_refund(&w.counter, "left/exact", &till(), &p, gbp(500))
        .await
        .unwrap());
    let Started::Session(Outcome::InProgress(session)) = started else {
        panic!("{started:?}")
    };
    w.emulator
        .terminal(&till())
        .present_card(&good_card())
        .unwrap();
    assert!(matches!(
        session.outcome(quick()).await.unwrap(),
        Outcome::Captured(_)
    ));
    let settled = w
        .journal
        .finish_session(&w.counter, "left/exact")
        .await
        .unwrap();
    assert!(
        matches!(settled.state, EntryState::Applied { .. }),
        "{settled:?}"
    );
    assert_eq!(w.emulator.refund_count(&id), 2);
}

/// A manual-capture intent whose reads leave out the captures' amounts:
/// the three let Dojo decide (none refuses on a guess), and Dojo, which
/// knows £10 was captured, makes no refund of £15; the amount rule
/// (zero, another currency) still refuses before sending.
#[tokio::test]
async fn reads_without_capture_amounts_leave_the_bound_to_dojo_and_nothing_moves() {
    let w = world(303).await;
    let authorized = paid(&w.emulator, &w.dojo, 2_000, CaptureMode::Manual).await;
    let id = authorized.id.clone().unwrap();
    let AnyPaymentIntent::Authorized(p) = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap()
    else {
        panic!("authorized")
    };
    p.capture(&w.dojo, gbp(1_000)).await.unwrap();
    w.emulator
        .inject_fault(
            GET,
            Fault::Omit(Omitted::fields(["captures.amount"])),
            1_000,
        )
        .unwrap();
    let any = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap();
    refundable!(any, |p| {
        assert!(
            p.data()
                .captures
                .iter()
                .flatten()
                .all(|c| c.amount.is_none()),
            "the read shows no capture amount"
        );
        let digest = w.emulator.state_digest();
        for (amount, rule) in [
            (gbp(0), LifecycleRule::AmountNotPositive),
            (
                Money::new(100, Currency::EUR),
                LifecycleRule::CurrencyMismatch {
                    expected: Currency::GBP,
                    given: Currency::EUR,
                },
            ),
        ] {
            let lifecycle = p
                .refund(&w.dojo, amount, None)
                .await
                .err()
                .map(rule_of_error);
            let counter = w
                .counter
                .matched_refund(&till(), &p, Some(amount))
                .await
                .err()
                .map(rule_of_error);
            let journal = match w
                .journal
                .matched_refund(&w.counter, "unknown/bad", &till(), &p, amount)
                .await
            {
                Err(JournalError::Refused(error)) => Some(rule_of_error(*error)),
                other => panic!("{other:?}"),
            };
            assert_eq!(
                [lifecycle, counter, journal],
                [Some(rule.clone()), Some(rule.clone()), Some(rule)]
            );
        }
        assert_eq!(
            w.emulator.state_digest(),
            digest,
            "a refused refund stored something"
        );

        // £15 of £10 captured: each sends (Dojo decides), nothing moves.
        let lifecycle = p.refund(&w.dojo, gbp(1_500), None).await;
        assert!(
            !matches!(
                lifecycle,
                Err(Error::InvalidRequest {
                    reason: Invalid::Lifecycle(_),
                    ..
                })
            ),
            "refused on a guess: {lifecycle:?}"
        );
        assert!(lifecycle.is_err(), "Dojo refused: {lifecycle:?}");
        let counter = w
            .counter
            .matched_refund(&till(), &p, Some(gbp(1_500)))
            .await
            .expect("the counter lets Dojo decide");
        w.emulator
            .terminal(&till())
            .present_card(&good_card())
            .unwrap();
        let outcome = counter.outcome(quick()).await;
        assert!(
            !matches!(outcome, Ok(Outcome::Captured(_))),
            "a matched refund of more than was captured was made: {outcome:?}"
        );
        let journal = w
            .journal
            .matched_refund(&w.counter, "unknown/over", &till(), &p, gbp(1_500))
            .await;
        assert!(
            !matches!(journal, Err(JournalError::Refused(_))),
            "the journal refused on a guess: {journal:?}"
        );
    });
    assert_eq!(w.emulator.refund_count(&id), 0, "nothing refunded");
}

/// The journal's matched refund when its own read shows no amount at all
/// (`amount` and `totalAmount` left out): the rule can check neither the
/// currency nor what is left, and leaves both to Dojo. Another currency
/// and more than is left must still move nothing.
#[tokio::test]
async fn a_read_without_amounts_lets_no_wrong_matched_refund_move_money() {
    let w = world(304).await;
    let id = five_left(&w).await;
    let any = AnyPaymentIntent::read(&w.dojo, &id).await.unwrap();
    w.emulator
        .inject_fault(
            GET,
            Fault::Omit(Omitted::fields(["amount", "totalAmount"])),
            1_000,
        )
        .unwrap();
    let refunded = |w: &World| w.emulator.payment_intent(&id).unwrap().refunded_amount;
    refundable!(any, |p| {
        for (n, amount) in [Money::new(100, Currency::EUR), gbp(5_000)]
            .into_iter()
            .enumerate()
        {
            let name = format!("blind/{n}");
            let started = w
                .journal
                .matched_refund(&w.counter, &name, &till(), &p, amount)
                .await;
            if let Ok(Started::Session(Outcome::InProgress(session))) = started {
                w.emulator
                    .terminal(&till())
                    .present_card(&good_card())
                    .unwrap();
                let outcome = session.outcome(quick()).await;
                assert!(
                    !matches!(outcome, Ok(Outcome::Captured(_))),
                    "{amount:?}: {outcome:?}"
                );
                let settled = w.journal.finish_session(&w.counter, &name).await;
                assert!(
                    !matches!(
                        settled,
                        Ok(ref r) if matches!(r.state, EntryState::Applied { .. })
                    ),
                    "{amount:?}: {settled:?}"
                );
            } else {
                assert!(
                    !matches!(started, Ok(Started::Settled(EntryState::Applied { .. }))),
                    "{amount:?}: {started:?}"
                );
            }
            assert_eq!(
                (w.emulator.refund_count(&id), refunded(&w)),
                (1, Some(1_500)),
                "{amount:?} moved money"
            );
        }
    });
}
