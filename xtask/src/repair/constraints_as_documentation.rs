use serde_json::Value;

use super::walk;

/// The validation keywords typify turns into rejecting newtypes.
const KEYWORDS: [&str; 7] = [
    "maxLength",
    "minLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// Moves length, pattern and range constraints from the schema into its
/// description.
///
/// Defect: typify makes a constrained string or number a newtype whose
/// `Deserialize` rejects values outside the constraint, so a response Dojo
/// sends with a longer reference than its own document allows fails to
/// decode. The constraints remain knowledge, stated in the generated docs,
/// for the ergonomic layer to check on requests before sending; they never
/// reject what the server says.
pub fn constraints_as_documentation(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::schemas(doc, &mut |schema| {
        let mut rules = Vec::new();
        for keyword in KEYWORDS {
            if let Some(value) = schema.remove(keyword) {
                rules.push(format!("{keyword}: {value}"));
            }
        }
        if rules.is_empty() {
            return;
        }
        changed += 1;
        let note = format!("Constraints: {}.", rules.join(", "));
        let description = match schema.get("description").and_then(Value::as_str) {
            Some(text) => format!("{}\n\n{note}", text.trim_end()),
            None => note,
        };
        schema.insert("description".into(), description.into());
    });
    changed
}
