//! An outsider's finding, fixed: the control API added a terminal whose
//! id was 100 000 characters long (any length up to the 2 MB body limit
//! was taken), though `MAX_TERMINALS` says the store "stays bounded under
//! any control call": 100 000 terminals of ~2 MB ids each is ~200 GB. Now
//! an id over `MAX_TERMINAL_ID_CHARS` is refused (400, naming the rule).

use dojo_payments_emulator::{Emulator, MAX_TERMINAL_ID_CHARS, NewTerminal};
use serde_json::json;

#[tokio::test]
async fn a_terminal_id_of_100_000_characters_is_refused() {
    let emulator = dojo_payments_emulator::Emulator::start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let id = format!("tm_sandbox_{}", "x".repeat(100_000));
    let answer = http
        .post(format!("{}/_emulator/terminals", emulator.api_url()))
        .json(&json!({ "id": id }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status().as_u16(),
        400,
        "a 100 000-character id was added"
    );
    let body = answer.text().await.unwrap();
    assert!(
        body.contains(&format!("at most {MAX_TERMINAL_ID_CHARS} characters")),
        "the rule is named: {body}"
    );
}

/// The bound is exact: an id of `MAX_TERMINAL_ID_CHARS` is added, one
/// more character is refused, from Rust as over HTTP.
#[tokio::test]
async fn an_id_at_the_bound_is_added_and_one_over_is_refused() {
    let emulator = Emulator::start().await.unwrap();
    let at = format!("tm_sandbox_{}", "a".repeat(MAX_TERMINAL_ID_CHARS - 11));
    assert_eq!(at.len(), MAX_TERMINAL_ID_CHARS);
    emulator.add_terminal(NewTerminal::new(at.clone())).unwrap();
    let over = format!("{at}b");
    let refused = emulator.add_terminal(NewTerminal::new(over)).unwrap_err();
    assert!(refused.to_string().contains("at most"), "{refused}");
}
