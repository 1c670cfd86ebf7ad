//! What a read proves, and what reads together prove: `settlement::reading`
//! and `settlement::judge`, table-tested (the failure matrix runs them
//! against the emulator; these pin each rule down by itself).

use dojo_payments::api_types::{CaptureDetails, PaymentIntent, PaymentIntentStatus};
use dojo_payments::settlement::{Before, Movement, Reading, Verdict, judge, reading};
use dojo_payments::types::{Open, TerminalId, TerminalSessionId};
use dojo_payments::{IdempotencyKey, Undetermined};

use dojo_payments_emulator::testkit::gbp;

fn capture(id: &str, amount: Option<i64>) -> CaptureDetails {
    CaptureDetails {
        id: Some(id.parse().unwrap()),
        amount,
        ..Default::default()
    }
}

fn intent(status: Option<PaymentIntentStatus>) -> PaymentIntent {
    PaymentIntent {
        status: status.map(Open::Known),
        captures: Some(vec![capture("cp_1", Some(100))]),
        refunded_amount: Some(0),
        ..Default::default()
    }
}

#[test]
fn a_capture_is_shown_by_one_new_id_of_its_amount_and_nothing_else() {
    let before = Before::of(&intent(Some(PaymentIntentStatus::Authorized)));
    let ours = Movement::Capture { amount: gbp(400) };
    let with = |captures: Option<Vec<CaptureDetails>>| PaymentIntent {
        captures,
        ..intent(Some(PaymentIntentStatus::Captured))
    };
    let cases = [
        (
            with(Some(vec![
                capture("cp_1", Some(100)),
                capture("cp_2", Some(400)),
            ])),
            Reading::Shows,
        ),
        (with(Some(vec![capture("cp_1", Some(100))])), Reading::Lacks),
        (
            with(None),
            Reading::Unclear(Undetermined::FieldMissing("captures")),
        ),
        (
            with(Some(vec![
                capture("cp_1", Some(100)),
                capture("cp_2", None),
            ])),
            Reading::Unclear(Undetermined::FieldMissing("captures[].amount")),
        ),
        (
            with(Some(vec![
                capture("cp_1", Some(100)),
                capture("cp_2", Some(300)),
            ])),
            Reading::Unclear(Undetermined::ReadDoesNotTell),
        ),
        (
            with(Some(vec![
                capture("cp_1", Some(100)),
                capture("cp_2", Some(400)),
                capture("cp_3", Some(400)),
            ])),
            Reading::Unclear(Undetermined::ReadDoesNotTell),
        ),
    ];
    for (after, expected) in cases {
        assert_eq!(
            reading(&ours, &before, &after),
            expected,
            "{:?}",
            after.captures
        );
    }
    let unrecorded = Before::unrecorded();
    assert_eq!(
        reading(&ours, &unrecorded, &intent(None)),
        Reading::Unclear(Undetermined::NoSnapshot)
    );
}

/// Dojo's document makes `captures` nullable: an authorized intent
/// without it has none, and still authorized without it has none yet;
/// once captured, a read without it tells nothing.
#[test]
fn an_authorized_intent_without_captures_has_none() {
    use PaymentIntentStatus::*;
    let bare = |status| PaymentIntent {
        status: Some(Open::Known(status)),
        captures: None,
        ..Default::default()
    };
    let ours = Movement::Capture { amount: gbp(400) };
    let before = Before::of(&bare(Authorized));
    assert_eq!(before.captures, Some(vec![]));
    assert_eq!(reading(&ours, &before, &bare(Authorized)), Reading::Lacks);
    assert_eq!(
        reading(&ours, &before, &bare(Captured)),
        Reading::Unclear(Undetermined::FieldMissing("captures"))
    );
    assert_eq!(Before::of(&bare(Captured)).captures, None);
    let partly = Before::of(&intent(Some(Captured)));
    assert_eq!(
        reading(&ours, &partly, &bare(Authorized)),
        Reading::Unclear(Undetermined::FieldMissing("captures"))
    );
}

#[test]
fn a_status_movement_is_shown_by_its_status_lacked_by_the_same_and_unclear_otherwise() {
    use PaymentIntentStatus::*;
    let cases = [
        (Movement::Charge, Created, Some(Captured), Reading::Shows),
        // A charge ends Captured; an Authorized intent is another change.
        (
            Movement::Charge,
            Created,
            Some(Authorized),
            Reading::Unclear(Undetermined::ReadDoesNotTell),
        ),
        (Movement::Charge, Created, Some(Created), Reading::Lacks),
        (
            Movement::Reverse,
            Authorized,
            Some(Reversed),
            Reading::Shows,
        ),
        (
            Movement::Reverse,
            Authorized,
            Some(Authorized),
            Reading::Lacks,
        ),
        (
            Movement::Reverse,
            Authorized,
            Some(Captured),
            Reading::Unclear(Undetermined::ReadDoesNotTell),
        ),
        (Movement::Cancel, Created, Some(Canceled), Reading::Shows),
        (Movement::Cancel, Created, Some(Created), Reading::Lacks),
        (
            Movement::Cancel,
            Created,
            None,
            Reading::Unclear(Undetermined::FieldMissing("status")),
        ),
    ];
    for (movement, was, now, expected) in cases {
        let before = Before::of(&intent(Some(was)));
        assert_eq!(
            reading(&movement, &before, &intent(now)),
            expected,
            "{movement:?} {was:?} → {now:?}"
        );
    }
    let nothing_before = Before::of(&intent(None));
    assert_eq!(
        reading(&Movement::Cancel, &nothing_before, &intent(Some(Created))),
        Reading::Unclear(Undetermined::NoSnapshot)
    );
}

#[test]
fn a_refund_is_shown_by_the_refunded_amount_grown_by_exactly_it() {
    let ours = Movement::Refund {
        amount: gbp(300),
        key: IdempotencyKey::generate(),
    };
    let refunded = |amount: Option<i64>| PaymentIntent {
        refunded_amount: amount,
        ..intent(Some(PaymentIntentStatus::Captured))
    };
    let before = Before::of(&refunded(Some(100)));
    for (now, expected) in [
        (Some(400), Reading::Shows),
        (Some(100), Reading::Lacks),
        (Some(600), Reading::Unclear(Undetermined::ReadDoesNotTell)),
        (Some(50), Reading::Unclear(Undetermined::ReadDoesNotTell)),
        (
            None,
            Reading::Unclear(Undetermined::FieldMissing("refundedAmount")),
        ),
    ] {
        assert_eq!(reading(&ours, &before, &refunded(now)), expected, "{now:?}");
    }
    assert_eq!(
        reading(&ours, &Before::unrecorded(), &refunded(Some(400))),
        Reading::Unclear(Undetermined::NoSnapshot)
    );
}

#[test]
fn not_applied_takes_two_lacking_reads_after_the_window_and_one_showing_read_is_enough() {
    use Reading::*;
    let missing = Unclear(Undetermined::FieldMissing("captures"));
    let cases = [
        (vec![Shows], false, Verdict::Applied),
        (vec![Lacks, Shows], true, Verdict::Applied),
        (vec![missing, Shows], true, Verdict::Applied),
        (vec![Lacks, Lacks], true, Verdict::NotApplied),
        (
            vec![Lacks, Lacks],
            false,
            Verdict::Unknown(Undetermined::MayBeInFlight),
        ),
        (
            vec![Lacks],
            true,
            Verdict::Unknown(Undetermined::NotConfirmed),
        ),
        (
            vec![Lacks],
            false,
            Verdict::Unknown(Undetermined::MayBeInFlight),
        ),
        (
            vec![Lacks, missing],
            true,
            Verdict::Unknown(Undetermined::FieldMissing("captures")),
        ),
        (vec![], true, Verdict::Unknown(Undetermined::ReadFailed)),
    ];
    for (readings, finished, expected) in cases {
        assert_eq!(
            judge(&readings, finished),
            expected,
            "{readings:?} finished: {finished}"
        );
    }
}

/// A movement is stored as its operation, amount and key, and read back
/// from them (a journal store does both): every movement survives the
/// trip, and parts that make none are refused.
#[test]
fn a_movement_is_stored_and_read_back_by_its_parts() {
    let key = IdempotencyKey::generate();
    let movements = [
        Movement::Capture { amount: gbp(400) },
        Movement::Charge,
        Movement::Reverse,
        Movement::Cancel,
        Movement::Refund {
            amount: gbp(300),
            key: key.clone(),
        },
    ];
    let names: Vec<&str> = movements.iter().map(Movement::operation).collect();
    assert_eq!(names, ["capture", "charge", "reverse", "cancel", "refund"]);
    for movement in &movements {
        let back = Movement::from_parts(
            movement.operation(),
            movement.amount(),
            movement.key().cloned(),
        );
        assert_eq!(back.as_ref(), Some(movement));
    }
    assert_eq!(movements[0].amount(), Some(gbp(400)));
    assert_eq!(movements[4].amount(), Some(gbp(300)));
    assert_eq!(movements[4].key(), Some(&key));
    assert_eq!(movements[0].key(), None);
    assert_eq!(movements[1].amount(), None);
    for (operation, amount, key) in [
        ("capture", None, None),
        ("capture", Some(gbp(1)), Some(key.clone())),
        ("charge", Some(gbp(1)), None),
        ("reverse", None, Some(key.clone())),
        ("cancel", Some(gbp(1)), None),
        ("refund", Some(gbp(1)), None),
        ("refund", None, Some(key.clone())),
        ("transfer", None, None),
    ] {
        assert_eq!(
            Movement::from_parts(operation, amount, key),
            None,
            "{operation}"
        );
    }
}

/// An entry's state is stored as its name and detail, and read back.
#[test]
fn an_entry_state_is_stored_and_read_back_by_its_parts() {
    use dojo_payments::journal::EntryState;
    let states = [
        EntryState::Open,
        EntryState::Applied {
            detail: Some("rf_1".into()),
        },
        EntryState::Applied { detail: None },
        EntryState::NotApplied {
            reason: "refused".into(),
        },
    ];
    let names: Vec<&str> = states.iter().map(EntryState::name).collect();
    assert_eq!(names, ["open", "applied", "applied", "not_applied"]);
    for state in &states {
        let back = EntryState::from_parts(state.name(), state.detail().map(str::to_owned));
        assert_eq!(back.as_ref(), Some(state));
        assert_eq!(state.is_open(), state.name() == "open");
    }
    assert_eq!(EntryState::Open.detail(), None);
    assert_eq!(EntryState::from_parts("closed", None), None);
}

/// What has moved on an intent: a `Manual` one's captures summed, an
/// `Auto` one's total once captured, nothing before; refunds as Dojo
/// counts them; nothing known without an amount.
#[test]
fn what_has_moved_is_the_captures_or_the_captured_total_and_the_refunds() {
    use dojo_payments::api_types::CaptureMode;
    use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
    use dojo_payments::settlement::Settled;
    let with = |mode, status, captures, refunded| {
        AnyPaymentIntent::from(PaymentIntent {
            amount: Some(gbp(1000)),
            capture_mode: Some(Open::Known(mode)),
            status: Some(Open::Known(status)),
            captures,
            refunded_amount: refunded,
            ..Default::default()
        })
    };
    let settled = |captured, refunded| {
        Some(Settled {
            captured: gbp(captured),
            refunded: gbp(refunded),
        })
    };
    let parts = Some(vec![capture("cp_1", Some(400)), capture("cp_2", Some(100))]);
    use PaymentIntentStatus::*;
    let cases = [
        (
            with(CaptureMode::Manual, Captured, parts.clone(), Some(200)),
            settled(500, 200),
        ),
        (
            with(CaptureMode::Manual, Authorized, Some(vec![]), None),
            settled(0, 0),
        ),
        (
            with(CaptureMode::Auto, Captured, None, None),
            settled(1000, 0),
        ),
        (
            with(CaptureMode::Auto, Refunded, None, Some(300)),
            settled(1000, 300),
        ),
        (with(CaptureMode::Auto, Created, None, None), settled(0, 0)),
        // A capture without its amount: what was captured is not known.
        (
            with(
                CaptureMode::Manual,
                Captured,
                Some(vec![capture("cp_1", None)]),
                None,
            ),
            None,
        ),
    ];
    for (intent, expected) in cases {
        assert_eq!(intent.settled(), expected, "{:?}", intent.status());
    }
    let no_amount = AnyPaymentIntent::from(PaymentIntent::default());
    assert_eq!(no_amount.settled(), None);
}

/// A sale at a terminal, on an intent that was `Created`: paid since shows
/// it; still `Created` (or `Canceled`) lacks it; anything else, or a read or
/// snapshot without a status, does not tell, and says which.
#[test]
fn a_sale_at_a_terminal_is_shown_by_the_intent_paid() {
    use PaymentIntentStatus::*;
    let sale = Movement::TerminalSale {
        terminal: TerminalId::new("tm_sandbox_1").unwrap(),
        session: None,
    };
    let created = Before::of(&intent(Some(Created)));
    for (now, expected) in [
        (Some(Authorized), Reading::Shows),
        (Some(Captured), Reading::Shows),
        (Some(Refunded), Reading::Shows),
        (Some(Created), Reading::Lacks),
        (Some(Canceled), Reading::Lacks),
        (
            Some(Reversed),
            Reading::Unclear(Undetermined::ReadDoesNotTell),
        ),
        (None, Reading::Unclear(Undetermined::FieldMissing("status"))),
    ] {
        assert_eq!(reading(&sale, &created, &intent(now)), expected, "{now:?}");
    }
    let nothing_before = Before::of(&intent(None));
    assert_eq!(
        reading(&sale, &nothing_before, &intent(Some(Created))),
        Reading::Unclear(Undetermined::NoSnapshot)
    );
    assert_eq!(
        reading(&sale, &nothing_before, &intent(None)),
        Reading::Unclear(Undetermined::FieldMissing("status"))
    );
}

/// A session at a terminal is stored as its operation, amount, terminal
/// and session, and read back; parts that make no movement are none.
#[test]
fn a_session_at_a_terminal_is_stored_and_read_back_by_its_parts() {
    let terminal = TerminalId::new("tm_sandbox_1").unwrap();
    let session = TerminalSessionId::from_wire("ts_sandbox_1");
    for session in [None, Some(session.clone())] {
        let movements = [
            Movement::TerminalSale {
                terminal: terminal.clone(),
                session: session.clone(),
            },
            Movement::TerminalMatchedRefund {
                amount: gbp(300),
                terminal: terminal.clone(),
                session: session.clone(),
            },
            Movement::TerminalUnlinkedRefund {
                amount: gbp(200),
                terminal: terminal.clone(),
                session: session.clone(),
            },
        ];
        for movement in movements {
            let back = Movement::from_stored(
                movement.operation(),
                movement.amount(),
                movement.key().cloned(),
                Some(terminal.clone()),
                session.clone(),
            );
            assert_eq!(back, Some(movement));
        }
    }
    // The other movements take no terminal and no session.
    assert_eq!(
        Movement::from_stored("capture", Some(gbp(1)), None, None, None),
        Some(Movement::Capture { amount: gbp(1) })
    );
    for (operation, amount, terminal, session) in [
        ("capture", Some(gbp(1)), None, Some(session.clone())),
        ("capture", Some(gbp(1)), Some(terminal.clone()), None),
        ("counter_sale", None, None, None),
        ("counter_sale", Some(gbp(1)), Some(terminal.clone()), None),
        ("counter_matched_refund", None, Some(terminal.clone()), None),
        (
            "counter_unlinked_refund",
            None,
            Some(terminal.clone()),
            None,
        ),
    ] {
        assert_eq!(
            Movement::from_stored(operation, amount, None, terminal, session),
            None,
            "{operation}"
        );
    }
}
