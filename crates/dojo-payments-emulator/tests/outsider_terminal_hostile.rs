//! An outsider's hostile calls to the emulated terminal's control API
//! (`/_emulator/terminals…`): bad JSON, unknown fields and terminals,
//! wrong methods, huge bodies and values, odd ids, and tips that would
//! overflow. Each is answered below 500 with a body that says why, a
//! refusal changes nothing, and the emulator keeps serving.

mod common;

use common::*;
use dojo_payments_api::api::types;
use dojo_payments_types::{PaymentIntentId, TerminalId};
use serde_json::json;

const HOUSE: &str = "outsider-house";

async fn sale(client: &dojo_payments_api::api::Client, terminal: &str, intent: &PaymentIntentId) {
    let request: types::CreateTerminalSessionRequest = serde_json::from_value(json!({
        "terminalId": terminal,
        "details": {"sessionType": "Sale", "sale": {"paymentIntentId": intent}},
    }))
    .unwrap();
    client
        .terminal_session_create(None, HOUSE, &request)
        .await
        .unwrap();
}

#[tokio::test]
async fn hostile_control_calls_are_refused_below_500_and_change_nothing() {
    let (emulator, client) = emulator().await;
    let pi = create_intent(&client, 1000, "Auto").await;
    sale(&client, "tm_sandbox_counter3", &pi).await;
    // The terminal picks the session up (a card it cannot read): from here
    // a refused call has nothing left to start.
    emulator
        .terminal(&TerminalId::from_wire("tm_sandbox_counter3"))
        .card_problem(dojo_payments_emulator::CardProblem::CardError)
        .unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let base = emulator.api_url().to_owned();
    let huge = "9".repeat(3 << 20);
    let t3 = "/_emulator/terminals/tm_sandbox_counter3";
    let calls: Vec<(&str, String, Option<String>)> = vec![
        ("POST", "/_emulator/terminals".into(), Some("{".into())),
        ("POST", "/_emulator/terminals".into(), Some("null".into())),
        (
            "POST",
            "/_emulator/terminals".into(),
            Some(json!({}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals".into(),
            Some(json!({"id": ""}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals".into(),
            Some(json!({"id": "tm_sandbox_counter1"}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals".into(),
            Some(json!({"id": "x", "evil": 1}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals".into(),
            Some(json!({"id": "tm_sandbox_y", "location": "nowhere"}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals".into(),
            Some(json!({"id": "tm_sandbox_y", "location": ""}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals".into(),
            Some(format!("{{\"id\":\"{huge}\"}}")),
        ),
        ("DELETE", "/_emulator/terminals".into(), None),
        ("PUT", "/_emulator/terminals".into(), Some("{}".into())),
        ("GET", format!("{t3}/present-card"), None),
        ("DELETE", format!("{t3}/walk-away"), None),
        ("POST", format!("{t3}/present-card"), Some("{".into())),
        ("POST", format!("{t3}/present-card"), None),
        (
            "POST",
            format!("{t3}/present-card"),
            Some(json!({"cardNumber": "not a card"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/present-card"),
            Some(json!({"cardNumber": "4111111111111111", "method": "telepathy"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/present-card"),
            Some(json!({"cardNumber": "4111111111111111", "expiryDate": "99/99"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/present-card"),
            Some(json!({"cardNumber": huge}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/card-problem"),
            Some(json!({"problem": "Meteor"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/tip"),
            Some(json!({"value": i64::MAX, "currencyCode": "GBP"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/tip"),
            Some(json!({"value": -5, "currencyCode": "GBP"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/tip"),
            Some(json!({"value": 5, "currencyCode": "XXX"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/tip"),
            Some(json!({"value": 5, "currencyCode": "EUR"}).to_string()),
        ),
        (
            "POST",
            format!("{t3}/tip"),
            Some(json!({"value": 1e300, "currencyCode": "GBP"}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals/tm_nope/present-card".into(),
            Some(json!({"cardNumber": "4111111111111111"}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals/tm_nope/walk-away".into(),
            None,
        ),
        ("POST", "/_emulator/terminals/tm_nope/offline".into(), None),
        ("POST", "/_emulator/terminals/%FF%00/online".into(), None),
        (
            "POST",
            "/_emulator/terminals/..%2F..%2Fpayment-intents/walk-away".into(),
            None,
        ),
        (
            "POST",
            "/_emulator/terminals/tm_sandbox_counter2/present-card".into(),
            Some(json!({"cardNumber": "4111111111111111"}).to_string()),
        ),
        (
            "POST",
            "/_emulator/terminals/tm_sandbox_counter1/walk-away".into(),
            None,
        ),
    ];
    let mut wrong = Vec::new();
    for (method, path, body) in calls {
        let before = emulator.state_digest();
        let mut request = http.request(method.parse().unwrap(), format!("{base}{path}"));
        let sent = body.clone().unwrap_or_default();
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let answer = request
            .send()
            .await
            .expect("an answer, not a dropped connection");
        let status = answer.status().as_u16();
        let shown: String = path.chars().take(80).collect();
        let text = answer.text().await.unwrap();
        if !(400..500).contains(&status) {
            wrong.push(format!(
                "{method} {shown} {:.80}: {status} {text:.200}",
                sent
            ));
            continue;
        }
        if !text.is_empty() {
            let _: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {shown}: not JSON ({e}): {text:.200}"));
        }
        assert_eq!(
            emulator.state_digest(),
            before,
            "{method} {shown}: a refusal changes nothing"
        );
    }
    assert!(wrong.is_empty(), "not refused: {wrong:#?}");
    // Still serving: the session on counter3 takes a card.
    let paid = emulator
        .terminal(&TerminalId::from_wire("tm_sandbox_counter3"))
        .present_card(&good_card());
    assert!(paid.is_ok(), "{paid:?}");
    assert_eq!(status(&client, &pi).await, "Captured");
}
