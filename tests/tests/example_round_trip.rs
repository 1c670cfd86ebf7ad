//! Every example in Dojo's document decodes into its generated type and
//! re-encodes without losing a field; the examples that contradict their own
//! schema are listed, with the reason, and the list must match reality.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Examples that cannot decode because the example contradicts the schema it
/// illustrates. If Dojo fixes one, or a change breaks another, the test fails.
const CONTRADICTIONS: &[(&str, &str)] = &[
    (
        "/paths/~1webhooks/get/responses/200/content/application~1json/schema/example",
        "the response is an array of subscriptions; the example is one subscription object",
    ),
    (
        "/components/schemas/CreateCaptureRequest/properties/amount/example",
        "the property is an integer; the example is the object {\"amount\": 2000}",
    ),
    (
        "/components/schemas/CreateCaptureRequest/properties/tipsAmount/example",
        "the property is an integer; the example is the object {\"tipsAmount\": 100}",
    ),
    (
        "/components/schemas/SetTipsAmountRequest/example",
        "the request wraps Money in `tipsAmount`; the example is a bare Money",
    ),
    (
        "/paths/~1payment-intents/post/requestBody/content/application~1json/examples/Manual/value",
        "the example spells `AutoExpireAction` and `AutoExpireIn`; the schema (closed) names \
         `autoExpireAction` and `autoExpireIn`, so the SDK cannot send those keys as written",
    ),
];

use support::registry::{Decoder, named_types, round_trip};

/// The decoder for a domain type named by `x-rust-type`, or for a primitive.
fn leaf_decoder(schema: &Value, repaired: Option<&Value>) -> Option<Decoder> {
    let rust_type = repaired
        .and_then(|r| r.pointer("/x-rust-type/path"))
        .and_then(Value::as_str);
    Some(
        match (
            rust_type,
            schema["type"].as_str(),
            schema["format"].as_str(),
        ) {
            (Some("dojo_payments_types::CountryCode"), _, _) => {
                round_trip::<dojo_payments_types::CountryCode>
            }
            (Some("dojo_payments_types::Timestamp"), _, _)
            | (_, Some("string"), Some("date-time")) => {
                round_trip::<dojo_payments_types::Timestamp>
            }
            (_, Some("string"), Some("date")) => round_trip::<dojo_payments_types::ApiVersion>,
            (_, Some("string"), _) => round_trip::<String>,
            (_, Some("integer"), _) => round_trip::<i64>,
            (_, Some("boolean"), _) => round_trip::<bool>,
            _ => return None,
        },
    )
}

/// How to decode a value of `schema`: a named type, an array of one, or a leaf.
enum Shape {
    Decoder(Decoder),
    ArrayOf(Box<Shape>),
}

fn shape(
    schema: &Value,
    repaired: Option<&Value>,
    named: &BTreeMap<&str, Decoder>,
) -> Option<Shape> {
    let single_ref = schema["$ref"].as_str().or_else(|| {
        ["oneOf", "allOf", "anyOf"]
            .iter()
            .filter_map(|k| schema[*k].as_array())
            .find(|parts| parts.len() == 1)
            .and_then(|parts| parts[0]["$ref"].as_str())
    });
    if let Some(name) = single_ref.and_then(|r| r.strip_prefix("#/components/schemas/")) {
        return named.get(name).map(|d| Shape::Decoder(*d));
    }
    if schema["type"] == "array" {
        let items = repaired.map(|r| &r["items"]);
        return shape(&schema["items"], items, named).map(|s| Shape::ArrayOf(Box::new(s)));
    }
    leaf_decoder(schema, repaired).map(Shape::Decoder)
}

fn decode(shape: &Shape, value: &Value) -> Result<Value, String> {
    match (shape, value) {
        (Shape::Decoder(decoder), _) => decoder(value),
        (Shape::ArrayOf(item), Value::Array(items)) => items
            .iter()
            .map(|v| decode(item, v))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        (Shape::ArrayOf(_), other) => Err(format!("expected an array, got {other}")),
    }
}

/// A key the example has (with a value) that the re-encoding lacks.
fn lost_key(original: &Value, encoded: &Value, at: &str) -> Option<String> {
    match (original, encoded) {
        (Value::Object(a), Value::Object(b)) => {
            a.iter().find_map(|(key, value)| match b.get(key) {
                None if !value.is_null() => Some(format!("{at}/{key}")),
                None => None,
                Some(inner) => lost_key(value, inner, &format!("{at}/{key}")),
            })
        }
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| lost_key(x, y, &format!("{at}/{i}"))),
        _ => None,
    }
}

#[derive(Debug)]
struct Example {
    pointer: String,
    kind: &'static str,
    value: Value,
    /// Pointer of the schema the example illustrates.
    schema: String,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every `example` and every value of an `examples` map in the document.
fn examples(doc: &Value) -> Vec<Example> {
    let mut found = Vec::new();
    collect(doc, "", None, &mut found);
    found
}

fn collect(value: &Value, at: &str, parent_key: Option<&str>, found: &mut Vec<Example>) {
    match value {
        Value::Object(map) => {
            let holds_schema = map.contains_key("schema");
            let schema = if holds_schema {
                format!("{at}/schema")
            } else {
                at.to_owned()
            };
            let kind = kind_of(at, holds_schema);
            if parent_key != Some("properties") {
                if let Some(example) = map.get("example") {
                    found.push(Example {
                        pointer: format!("{at}/example"),
                        kind,
                        value: example.clone(),
                        schema: schema.clone(),
                    });
                }
                for (name, example) in map
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    found.push(Example {
                        pointer: format!("{at}/examples/{}/value", escape(name)),
                        kind,
                        value: example["value"].clone(),
                        schema: schema.clone(),
                    });
                }
            }
            for (key, inner) in map {
                let skip =
                    parent_key != Some("properties") && (key == "example" || key == "examples");
                if !skip {
                    collect(inner, &format!("{at}/{}", escape(key)), Some(key), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                collect(inner, &format!("{at}/{i}"), None, found);
            }
        }
        _ => {}
    }
}

fn kind_of(at: &str, holds_schema: bool) -> &'static str {
    if at.contains("/parameters/") {
        "parameter"
    } else if holds_schema && at.contains("/requestBody/") {
        "request"
    } else if holds_schema && at.contains("/responses/") {
        "response"
    } else if at.contains("/properties/") {
        "property"
    } else {
        "schema"
    }
}

#[test]
fn the_registry_names_every_schema_of_the_document() {
    let doc = support::original_document();
    let named = named_types();
    let schemas: BTreeSet<&str> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let registered: BTreeSet<&str> = named.keys().copied().collect();
    assert_eq!(schemas, registered, "register new schemas in named_types()");
}

#[test]
fn every_example_round_trips_except_the_listed_contradictions() {
    let original = support::original_document();
    let repaired = support::repaired_document();
    let named = named_types();
    let examples = examples(&original);
    let mut failures = BTreeMap::new();
    let mut passed_by_kind = BTreeMap::<&str, usize>::new();
    let mut total_by_kind = BTreeMap::<&str, usize>::new();
    for example in &examples {
        *total_by_kind.entry(example.kind).or_default() += 1;
        let schema = original
            .pointer(&example.schema)
            .expect("the schema pointer resolves");
        let component = example
            .schema
            .strip_prefix("/components/schemas/")
            .and_then(|name| named.get(name));
        let shape = match component {
            Some(decoder) => Shape::Decoder(*decoder),
            None => shape(schema, repaired.pointer(&example.schema), &named)
                .unwrap_or_else(|| panic!("no Rust type for the schema at {}", example.schema)),
        };
        let outcome = decode(&shape, &example.value).and_then(|encoded| {
            match lost_key(&example.value, &encoded, "") {
                Some(key) => Err(format!("re-encoding lost {key}")),
                None => Ok(()),
            }
        });
        match outcome {
            Ok(()) => *passed_by_kind.entry(example.kind).or_default() += 1,
            Err(error) => {
                failures.insert(example.pointer.clone(), error);
            }
        }
    }
    println!("examples by kind: {total_by_kind:?}; passed: {passed_by_kind:?}");
    let expected: BTreeSet<&str> = CONTRADICTIONS.iter().map(|(p, _)| *p).collect();
    let actual: BTreeSet<&str> = failures.keys().map(String::as_str).collect();
    assert_eq!(
        actual, expected,
        "examples failing now, with errors: {failures:#?}"
    );
    assert_eq!(examples.len(), 97, "Dojo's document has 97 examples");
    assert_eq!(total_by_kind["response"], 22);
    assert_eq!(
        passed_by_kind["response"], 22,
        "every response example must decode"
    );
}
