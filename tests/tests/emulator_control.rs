//! The emulator's control API (`/_emulator/…`) under arbitrary JSON, sent
//! to every control route. The properties, for every call:
//!
//! - an answer comes (no dropped connection) and it is not a 5xx;
//! - afterwards, with the faults it may have armed disarmed, the emulator
//!   still serves a normal request (a payment intent is created and read).
//!
//! Bodies are arbitrary JSON, or objects shaped like each route's own
//! fields with arbitrary values (huge numbers, unknown answers, routes that
//! do not exist). Written after `POST /_emulator/clock/advance {"seconds":
//! 9000000000000}` panicked inside the clock and every later request was
//! dropped unanswered. Seeded like `emulator_properties.rs`
//! (`PROPTEST_RNG_SEED`, `PROPTEST_CASES`).

mod support;

use std::time::Duration;

use dojo_payments_emulator::Emulator;
use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, DECLINED_VISA};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};
use support::request_values::any_json;

/// Every control route, with `{id}` where an intent's (or a terminal's) id
/// goes.
const ROUTES: [(&str, &str); 18] = [
    ("POST", "/_emulator/payment-intents/{id}/pay"),
    ("POST", "/_emulator/setup-intents/{id}/authorize"),
    ("POST", "/_emulator/setup-intents/{id}/expire"),
    ("GET", "/_emulator/clock"),
    ("POST", "/_emulator/clock/advance"),
    ("POST", "/_emulator/faults"),
    ("DELETE", "/_emulator/faults"),
    ("GET", "/_emulator/state"),
    ("GET", "/_emulator/requests"),
    ("POST", "/_emulator/locations"),
    ("GET", "/_emulator/terminals"),
    ("POST", "/_emulator/terminals"),
    ("POST", "/_emulator/terminals/{id}/present-card"),
    ("POST", "/_emulator/terminals/{id}/card-problem"),
    ("POST", "/_emulator/terminals/{id}/tip"),
    ("POST", "/_emulator/terminals/{id}/walk-away"),
    ("POST", "/_emulator/terminals/{id}/offline"),
    ("POST", "/_emulator/terminals/{id}/online"),
];

#[derive(Debug, Clone)]
struct Call {
    route: usize,
    id: String,
    body: Value,
}

/// A number of any size and sign, as JSON writes them.
fn any_number() -> BoxedStrategy<Value> {
    // Most within ±9.2e15, the most seconds a time span can hold: past
    // the parsers, where an unchecked sum would overflow.
    prop_oneof![
        4 => (-9_223_372_036_854_775_i64..=9_223_372_036_854_775).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => (0u64..100_000).prop_map(Value::from),
        1 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
    ]
    .boxed()
}

/// An object of some of `fields` (each present or not).
fn some_of(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let (names, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    let bits = proptest::collection::vec(any::<bool>(), names.len());
    (values, bits)
        .prop_map(move |(values, keep)| {
            let object = names
                .iter()
                .zip(values)
                .zip(keep)
                .filter(|(_, keep)| *keep)
                .map(|((name, value), _)| ((*name).to_owned(), value))
                .collect();
            Value::Object(object)
        })
        .boxed()
}

fn text() -> BoxedStrategy<Value> {
    any::<String>().prop_map(Value::from).boxed()
}

/// The fields of one fault (a fault request's, or an element of its
/// `sequence`), with arbitrary values.
fn fault_fields() -> Vec<(&'static str, BoxedStrategy<Value>)> {
    let answer = prop_oneof![
        Just(json!("status")),
        Just(json!("undecodable")),
        Just(json!("empty-object")),
        Just(json!("cut-off")),
        Just(json!("stall")),
        Just(json!("hang-up")),
        text(),
    ];
    let field_name = prop_oneof![
        Just(json!("captures")),
        Just(json!("captures.id")),
        Just(json!("refundedAmount")),
        Just(json!("")),
        Just(json!("a..b")),
        text(),
    ];
    let omit = prop_oneof![
        Just(json!("*")),
        proptest::collection::vec(field_name, 0..4).prop_map(Value::from),
        text(),
        any_json(),
    ];
    vec![
        ("answer", answer.boxed()),
        ("latencyMs", any_number()),
        ("status", any_number()),
        ("retryAfter", any_number()),
        ("acted", any::<bool>().prop_map(Value::Bool).boxed()),
        ("staleMs", any_number()),
        ("omit", omit.boxed()),
        ("commitAfterMs", any_number()),
    ]
}

/// A body shaped like route `route`'s own, with arbitrary values.
fn shaped_body(route: usize) -> BoxedStrategy<Value> {
    let card = prop_oneof![
        Just(json!(APPROVED_MASTERCARD)),
        Just(json!(DECLINED_VISA)),
        text(),
    ]
    .boxed();
    match ROUTES[route].1 {
        "/_emulator/payment-intents/{id}/pay" | "/_emulator/setup-intents/{id}/authorize" => {
            some_of(vec![
                ("cardNumber", card),
                (
                    "expiryDate",
                    prop_oneof![Just(json!("12/99")), text()].boxed(),
                ),
                ("saveCard", any::<bool>().prop_map(Value::Bool).boxed()),
            ])
        }
        "/_emulator/terminals/{id}/present-card" => some_of(vec![
            ("cardNumber", card),
            (
                "method",
                prop_oneof![Just(json!("swipe")), Just(json!("chip")), text()].boxed(),
            ),
        ]),
        "/_emulator/terminals/{id}/card-problem" => some_of(vec![(
            "problem",
            prop_oneof![Just(json!("CardError")), text()].boxed(),
        )]),
        "/_emulator/terminals/{id}/tip" => some_of(vec![
            ("value", any_number()),
            (
                "currencyCode",
                prop_oneof![Just(json!("GBP")), text()].boxed(),
            ),
        ]),
        "/_emulator/terminals" => some_of(vec![
            (
                "id",
                prop_oneof![Just(json!("tm_sandbox_counter1")), text()].boxed(),
            ),
            ("auto", any::<bool>().prop_map(Value::Bool).boxed()),
            ("offline", any::<bool>().prop_map(Value::Bool).boxed()),
            ("location", text()),
        ]),
        "/_emulator/clock/advance" => some_of(vec![("seconds", any_number())]),
        "/_emulator/faults" => {
            let route = prop_oneof![
                Just(json!("POST /payment-intents")),
                Just(json!("GET /payment-intents/{paymentIntentId}")),
                Just(json!("GET /setup-intents/{setupIntentId}")),
                Just(json!("POST /payment-intents/{paymentIntentId}/captures")),
                Just(json!("POST /payment-intents/{paymentIntentId}/refunds")),
                text(),
            ];
            // A sequence's elements: a single fault's fields, or anything.
            let element = prop_oneof![3 => some_of(fault_fields()), 1 => any_json()];
            let sequence = prop_oneof![
                3 => proptest::collection::vec(element, 0..4).prop_map(Value::from),
                1 => any_json(),
            ];
            let mut fields = fault_fields();
            fields.extend([
                ("route", route.boxed()),
                ("times", any_number()),
                ("sequence", sequence.boxed()),
            ]);
            some_of(fields)
        }
        "/_emulator/locations" => {
            // Names and keys that collide with each other and with the
            // default key: the next normal request must still be served.
            let name = prop_oneof![
                Just(json!("soho")),
                Just(json!("default")),
                "[a-z]{1,3}".prop_map(Value::from),
                text(),
            ];
            let key = prop_oneof![
                4 => Just(json!(dojo_payments_emulator::API_KEY)),
                1 => Just(json!("sk_sandbox_soho_0123456789")),
                1 => "sk_sandbox_[a-z0-9]{1,4}".prop_map(Value::from),
                1 => Just(json!("sk_prod_0123456789")),
                1 => text(),
            ];
            let (name, key) = (name.boxed(), key.boxed());
            prop_oneof![
                3 => (name.clone(), key.clone()).prop_map(|(name, key)| json!({"name": name, "key": key})),
                1 => some_of(vec![("name", name), ("key", key)]),
            ]
            .boxed()
        }
        _ => any_json(),
    }
}

fn calls(known_id: String) -> BoxedStrategy<Call> {
    (0..ROUTES.len())
        .prop_flat_map(move |route| {
            let id = prop_oneof![
                Just(known_id.clone()),
                Just("tm_sandbox_counter3".to_owned()),
                "[a-z_0-9]{0,12}"
            ];
            let body = prop_oneof![shaped_body(route), any_json()];
            (Just(route), id, body)
        })
        .prop_map(|(route, id, body)| Call { route, id, body })
        .boxed()
}

async fn send(
    http: &reqwest::Client,
    emulator: &Emulator,
    call: &Call,
) -> Result<u16, TestCaseError> {
    let (method, template) = ROUTES[call.route];
    let path = template.replace("{id}", &support::path_segment(&call.id));
    let request = http
        .request(
            method.parse().unwrap(),
            format!("{}{path}", emulator.api_url()),
        )
        .json(&call.body)
        .timeout(Duration::from_secs(10));
    let answer = request
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
    let status = answer.status().as_u16();
    prop_assert!(status < 500, "{method} {path}: {status}");
    Ok(status)
}

/// What a merchant's backend does next: it must work, and still see what
/// it made before (`known`: no control call moves its key to another
/// account).
async fn normal_request(
    http: &reqwest::Client,
    emulator: &Emulator,
    known: &str,
) -> Result<(), TestCaseError> {
    let disarmed = http
        .delete(format!("{}/_emulator/faults", emulator.api_url()))
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("faults not disarmed: {e}")))?;
    prop_assert_eq!(disarmed.status().as_u16(), 204);
    let key = format!("Basic {}", emulator.api_key().expose());
    let created = http
        .post(format!("{}/payment-intents", emulator.api_url()))
        .header("authorization", &key)
        .header("version", dojo_payments_emulator::API_VERSION)
        .json(&json!({"amount": {"value": 100, "currencyCode": "GBP"}, "reference": "After"}))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("the next create had no answer: {e}")))?;
    prop_assert_eq!(created.status().as_u16(), 200);
    let body: Value = created
        .json()
        .await
        .map_err(|e| TestCaseError::fail(format!("the next create did not decode: {e}")))?;
    let id = body["id"].as_str().unwrap_or_default();
    let read = http
        .get(format!("{}/payment-intents/{id}", emulator.api_url()))
        .header("authorization", &key)
        .header("version", dojo_payments_emulator::API_VERSION)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("the next read had no answer: {e}")))?;
    prop_assert_eq!(read.status().as_u16(), 200);
    let earlier = http
        .get(format!("{}/payment-intents/{known}", emulator.api_url()))
        .header("authorization", &key)
        .header("version", dojo_payments_emulator::API_VERSION)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| {
            TestCaseError::fail(format!("the earlier intent's read had no answer: {e}"))
        })?;
    prop_assert_eq!(
        earlier.status().as_u16(),
        200,
        "the earlier intent is still seen"
    );
    Ok(())
}

#[test]
fn every_control_route_answers_arbitrary_json_and_the_emulator_serves_on() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime.block_on(Emulator::start()).unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let known = runtime.block_on(async {
        let created = http
            .post(format!("{}/payment-intents", emulator.api_url()))
            .header(
                "authorization",
                format!("Basic {}", emulator.api_key().expose()),
            )
            .header("version", dojo_payments_emulator::API_VERSION)
            .json(&json!({"amount": {"value": 100, "currencyCode": "GBP"}, "reference": "Known"}))
            .send()
            .await
            .unwrap();
        created.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    });
    let defaults = Config::default();
    let config = Config {
        cases: std::env::var("PROPTEST_CASES").map_or(500, |_| defaults.cases),
        rng_seed: match defaults.rng_seed {
            RngSeed::Random => RngSeed::Fixed(25),
            fixed => fixed,
        },
        failure_persistence: None,
        ..defaults
    };
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&calls(known.clone()), |call| {
        let status = runtime.block_on(send(&http, &emulator, &call))?;
        *statuses.borrow_mut().entry(status).or_default() += 1;
        runtime.block_on(normal_request(&http, &emulator, &known))
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let statuses = statuses.into_inner();
    println!("control calls by status: {statuses:?}");
    assert!(
        statuses.keys().any(|s| *s < 300) && statuses.keys().any(|s| *s >= 400),
        "both accepted and refused calls were made: {statuses:?}"
    );
}
