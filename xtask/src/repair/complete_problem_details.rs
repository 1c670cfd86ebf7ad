use serde_json::{Value, json};

/// Adds the `errors` map and `traceId` to `ProblemDetails`.
///
/// Defect: Dojo's error responses carry `errors` (field name → messages, e.g.
/// `{"Reference": ["The Reference field is required."]}`) and `traceId`, as
/// its own introduction shows, but the `ProblemDetails` schema omits both, so
/// the one part of a 400 that names the bad field would be dropped.
pub fn complete_problem_details(doc: &mut Value) -> usize {
    let Some(properties) = doc
        .pointer_mut("/components/schemas/ProblemDetails/properties")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let added = [
        (
            "errors",
            json!({
                "type": "object",
                "nullable": true,
                "description": "Validation messages by field name.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}}
            }),
        ),
        (
            "traceId",
            json!({
                "type": "string",
                "nullable": true,
                "description": "The unique identifier of the failing request; quote it to Dojo's support."
            }),
        ),
    ];
    let mut changed = 0;
    for (name, schema) in added {
        if !properties.contains_key(name) {
            properties.insert(name.into(), schema);
            changed += 1;
        }
    }
    changed
}
