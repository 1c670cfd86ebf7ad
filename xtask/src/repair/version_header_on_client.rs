use serde_json::Value;

use super::walk;

/// Removes the `version` header parameter from every operation.
///
/// Defect: 42 operations take the API version as a parameter (a date on some,
/// a string on others), so every call would have to pass it and could pass a
/// different one from the version the code was generated from. `dojo-payments-api`
/// sets it once, on the client, pinned to the document's `info.version`.
pub fn version_header_on_client(doc: &mut Value) -> usize {
    let version_refs: Vec<String> = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .map(|params| {
            params
                .iter()
                .filter(|(_, p)| is_version(p))
                .map(|(name, _)| format!("#/components/parameters/{name}"))
                .collect()
        })
        .unwrap_or_default();
    let mut changed = 0;
    walk::operations(doc, |_, _, op| {
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            return;
        };
        let before = params.len();
        params.retain(|p| {
            let by_ref = p.get("$ref").and_then(Value::as_str);
            !(is_version(p) || by_ref.is_some_and(|r| version_refs.iter().any(|v| v == r)))
        });
        changed += before - params.len();
    });
    changed
}

fn is_version(param: &Value) -> bool {
    let name = param.get("name").and_then(Value::as_str);
    let location = param.get("in").and_then(Value::as_str);
    name.is_some_and(|n| n.eq_ignore_ascii_case("version"))
        && location.is_none_or(|l| l == "header")
}
