use serde_json::Value;

/// Response fields marked required that Dojo's own examples leave out.
const OMITTED: &[(&str, &str)] = &[
    ("CapabilityResponse", "updatedAt"),
    ("RestIntegrationResponse", "auth"),
];

/// Makes optional the response fields Dojo's own examples omit.
///
/// Defect: `CapabilityResponse.updatedAt` and `RestIntegrationResponse.auth`
/// are `required`, yet the document's examples of those responses leave them
/// out; a required field that is absent fails the whole response.
pub fn optional_fields_examples_omit(doc: &mut Value) -> usize {
    let mut changed = 0;
    for (schema, field) in OMITTED {
        let pointer = format!("/components/schemas/{schema}/required");
        if let Some(required) = doc.pointer_mut(&pointer).and_then(Value::as_array_mut) {
            let before = required.len();
            required.retain(|name| name != field);
            changed += before - required.len();
        }
    }
    changed
}
