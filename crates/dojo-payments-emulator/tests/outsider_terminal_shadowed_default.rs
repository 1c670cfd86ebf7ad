//! An outsider's finding, fixed: a location's default terminals are made
//! lazily, the first time its key is seen, and `add_terminal` checked ids
//! only against terminals made so far. A terminal added to the default
//! account under the id of a location's not-yet-made default
//! (`tm_sandbox_soho_counter3`) was accepted; that location then lacked
//! its documented manual terminal (its list had counter1 and counter2
//! only, and a read of counter3 was a 404), while the default account held
//! a terminal named after another location's. Now the ids of default sets
//! are reserved by their shape, whether the location exists yet or not.

use dojo_payments_api::api::Client;
use dojo_payments_emulator::{Emulator, NewTerminal};
use dojo_payments_types::{ApiKey, LocationId, TerminalId};

#[tokio::test]
async fn a_terminal_added_cannot_take_another_locations_default_id() {
    let soho: LocationId = "soho".parse().unwrap();
    let key = ApiKey::new("sk_sandbox_soho_0123456789abcdef").unwrap();
    let emulator = Emulator::builder()
        .location(soho, key.clone())
        .start()
        .await
        .unwrap();
    let added = emulator.add_terminal(NewTerminal::new("tm_sandbox_soho_counter3"));
    let client = Client::from_key_at(emulator.api_url(), &key).unwrap();
    let own = client
        .terminals_get_terminal(
            &TerminalId::from_wire("tm_sandbox_soho_counter3"),
            None,
            "house",
        )
        .await;
    assert!(
        added.is_err() || own.is_ok(),
        "the default account took soho's manual terminal ({added:?}); soho reads it: {:?}",
        own.map(|t| t.id.to_string()).map_err(|e| e.to_string())
    );
}

/// Reserved by shape: the default account's own, a location not added
/// yet, and a location's own set added to it; any other id is free, and
/// soho keeps its three.
#[tokio::test]
async fn every_default_sets_id_is_reserved_and_others_are_free() {
    let soho: LocationId = "soho".parse().unwrap();
    let key = ApiKey::new("sk_sandbox_soho_0123456789abcdef").unwrap();
    let emulator = Emulator::builder()
        .location(soho.clone(), key.clone())
        .start()
        .await
        .unwrap();
    for (id, at) in [
        ("tm_sandbox_counter1", None),
        ("tm_sandbox_later_counter2", None),
        ("tm_sandbox_soho_counter1", Some(soho.clone())),
    ] {
        let mut terminal = NewTerminal::new(id);
        if let Some(at) = at {
            terminal = terminal.at(at);
        }
        let refused = emulator.add_terminal(terminal).unwrap_err();
        assert!(refused.to_string().contains("reserved"), "{id}: {refused}");
    }
    emulator
        .add_terminal(NewTerminal::new("tm_sandbox_soho_counter4").at(soho))
        .unwrap();
    emulator
        .add_terminal(NewTerminal::new("tm_sandbox_counter"))
        .unwrap();
    let client = Client::from_key_at(emulator.api_url(), &key).unwrap();
    let list = client
        .terminals_list_terminals(None, None, "house")
        .await
        .unwrap();
    let mut ids: Vec<String> = list.iter().map(|t| t.id.to_string()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "tm_sandbox_soho_counter1",
            "tm_sandbox_soho_counter2",
            "tm_sandbox_soho_counter3",
            "tm_sandbox_soho_counter4"
        ]
    );
}
