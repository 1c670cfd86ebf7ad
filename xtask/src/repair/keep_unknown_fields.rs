use serde_json::{Value, json};

use super::walk;

/// Replaces `additionalProperties: false` with `additionalProperties: {}`,
/// and gives objects that say nothing about other fields the same.
///
/// Defect: 61 schemas are closed. typify then emits `deny_unknown_fields`, so
/// a field Dojo adds (which its versioning policy calls non-breaking) fails
/// the whole response; and an `allOf` of two closed objects merges into an
/// empty struct (`SetupIntentResponse {}`), losing every field. Open objects
/// decode, and typify keeps the unknown fields in a flattened map, so a new
/// field is readable before the SDK knows its name. Objects that do not say
/// (`TerminalSessionDetails`, …) would decode but silently drop new fields;
/// they keep them too.
pub fn keep_unknown_fields(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::schemas(doc, &mut |schema| {
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        let unspecified =
            schema.contains_key("properties") && !schema.contains_key("additionalProperties");
        if closed || unspecified {
            schema.insert("additionalProperties".into(), json!({}));
            changed += 1;
        }
    });
    changed
}
