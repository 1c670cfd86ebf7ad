//! No secret prints, at any layer: every type of Dojo's document that holds
//! a secret-marked field is decoded from a body carrying a canary secret,
//! and the canary appears in no `Debug`, and in no `Display` or `Debug` of
//! the errors decoding can raise.
//!
//! The set of types comes from the repaired document (the marks of
//! `dojo_payments_types::wire_names::SECRETS`), and the table below must name each of
//! them: a secret field Dojo adds is a failing test until it is covered.

mod support;

use std::collections::BTreeSet;

use dojo_payments_api::api::types;
use serde_json::{Map, Value, json};

const CANARY: &str = "canary_5ecret_Zq8wJ1vX";

/// Decodes `body` as the type, returning its `Debug`, and the `Display` and
/// `Debug` of the error a decoding of `broken` raises (`None` if it decodes).
type Probe = fn(Value, Value) -> (String, Option<String>);

macro_rules! probes {
    ($($ty:ident),* $(,)?) => {
        &[$((stringify!($ty), |body, broken| {
            let decoded: types::$ty = serde_json::from_value(body).expect(stringify!($ty));
            (format!("{decoded:?} {decoded:#?}"), decode_error::<types::$ty>(broken))
        })),*]
    };
}

/// Every type with a secret-marked field.
const PROBES: &[(&str, Probe)] = probes![
    CustomerSecret,
    PaymentCustomerDetails,
    PaymentIntent,
    SetupIntentPublicResponse,
    SetupIntentResponse,
    SubscriptionSecret,
];

/// The error the generated code returns for `body` on a 200.
fn decode_error<T: serde::de::DeserializeOwned>(body: Value) -> Option<String> {
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.to_string())
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let result = runtime.block_on(dojo_payments_api::decode::response::<
        T,
        types::ProblemDetails,
    >(reqwest::Response::from(response)));
    let error = result.err()?;
    Some(format!("{error} {error:?} {error:#?}"))
}

fn secret_types() -> BTreeSet<&'static str> {
    dojo_payments_types::wire_names::SECRETS
        .iter()
        .map(|s| s.rust_type)
        .collect()
}

fn is_secret(property: &Value) -> bool {
    let path = property
        .pointer("/x-rust-type/path")
        .and_then(Value::as_str);
    path.is_some_and(|p| secret_types().contains(p))
}

/// Names of the component schemas with a secret-marked property.
fn schemas_with_secrets(doc: &Value) -> BTreeSet<String> {
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    schemas
        .iter()
        .filter(|(_, schema)| properties(doc, schema).values().any(is_secret))
        .map(|(name, _)| name.clone())
        .collect()
}

/// A schema's properties, through `$ref` and `allOf`.
fn properties(doc: &Value, schema: &Value) -> Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut all = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for member in schema["allOf"].as_array().into_iter().flatten() {
        all.extend(properties(doc, member));
    }
    all
}

/// A schema's required properties, through `$ref` and `allOf`.
fn required(doc: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = resolve(doc, schema);
    let mut all: BTreeSet<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    for member in schema["allOf"].as_array().into_iter().flatten() {
        all.extend(required(doc, member));
    }
    all
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(doc, doc.pointer(&reference[1..]).unwrap()),
        None => schema,
    }
}

/// A body of `schema` with every property filled (to a depth), secrets set
/// to the canary.
fn instance(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if is_secret(schema) {
        return json!(CANARY);
    }
    match schema.pointer("/x-rust-type/path").and_then(Value::as_str) {
        Some("dojo_payments_types::Money") => return json!({"value": 1000, "currencyCode": "GBP"}),
        Some("dojo_payments_types::Timestamp") => return json!("2026-03-02T10:00:00Z"),
        Some("dojo_payments_types::CountryCode") => return json!("GB"),
        _ => {}
    }
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema[*k].as_array().and_then(|a| a.first()))
    {
        return instance(doc, first, depth);
    }
    if let Some(values) = schema["enum"].as_array() {
        return values[0].clone();
    }
    if let Some(inner) = schema.pointer("/x-rust-type/parameters/0") {
        return instance(doc, inner, depth); // Open<E>
    }
    let props = properties(doc, schema);
    if !props.is_empty() {
        // Past the depth, only what decoding requires.
        let wanted = required(doc, schema);
        let object: Map<String, Value> = props
            .iter()
            .filter(|(name, _)| depth > 0 || wanted.contains(name.as_str()))
            .map(|(name, p)| {
                let value = if is_secret(p) {
                    json!(CANARY)
                } else {
                    instance(doc, p, depth.saturating_sub(1))
                };
                (name.clone(), value)
            })
            .collect();
        return Value::Object(object);
    }
    match schema["type"].as_str() {
        Some("array") if depth > 0 => json!([instance(doc, &schema["items"], depth - 1)]),
        Some("array") => json!([]),
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        Some("object") => json!({}),
        _ => json!("text"),
    }
}

/// Bodies that fail to decode while carrying the canary in their secret
/// fields: the wrong shape (the body in an array), and each object field
/// replaced by text (another field's fault, with the secret beside it).
fn broken(body: &Value) -> Vec<Value> {
    let mut other_field = body.clone();
    if let Some(object) = other_field.as_object_mut() {
        for value in object.values_mut().filter(|v| v.is_object()) {
            *value = json!("not an object");
        }
    }
    vec![json!([body]), other_field]
}

#[test]
fn the_table_names_every_type_with_a_secret_field() {
    let doc = support::repaired_document();
    let in_document = schemas_with_secrets(&doc);
    let in_table: BTreeSet<String> = PROBES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(in_document, in_table);
}

#[test]
fn a_canary_secret_never_prints_in_debug_or_in_errors() {
    let doc = support::repaired_document();
    for (name, probe) in PROBES {
        let schema = &doc["components"]["schemas"][*name];
        let body = instance(&doc, schema, 4);
        assert!(
            body.to_string().contains(CANARY),
            "{name}: no canary in {body}"
        );
        for (i, broken) in broken(&body).into_iter().enumerate() {
            let (debug, error) = probe(body.clone(), broken);
            assert!(
                !debug.contains(CANARY),
                "{name}: Debug shows the secret: {debug}"
            );
            let Some(error) = error else {
                assert!(i > 0, "{name}: the wrong shape decoded");
                continue;
            };
            assert!(
                !error.contains(CANARY),
                "{name}: an error shows the secret: {error}"
            );
            assert!(error.contains("did not decode"), "{name}: {error}");
        }
    }
}

#[test]
fn the_canary_is_still_reachable_on_purpose() {
    // Redaction is of printing, not of the value: the browser still gets it.
    let intent: types::PaymentIntent =
        serde_json::from_value(json!({"id": "pi_1", "clientSessionSecret": CANARY})).unwrap();
    assert_eq!(intent.client_session_secret.unwrap().expose(), CANARY);
}
