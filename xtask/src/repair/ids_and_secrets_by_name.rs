use dojo_payments_types::wire_names::{self, WireName};
use serde_json::{Map, Value};

use super::domain_types::rust_type;
use super::walk;

/// Marks ids and secrets with their `dojo-payments-types` types, by name, from the
/// one list in `dojo_payments_types::wire_names`.
///
/// Defect: the document types every id and every secret as a bare string, so
/// a generated method takes `&str` for a payment intent id (a refund id fits
/// too), and a decoded `PaymentIntent` prints its `clientSessionSecret` in
/// `Debug`. The marked places:
/// - string properties of component schemas whose name (and schema, where
///   the list says) carries an id or a secret, in nested objects and `allOf`
///   members too: `PaymentIntent.id` → `PaymentIntentId`,
///   `clientSessionSecret` → `ClientSessionSecret`, …;
/// - path and header parameters of those names: `{paymentIntentId}` →
///   `&PaymentIntentId`, the customer-owned endpoints' `authorization` →
///   `&CustomerSecret` (sent as `Basic cs_…` by `dojo_payments_api`).
///
/// The id types accept any text when decoding, so no response is refused.
pub fn ids_and_secrets_by_name(doc: &mut Value) -> usize {
    let mut changed = 0;
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            walk::schema_tree(schema, &mut |inner| {
                changed += mark_properties(Some(name), inner);
            });
        }
    }
    walk::operations(doc, |_, _, op| {
        for holder in bodies(op) {
            walk::schema_tree(holder, &mut |inner| {
                changed += mark_properties(None, inner);
            });
        }
    });
    walk::parameters(doc, |parameter| changed += mark_parameter(parameter));
    changed
}

fn lookup(schema: Option<&str>, name: &str) -> Option<&'static WireName> {
    wire_names::IDS
        .iter()
        .chain(wire_names::SECRETS)
        .find(|wire| wire.matches(schema, name))
}

fn mark(schema: &mut Map<String, Value>, wire: &WireName) -> usize {
    let is_string = schema.get("type").is_some_and(|t| t == "string");
    if !is_string || schema.contains_key("x-rust-type") {
        return 0;
    }
    schema.insert("x-rust-type".into(), rust_type(wire.rust_type));
    1
}

fn mark_properties(schema: Option<&str>, object: &mut Map<String, Value>) -> usize {
    let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) else {
        return 0;
    };
    properties
        .iter_mut()
        .filter_map(|(name, property)| Some((lookup(schema, name)?, property.as_object_mut()?)))
        .map(|(wire, property)| mark(property, wire))
        .sum()
}

fn mark_parameter(parameter: &mut Map<String, Value>) -> usize {
    let place = parameter.get("in").and_then(Value::as_str);
    if !matches!(place, Some("path" | "header")) {
        return 0;
    }
    let Some(wire) = parameter
        .get("name")
        .and_then(Value::as_str)
        .and_then(|name| lookup(None, name))
    else {
        return 0;
    };
    match parameter.get_mut("schema").and_then(Value::as_object_mut) {
        Some(schema) => mark(schema, wire),
        None => 0,
    }
}

/// The request and response body schemas written inline in an operation.
fn bodies(op: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in op.iter_mut() {
        let holders: Vec<&mut Value> = match key.as_str() {
            "requestBody" => vec![value],
            "responses" => value
                .as_object_mut()
                .map(|r| r.values_mut().collect())
                .unwrap_or_default(),
            _ => continue,
        };
        for holder in holders {
            if let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) {
                out.extend(content.values_mut().filter_map(|m| m.get_mut("schema")));
            }
        }
    }
    out
}
