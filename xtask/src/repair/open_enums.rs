use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::walk;

/// Marks the closed half of an opened enum, so it is not opened again.
const KNOWN_MARK: &str = "x-dojo-known-values";

/// Lets every enum a response can carry decode values the document does not
/// list, keeping them.
///
/// Defect: Dojo's versioning policy counts a new enum value as non-breaking,
/// but typify's closed enums fail the whole response on one (a new payment
/// intent `status` would make every lookup of that intent fail). Each string
/// enum reachable from a response becomes `oneOf [Known, Unknown]`, which
/// typify emits as `enum X { Known(XKnown), Unknown(String) }`: the listed
/// values stay typed, a new one is kept verbatim. Enums only requests use stay
/// closed, so what is sent is still checked.
pub fn open_enums(doc: &mut Value) -> usize {
    let reachable = schemas_reachable_from_responses(doc);
    let mut changed = 0;
    let mut open = |schema: &mut Map<String, Value>| {
        if open_one(schema) {
            changed += 1;
        }
    };
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if reachable.contains(name) {
                walk::schema_tree(schema, &mut open);
            }
        }
    }
    walk::operations(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for schema in responses.values_mut().flat_map(media_schemas) {
                walk::schema_tree(schema, &mut open);
            }
        }
    });
    changed
}

fn open_one(schema: &mut Map<String, Value>) -> bool {
    let is_string_enum = schema.get("type").is_none_or(|t| t == "string");
    if !schema.contains_key("enum") || !is_string_enum || schema.contains_key(KNOWN_MARK) {
        return false;
    }
    let values = schema.remove("enum").unwrap_or_default();
    schema.remove("type");
    schema.insert(
        "oneOf".into(),
        json!([
            {"title": "Known", "type": "string", "enum": values, KNOWN_MARK: true},
            {"title": "Unknown", "type": "string", "description": "A value this SDK does not know yet, as Dojo sent it."}
        ]),
    );
    true
}

fn media_schemas(response: &mut Value) -> Vec<&mut Value> {
    response
        .get_mut("content")
        .and_then(Value::as_object_mut)
        .map(|content| {
            content
                .values_mut()
                .filter_map(|m| m.get_mut("schema"))
                .collect()
        })
        .unwrap_or_default()
}

/// Names of the component schemas a response body refers to, directly or
/// through other schemas.
fn schemas_reachable_from_responses(doc: &Value) -> BTreeSet<String> {
    let mut pending: Vec<String> = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if walk::METHODS.contains(&method.as_str()) {
                collect_refs(&op["responses"], &mut pending);
            }
        }
    }
    if let Some(responses) = doc.pointer("/components/responses") {
        collect_refs(responses, &mut pending);
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone()) {
            if let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) {
                collect_refs(schema, &mut pending);
            }
        }
    }
    seen
}

fn collect_refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                into.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(list) => list.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}
