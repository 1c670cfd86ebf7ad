//! Finding every place of a document a rule may need to touch.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The HTTP methods an OpenAPI path item may hold operations under.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Calls `f` with every operation, its path and its method.
pub fn operations(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Map<String, Value>)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if let (true, Some(op)) = (METHODS.contains(&method.as_str()), op.as_object_mut()) {
                f(path, method, op);
            }
        }
    }
}

/// Calls `f` with every parameter object: those under `components.parameters`
/// and those written inline in path items and operations.
pub fn parameters(doc: &mut Value, mut f: impl FnMut(&mut Map<String, Value>)) {
    if let Some(params) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        params
            .values_mut()
            .filter_map(Value::as_object_mut)
            .for_each(&mut f);
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (key, value) in item.iter_mut() {
            let list = if key == "parameters" {
                Some(value)
            } else if METHODS.contains(&key.as_str()) {
                value.get_mut("parameters")
            } else {
                None
            };
            if let Some(list) = list.and_then(Value::as_array_mut) {
                list.iter_mut()
                    .filter_map(Value::as_object_mut)
                    .for_each(&mut f);
            }
        }
    }
}

/// Calls `f` with every schema object of the document, outermost first:
/// component schemas, parameter schemas, request and response bodies, and
/// every schema nested in those (properties, items, compositions, maps).
pub fn schemas(doc: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        if let Some(all) = components.get_mut("schemas").and_then(Value::as_object_mut) {
            all.values_mut().for_each(|s| schema_tree(s, f));
        }
        for kind in ["parameters", "requestBodies", "responses", "headers"] {
            if let Some(all) = components.get_mut(kind).and_then(Value::as_object_mut) {
                all.values_mut().for_each(|v| holder(v, f));
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (key, value) in item.iter_mut() {
                if key == "parameters" {
                    each(value, |p| holder(p, f));
                } else if METHODS.contains(&key.as_str()) {
                    operation(value, f);
                }
            }
        }
    }
}

fn operation(op: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    if let Some(params) = op.get_mut("parameters") {
        each(params, |p| holder(p, f));
    }
    if let Some(body) = op.get_mut("requestBody") {
        holder(body, f);
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        responses.values_mut().for_each(|r| holder(r, f));
    }
}

/// A parameter, request body, response or header: it holds a schema directly
/// or per media type under `content`.
fn holder(value: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    if let Some(schema) = value.get_mut("schema") {
        schema_tree(schema, f);
    }
    if let Some(content) = value.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                schema_tree(schema, f);
            }
        }
    }
    if let Some(headers) = value.get_mut("headers").and_then(Value::as_object_mut) {
        headers.values_mut().for_each(|h| holder(h, f));
    }
}

/// `schema` and every schema nested in it.
pub fn schema_tree(schema: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    f(object);
    for key in ["items", "not", "additionalProperties"] {
        if let Some(inner) = object.get_mut(key) {
            schema_tree(inner, f);
        }
    }
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        properties.values_mut().for_each(|p| schema_tree(p, f));
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = object.get_mut(key) {
            each(list, |s| schema_tree(s, f));
        }
    }
}

fn each(list: &mut Value, mut f: impl FnMut(&mut Value)) {
    if let Some(list) = list.as_array_mut() {
        list.iter_mut().for_each(&mut f);
    }
}

/// `payment-intents` → `PaymentIntents`, `authType` → `AuthType`: a path
/// segment or property name as part of a generated name.
pub fn pascal(word: &str) -> String {
    word.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// Names of the component schemas a response body refers to, directly or
/// through other schemas.
pub fn schemas_reachable_from_responses(doc: &Value) -> BTreeSet<String> {
    let mut pending: Vec<String> = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                collect_refs(&op["responses"], &mut pending);
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = doc.pointer(&format!("/components/schemas/{name}"))
        {
            collect_refs(schema, &mut pending);
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
