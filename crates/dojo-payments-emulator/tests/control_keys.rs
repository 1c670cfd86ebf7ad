//! A key added while running (`POST /_emulator/locations`) is held to
//! `ApiKey::new`'s rules as one given at start-up: a prefix with no body,
//! or a key over 256 characters, is a 400 that quotes no part of it, and
//! nothing is added.

use dojo_payments_emulator::Emulator;
use serde_json::{Value, json};

async fn add(emulator: &Emulator, name: &str, key: &str) -> (u16, String) {
    let answer = dojo_payments_api::http_client()
        .unwrap()
        .post(format!("{}/_emulator/locations", emulator.api_url()))
        .json(&json!({"name": name, "key": key}))
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

#[tokio::test]
async fn a_key_without_a_body_or_too_long_is_refused_without_echo() {
    let emulator = Emulator::start().await.unwrap();
    let body = "Zq9XwV7kPm3RtY2hJ8nB";
    let long = format!("sk_sandbox_{body}{}", "y".repeat(300));
    for (name, key) in [("empty", "sk_sandbox_"), ("long", long.as_str())] {
        let (status, text) = add(&emulator, name, key).await;
        assert_eq!(status, 400, "{name}: {text}");
        assert!(!text.contains(body) && !text.contains("yyyy"), "{text}");
        let problem: Value = serde_json::from_str(&text).unwrap();
        assert!(problem["errors"]["Key"].is_array(), "{text}");
        assert_eq!(emulator.location_account(&name.parse().unwrap()), None);
    }
    // At the cap, a key is a key.
    let at_cap = format!("sk_sandbox_{}", "a".repeat(256 - 11));
    let (status, text) = add(&emulator, "at-cap", &at_cap).await;
    assert_eq!(status, 200, "{text}");
}
