//! Every field of every documented example answer is in the emulator's
//! answer in the same state, or named below as a deliberate omission, with
//! the reason.
//!
//! For each operation, `answers` brings a resource into the state its
//! example shows (the example's request, the card it was paid with, the
//! step it was taken at) and records the emulator's answer; `compare` walks
//! each example of Dojo's document (an operation's `example`, each of its
//! named `examples`, and the `example` of the schema it answers with) and
//! looks up every field path it holds (`paymentDetails.card.cardNumber`,
//! `secrets[].id`) in that answer. A field whose example value is `null`
//! says only that the field may be null, which an absent field says too; a
//! map's keys (`metadata`) are the request's, not the document's.

use std::collections::{BTreeMap, BTreeSet};

use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, APPROVED_VISA, SAVED_VISA};
use dojo_payments_emulator::{Card, CardProblem, NewTerminal, Presentation};
use dojo_payments_types::{PaymentIntentId, SetupIntentId, TerminalId};
use serde_json::{Value, json};

use super::{Conformance, id};

/// Why a field of an example is not in the emulator's answer.
#[derive(Debug, Clone, Copy)]
pub enum Why {
    /// The example names a field its operation's (closed) schema does not
    /// have, so no answer valid against the document can carry it.
    NotInSchema,
    /// The emulator's choice, with the reason.
    Choice(&'static str),
}

/// A field of an example the emulator does not answer: the operation
/// (`"GET /payment-intents/{paymentIntentId}"`, or `"*"` for every
/// operation), the field path (and everything under it), and why.
pub struct Omission {
    /// The operation, or `"*"`.
    pub operation: &'static str,
    /// The field path: `paymentDetails.avsResult`, `secrets[].lastUsedAt`.
    pub path: &'static str,
    /// Why it is left out.
    pub why: Why,
}

const fn omit(operation: &'static str, path: &'static str, why: Why) -> Omission {
    Omission {
        operation,
        path,
        why,
    }
}

const ADDRESSES: &str = "Dojo's hosted checkout fills in the addresses it collects (empty \
     strings in this example); the emulator's checkout collects no address, so a payment \
     intent carries the addresses its request sent, and these requests send none";
const LOCATION_ID: &str = "Dojo adds its location's id to `metadata` by itself; the emulator \
     echoes only the metadata the request sent (none here), so that a client comparing \
     its metadata finds what it sent";
const BRANDING: &str = "a location's branding and trading name are set in Dojo's portal, \
     which the emulator has not: `config` echoes the request's own";
const CARD_DETAILS: &str = "what only a card reader or the acquirer knows (funding type, \
     entry mode, verification method, the AVS result) is not simulated for a card typed at \
     checkout";
const CARDHOLDER: &str = "the emulator's checkout (and `Emulator::pay`) asks for no \
     cardholder name";
const AUTO_EXPIRY: &str = "not acted on: a Manual payment intent authorized and not captured \
     is reversed 7 days after its authorization, whatever these say; so they are not echoed \
     either (listed in the README's differences)";
const REST_AUTH: &str = "the example calls it `restAuth`; the schema (and \
     `RestIntegrationResponse`'s own example) call it `auth`, which the emulator answers";
const RECEIPTS: &str = "terminal sessions are simple: no receipts are printed";

/// The deliberate omissions; each must still be true (the field is
/// still in an example, and still not answered; a `NotInSchema` field is
/// still outside its schema). The README's "Where the emulator differs
/// from Dojo" names the choices among them.
pub const OMISSIONS: &[Omission] = &[
    omit(
        "GET /payment-intents/{paymentIntentId}",
        "billingAddress",
        Why::Choice(ADDRESSES),
    ),
    omit(
        "GET /payment-intents/{paymentIntentId}",
        "shippingDetails",
        Why::Choice(ADDRESSES),
    ),
    omit("*", "metadata", Why::Choice(LOCATION_ID)),
    omit("*", "config", Why::Choice(BRANDING)),
    omit(
        "GET /payment-intents/{paymentIntentId}",
        "paymentDetails.card.cardName",
        Why::Choice(CARDHOLDER),
    ),
    omit(
        "POST /payment-intents",
        "autoExpireAction",
        Why::Choice(AUTO_EXPIRY),
    ),
    omit(
        "POST /payment-intents",
        "autoExpireIn",
        Why::Choice(AUTO_EXPIRY),
    ),
    omit(
        "GET /epos/integrations",
        "restIntegrations[].restAuth",
        Why::Choice(REST_AUTH),
    ),
    omit(
        "GET /payment-intents/{paymentIntentId}",
        "paymentDetails.avsResult",
        Why::Choice(CARD_DETAILS),
    ),
    omit(
        "GET /payment-intents/{paymentIntentId}",
        "paymentDetails.card.cardFundingType",
        Why::Choice(CARD_DETAILS),
    ),
    omit(
        "GET /payment-intents/{paymentIntentId}",
        "paymentDetails.card.entryMode",
        Why::Choice(CARD_DETAILS),
    ),
    omit(
        "GET /payment-intents/{paymentIntentId}",
        "paymentDetails.card.verificationMethod",
        Why::Choice(CARD_DETAILS),
    ),
    omit("*", "paymentEvents", Why::NotInSchema),
    omit("*", "paymentSource", Why::NotInSchema),
    omit("*", "secrets[].lastUsedAt", Why::NotInSchema),
    omit(
        "POST /payment-intents/{paymentIntentId}/reversal",
        "id",
        Why::NotInSchema,
    ),
    omit("*", "customerReceipt", Why::Choice(RECEIPTS)),
    omit("*", "merchantReceipt", Why::Choice(RECEIPTS)),
];

/// `(operation, example name)`: the key of one documented example.
type Key = (String, String);

/// Every documented 2xx example of `document`, by operation and name:
/// `example` (the media type's), `#Name` (a named one), `schema Name` (the
/// answered schema's own).
pub fn documented(document: &Value) -> BTreeMap<Key, Value> {
    let mut out = BTreeMap::new();
    let schemas = &document["components"]["schemas"];
    for (template, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let name = format!("{} {template}", method.to_uppercase());
            let responses = operation["responses"].as_object().into_iter().flatten();
            for (_, response) in responses.filter(|(status, _)| status.starts_with('2')) {
                let Some(media) = response.pointer("/content/application~1json") else {
                    continue;
                };
                if let Some(example) = media.get("example") {
                    out.insert((name.clone(), "example".to_owned()), example.clone());
                }
                for (label, example) in media["examples"].as_object().into_iter().flatten() {
                    out.insert(
                        (name.clone(), format!("#{label}")),
                        example["value"].clone(),
                    );
                }
                let referenced = media["schema"]["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/components/schemas/"));
                if let Some(schema) = referenced
                    && let Some(example) = schemas[schema].get("example")
                {
                    out.insert((name.clone(), format!("schema {schema}")), example.clone());
                }
            }
        }
    }
    out
}

/// The field paths of `value`: `a`, `a.b`, `list`, `list[].c`; fields whose
/// value is `null` are left out (see the module's docs).
pub fn field_paths(value: &Value, at: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, inner) in fields.iter().filter(|(_, v)| !v.is_null()) {
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                out.insert(path.clone());
                field_paths(inner, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                field_paths(item, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// Whether `path` is `prefix` or under it.
fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
}

/// Whether the document's `schema` admits a field at `path` (the union
/// reading of `allOf`; a `oneOf` admits what any branch does; an object
/// with `additionalProperties` other than `false` admits anything).
pub fn admits(document: &Value, schema: &Value, path: &[&str]) -> bool {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document["components"]["schemas"][name]
        }
        None => schema,
    };
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = schema[key].as_array() {
            return parts.iter().any(|part| admits(document, part, path));
        }
    }
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    if *first == "[]" {
        return admits(document, &schema["items"], rest);
    }
    match schema["properties"].get(*first) {
        Some(property) => admits(document, property, rest),
        None => schema["additionalProperties"] != Value::Bool(false),
    }
}

/// `a.b[].c` as segments: `a`, `b`, `[]`, `c`.
fn segments(path: &str) -> Vec<&str> {
    path.split('.')
        .flat_map(|part| match part.strip_suffix("[]") {
            Some(name) => vec![name, "[]"],
            None => vec![part],
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// The 200 schema of `operation` (`"GET /x"`) in `document`.
fn answer_schema<'d>(document: &'d Value, operation: &str) -> &'d Value {
    let (method, template) = operation.split_once(' ').unwrap_or_default();
    let responses = &document["paths"][template][method.to_lowercase()]["responses"];
    let ok = responses
        .as_object()
        .into_iter()
        .flatten()
        .find(|(status, _)| status.starts_with('2'))
        .map(|(_, r)| r);
    ok.and_then(|r| r.pointer("/content/application~1json/schema"))
        .unwrap_or(&Value::Null)
}

/// What is wrong: fields not answered and not excused, and omissions no
/// longer true. Empty when the emulator answers every documented field.
pub fn compare(document: &Value, answers: &BTreeMap<Key, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for ((operation, name), example) in documented(document) {
        let answer = answers
            .get(&(operation.clone(), name.clone()))
            .or_else(|| answers.get(&(operation.clone(), String::new())));
        let Some(answer) = answer else {
            problems.push(format!(
                "{operation} {name}: no answer in the example's state was recorded"
            ));
            continue;
        };
        let (mut wanted, mut got) = (BTreeSet::new(), BTreeSet::new());
        field_paths(&example, "", &mut wanted);
        field_paths(answer, "", &mut got);
        for path in wanted.difference(&got) {
            let excused = OMISSIONS.iter().position(|o| {
                (o.operation == "*" || o.operation == operation) && under(path, o.path)
            });
            match excused {
                Some(index) => {
                    used.insert(index);
                    let omission = &OMISSIONS[index];
                    let inside = admits(
                        document,
                        answer_schema(document, &operation),
                        &segments(omission.path),
                    );
                    if matches!(omission.why, Why::NotInSchema) && inside {
                        problems.push(format!(
                            "{operation} {name}: {path} is listed as outside the schema, \
                             but the schema has it: answer it"
                        ));
                    }
                }
                None => problems.push(format!(
                    "{operation} {name}: the example has {path}, the emulator's answer does not"
                )),
            }
        }
    }
    for (index, omission) in OMISSIONS.iter().enumerate() {
        if !used.contains(&index) {
            let why = match omission.why {
                Why::NotInSchema => "not in the schema",
                Why::Choice(reason) => reason,
            };
            problems.push(format!(
                "the omission of {} ({}: {why}) is no longer needed: remove it",
                omission.path, omission.operation
            ));
        }
    }
    problems
}

const PI: &str = "/payment-intents/{paymentIntentId}";
const SI: &str = "/setup-intents/{setupIntentId}";
const SESSION: &str = "/terminal-sessions/{terminalSessionId}";

/// Records the answer of `operation` (`"POST /x"`) for its examples
/// (`name` `""`: all of them).
struct Recorder<'t> {
    t: &'t mut Conformance,
    answers: BTreeMap<Key, Value>,
}

impl Recorder<'_> {
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        params: &[(&str, &str)],
        body: Option<Value>,
    ) -> Value {
        self.call_as(method, template, params, body, None, "").await
    }

    async fn call_as(
        &mut self,
        method: &str,
        template: &str,
        params: &[(&str, &str)],
        body: Option<Value>,
        authorization: Option<&str>,
        example: &str,
    ) -> Value {
        let (status, answer) = self
            .t
            .call_with(method, template, params, "", body, authorization)
            .await;
        assert!(
            (200..300).contains(&status),
            "{method} {template}: {answer}"
        );
        // The first answer of an operation is the one in its example's
        // state; later calls serve other operations' states.
        self.answers
            .entry((format!("{method} {template}"), example.to_owned()))
            .or_insert_with(|| answer.clone());
        answer
    }

    async fn create_intent(&mut self, body: Value, example: &str) -> String {
        let intent = self
            .call_as("POST", "/payment-intents", &[], Some(body), None, example)
            .await;
        id(&intent, "id")
    }

    fn pay(&self, pi: &str, card: &str) {
        let card = Card::test(card).unwrap();
        self.t
            .emulator
            .pay(&PaymentIntentId::from_wire(pi), &card, false)
            .unwrap();
    }
}

/// Dojo's request examples, with the keys its schema names.
fn order(capture_mode: &str) -> Value {
    json!({
        "amount": {"value": 1000, "currencyCode": "GBP"},
        "reference": "Order 234",
        "description": "Demo payment intent",
        "captureMode": capture_mode,
    })
}

/// Each operation's answer in the state of its example.
pub async fn answers(t: &mut Conformance) -> BTreeMap<Key, Value> {
    let mut r = Recorder {
        t,
        answers: BTreeMap::new(),
    };
    payment_intents(&mut r).await;
    setup_intents(&mut r).await;
    webhooks(&mut r).await;
    customers(&mut r).await;
    terminals(&mut r).await;
    epos(&mut r).await;
    r.answers
}

async fn payment_intents(r: &mut Recorder<'_>) {
    r.create_intent(order("Auto"), "#Auto").await;
    let mut manual = order("Manual");
    manual["autoExpireAction"] = json!("Capture");
    manual["autoExpireIn"] = json!("00:00:55");
    r.create_intent(manual, "#Manual").await;

    // Read once captured, paid with the example's card.
    let paid = r.create_intent(order("Auto"), "#Auto").await;
    r.pay(&paid, SAVED_VISA);
    let at = [("paymentIntentId", paid.as_str())];
    r.call("GET", PI, &at, None).await;
    let refund = json!({"amount": 1000, "refundReason": "Demo refund"});
    let refund = r
        .call("POST", &format!("{PI}/refunds"), &at, Some(refund))
        .await;
    let refund = id(&refund, "refundId");
    r.call(
        "GET",
        "/payment-intents/refunds/{refundId}",
        &[("refundId", &refund)],
        None,
    )
    .await;

    // Created: a new secret, then canceled.
    let created = r.create_intent(order("Auto"), "#Auto").await;
    let at = [("paymentIntentId", created.as_str())];
    r.call(
        "POST",
        &format!("{PI}/refresh-client-session-secret"),
        &at,
        None,
    )
    .await;
    r.call("DELETE", PI, &at, None).await;

    // Amount and tips, where the config allows them.
    let mut open = order("Auto");
    open["config"] = json!({"payment": {"customAmountAllowed": true, "tipsAllowed": true}});
    let pi = r.create_intent(open, "#Auto").await;
    let at = [("paymentIntentId", pi.as_str())];
    let amount = json!({"amount": {"value": 5500, "currencyCode": "GBP"}});
    r.call("POST", &format!("{PI}/amount"), &at, Some(amount))
        .await;
    let tips = json!({"tipsAmount": {"value": 500, "currencyCode": "GBP"}});
    r.call("POST", &format!("{PI}/tips-amount"), &at, Some(tips))
        .await;

    // Manual: authorized, captured; another reversed.
    for step in ["captures", "reversal"] {
        let pi = r.create_intent(order("Manual"), "#Manual").await;
        r.pay(&pi, SAVED_VISA);
        let body = (step == "captures").then(|| json!({"amount": 1000}));
        r.call(
            "POST",
            &format!("{PI}/{step}"),
            &[("paymentIntentId", &pi)],
            body,
        )
        .await;
    }
}

async fn setup_intents(r: &mut Recorder<'_>) {
    let create = json!({
        "reference": "Dojo Cafe | Booking request for Table 4",
        "merchantInitiatedTransactionType": "NoShow",
        "terms": "In case of no-show, the customer authorizes us to charge their card with table booking fee.",
        "intendedAmount": {"value": 1000, "currencyCode": "GBP"},
    });
    let si = r.call("POST", "/setup-intents", &[], Some(create)).await;
    let si = id(&si, "id");
    let at = [("setupIntentId", si.as_str())];
    r.call("GET", SI, &at, None).await;
    r.call("GET", "/setup-intents/public/{setupIntentId}", &at, None)
        .await;
    r.call(
        "POST",
        &format!("{SI}/refresh-client-session-secret"),
        &at,
        None,
    )
    .await;
    r.call(
        "POST",
        "/setup-intents/public/{setupIntentId}/refresh-client-session-secret",
        &at,
        None,
    )
    .await;
    let card = Card::test(SAVED_VISA).unwrap();
    r.t.emulator
        .authorize_setup_intent(&SetupIntentId::from_wire(si.as_str()), &card)
        .unwrap();
    let charge = json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "No-show", "setupIntentId": si});
    let pi = r.create_intent(charge, "#Auto").await;
    r.call(
        "POST",
        &format!("{PI}/charge"),
        &[("paymentIntentId", &pi)],
        None,
    )
    .await;
}

async fn webhooks(r: &mut Recorder<'_>) {
    r.call("GET", "/webhooks/events", &[], None).await;
    let subscribe = json!({
        "events": ["payment_intent.created", "payment_intent.status_updated"],
        "url": "https://example.com/incoming-events",
        "description": "Demo Webhooks",
    });
    let sub = r.call("POST", "/webhooks", &[], Some(subscribe)).await;
    let sub = id(&sub, "id");
    let at = [("subscriptionId", sub.as_str())];
    r.call("POST", "/webhooks/{subscriptionId}/secrets", &at, None)
        .await;
    r.call("GET", "/webhooks/{subscriptionId}/secrets", &at, None)
        .await;
    r.call("GET", "/webhooks", &[], None).await;
    let events = json!({"events": ["payment_intent.created"]});
    r.call("PATCH", "/webhooks/{subscriptionId}", &at, Some(events))
        .await;
}

async fn customers(r: &mut Recorder<'_>) {
    let alex = json!({"name": "Alex", "emailAddress": "alex@dojo.com"});
    let customer = r.call("POST", "/customers", &[], Some(alex)).await;
    let customer = id(&customer, "id");
    let at = [("customerId", customer.as_str())];
    let phone = json!({"phoneNumber": "078976534161"});
    r.call("PATCH", "/customers/{customerId}", &at, Some(phone))
        .await;
    r.call("GET", "/customers/{customerId}", &at, None).await;
    let secret = r
        .call("POST", "/customers/{customerId}/create-secret", &at, None)
        .await;
    let secret = format!("Basic {}", id(&secret, "secret"));
    let saving = json!({"amount": {"value": 700, "currencyCode": "GBP"}, "reference": "Groceries", "customer": {"id": customer}, "paymentMethods": ["Card", "SavedCard"]});
    let pi = r.create_intent(saving, "#Auto").await;
    let card = Card::test(APPROVED_MASTERCARD).unwrap();
    r.t.emulator
        .pay(&PaymentIntentId::from_wire(pi), &card, true)
        .unwrap();
    r.call_as(
        "GET",
        "/customers/public/{customerId}/payment-methods",
        &at,
        None,
        Some(&secret),
        "",
    )
    .await;
    r.call("POST", "/customers/search", &[], Some(json!({"limit": 10})))
        .await;
}

async fn terminals(r: &mut Recorder<'_>) {
    let list = r.call("GET", "/terminals", &[], None).await;
    let terminal = id(&list[0], "id");
    r.call(
        "GET",
        "/terminals/{terminalId}",
        &[("terminalId", &terminal)],
        None,
    )
    .await;
    // The terminal that moves only when told, driven as each example's
    // state asks: approved (the read), swiped and signed (the signature),
    // a card error and then canceled (the cancel).
    let till = "tm_sandbox_counter3";
    let card = Card::test(APPROVED_VISA).unwrap();
    let pi = r.create_intent(order("Auto"), "#Auto").await;
    let sale = |pi: &str| json!({"terminalId": till, "details": {"sale": {"paymentIntentId": pi}, "sessionType": "Sale"}});
    let session = r
        .call_as("POST", "/terminal-sessions", &[], Some(sale(&pi)), None, "")
        .await;
    let session = id(&session, "id");
    let emulated = TerminalId::from_wire(till);
    r.t.emulator
        .terminal(&emulated)
        .present_card(&card)
        .unwrap();
    r.call("GET", SESSION, &[("terminalSessionId", &session)], None)
        .await;

    let pi = r.create_intent(order("Auto"), "#Auto").await;
    let session = r
        .call("POST", "/terminal-sessions", &[], Some(sale(&pi)))
        .await;
    let session = id(&session, "id");
    r.t.emulator
        .terminal(&emulated)
        .present(&card, Presentation::Swipe)
        .unwrap();
    r.call(
        "PUT",
        &format!("{SESSION}/signature"),
        &[("terminalSessionId", &session)],
        Some(json!({"accepted": true})),
    )
    .await;

    // Another terminal: the first finishes the signed sale meanwhile.
    let second =
        r.t.emulator
            .add_terminal(NewTerminal::new("tm_sandbox_conformance"))
            .unwrap();
    let pi = r.create_intent(order("Auto"), "#Auto").await;
    let cancel = json!({"terminalId": second, "details": {"sale": {"paymentIntentId": pi}, "sessionType": "Sale"}});
    let session = r
        .call("POST", "/terminal-sessions", &[], Some(cancel))
        .await;
    let session = id(&session, "id");
    r.t.emulator
        .terminal(&second)
        .card_problem(CardProblem::CardError)
        .unwrap();
    r.call(
        "PUT",
        &format!("{SESSION}/cancel"),
        &[("terminalSessionId", &session)],
        None,
    )
    .await;
}

async fn epos(r: &mut Recorder<'_>) {
    let rest = json!({"url": "https://my-epos-backend.net/dojo/", "capabilities": [{"name": "SearchOrders", "version": "1.0.0"}], "auth": {"authType": "basic", "basic": {"username": "epos-dojo-1", "password": "hunter2"}}});
    r.call("PUT", "/epos/integrations/rest", &[], Some(rest))
        .await;
    let ws = json!({"capabilities": [{"name": "GetOrder", "version": "1.0.0"}, {"name": "RecordOrderPayment", "version": "1.0.0"}]});
    r.call("PUT", "/epos/integrations/ws", &[], Some(ws)).await;
    r.call("GET", "/epos/integrations", &[], None).await;
}
