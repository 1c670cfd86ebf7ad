use serde_json::{Map, Value, json};

use super::walk;

/// The version requirement written into every `x-rust-type`; the generator
/// is configured with the workspace's `dojo-types` version, which must match.
pub const DOJO_TYPES_VERSION_REQ: &str = "0.1";

/// Makes the generated client speak `dojo-types` instead of bare integers and
/// strings, by marking schemas with typify's `x-rust-type` extension.
///
/// Not a defect of the document so much as of what it can say: `Money` is
/// `{value, currencyCode}` of an integer and a string, dates are strings. The
/// marked places are:
/// - every object of exactly `value` + `currencyCode` (the `Money` shape) →
///   `dojo_types::Money`;
/// - every `format: date-time` string → `dojo_types::Timestamp`, which also
///   decodes Dojo's zone-less and year-1 "unset" forms;
/// - `countryCode` strings → `dojo_types::CountryCode`;
/// - customer secrets (`CustomerSecret.secret`, `PaymentCustomerDetails`'s
///   `secret`) → `dojo_types::CustomerSecret`, and webhook signing secrets
///   (`SubscriptionSecret.value`) → `dojo_types::WebhookSecret`, so they never
///   print in `Debug`.
pub fn domain_types(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::schemas(doc, &mut |schema| {
        if let Some(path) = domain_type_of(schema) {
            schema.insert("x-rust-type".into(), rust_type(path));
            changed += 1;
        }
        changed += mark_country_codes(schema);
    });
    changed + mark_secrets(doc)
}

fn rust_type(path: &str) -> Value {
    json!({"crate": "dojo-types", "version": DOJO_TYPES_VERSION_REQ, "path": path})
}

/// The domain type a schema as a whole stands for, by its shape.
fn domain_type_of(schema: &Map<String, Value>) -> Option<&'static str> {
    if schema.contains_key("x-rust-type") {
        return None;
    }
    let is_string = schema.get("type").is_some_and(|t| t == "string");
    if is_string && schema.get("format").is_some_and(|f| f == "date-time") {
        return Some("dojo_types::Timestamp");
    }
    let properties = schema.get("properties").and_then(Value::as_object)?;
    let is_money = properties.len() == 2
        && properties.contains_key("value")
        && properties.contains_key("currencyCode");
    is_money.then_some("dojo_types::Money")
}

/// Secrets, by where they sit: no shape tells a secret from other text.
const SECRETS: &[(&str, &str)] = &[
    (
        "/components/schemas/CustomerSecret/properties/secret",
        "dojo_types::CustomerSecret",
    ),
    (
        "/components/schemas/PaymentCustomerDetails/allOf/1/properties/secret",
        "dojo_types::CustomerSecret",
    ),
    (
        "/components/schemas/SubscriptionSecret/properties/value",
        "dojo_types::WebhookSecret",
    ),
];

fn mark_secrets(doc: &mut Value) -> usize {
    SECRETS
        .iter()
        .filter_map(|(pointer, path)| {
            let property = doc.pointer_mut(pointer)?.as_object_mut()?;
            if property.contains_key("x-rust-type") {
                return None;
            }
            property.insert("x-rust-type".into(), rust_type(path));
            Some(())
        })
        .count()
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
    property.insert("x-rust-type".into(), rust_type("dojo_types::CountryCode"));
    1
}
