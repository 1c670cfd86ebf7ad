use serde_json::{Map, Value, json};

use super::walk;

/// Makes the generated client speak `dojo-payments-types` instead of bare integers and
/// strings, by marking schemas with typify's `x-rust-type` extension.
///
/// Not a defect of the document so much as of what it can say: `Money` is
/// `{value, currencyCode}` of an integer and a string, dates are strings. The
/// marked places are:
/// - every object of exactly `value` + `currencyCode` (the `Money` shape) →
///   `dojo_payments_types::Money`;
/// - every `format: date-time` string → `dojo_payments_types::Timestamp`, which also
///   decodes Dojo's zone-less and year-1 "unset" forms;
/// - `countryCode` strings → `dojo_payments_types::CountryCode`.
///
/// Ids and secrets, which no shape tells apart from other text, are marked
/// by name in `ids_and_secrets_by_name`.
pub fn domain_types(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::schemas(doc, &mut |schema| {
        if let Some(path) = domain_type_of(schema) {
            schema.insert("x-rust-type".into(), rust_type(path));
            changed += 1;
        }
        changed += mark_country_codes(schema);
    });
    changed
}

/// An `x-rust-type` mark for a `dojo-payments-types` type. The version is the one
/// source, `dojo_payments_types::VERSION`, which the generator is configured with
/// too: a version bump cannot make the two disagree.
pub(super) fn rust_type(path: &str) -> Value {
    json!({"crate": "dojo-payments-types", "version": dojo_payments_types::VERSION, "path": path})
}

/// The domain type a schema as a whole stands for, by its shape.
fn domain_type_of(schema: &Map<String, Value>) -> Option<&'static str> {
    if schema.contains_key("x-rust-type") {
        return None;
    }
    let is_string = schema.get("type").is_some_and(|t| t == "string");
    if is_string && schema.get("format").is_some_and(|f| f == "date-time") {
        return Some("dojo_payments_types::Timestamp");
    }
    let properties = schema.get("properties").and_then(Value::as_object)?;
    let is_money = properties.len() == 2
        && properties.contains_key("value")
        && properties.contains_key("currencyCode");
    is_money.then_some("dojo_payments_types::Money")
}

/// `countryCode` string properties, wherever they are.
fn mark_country_codes(schema: &mut Map<String, Value>) -> usize {
    let Some(property) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("countryCode"))
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let is_string = property.get("type").is_some_and(|t| t == "string");
    if !is_string || property.contains_key("x-rust-type") {
        return 0;
    }
    property.insert(
        "x-rust-type".into(),
        rust_type("dojo_payments_types::CountryCode"),
    );
    1
}
