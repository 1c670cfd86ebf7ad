use serde_json::Value;

use super::walk;

/// Drops `nullable` from the schemas of path and header parameters.
///
/// Defect: 27 path and header parameters say `nullable: true`; progenitor
/// turns them into `Option<…>` arguments that do not compile (a path segment
/// or a header cannot be "null": it is present or absent).
pub fn parameters_not_nullable(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::parameters(doc, |param| {
        let location = param.get("in").and_then(Value::as_str);
        if !matches!(location, Some("path" | "header")) {
            return;
        }
        if let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut)
            && schema.get("nullable") == Some(&Value::Bool(true))
        {
            schema.remove("nullable");
            changed += 1;
        }
    });
    changed
}
