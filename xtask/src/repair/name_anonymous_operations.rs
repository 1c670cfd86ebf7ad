use serde_json::Value;

use super::walk::{self, pascal};

/// Gives every operation without an `operationId` one derived from its path.
///
/// Defect: the seven `/epos/*` operations of the 2026-02-27 document have no
/// `operationId`, and progenitor refuses a document with such an operation.
/// The name is `<First segment>_<Method><Other segments>` in PascalCase, e.g.
/// `PUT /epos/integrations/rest` → `Epos_PutIntegrationsRest`, so that the
/// generated method (`epos_put_integrations_rest`) says what it does.
pub fn name_anonymous_operations(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::operations(doc, |path, method, op| {
        if op.get("operationId").and_then(Value::as_str).is_none() {
            op.insert("operationId".into(), derived_id(path, method).into());
            changed += 1;
        }
    });
    changed
}

fn derived_id(path: &str, method: &str) -> String {
    let mut words = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_start_matches('{').trim_end_matches('}'));
    let first = words.next().map(pascal).unwrap_or_default();
    let rest: String = words.map(pascal).collect();
    format!("{first}_{}{rest}", pascal(method))
}
