//! The emulator agrees with Dojo's document, and with what Dojo's own
//! clients accept, where it used to invent behaviour:
//!
//! - a field the document does not name, sent to every operation with a
//!   body, at every depth: refused with a 400 naming it where the schema is
//!   closed (`additionalProperties: false`), accepted where it is open;
//! - a `version` other than the one emulated, on every operation: a 400
//!   naming the emulated version, unless the emulator accepts any;
//! - two `Authorization` headers: a 400, never a silent pick;
//! - the README lists where the emulator differs from Dojo.
//!
//! (Webhook signatures: `crates/dojo-payments-emulator/tests/webhooks.rs`
//! and `crates/dojo-payments-types/tests/webhook_signature.rs`; fields the
//! examples show: `emulator_conformance/examples.rs`.)

mod support;

use std::collections::BTreeSet;

use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, SAVED_VISA};
use dojo_payments_emulator::{API_KEY, API_VERSION, Emulator, PCI_VERSION};
use serde_json::{Value, json};

/// The unknown field sent: a string, so that it fits a map of strings too.
const UNKNOWN: &str = "zzz";

/// One operation's call: where, and a body valid against the document
/// (resources need not exist: the body is checked before they are looked
/// up).
struct Case {
    method: &'static str,
    template: &'static str,
    path: &'static str,
    body: Value,
}

fn case(method: &'static str, template: &'static str, path: &'static str, body: Value) -> Case {
    Case {
        method,
        template,
        path,
        body,
    }
}

fn money(value: i64) -> Value {
    json!({"value": value, "currencyCode": "GBP"})
}

fn address() -> Value {
    json!({"address1": "1 High St", "city": "London", "postcode": "N1 1AA", "countryCode": "GB"})
}

/// A body for every operation of the api host that takes one, reaching
/// every nested object its schema has.
fn api_cases() -> Vec<Case> {
    let config = json!({
        "title": "Shop",
        "redirectUrl": "https://shop.example/done",
        "cancelUrl": "https://shop.example/cancel",
        "customerEmail": {"collectionRequired": false},
        "details": {"showTotal": true, "showReference": true},
        "billingAddress": {"collectionRequired": false},
        "shippingDetails": {"collectionRequired": false},
        "payment": {"customAmountAllowed": true, "tipsAllowed": true},
    });
    let item_line = json!({
        "id": "line-1", "quantity": 1, "name": "Tea", "category": "Drinks", "plu": "T1",
        "amountTotal": money(1000),
        "modifiers": [{"id": "m-1", "name": "Milk", "quantity": 1, "amountPerModifier": money(0)}],
    });
    let tax_line = json!({"id": "tax-1", "caption": "VAT", "subCaption": "20%", "amountTotal": money(0), "affectedPlu": "T1"});
    let payment_intent = json!({
        "amount": money(1000),
        "tipsAmount": money(0),
        "reference": "Order 1",
        "description": "Tea",
        "captureMode": "Auto",
        "customer": {"emailAddress": "ada@example.com", "phoneNumber": "+44 20 0000 0000"},
        "billingAddress": address(),
        "shippingDetails": {"name": "Ada", "deliveryNotes": "Door", "address": address()},
        "config": config,
        "requestSecurity": {"userAgent": "Mozilla/5.0", "ipAddress": "127.0.0.1", "device": "web"},
        "itemLines": [item_line],
        "taxLines": [tax_line],
        "actionLink": {"url": "https://shop.example/invoice", "label": "Invoice"},
        "metadata": {"order": "1"},
        "orderDetails": {"id": "o-1", "externalId": "e-1", "isUpdate": false},
        "cashbackAmount": money(0),
        "serviceChargeAmount": money(0),
    });
    let setup_intent = json!({
        "reference": "Booking 4",
        "description": "Table for 10",
        "merchantInitiatedTransactionType": "NoShow",
        "terms": "No-show fee.",
        "customer": {"emailAddress": "ada@example.com"},
        "billingAddress": address(),
        "shippingDetails": {"name": "Ada", "address": address()},
        "config": {"title": "Booking", "payment": {"customAmountAllowed": false}},
        "metadata": {"booking": "4"},
        "intendedAmount": money(1000),
        "orderDetails": {"id": "o-4"},
    });
    vec![
        case(
            "POST",
            "/payment-intents",
            "/payment-intents",
            payment_intent,
        ),
        case(
            "POST",
            "/payment-intents/{paymentIntentId}/captures",
            "/payment-intents/pi_sandbox_missing/captures",
            json!({"amount": 100, "tipsAmount": 0}),
        ),
        case(
            "POST",
            "/payment-intents/search",
            "/payment-intents/search",
            json!({"statuses": ["Created"], "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-12-31T00:00:00Z", "cursor": {"limit": 10}}),
        ),
        case(
            "POST",
            "/payment-intents/{paymentIntentId}/tips-amount",
            "/payment-intents/pi_sandbox_missing/tips-amount",
            json!({"tipsAmount": money(100)}),
        ),
        case(
            "POST",
            "/payment-intents/{paymentIntentId}/amount",
            "/payment-intents/pi_sandbox_missing/amount",
            json!({"amount": money(1200), "itemLines": [{"amountTotal": money(1200), "name": "Tea"}], "taxLines": [{"amountTotal": money(0)}]}),
        ),
        case(
            "POST",
            "/payment-intents/{paymentIntentId}/receipt",
            "/payment-intents/pi_sandbox_missing/receipt",
            json!({"emails": ["ada@example.com"]}),
        ),
        case(
            "POST",
            "/payment-intents/{paymentIntentId}/refunds",
            "/payment-intents/pi_sandbox_missing/refunds",
            json!({"amount": 100, "refundReason": "Broken", "notes": "Box"}),
        ),
        case("POST", "/setup-intents", "/setup-intents", setup_intent),
        case(
            "POST",
            "/webhooks",
            "/webhooks",
            json!({"events": ["payment_intent.created"], "url": "https://shop.example/hooks", "description": "Orders"}),
        ),
        case(
            "PATCH",
            "/webhooks/{subscriptionId}",
            "/webhooks/ws_missing",
            json!({"events": ["payment_intent.created"], "url": "https://shop.example/other", "description": "Orders"}),
        ),
        case(
            "POST",
            "/customers",
            "/customers",
            json!({"name": "Ada", "emailAddress": "ada@example.com", "phoneNumber": "+44 20 0000 0000", "vatNumber": "GB1", "billingAddress": address(), "shippingAddress": address()}),
        ),
        case(
            "PATCH",
            "/customers/{customerId}",
            "/customers/cust_sandbox_missing",
            json!({"name": "Ada", "billingAddress": address(), "shippingAddress": address()}),
        ),
        case(
            "POST",
            "/customers/search",
            "/customers/search",
            json!({"limit": 10}),
        ),
        case(
            "POST",
            "/terminal-sessions",
            "/terminal-sessions",
            json!({"terminalId": "tm_sandbox_missing", "details": {"sessionType": "MatchedRefund", "matchedRefund": {"paymentIntentId": "pi_sandbox_missing", "amount": money(100)}}}),
        ),
        case(
            "PUT",
            "/terminal-sessions/{terminalSessionId}/signature",
            "/terminal-sessions/ts_missing/signature",
            json!({"accepted": true}),
        ),
        case(
            "POST",
            "/epos/events",
            "/epos/events",
            json!({"eventType": "OrderUpdated", "event": {"orderId": "o-1"}}),
        ),
        case(
            "PUT",
            "/epos/integrations/rest",
            "/epos/integrations/rest",
            json!({"url": "https://epos.example/orders", "capabilities": [{"name": "GetOrder", "version": "1.0.0"}], "auth": {"authType": "basic", "basic": {"username": "epos", "password": "pw"}}}),
        ),
        case(
            "PUT",
            "/epos/integrations/ws",
            "/epos/integrations/ws",
            json!({"capabilities": [{"name": "GetOrder", "version": "1.0.0"}]}),
        ),
    ]
}

/// The PCI host's one operation.
fn pci_case() -> Case {
    case(
        "POST",
        "/setup-intents",
        "/setup-intents",
        json!({
            "reference": "Card on file",
            "merchantInitiatedTransactionType": "Unscheduled",
            "terms": "Charged on request.",
            "cardDetails": {"cardNumber": APPROVED_MASTERCARD, "cardName": "Ada Lovelace", "expiryDate": "12/30", "cV2": "123"},
        }),
    )
}

/// Where each object of `body` sits: `[]` for the body itself,
/// `["config", "payment"]`, `["itemLines", "0", "amountTotal"]`.
fn objects(body: &Value, at: Vec<String>, out: &mut Vec<Vec<String>>) {
    match body {
        Value::Object(fields) => {
            out.push(at.clone());
            for (name, inner) in fields {
                let mut next = at.clone();
                next.push(name.clone());
                objects(inner, next, out);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                let mut next = at.clone();
                next.push(i.to_string());
                objects(inner, next, out);
            }
        }
        _ => {}
    }
}

/// `body` with the unknown field added to the object at `at`.
fn with_unknown(body: &Value, at: &[String]) -> Value {
    let mut body = body.clone();
    let mut here = &mut body;
    for segment in at {
        here = match segment.parse::<usize>() {
            Ok(i) if here.is_array() => &mut here[i],
            _ => &mut here[segment.as_str()],
        };
    }
    if let Some(object) = here.as_object_mut() {
        object.insert(UNKNOWN.into(), json!("z"));
    }
    body
}

/// Whether the document closes the object at `at` under `schema`: an
/// `additionalProperties: false` on it (or on any part of an `allOf`, read
/// as the union of its parts, as the checker reads it; on every shape a
/// `oneOf` allows). A map (`additionalProperties` a schema) and an object
/// that does not say are open.
fn closed(document: &Value, schema: &Value, at: &[String]) -> bool {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document["components"]["schemas"][name]
        }
        None => schema,
    };
    if let Some(parts) = schema["allOf"].as_array() {
        return parts.iter().any(|p| closed(document, p, at));
    }
    // A `oneOf` of shapes; an `anyOf` beside the object's own properties
    // only says which are required.
    let branches = schema["oneOf"].as_array().or(schema["anyOf"].as_array());
    if let (Some(branches), None) = (branches, schema.get("properties")) {
        return if at.is_empty() {
            branches.iter().all(|b| closed(document, b, at))
        } else {
            branches.iter().any(|b| closed(document, b, at))
        };
    }
    let Some((first, rest)) = at.split_first() else {
        return schema["additionalProperties"] == Value::Bool(false);
    };
    if first.parse::<usize>().is_ok() && schema["items"].is_object() {
        return closed(document, &schema["items"], rest);
    }
    match schema["properties"].get(first.as_str()) {
        Some(property) => closed(document, property, rest),
        None => closed(document, &schema["additionalProperties"], rest),
    }
}

/// The field `at` + the unknown one as the emulator names fields in
/// `errors`: `ItemLines[0].AmountTotal.Zzz`.
fn error_key(at: &[String]) -> String {
    let pascal = |word: &str| {
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect::<String>())
            .unwrap_or_default()
    };
    let mut key = String::new();
    for segment in at.iter().map(String::as_str).chain([UNKNOWN]) {
        if segment.parse::<usize>().is_ok() {
            key.push_str(&format!("[{segment}]"));
        } else {
            if !key.is_empty() {
                key.push('.');
            }
            key.push_str(&pascal(segment));
        }
    }
    key
}

struct Host<'a> {
    http: &'a reqwest::Client,
    url: &'a str,
    version: &'a str,
}

impl Host<'_> {
    async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("version", self.version)
            .header("authorization", format!("Basic {API_KEY}"))
            .header("software-house-id", "softwareHouse1")
            .header("idempotencyKey", format!("key-{method}-{path}-{body:?}"));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// Sends `case` with the unknown field at every depth, and checks each
/// answer against what `document` says of that object; the problems.
async fn unknown_fields(host: &Host<'_>, document: &Value, case: &Case) -> Vec<String> {
    let schema = document["paths"][case.template][case.method.to_lowercase()]
        .pointer("/requestBody/content/application~1json/schema")
        .cloned()
        .unwrap_or_else(|| panic!("{} {} takes no body", case.method, case.template));
    let name = format!("{} {}", case.method, case.template);
    let mut problems = Vec::new();
    let (baseline, answer) = host.send(case.method, case.path, Some(&case.body)).await;
    if baseline == 400 {
        problems.push(format!("{name}: the valid body is refused: {answer}"));
        return problems;
    }
    let mut places = Vec::new();
    objects(&case.body, Vec::new(), &mut places);
    for at in places {
        let (status, answer) = host
            .send(case.method, case.path, Some(&with_unknown(&case.body, &at)))
            .await;
        let key = error_key(&at);
        if closed(document, &schema, &at) {
            if status != 400 || answer["errors"].get(&key).is_none() {
                problems.push(format!(
                    "{name}: {key} (closed) answered {status} {answer}, not a 400 naming it"
                ));
            }
        } else if status != baseline {
            problems.push(format!(
                "{name}: {key} (open) answered {status} {answer}, not {baseline} as without it"
            ));
        }
    }
    problems
}

#[tokio::test]
async fn an_unknown_field_at_any_depth_is_treated_as_the_document_says() {
    let document = support::original_document();
    let pci_document: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/pci-api.json"))
            .unwrap(),
    )
    .unwrap();
    let emulator = Emulator::builder().seed(11).start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let api = Host {
        http: &http,
        url: emulator.api_url(),
        version: API_VERSION,
    };
    let pci = Host {
        http: &http,
        url: emulator.pci_url(),
        version: PCI_VERSION,
    };
    let cases = api_cases();
    let covered: BTreeSet<String> = cases
        .iter()
        .map(|c| format!("{} {}", c.method, c.template))
        .collect();
    let with_body: BTreeSet<String> = operations(&document)
        .into_iter()
        .filter(|(_, _, op)| op.get("requestBody").is_some())
        .map(|(method, template, _)| format!("{method} {template}"))
        .collect();
    assert_eq!(
        covered, with_body,
        "every operation with a body is sent one"
    );
    let mut problems = Vec::new();
    for case in &cases {
        problems.extend(unknown_fields(&api, &document, case).await);
    }
    problems.extend(unknown_fields(&pci, &pci_document, &pci_case()).await);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The SDK's side of the same rule: its request types hold only what the
/// document names; one Dojo's responses share keeps unknown fields (so
/// that an answer keeps decoding) and `validate()` refuses them in a
/// request where the schema is closed; a request-only type refuses them as
/// it decodes.
#[test]
fn the_sdk_refuses_what_the_emulator_refuses() {
    use dojo_payments_api::Validate;
    use dojo_payments_api::api::types;
    let customer: types::PaymentCustomerDetails =
        serde_json::from_value(json!({"emailAddress": "ada@example.com", "zzz": "z"})).unwrap();
    let violations = customer.validate().unwrap_err();
    assert_eq!(
        violations.to_string(),
        "zzz is not in the document's schema"
    );
    let refused =
        serde_json::from_value::<types::CreateRefundRequest>(json!({"amount": 1, "zzz": "z"}));
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("unknown field `zzz`")
    );
    let config = serde_json::from_value::<types::CreatePaymentIntentRequest>(json!({
        "amount": money(1), "reference": "r", "config": {"zzz": "z"},
    }));
    assert!(config.is_err());
    // An answer with a field Dojo added decodes, and keeps it.
    let answer: types::PaymentIntent =
        serde_json::from_value(json!({"id": "pi_1", "newField": 1})).unwrap();
    assert_eq!(answer.extra["newField"], 1);
}

/// Every operation of `document`: method, template, operation.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (template, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.is_object() && method != "parameters" {
                out.push((method.to_uppercase(), template.clone(), op.clone()));
            }
        }
    }
    out
}

/// `template` with every `{name}` replaced by a made-up id.
fn made_up(template: &str) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        path.push_str("x_missing");
        rest = &rest[close..];
    }
    path.push_str(rest);
    path
}

/// A body for `method template`, from the cases (a bare `{}` otherwise).
fn body_of(method: &str, template: &str) -> Option<Value> {
    api_cases()
        .into_iter()
        .find(|c| c.method == method && c.template == template)
        .map(|c| c.body)
}

#[tokio::test]
async fn another_version_is_refused_naming_the_emulated_one_unless_any_is_accepted() {
    let document = support::original_document();
    let strict = Emulator::builder().seed(12).start().await.unwrap();
    let lenient = Emulator::builder()
        .seed(12)
        .accept_any_version()
        .start()
        .await
        .unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let mut problems = Vec::new();
    for (method, template, op) in operations(&document) {
        let path = made_up(&template);
        let body = body_of(&method, &template).or_else(|| op.get("requestBody").map(|_| json!({})));
        for version in ["2022-04-07", "1999-01-01", "2025-09-10"] {
            let host = Host {
                http: &http,
                url: strict.api_url(),
                version,
            };
            let (status, answer) = host.send(&method, &path, body.as_ref()).await;
            let said = answer["errors"]["version"][0].as_str().unwrap_or_default();
            if status != 400 || !said.contains(API_VERSION) || !said.contains(version) {
                problems.push(format!("{method} {template} {version}: {status} {answer}"));
            }
            let host = Host {
                http: &http,
                url: lenient.api_url(),
                version,
            };
            let (status, answer) = host.send(&method, &path, body.as_ref()).await;
            if answer["errors"].get("version").is_some() {
                problems.push(format!(
                    "{method} {template} {version} (any accepted): {status} {answer}"
                ));
            }
        }
        let host = Host {
            http: &http,
            url: strict.api_url(),
            version: API_VERSION,
        };
        let (status, answer) = host.send(&method, &path, body.as_ref()).await;
        if answer["errors"].get("version").is_some() {
            problems.push(format!(
                "{method} {template} {API_VERSION}: {status} {answer}"
            ));
        }
    }
    // The PCI host emulates its own version, and refuses the api host's.
    let pci = Host {
        http: &http,
        url: strict.pci_url(),
        version: API_VERSION,
    };
    let (status, answer) = pci
        .send("POST", "/setup-intents", Some(&pci_case().body))
        .await;
    let said = answer["errors"]["version"][0].as_str().unwrap_or_default();
    if status != 400 || !said.contains(PCI_VERSION) {
        problems.push(format!(
            "PCI host, version {API_VERSION}: {status} {answer}"
        ));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn two_authorization_headers_are_refused_as_ambiguous() {
    let emulator = Emulator::builder().seed(13).start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let key = format!("Basic {API_KEY}");
    let call = |method: &str, path: &str| {
        http.request(
            method.parse().unwrap(),
            format!("{}{path}", emulator.api_url()),
        )
        .header("version", API_VERSION)
    };
    let customer: Value = call("POST", "/customers")
        .header("authorization", &key)
        .json(&json!({"name": "Ada"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = customer["id"].as_str().unwrap().to_owned();
    let secret: Value = call("POST", &format!("/customers/{id}/create-secret"))
        .header("authorization", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = format!("Basic {}", secret["secret"].as_str().unwrap());
    let methods = format!("/customers/public/{id}/payment-methods");
    let one = call("GET", &methods)
        .header("authorization", &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
    // The customer's secret first, the API key second, and the reverse:
    // neither is picked.
    for (first, second) in [(&secret, &key), (&key, &secret)] {
        let two = call("GET", &methods)
            .header("authorization", first)
            .header("authorization", second)
            .send()
            .await
            .unwrap();
        let status = two.status().as_u16();
        let body: Value = two.json().await.unwrap();
        assert_eq!(status, 400, "{body}");
        assert!(body["errors"]["Authorization"][0].is_string(), "{body}");
    }
    // An API-key operation too.
    let two = call("GET", &format!("/customers/{id}"))
        .header("authorization", &key)
        .header("authorization", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(two.status(), 400);
}

/// The README says where the emulator departs from Dojo, each choice
/// by the option or rule that makes it.
#[test]
fn the_readme_lists_where_the_emulator_differs_from_dojo() {
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/dojo-payments-emulator/README.md"
    ))
    .unwrap();
    let section = readme
        .split("## Where the emulator differs from Dojo")
        .nth(1)
        .expect("the README has the section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    for needle in [
        "http://",
        "--sign-with-every-active-secret",
        "--accept-any-version",
        "Authorization",
        "additionalProperties",
        "autoExpireIn",
    ] {
        assert!(
            section.contains(needle),
            "the section does not name {needle}"
        );
    }
}

/// A setup intent's `setupEvents` carry what the document's
/// `PaymentStatusResponse` lists once a card was added: the transaction,
/// the authorization code and the card (not only the event's type and
/// date); and a customer's public payment methods carry
/// `supportedPaymentMethods`, as the schema and its example do.
#[tokio::test]
async fn setup_events_and_payment_methods_carry_the_documented_fields() {
    let emulator = Emulator::builder().seed(14).start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    let api = Host {
        http: &http,
        url: emulator.api_url(),
        version: API_VERSION,
    };
    let create = json!({"reference": "Booking", "merchantInitiatedTransactionType": "NoShow", "terms": "Fee.", "intendedAmount": money(1000)});
    let (_, setup) = api.send("POST", "/setup-intents", Some(&create)).await;
    let id = setup["id"].as_str().unwrap().to_owned();
    let card = dojo_payments_emulator::Card::test(SAVED_VISA).unwrap();
    emulator
        .authorize_setup_intent(
            &dojo_payments_types::SetupIntentId::from_wire(id.as_str()),
            &card,
        )
        .unwrap();
    let (status, setup) = api.send("GET", &format!("/setup-intents/{id}"), None).await;
    assert_eq!(status, 200, "{setup}");
    let events = setup["setupEvents"].as_array().unwrap();
    let authorized = events
        .iter()
        .find(|e| e["eventType"] == "Authorized")
        .unwrap_or_else(|| panic!("{setup}"));
    for field in [
        "transactionId",
        "transactionDateTime",
        "authCode",
        "cardNumber",
        "expiryDate",
        "cardType",
    ] {
        assert!(authorized[field].is_string(), "no {field} in {authorized}");
    }
    assert_eq!(authorized["cardNumber"], "44565300****1096");
    assert_eq!(authorized["cardType"], "VISA");

    let (_, customer) = api
        .send("POST", "/customers", Some(&json!({"name": "Ada"})))
        .await;
    let customer = customer["id"].as_str().unwrap().to_owned();
    let (_, secret) = api
        .send(
            "POST",
            &format!("/customers/{customer}/create-secret"),
            None,
        )
        .await;
    let answer: Value = http
        .get(format!(
            "{}/customers/public/{customer}/payment-methods",
            emulator.api_url()
        ))
        .header("version", API_VERSION)
        .header(
            "authorization",
            format!("Basic {}", secret["secret"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let supported = &answer["supportedPaymentMethods"];
    assert!(
        supported["cardSchemes"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{answer}"
    );
    assert!(
        supported["wallets"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{answer}"
    );
}

/// The versions the emulator emulates are the ones the generated clients
/// send: regenerating from a newer document moves both, or fails here.
#[test]
fn the_emulated_versions_are_the_generated_clients() {
    assert_eq!(
        API_VERSION,
        dojo_payments_api::api::Client::pinned_version()
    );
    assert_eq!(
        PCI_VERSION,
        dojo_payments_api::pci::Client::pinned_version()
    );
}

/// Two `version` headers are refused as ambiguous, whichever comes first
/// (the emulator once read the first and answered 200 when it was its own).
#[tokio::test]
async fn two_version_headers_are_refused_as_ambiguous() {
    let emulator = Emulator::builder().seed(14).start().await.unwrap();
    let http = dojo_payments_api::http_client().unwrap();
    for (first, second) in [(API_VERSION, "2022-04-07"), ("2022-04-07", API_VERSION)] {
        let answer = http
            .post(format!("{}/customers", emulator.api_url()))
            .header("authorization", format!("Basic {API_KEY}"))
            .header("version", first)
            .header("Version", second)
            .json(&json!({"name": "Ada"}))
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        assert_eq!(status, 400, "{first} then {second}: {body}");
        let message = body["errors"]["version"][0].as_str().unwrap_or_default();
        assert!(message.contains("more than one"), "{body}");
    }
}
