//! The Pay at Counter example (`examples/pay_at_counter.rs`), walked and
//! checked: each step's session created once, each journal entry settled
//! by its session's outcome, and the till shown what the terminal showed.

use dojo_payments::Dojo;
use dojo_payments::journal::EntryState;
use dojo_payments_emulator::Emulator;

#[path = "../examples/pay_at_counter.rs"]
mod example;

#[tokio::test]
async fn the_pay_at_counter_example_walks_as_it_says() {
    let emulator = Emulator::start().await.unwrap();
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()
        .unwrap();
    let walk = example::run(&dojo, &emulator).await.unwrap();
    assert!(matches!(walk.sale, EntryState::Applied { .. }), "{walk:?}");
    assert!(
        matches!(walk.signed, EntryState::Applied { .. }),
        "{walk:?}"
    );
    assert!(
        matches!(walk.refund, EntryState::Applied { .. }),
        "{walk:?}"
    );
    assert!(
        matches!(walk.canceled, EntryState::NotApplied { .. }),
        "{walk:?}"
    );
    assert_eq!(walk.sessions_created, 4);
    for shown in ["Present card", "Approved", "Paid"] {
        assert!(
            walk.shown.iter().any(|line| line.contains(shown)),
            "{shown:?} in {:?}",
            walk.shown
        );
    }
}
