//! What a failed attempt proves, as a table: every money-moving operation
//! with every kind of ending. Each "refused" row cites the line of Dojo's
//! document (2026-02-27) that makes the status a refusal of that operation;
//! every other answer proves nothing and is settled.

use dojo_payments::Delivery::{self, MaybeApplied, NotSent, Refused};
use dojo_payments::proof::{classify, finished_at_dojo, refusal};
use dojo_payments::retry::Attempt::{self, Answered, Unanswered};

const CAPTURE: &str = "captures_create";
const REFUND: &str = "refunds_create";
const REVERSE: &str = "reversal_create";
const CHARGE: &str = "payment_intents_charge_payment_intent";
const CANCEL: &str = "payment_intents_delete";
const TOKENIZE: &str = "setup_intents_create_tokenized";

#[rustfmt::skip]
fn rows() -> Vec<(&'static str, Attempt, Delivery, &'static str)> {
    vec![
        // operation, ending,              proves,       why
        (CAPTURE, Answered(400), Refused,      "POST /payment-intents/{paymentIntentId}/captures: 400 Bad request"),
        (CAPTURE, Answered(401), Refused,      "POST /payment-intents/{paymentIntentId}/captures: 401 Unauthorized"),
        (CAPTURE, Answered(409), Refused,      "POST /payment-intents/{paymentIntentId}/captures: 409 Conflict"),
        (CAPTURE, Answered(404), MaybeApplied, "captures do not list 404"),
        (CAPTURE, Answered(429), MaybeApplied, "no operation lists 429: rate limited is no proof"),
        (CAPTURE, Answered(500), MaybeApplied, "a 5xx: Dojo may have acted"),
        (CAPTURE, Answered(502), MaybeApplied, "a gateway's 5xx"),
        (CAPTURE, Answered(503), MaybeApplied, "a gateway's 5xx"),
        (CAPTURE, Answered(200), MaybeApplied, "a 200 whose body did not decode"),
        (CAPTURE, Answered(201), MaybeApplied, "a 2xx the document does not list"),
        (CAPTURE, Answered(418), MaybeApplied, "a status the document does not list"),
        (CAPTURE, Unanswered,    MaybeApplied, "a body cut off, a stall, a connection closed after writing"),
        (CAPTURE, Attempt::NotSent, NotSent,   "no connection was made"),
        (REFUND,  Answered(400), Refused,      "POST /payment-intents/{paymentIntentId}/refunds: 400 Bad request"),
        (REFUND,  Answered(401), Refused,      "POST /payment-intents/{paymentIntentId}/refunds: 401 Unauthorized"),
        (REFUND,  Answered(404), MaybeApplied, "refunds do not list 404"),
        (REFUND,  Answered(409), MaybeApplied, "refunds do not list 409"),
        (REFUND,  Answered(500), MaybeApplied, "a 5xx"),
        (REFUND,  Unanswered,    MaybeApplied, "no answer"),
        (REVERSE, Answered(400), Refused,      "POST /payment-intents/{paymentIntentId}/reversal: 400 Bad request"),
        (REVERSE, Answered(401), Refused,      "POST /payment-intents/{paymentIntentId}/reversal: 401 Unauthorized"),
        (REVERSE, Answered(409), Refused,      "POST /payment-intents/{paymentIntentId}/reversal: 409 Conflict"),
        (REVERSE, Answered(403), MaybeApplied, "reversals do not list 403"),
        (CHARGE,  Answered(400), Refused,      "POST /payment-intents/{paymentIntentId}/charge: 400 Bad request"),
        (CHARGE,  Answered(401), Refused,      "POST /payment-intents/{paymentIntentId}/charge: 401 Unauthorized"),
        (CHARGE,  Answered(403), Refused,      "POST /payment-intents/{paymentIntentId}/charge: 403 Not found"),
        (CHARGE,  Answered(404), MaybeApplied, "charges list 403, not 404"),
        (CHARGE,  Answered(409), MaybeApplied, "charges do not list 409"),
        (CANCEL,  Answered(400), Refused,      "DELETE /payment-intents/{paymentIntentId}: 400 Bad request"),
        (CANCEL,  Answered(401), Refused,      "DELETE /payment-intents/{paymentIntentId}: 401 Unauthorized"),
        (CANCEL,  Answered(404), Refused,      "DELETE /payment-intents/{paymentIntentId}: 404 Not found"),
        (CANCEL,  Answered(409), MaybeApplied, "cancels do not list 409"),
        (TOKENIZE, Answered(403), Refused,     "pci POST /setup-intents: 403 (spec/pci-api.json)"),
        (TOKENIZE, Answered(500), MaybeApplied, "a 5xx"),
        ("no_such_operation", Answered(400), MaybeApplied, "an operation the documents do not have"),
        // A 500 that an operation's document lists is still no refusal.
        ("terminal_session_cancel", Answered(500), MaybeApplied, "documented, but a 5xx"),
    ]
}

#[test]
fn every_row_of_the_table_holds_and_cites_the_document() {
    let mut failures = Vec::new();
    for (operation, attempt, expected, why) in rows() {
        let actual = classify(operation, attempt);
        if actual != expected {
            failures.push(format!(
                "{operation} {attempt:?} ({why}): expected {expected:?}, got {actual:?}"
            ));
        }
        if let (Refused, Answered(status)) = (expected, attempt) {
            let line = refusal(operation, status).expect("a refusal has its line");
            let cited = format!("{status} {}", line.description);
            let documented = dojo_payments_api::documented::operation(operation).unwrap();
            if !why.contains(&cited) && !why.contains(documented.route) {
                failures.push(format!(
                    "{operation} {status}: the table says {why:?}, the document {cited:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Whether a read made now can prove a call did not land: only after Dojo's
/// service answered; not after a gateway's 502/503/504, a cut connection or
/// a deadline, when the request may still be in flight.
#[test]
fn a_read_is_conclusive_only_once_dojo_answered() {
    for status in [200, 400, 404, 409, 418, 429, 500, 501] {
        assert!(finished_at_dojo(Answered(status)), "{status}");
    }
    for attempt in [
        Answered(502),
        Answered(503),
        Answered(504),
        Unanswered,
        Attempt::NotSent,
    ] {
        assert!(!finished_at_dojo(attempt), "{attempt:?}");
    }
}

/// The refusals of the money-moving operations, printed with the
/// document's words (`cargo test -p dojo-payments --test proof_table --
/// --nocapture`): the list the closing note and ARCHITECTURE.md quote.
#[test]
fn the_refusals_of_every_money_moving_operation() {
    for operation in [CAPTURE, REFUND, REVERSE, CHARGE, CANCEL, TOKENIZE] {
        let documented = dojo_payments_api::documented::operation(operation).unwrap();
        let refusals: Vec<String> = documented
            .statuses
            .iter()
            .filter(|s| refusal(operation, s.status).is_some())
            .map(|s| format!("{} {}", s.status, s.description))
            .collect();
        assert!(!refusals.is_empty(), "{operation}");
        assert!(refusals.iter().all(|r| r.starts_with('4')), "{refusals:?}");
        println!("{:<50} {}", documented.route, refusals.join(", "));
    }
}

/// "Moved nothing" is the three deliveries that prove it, and only them:
/// the journal closes an entry `NotApplied` on exactly these.
#[test]
fn moved_nothing_is_not_sent_refused_or_not_applied_only() {
    use dojo_payments::Delivery::*;
    for (delivery, nothing) in [
        (NotSent, true),
        (Refused, true),
        (NotApplied, true),
        (MaybeApplied, false),
        (Applied, false),
    ] {
        assert_eq!(delivery.moved_nothing(), nothing, "{delivery:?}");
    }
}
