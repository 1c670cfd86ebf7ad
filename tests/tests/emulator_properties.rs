//! The emulator under arbitrary requests: for every operation of Dojo's
//! document (and the PCI host's), request bodies derived from the
//! document's request schemas, arbitrary path parameters and query strings,
//! missing or odd headers. The properties, for every call:
//!
//! - an answer comes (no dropped connection) and it is not a 5xx;
//! - the answer is what the document says (`support/document_check.rs`):
//!   a listed status (or a known document defect), `application/json`, a
//!   body valid against the original document;
//! - a refused call (4xx) stored nothing: the emulator's state digest is
//!   the same before and after.
//!
//! The case count is proptest's (`PROPTEST_CASES`, default 490: about ten
//! per operation); the run is seeded (`PROPTEST_RNG_SEED`, default 8), so a
//! failure replays. It passes in a
//! `--release` build too, where an unchecked sum would wrap instead of
//! panicking.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator, WebhookRetryPolicy};
use dojo_payments_types::{PaymentIntentId, SetupIntentId};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};
use support::document_check::DocumentCheck;
use support::request_values::{Pools, Values, any_json};

/// Which host an operation is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Api,
    Pci,
}

/// One operation of a document, as the generator needs it.
#[derive(Debug, Clone)]
struct Operation {
    host: Host,
    method: String,
    template: String,
    path_params: Vec<String>,
    query_params: Vec<(String, Value)>,
    body: Option<Value>,
}

impl Operation {
    fn all(document: &Value, host: Host) -> Vec<Self> {
        let mut all = Vec::new();
        for (template, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                if method == "parameters" {
                    continue;
                }
                let parameters = resolve_parameters(document, operation);
                let named = |place: &str| {
                    parameters
                        .iter()
                        .filter(|p| p["in"] == place)
                        .map(|p| {
                            (
                                p["name"].as_str().unwrap_or_default().to_owned(),
                                p["schema"].clone(),
                            )
                        })
                        .collect::<Vec<_>>()
                };
                all.push(Self {
                    host,
                    method: method.to_uppercase(),
                    template: template.clone(),
                    path_params: named("path").into_iter().map(|(n, _)| n).collect(),
                    query_params: named("query"),
                    body: operation
                        .pointer("/requestBody/content/application~1json/schema")
                        .cloned(),
                });
            }
        }
        all
    }

    fn name(&self) -> String {
        match self.host {
            Host::Api => format!("{} {}", self.method, self.template),
            Host::Pci => format!("pci {} {}", self.method, self.template),
        }
    }
}

fn resolve_parameters(document: &Value, operation: &Value) -> Vec<Value> {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| match p["$ref"].as_str() {
            Some(r) => document["components"]["parameters"]
                [r.rsplit('/').next().unwrap_or_default()]
            .clone(),
            None => p.clone(),
        })
        .collect()
}

/// One generated call.
#[derive(Debug, Clone)]
struct Call {
    operation: usize,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// Path segments that are literals of a sibling route (`/payment-intents/
/// search`): as an id they would name another route, not a missing id.
const LITERALS: [&str; 6] = ["search", "events", "public", "refunds", ".", ".."];

fn path_param(name: &str, pools: &Pools) -> BoxedStrategy<String> {
    let any = any::<String>().prop_filter("a segment", |s| {
        !s.is_empty() && !LITERALS.contains(&s.as_str())
    });
    match pools.get(name).filter(|p| !p.is_empty()) {
        Some(pool) => prop_oneof![3 => proptest::sample::select(pool.clone()), 1 => any].boxed(),
        None => any.boxed(),
    }
}

/// `value` as query-string values: arrays repeat the key.
fn query_values(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(query_values).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Null => vec![],
        other => vec![other.to_string()],
    }
}

fn query(operation: &Operation, values: &Values) -> BoxedStrategy<String> {
    let declared: Vec<BoxedStrategy<Option<(String, Value)>>> = operation
        .query_params
        .iter()
        .map(|(name, schema)| {
            let name = name.clone();
            let value = values.value(schema, Some(&name), 0);
            proptest::option::of(value.prop_map(move |v| (name.clone(), v))).boxed()
        })
        .collect();
    let stranger = proptest::option::weighted(0.1, (any::<String>(), any::<String>()));
    (declared, stranger)
        .prop_map(|(declared, stranger)| {
            let mut pairs: Vec<(String, String)> = declared
                .into_iter()
                .flatten()
                .flat_map(|(name, v)| query_values(&v).into_iter().map(move |s| (name.clone(), s)))
                .collect();
            pairs.extend(stranger);
            if pairs.is_empty() {
                return String::new();
            }
            let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            format!("?{encoded}")
        })
        .boxed()
}

/// A header value that HTTP can carry: printable ASCII, maybe empty.
fn header_value() -> impl Strategy<Value = String> {
    "[ -~]{0,24}".prop_map(|s| s.trim().to_owned())
}

fn headers(operation: &Operation, credential: String) -> BoxedStrategy<Vec<(String, String)>> {
    let version = match operation.host {
        Host::Api => dojo_payments_emulator::API_VERSION,
        Host::Pci => dojo_payments_emulator::PCI_VERSION,
    };
    let authorization = prop_oneof![
        14 => Just(credential),
        1 => header_value(),
    ];
    let optional = |name: &'static str| {
        proptest::option::weighted(0.9, header_value().prop_map(move |v| (name.to_owned(), v)))
    };
    (
        proptest::option::weighted(0.97, authorization),
        optional("software-house-id"),
        optional("idempotencyKey"),
    )
        .prop_map(move |(authorization, house, key)| {
            let mut headers = vec![("version".to_owned(), version.to_owned())];
            headers.extend(authorization.map(|a| ("authorization".to_owned(), a)));
            headers.extend(house);
            headers.extend(key);
            headers
        })
        .boxed()
}

fn body(operation: &Operation, values: &Values) -> BoxedStrategy<Option<Vec<u8>>> {
    let json_bytes = |v: Value| Some(serde_json::to_vec(&v).unwrap_or_default());
    match &operation.body {
        Some(schema) => prop_oneof![
            19 => values.body(schema).prop_map(json_bytes),
            1 => proptest::collection::vec(any::<u8>(), 0..32).prop_map(Some),
        ]
        .boxed(),
        None => prop_oneof![9 => Just(None), 1 => any_json().prop_map(json_bytes)].boxed(),
    }
}

fn call(
    index: usize,
    operation: &Operation,
    values: &Values,
    world: &World,
) -> BoxedStrategy<Call> {
    let params: Vec<BoxedStrategy<(String, String)>> = operation
        .path_params
        .iter()
        .map(|name| {
            let name = name.clone();
            path_param(&name, &world.pools)
                .prop_map(move |v| (name.clone(), v))
                .boxed()
        })
        .collect();
    let template = operation.template.clone();
    let credential = if template.starts_with("/customers/public/") {
        format!("Basic {}", world.customer_secret)
    } else {
        format!("Basic {}", dojo_payments_emulator::API_KEY)
    };
    (
        params,
        query(operation, values),
        headers(operation, credential),
        body(operation, values),
    )
        .prop_map(move |(params, query, headers, body)| {
            let mut path = template.clone();
            for (name, value) in params {
                path = path.replace(&format!("{{{name}}}"), &support::path_segment(&value));
            }
            Call {
                operation: index,
                path,
                query,
                headers,
                body,
            }
        })
        .boxed()
}

/// The emulator, with one resource in each interesting state to aim at.
struct World {
    emulator: Emulator,
    pools: Pools,
    customer_secret: String,
}

impl World {
    async fn start() -> Self {
        // No webhook is delivered (a generated subscription may name any
        // host); the clock stands still, so only calls change state.
        let emulator = Emulator::builder()
            .seed(8)
            .manual_clock(
                chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
                    .unwrap()
                    .into(),
            )
            .webhook_retries(WebhookRetryPolicy {
                attempts: 0,
                first_backoff: std::time::Duration::ZERO,
            })
            .start()
            .await
            .unwrap();
        let setup = Setup {
            http: dojo_payments_api::http_client().unwrap(),
            emulator: &emulator,
        };
        let card = Card::test(APPROVED_MASTERCARD).unwrap();
        let customer = setup.post("/customers", json!({"name": "Ada"})).await["id"].clone();
        let customer = customer.as_str().unwrap().to_owned();
        let secret = setup
            .post(&format!("/customers/{customer}/create-secret"), json!({}))
            .await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let intent = |mode: &str| {
            json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "Order",
                "captureMode": mode, "customer": {"id": customer},
                "paymentMethods": ["Card", "SavedCard"],
                "config": {"payment": {"customAmountAllowed": true, "tipsAllowed": true}}})
        };
        let mut intents = Vec::new();
        for (mode, pay) in [
            ("Manual", false),
            ("Manual", true),
            ("Auto", true),
            ("Auto", false),
        ] {
            let id = setup.post("/payment-intents", intent(mode)).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            if pay {
                emulator
                    .pay(&PaymentIntentId::from_wire(id.as_str()), &card, true)
                    .unwrap();
            }
            intents.push(id);
        }
        let refund = setup
            .post_with_key(
                &format!("/payment-intents/{}/refunds", intents[2]),
                json!({"amount": 100}),
            )
            .await["refundId"]
            .clone();
        let setup_body = json!({"reference": "Booking", "merchantInitiatedTransactionType": "NoShow",
            "terms": "No-show fee.", "intendedAmount": {"value": 1000, "currencyCode": "GBP"}});
        let mut setups = Vec::new();
        for authorize in [false, true] {
            let id = setup.post("/setup-intents", setup_body.clone()).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            if authorize {
                emulator
                    .authorize_setup_intent(&SetupIntentId::from_wire(id.as_str()), &card)
                    .unwrap();
            }
            setups.push(id);
        }
        let charging = json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "No-show", "setupIntentId": setups[1]});
        intents.push(
            setup.post("/payment-intents", charging).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let subscription = setup
            .post(
                "/webhooks",
                json!({"events": ["payment_intent.created"], "url": "https://example.com/hooks"}),
            )
            .await;
        let session = setup
            .post(
                "/terminal-sessions",
                json!({"terminalId": "tm_sandbox_counter1",
                "details": {"sessionType": "Sale", "sale": {"paymentIntentId": intents[0]}}}),
            )
            .await;
        let methods = setup
            .get_as(
                &format!("/customers/public/{customer}/payment-methods"),
                &secret,
            )
            .await;
        let text = |v: &Value| {
            v.as_str()
                .map(str::to_owned)
                .into_iter()
                .collect::<Vec<_>>()
        };
        let pools = BTreeMap::from([
            ("paymentIntentId".to_owned(), intents),
            ("setupIntentId".to_owned(), setups),
            ("customerId".to_owned(), vec![customer]),
            ("id".to_owned(), vec![]),
            ("refundId".to_owned(), text(&refund)),
            ("subscriptionId".to_owned(), text(&subscription["id"])),
            (
                "secretId".to_owned(),
                text(&subscription["secrets"][0]["id"]),
            ),
            (
                "terminalId".to_owned(),
                vec![
                    "tm_sandbox_counter1".to_owned(),
                    "tm_sandbox_counter2".to_owned(),
                ],
            ),
            ("terminalSessionId".to_owned(), text(&session["id"])),
            (
                "paymentMethodId".to_owned(),
                text(&methods["savedPaymentMethods"][0]["id"]),
            ),
            (
                "savedCardId".to_owned(),
                text(&methods["savedPaymentMethods"][0]["id"]),
            ),
        ]);
        Self {
            emulator,
            pools: Arc::new(pools),
            customer_secret: secret,
        }
    }
}

/// Calls made while building the world; each must succeed.
struct Setup<'a> {
    http: reqwest::Client,
    emulator: &'a Emulator,
}

impl Setup<'_> {
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        authorization: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.emulator.api_url()))
            .header("version", dojo_payments_emulator::API_VERSION)
            .header("authorization", format!("Basic {authorization}"))
            .header("software-house-id", "softwareHouse1")
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Value {
        let answer = request.send().await.unwrap();
        assert!(answer.status().is_success(), "{answer:?}");
        answer.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.send(
            self.request(reqwest::Method::POST, path, dojo_payments_emulator::API_KEY)
                .json(&body),
        )
        .await
    }

    async fn post_with_key(&self, path: &str, body: Value) -> Value {
        let request = self.request(reqwest::Method::POST, path, dojo_payments_emulator::API_KEY);
        self.send(request.header("idempotencyKey", "setup").json(&body))
            .await
    }

    async fn get_as(&self, path: &str, secret: &str) -> Value {
        self.send(self.request(reqwest::Method::GET, path, secret))
            .await
    }
}

/// What the run saw, for the summary and the coverage check.
#[derive(Default)]
struct Seen {
    statuses: BTreeMap<u16, usize>,
    operations: BTreeSet<String>,
}

async fn check(
    world: &World,
    operation: &Operation,
    document: &DocumentCheck,
    http: &reqwest::Client,
    call: &Call,
) -> Result<u16, String> {
    let base = match operation.host {
        Host::Api => world.emulator.api_url(),
        Host::Pci => world.emulator.pci_url(),
    };
    let url = format!("{base}{}{}", call.path, call.query);
    let mut request = http.request(operation.method.parse().unwrap(), &url);
    for (name, value) in &call.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &call.body {
        request = request
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let before = world.emulator.state_digest();
    let answer = request
        .send()
        .await
        .map_err(|e| format!("no answer (a dropped connection?): {e:?}"))?;
    let status = answer.status().as_u16();
    if status >= 500 {
        return Err(format!("{status} from {}", operation.name()));
    }
    let content_type = answer.headers().get("content-type").cloned();
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| format!("the body broke off: {e}"))?;
    let body: Value = if bytes.is_empty() {
        Value::Null
    } else {
        if content_type.as_ref().and_then(|v| v.to_str().ok()) != Some("application/json") {
            return Err(format!("{status} labelled {content_type:?}"));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{status}: a body that is not JSON: {e}"))?
    };
    document.check(&operation.method, &operation.template, status, &body)?;
    if status >= 400 && world.emulator.state_digest() != before {
        return Err(format!(
            "a refused call ({status}) changed what the emulator keeps: {body}"
        ));
    }
    Ok(status)
}

#[test]
fn the_emulator_answers_arbitrary_requests_as_the_document_says() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let world = runtime.block_on(World::start());
    let api = DocumentCheck::api();
    let pci = DocumentCheck::pci();
    let mut operations = Operation::all(api.document(), Host::Api);
    operations.extend(Operation::all(pci.document(), Host::Pci));
    assert_eq!(operations.len(), 50, "49 operations and the PCI host's one");

    let api_values = Values::new(api.document(), world.pools.clone());
    let pci_values = Values::new(pci.document(), world.pools.clone());
    let calls: Vec<BoxedStrategy<Call>> = operations
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let values = if op.host == Host::Api {
                &api_values
            } else {
                &pci_values
            };
            call(i, op, values, &world)
        })
        .collect();
    let strategy = proptest::strategy::Union::new(calls);

    // Seeded (PROPTEST_RNG_SEED picks another seed): a failure replays, and
    // the default run covers the same operations every time.
    let defaults = Config::default();
    let config = Config {
        cases: std::env::var("PROPTEST_CASES").map_or(490, |_| defaults.cases),
        rng_seed: match defaults.rng_seed {
            RngSeed::Random => RngSeed::Fixed(8),
            fixed => fixed,
        },
        failure_persistence: None,
        ..defaults
    };
    let mut runner = TestRunner::new(config.clone());
    let http = dojo_payments_api::http_client().unwrap();
    let seen = Mutex::new(Seen::default());
    let result = runner.run(&strategy, |call| {
        let operation = &operations[call.operation];
        let document = if operation.host == Host::Api {
            &api
        } else {
            &pci
        };
        let status = runtime
            .block_on(check(&world, operation, document, &http, &call))
            .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{call:?}", operation.name())))?;
        let mut seen = seen.lock().unwrap();
        *seen.statuses.entry(status).or_default() += 1;
        seen.operations.insert(operation.name());
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let seen = seen.into_inner().unwrap();
    println!("{} cases: statuses {:?}", config.cases, seen.statuses);
    if config.cases >= 490 {
        let never: Vec<String> = operations
            .iter()
            .map(Operation::name)
            .filter(|n| !seen.operations.contains(n))
            .collect();
        assert!(never.is_empty(), "operations never called: {never:?}");
        let successes: usize = seen
            .statuses
            .iter()
            .filter(|(s, _)| **s < 300)
            .map(|(_, n)| n)
            .sum();
        assert!(
            successes * 5 >= config.cases as usize,
            "too few calls got past validation: {:?}",
            seen.statuses
        );
    }
}
