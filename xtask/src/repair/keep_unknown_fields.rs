use serde_json::{Map, Value, json};

use super::walk;

/// Opens every object a response can carry (`additionalProperties: {}`),
/// and lets request-only objects say nothing about other fields.
///
/// Defect: 61 schemas are closed. typify then emits `deny_unknown_fields`, so
/// a field Dojo adds (which its versioning policy calls non-breaking) fails
/// the whole response; and an `allOf` of two closed objects merges into an
/// empty struct (`SetupIntentResponse {}`), losing every field. Open objects
/// decode, and typify keeps the unknown fields in a flattened map (`extra`),
/// so a new field is readable before the SDK knows its name. Objects that do
/// not say (`TerminalSessionDetails`, …) would decode but silently drop new
/// fields; they keep them too.
///
/// A closed object a response can carry is marked `x-dojo-closed`, so that
/// `validate()` still refuses unknown fields in a request that carries one
/// (`Address` is both sent and received).
///
/// Objects only ever sent (`CreateRefundRequest`, `Cursor`, …) stay as the
/// document says: closed ones keep `additionalProperties: false`, so typify
/// emits `deny_unknown_fields` (a body with a field the document does not
/// name fails to decode, in the emulator and wherever such a request is
/// read from JSON), and no `extra` map that every caller would have to spell
/// out. Objects that do not say stay open, and drop what they do not know.
pub fn keep_unknown_fields(doc: &mut Value) -> usize {
    let reachable = walk::schemas_reachable_from_responses(doc);
    let mut changed = 0;
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            let open = reachable.contains(name);
            walk::schema_tree(schema, &mut |s| changed += adjust(s, open));
        }
    }
    walk::operations(doc, |_, _, op| {
        for (key, value) in op.iter_mut() {
            let open = match key.as_str() {
                "responses" => true,
                "requestBody" => false,
                _ => continue,
            };
            for schema in media_schemas(value, open) {
                walk::schema_tree(schema, &mut |s| changed += adjust(s, open));
            }
        }
    });
    changed
}

/// Opens (`open`) an object a response can carry; leaves a request-only
/// object as the document has it.
fn adjust(schema: &mut Map<String, Value>, open: bool) -> usize {
    if !open {
        return 0;
    }
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    let unspecified =
        schema.contains_key("properties") && !schema.contains_key("additionalProperties");
    if closed {
        schema.insert("x-dojo-closed".into(), json!(true));
    }
    if closed || unspecified {
        schema.insert("additionalProperties".into(), json!({}));
        return 1;
    }
    0
}

/// The schemas under a request body, or under each response of `responses`.
fn media_schemas(value: &mut Value, responses: bool) -> Vec<&mut Value> {
    let holders: Vec<&mut Value> = if responses {
        value
            .as_object_mut()
            .map(|r| r.values_mut().collect())
            .unwrap_or_default()
    } else {
        vec![value]
    };
    holders
        .into_iter()
        .filter_map(|h| h.get_mut("content").and_then(Value::as_object_mut))
        .flat_map(|content| content.values_mut())
        .filter_map(|media| media.get_mut("schema"))
        .collect()
}
