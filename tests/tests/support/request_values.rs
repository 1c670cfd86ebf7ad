//! Request bodies for property tests, derived from the document's own
//! request schemas (the ones the generated request types come from): mostly
//! what the schema allows, with the boundary values around each constraint,
//! the extremes of every integer (`i64::MAX` amounts), unknown keys, missing
//! required fields, nulls, and now and then any JSON at all.
//!
//! Written by hand: proptest has no generator from JSON Schema, and the few
//! crates that try do not read OpenAPI 3.0 (`nullable`, `$ref` into
//! components).

use std::collections::BTreeMap;
use std::sync::Arc;

use dojo_payments_emulator::testkit::{APPROVED_MASTERCARD, DECLINED_VISA};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Ids that exist, by the name a field or path parameter gives them
/// (`paymentIntentId`), so that generated requests reach past "not found".
pub type Pools = Arc<BTreeMap<String, Vec<String>>>;

/// Makes strategies from one document's schemas.
#[derive(Clone)]
pub struct Values {
    schemas: Arc<Map<String, Value>>,
    pools: Pools,
}

/// How deep generation follows nested objects before it stops.
const MAX_DEPTH: u32 = 5;

impl Values {
    /// Values for `document`'s schemas, with `pools` of existing ids.
    pub fn new(document: &Value, pools: Pools) -> Self {
        let schemas = document["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        Self {
            schemas: Arc::new(schemas),
            pools,
        }
    }

    /// A request body for `schema`: mostly shaped by it, sometimes not.
    pub fn body(&self, schema: &Value) -> BoxedStrategy<Value> {
        prop_oneof![
            17 => self.value(schema, None, 0),
            2 => any_json(),
            1 => Just(json!({})),
        ]
        .boxed()
    }

    /// A value of the `name`d field (or path parameter) of `schema`.
    pub fn value(&self, schema: &Value, name: Option<&str>, depth: u32) -> BoxedStrategy<Value> {
        let schema = self.resolve(schema);
        if let Some(pool) = name
            .and_then(|n| self.pools.get(n))
            .filter(|p| !p.is_empty())
        {
            let known = proptest::sample::select(pool.clone()).prop_map(Value::String);
            return prop_oneof![4 => known, 1 => self.shaped(&schema, name, depth)].boxed();
        }
        let shaped = self.shaped(&schema, name, depth);
        if schema["nullable"] == json!(true) {
            prop_oneof![9 => shaped, 1 => Just(Value::Null)].boxed()
        } else {
            shaped
        }
    }

    fn resolve(&self, schema: &Value) -> Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                self.resolve(self.schemas.get(name).unwrap_or(&Value::Null))
            }
            None => schema.clone(),
        }
    }

    fn shaped(&self, schema: &Value, name: Option<&str>, depth: u32) -> BoxedStrategy<Value> {
        if let Some(values) = schema["enum"].as_array().filter(|v| !v.is_empty()) {
            let listed = proptest::sample::select(values.clone());
            return prop_oneof![9 => listed, 1 => any_text()].boxed();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(parts) = schema[key].as_array().filter(|p| !p.is_empty()) {
                let parts: Vec<_> = parts.iter().map(|p| self.value(p, name, depth)).collect();
                return proptest::strategy::Union::new(parts).boxed();
            }
        }
        if schema.get("allOf").is_some() {
            return self.object(&self.merged(schema), depth);
        }
        match (schema["type"].as_str(), name) {
            (_, Some("currencyCode")) => currency(),
            (Some("object"), _) | (None, _) if schema.get("properties").is_some() => {
                self.object(schema, depth)
            }
            (Some("string"), _) => string(schema, name),
            (Some("integer"), _) => integer(schema).prop_map(Value::from).boxed(),
            (Some("number"), _) => any::<f64>()
                .prop_filter("finite", |n| n.is_finite())
                .prop_map(Value::from)
                .boxed(),
            (Some("boolean"), _) => any::<bool>().prop_map(Value::Bool).boxed(),
            (Some("array"), _) => {
                let items = self.value(&schema["items"], name.map(singular), depth + 1);
                proptest::collection::vec(items, 0..3)
                    .prop_map(Value::Array)
                    .boxed()
            }
            _ => any_json(),
        }
    }

    /// An `allOf` as one object: every part's properties and requirements.
    fn merged(&self, schema: &Value) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for part in schema["allOf"].as_array().into_iter().flatten() {
            let part = self.resolve(part);
            let part = if part.get("allOf").is_some() {
                self.merged(&part)
            } else {
                part
            };
            if let Some(p) = part["properties"].as_object() {
                properties.extend(p.clone());
            }
            required.extend(part["required"].as_array().cloned().unwrap_or_default());
        }
        json!({"type": "object", "properties": properties, "required": required})
    }

    /// Each property present or not (required ones almost always), and now
    /// and then a key the schema does not name.
    fn object(&self, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
        if depth > MAX_DEPTH {
            return Just(json!({})).boxed();
        }
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, property)| {
                let value = self.value(property, Some(key), depth + 1);
                let key = key.clone();
                let present = if required.contains(&key.as_str()) {
                    0.97
                } else {
                    0.5
                };
                proptest::option::weighted(present, value.prop_map(move |v| (key.clone(), v)))
                    .boxed()
            })
            .collect();
        let stranger = proptest::option::weighted(0.05, Just(("foo".to_owned(), json!(1))));
        (fields, stranger)
            .prop_map(|(fields, stranger)| {
                let object: Map<String, Value> =
                    fields.into_iter().flatten().chain(stranger).collect();
                Value::Object(object)
            })
            .boxed()
    }
}

/// `emails` → `email`: the name an array's items go by.
fn singular(name: &str) -> &str {
    name.strip_suffix('s').unwrap_or(name)
}

/// Mostly known codes; sometimes one Dojo may add, or nonsense.
fn currency() -> BoxedStrategy<Value> {
    let known = proptest::sample::select(vec!["GBP", "EUR", "USD", "JPY", "BHD"]);
    prop_oneof![
        8 => known.prop_map(|c| json!(c)),
        1 => "[A-Z]{1,10}".prop_map(Value::String),
        1 => any_text(),
    ]
    .boxed()
}

/// A string by its format, pattern and length limits, with the limits'
/// neighbours.
fn string(schema: &Value, name: Option<&str>) -> BoxedStrategy<Value> {
    let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
    let max = schema["maxLength"].as_u64().map(|m| m as usize);
    let typical: BoxedStrategy<String> =
        match (schema["format"].as_str(), schema["pattern"].as_str(), name) {
            (Some("date-time"), ..) => prop_oneof![
                Just("2026-03-02T10:00:00Z".to_owned()),
                Just("2026-03-09T10:00:00.123+01:00".to_owned()),
                Just("1999-01-01T00:00:00Z".to_owned()),
            ]
            .boxed(),
            (Some("date"), ..) => Just("2026-03-02".to_owned()).boxed(),
            (Some("uri"), ..) | (_, Some(_), _) | (_, _, Some("url")) => prop_oneof![
                Just("https://example.com/hooks".to_owned()),
                Just("http://127.0.0.1:9/hooks".to_owned()),
                Just("http://example.com/hooks".to_owned()),
            ]
            .boxed(),
            (_, _, Some(n)) if n.to_lowercase().contains("email") => {
                prop_oneof![Just("ada@example.com".to_owned()), "[a-z]{1,8}"].boxed()
            }
            (_, _, Some("cardNumber")) => prop_oneof![
                Just(APPROVED_MASTERCARD.to_owned()),
                Just(DECLINED_VISA.to_owned()),
                "[0-9]{12,19}",
            ]
            .boxed(),
            (_, _, Some("expiryDate")) => prop_oneof![
                Just("12/30".to_owned()),
                Just("01/20".to_owned()),
                "[0-9/]{0,6}"
            ]
            .boxed(),
            _ => {
                let top = max.unwrap_or(24).min(24);
                proptest::string::string_regex(&format!(
                    "[a-zA-Z0-9 ._-]{{{},{top}}}",
                    min.min(top)
                ))
                .expect("a valid regex")
                .boxed()
            }
        };
    let mut edges = vec![min.saturating_sub(1)];
    if let Some(max) = max {
        edges.extend([max, max + 1]);
    }
    let edge = proptest::sample::select(edges).prop_map(|n| "x".repeat(n));
    prop_oneof![12 => typical, 2 => edge.boxed(), 1 => any::<String>().boxed()]
        .prop_map(Value::String)
        .boxed()
}

/// An integer in its range mostly, its range's neighbours, and the extremes
/// that overflow careless sums.
fn integer(schema: &Value) -> BoxedStrategy<i64> {
    let min = schema["minimum"].as_i64();
    let max = schema["maximum"].as_i64();
    let (low, high) = (min.unwrap_or(0), max.unwrap_or(5_000).max(min.unwrap_or(0)));
    let mut edges = vec![0, -1, i64::MAX, i64::MAX - 1, i64::MIN];
    edges.extend(min.map(|m| m.saturating_sub(1)));
    edges.extend(max.map(|m| m.saturating_add(1)));
    prop_oneof![
        8 => low..=high,
        2 => proptest::sample::select(edges),
        1 => any::<i64>(),
    ]
    .boxed()
}

/// Any text at all, control characters and all.
pub fn any_text() -> BoxedStrategy<Value> {
    any::<String>().prop_map(Value::String).boxed()
}

/// Any JSON value.
pub fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}
