//! An outsider's attack that held: whatever status answers `POST
//! /terminal-sessions` (a retryable 429/5xx with or without
//! `Retry-After`, a timeout, a conflict, a documented refusal), made or
//! not, the create is sent once, through the counter and through the
//! journal; a 5xx or 429 is never taken as "nothing moved".

mod common;

use common::*;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::Counter;
use dojo_payments::journal::{InMemoryJournal, Journal, Started};
use dojo_payments::types::TerminalId;
use dojo_payments_emulator::{BadAnswer, Fault};

const CREATE: &str = "POST /terminal-sessions";

#[tokio::test]
async fn no_answer_makes_a_session_create_go_twice() {
    let till = TerminalId::from_wire("tm_sandbox_counter3");
    for status in [429u16, 500, 502, 503, 504, 408, 409, 404, 400, 401, 403] {
        for retry_after in [None, Some(1)] {
            for acted in [true, false] {
                let (emulator, dojo) = dojo().await;
                let counter = Counter::new(dojo.clone(), "sw");
                let journal = Journal::new(InMemoryJournal::default(), &dojo);
                let sale = dojo
                    .payment_intents()
                    .create(gbp(1000), "Table 1")
                    .capture_mode(CaptureMode::Auto)
                    .created()
                    .await
                    .unwrap();
                let fault = Fault::Answer {
                    acted,
                    answer: BadAnswer::Status {
                        status,
                        retry_after,
                    },
                };
                emulator.inject_fault(CREATE, fault.clone(), 2).unwrap();
                let started = journal.sale(&counter, "n", &till, &sale).await.unwrap();
                if status >= 500 || status == 429 || status == 408 {
                    assert!(
                        matches!(started, Started::Unknown(_)),
                        "{fault:?}: {started:?}"
                    );
                }
                assert_eq!(calls(&emulator, CREATE), 1, "journal, {fault:?}");
                if acted {
                    emulator.terminal(&till).walk_away().unwrap();
                }
                let direct = counter.unlinked_refund(&till, gbp(100), true).await;
                let error = direct.expect_err("faulted");
                if status >= 500 || status == 429 || status == 408 {
                    assert!(!error.delivery().moved_nothing(), "{fault:?}: {error}");
                }
                assert_eq!(calls(&emulator, CREATE), 2, "counter, {fault:?}");
            }
        }
    }
}
