//! Validating bodies against Dojo's ORIGINAL document, independently of the
//! generated types: OpenAPI 3.0 schema objects translated to JSON Schema
//! 2020-12 and checked by the `jsonschema` crate.
//!
//! The translation keeps the document's meaning: `nullable: true` admits
//! `null`; an `allOf` of closed objects (`additionalProperties: false` on
//! each part) means "the union of their properties and nothing else", which
//! JSON Schema says with `unevaluatedProperties: false` on the `allOf` (taken
//! literally, two closed parts would reject every non-empty object).

use serde_json::{Map, Value, json};

/// Validates bodies against schemas of one document.
pub struct Checker {
    components: Value,
    reading: Reading,
}

/// How an `allOf` of closed objects is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The union of the parts' properties (what the document means).
    Union,
    /// Literally: every part closed on its own.
    Literal,
}

impl Checker {
    /// A checker for `document`.
    pub fn new(document: &Value) -> Self {
        Self::reading(document, Reading::Union)
    }

    /// A checker reading `allOf` literally, as JSON Schema would: what the
    /// known-defect test uses to show such a schema admits nothing.
    pub fn literal(document: &Value) -> Self {
        Self::reading(document, Reading::Literal)
    }

    fn reading(document: &Value, reading: Reading) -> Self {
        let mut schemas = document["components"]["schemas"].clone();
        let raw = schemas.clone();
        if let Some(all) = schemas.as_object_mut() {
            for schema in all.values_mut() {
                *schema = translate(schema, &raw, reading);
            }
        }
        Self {
            components: json!({"schemas": schemas}),
            reading,
        }
    }

    /// Errors of `body` against `schema` (an OpenAPI schema object of the
    /// document, typically a `$ref`); empty when valid.
    pub fn errors(&self, schema: &Value, body: &Value) -> Vec<String> {
        let raw = self.components["schemas"].clone();
        let mut root = translate(schema, &raw, self.reading);
        if let Some(object) = root.as_object_mut() {
            object.insert("components".into(), self.components.clone());
            object.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
        }
        let validator = jsonschema::validator_for(&root).expect("the translated schema compiles");
        validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}

fn translate(schema: &Value, components: &Value, reading: Reading) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        let translated = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), translate(v, components, reading)))
                    .collect(),
            ),
            "items" | "not" => translate(value, components, reading),
            "additionalProperties" if value.is_object() => translate(value, components, reading),
            "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| translate(v, components, reading))
                    .collect(),
            ),
            "allOf" if reading == Reading::Literal => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| translate(v, components, reading))
                    .collect(),
            ),
            "allOf" => {
                let (parts, closed) = open_parts(value, components);
                if closed {
                    out.insert("unevaluatedProperties".into(), json!(false));
                }
                parts
            }
            "nullable" | "example" | "examples" | "discriminator" | "xml" => continue,
            key if key.starts_with("x-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), translated);
    }
    if object.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(Value::Object(out));
    }
    Value::Object(out)
}

/// The parts of an `allOf` with their own closedness removed (referenced
/// parts inlined), and whether any part was closed.
fn open_parts(parts: &Value, components: &Value) -> (Value, bool) {
    let reading = Reading::Union;
    let mut closed = false;
    let opened = parts
        .as_array()
        .into_iter()
        .flatten()
        .map(|part| {
            let resolved = part["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .and_then(|name| components.get(name))
                .unwrap_or(part);
            let mut translated = translate(resolved, components, reading);
            if let Some(object) = translated.as_object_mut()
                && object.get("additionalProperties") == Some(&Value::Bool(false))
            {
                object.remove("additionalProperties");
                closed = true;
            }
            translated
        })
        .collect();
    (Value::Array(opened), closed)
}

fn nullable(schema: Value) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some(kind) => {
            let mut schema = schema.clone();
            schema["type"] = json!([kind, "null"]);
            if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
                values.push(Value::Null);
            }
            schema
        }
        None => json!({"anyOf": [schema, {"type": "null"}]}),
    }
}
