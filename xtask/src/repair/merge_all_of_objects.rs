use serde_json::{Map, Value, json};

use super::walk;

/// Writes out an `allOf` of several objects as the one object it means.
///
/// Defect (of the document for this generator): `SetupIntentResponse`,
/// `PaymentCustomerDetails` and `PagedPaymentIntent` extend another schema
/// with `allOf: [{$ref}, {properties}]`. typify merges such an `allOf` itself
/// but drops schema extensions on the way, so the merged struct would not
/// speak the domain types (`x-rust-type`, see `domain_types`) that the
/// schema it extends does. Merged here, properties and `required` are the
/// union (the later part wins a clash), and the object is open if any part is.
/// An object whose every part is closed (`additionalProperties: false`, or
/// opened by `keep_unknown_fields` and marked `x-dojo-closed`) stays closed:
/// marked `x-dojo-closed` when it is open for decoding, so that `validate()`
/// refuses its unknown fields in a request (`PaymentCustomerDetails`, sent as
/// a payment intent's `customer`), or closed outright when no part is open.
pub fn merge_all_of_objects(doc: &mut Value) -> usize {
    let components = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_default();
    let mut changed = 0;
    walk::schemas(doc, &mut |schema| {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
            return;
        };
        if parts.len() < 2 {
            return;
        }
        let Some(resolved) = parts
            .iter()
            .map(|p| resolve(p, &components))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        if let Some(merged) = merge(&resolved) {
            schema.remove("allOf");
            for (key, value) in merged {
                schema.entry(key).or_insert(value);
            }
            changed += 1;
        }
    });
    changed
}

fn resolve<'a>(part: &'a Value, components: &'a Value) -> Option<&'a Map<String, Value>> {
    match part.get("$ref").and_then(Value::as_str) {
        Some(reference) => components
            .get(reference.strip_prefix("#/components/schemas/")?)?
            .as_object(),
        None => part.as_object(),
    }
}

/// The union of object schemas; `None` when a part is not a plain object
/// (nested compositions are left to typify).
fn merge(parts: &[&Map<String, Value>]) -> Option<Map<String, Value>> {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut open = false;
    let mut closed = true;
    for part in parts {
        let plain = part.get("type").is_none_or(|t| t == "object")
            && !["allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| part.contains_key(*k));
        if !plain {
            return None;
        }
        if let Some(p) = part.get("properties").and_then(Value::as_object) {
            properties.extend(p.clone());
        }
        for name in part
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
        let additional = part.get("additionalProperties");
        open |= additional.is_some_and(|a| a != &Value::Bool(false));
        closed &= additional == Some(&Value::Bool(false))
            || part.get("x-dojo-closed") == Some(&Value::Bool(true));
    }
    let mut merged = Map::new();
    merged.insert("type".into(), json!("object"));
    merged.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        merged.insert("required".into(), Value::Array(required));
    }
    match (open, closed) {
        (true, true) => {
            merged.insert("additionalProperties".into(), json!({}));
            merged.insert("x-dojo-closed".into(), json!(true));
        }
        (true, false) => {
            merged.insert("additionalProperties".into(), json!({}));
        }
        (false, true) => {
            merged.insert("additionalProperties".into(), json!(false));
        }
        (false, false) => {}
    }
    Some(merged)
}
