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
/// decode. The constraints remain knowledge: stated in the generated docs,
/// and kept under `x-dojo-constraints`, from which the generator writes the
/// table `dojo_payments_api::api::constraints::FIELDS` for the ergonomic layer (and
/// the emulator) to check requests with. They never reject what the server
/// says.
pub fn constraints_as_documentation(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::schemas(doc, &mut |schema| {
        let mut rules = Vec::new();
        let mut kept = serde_json::Map::new();
        for keyword in KEYWORDS {
            if let Some(value) = schema.remove(keyword) {
                rules.push(format!("{keyword}: {value}"));
                kept.insert(keyword.into(), value);
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
        schema.insert("x-dojo-constraints".into(), Value::Object(kept));
    });
    changed
}
