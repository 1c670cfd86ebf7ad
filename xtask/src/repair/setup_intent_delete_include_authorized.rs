use serde_json::{Value, json};

/// Adds the `includeAuthorized` query parameter to
/// `DELETE /setup-intents/{setupIntentId}`.
///
/// Defect: Dojo's tokenization guide documents the `Closed` status as what
/// follows deleting an `Authorized` setup intent "when you set
/// `includeAuthorized` to `true` using the `DELETE /setup-intents`
/// endpoint", but the document lists no such parameter, so the generated
/// client could only cancel a `Created` setup intent. The parameter is
/// added as an optional boolean; a document that already has it is left
/// alone.
pub fn setup_intent_delete_include_authorized(doc: &mut Value) -> usize {
    let Some(operation) = doc
        .pointer_mut("/paths/~1setup-intents~1{setupIntentId}/delete")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let parameters = operation
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = parameters.as_array_mut() else {
        return 0;
    };
    let present = list
        .iter()
        .any(|p| p.get("name").and_then(Value::as_str) == Some("includeAuthorized"));
    if present {
        return 0;
    }
    list.push(json!({
        "name": "includeAuthorized",
        "in": "query",
        "required": false,
        "description": "If `true`, an `Authorized` setup intent is deleted too (its status becomes `Closed`); otherwise only a `Created` one can be deleted (it becomes `Canceled`). Documented in Dojo's tokenization guide, missing from its document.",
        "schema": {"type": "boolean"}
    }));
    1
}
