//! Where the checkout sends the customer (`config.redirectUrl`,
//! `config.cancelUrl`) is `https://`, or `http://` to this machine: any
//! other URL is a 400 in Dojo's problem format naming the field (never its
//! value), and nothing is stored. A guess on the side of the customer: the
//! document says only `format: uri` (the README's "Where the emulator
//! differs from Dojo").

use dojo_payments_emulator::Emulator;
use serde_json::{Value, json};

async fn post(emulator: &Emulator, path: &str, body: Value) -> (u16, Value) {
    let answer = dojo_payments_api::http_client()
        .unwrap()
        .post(format!("{}{path}", emulator.api_url()))
        .header(
            "authorization",
            format!("Basic {}", dojo_payments_emulator::API_KEY),
        )
        .header("version", dojo_payments_emulator::API_VERSION)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

fn intent(config: Value) -> Value {
    json!({
        "amount": {"value": 1000, "currencyCode": "GBP"},
        "reference": "Order 42",
        "config": config,
    })
}

fn setup_intent(config: Value) -> Value {
    json!({
        "reference": "Booking 42",
        "terms": "You may be charged for no-shows.",
        "merchantInitiatedTransactionType": "NoShow",
        "config": config,
    })
}

#[tokio::test]
async fn a_url_that_is_not_https_or_loopback_http_is_refused_naming_the_field() {
    let emulator = Emulator::start().await.unwrap();
    let refused = [
        "javascript:alert(document.cookie)",
        "http://shop.example/orders/42?token=s3cret-token",
        "ftp://shop.example/orders/42",
        "http://127.0.0.1.evil.example/orders/42",
        "https://someone:s3cret-password@shop.example/orders/42",
    ];
    for (path, body) in [
        ("/payment-intents", intent as fn(Value) -> Value),
        ("/setup-intents", setup_intent),
    ] {
        for url in refused {
            for (name, field) in [
                ("redirectUrl", "Config.RedirectUrl"),
                ("cancelUrl", "Config.CancelUrl"),
            ] {
                let before = emulator.state_digest();
                let (status, problem) = post(&emulator, path, body(json!({ name: url }))).await;
                assert_eq!(status, 400, "{path} {name} {url}: {problem}");
                // Dojo's problem format: type, title, status, traceId, and
                // the field's errors.
                assert_eq!(problem["status"], 400, "{problem}");
                assert!(
                    problem["type"]
                        .as_str()
                        .unwrap()
                        .starts_with("https://tools.ietf.org/")
                );
                assert!(problem["traceId"].is_string(), "{problem}");
                let errors = problem["errors"][field].as_array();
                assert!(
                    errors.is_some(),
                    "{path} {url}: not naming {field}: {problem}"
                );
                let message = errors.unwrap()[0].as_str().unwrap();
                assert!(
                    message.starts_with(&format!("The {field} field must")),
                    "{message}"
                );
                let shown = problem.to_string();
                assert!(!shown.contains("s3cret"), "the URL is shown: {shown}");
                assert!(!shown.contains("cookie"), "the URL is shown: {shown}");
                assert_eq!(emulator.state_digest(), before, "nothing stored");
            }
        }
    }
}

#[tokio::test]
async fn https_and_loopback_http_are_taken() {
    let emulator = Emulator::start().await.unwrap();
    for url in [
        "https://shop.example/orders/42?canceled=true",
        "http://127.0.0.1:3000/orders/42",
        "http://localhost:3000/orders/42",
        "http://[::1]:3000/orders/42",
    ] {
        let config = json!({"redirectUrl": url, "cancelUrl": url});
        let (status, answer) = post(&emulator, "/payment-intents", intent(config.clone())).await;
        assert_eq!(status, 200, "{url}: {answer}");
        assert_eq!(answer["config"]["redirectUrl"], url, "{answer}");
        let (status, answer) = post(&emulator, "/setup-intents", setup_intent(config)).await;
        assert_eq!(status, 200, "{url}: {answer}");
    }
}
