use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::walk::{self, pascal};

/// Lets every enum a response can carry decode values the document does not
/// list, keeping them.
///
/// Defect: Dojo's versioning policy counts a new enum value as non-breaking,
/// but typify's closed enums fail the whole response on one (a new payment
/// intent `status` would make every lookup of that intent fail). Within the
/// schemas a response can reach, every use of a string enum becomes
/// `dojo_payments_types::Open<E>` (`Known(E)` or `Unknown(String)`): the listed values
/// stay typed as the enum `E`, a new one is kept verbatim. An enum written
/// inline is first named (`<Schema><Property>`) so it has a type to be. Enums
/// used only by requests stay closed, so what is sent is still checked;
/// except those `enums_listed_in_prose` made, whose list is only Dojo's prose
/// and so may be short of what Dojo accepts: they are open in requests too.
pub fn open_enums(doc: &mut Value) -> usize {
    let reachable = walk::schemas_reachable_from_responses(doc);
    let mut hoisted = Map::new();
    let mut changed = 0;
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let enums: BTreeSet<String> = schemas
        .iter()
        .filter(|(_, s)| is_string_enum(s))
        .map(|(name, _)| name.clone())
        .collect();
    let from_prose: BTreeSet<String> = schemas
        .iter()
        .filter(|(_, s)| s.get(super::enums_listed_in_prose::MARKER).is_some())
        .map(|(name, _)| name.clone())
        .collect();
    for (name, schema) in schemas.iter_mut() {
        if enums.contains(name) {
            continue;
        }
        changed += if reachable.contains(name) {
            open_uses(schema, name, &enums, &mut hoisted)
        } else {
            open_uses(schema, "", &from_prose, &mut Map::new())
        };
    }
    schemas.extend(hoisted);
    walk::operations(doc, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        for response in responses.values_mut() {
            let content = response.get_mut("content").and_then(Value::as_object_mut);
            for media in content.into_iter().flat_map(|c| c.values_mut()) {
                if let Some(schema) = media.get_mut("schema") {
                    changed += open_uses(schema, "", &enums, &mut Map::new());
                }
            }
        }
    });
    changed
}

fn is_string_enum(schema: &Value) -> bool {
    schema.get("enum").is_some() && schema.get("type").is_none_or(|t| t == "string")
}

/// Rewrites, within `schema`, each reference to an enum (and each inline
/// enum, hoisted into `hoisted` under a name made from `owner`) as `Open<E>`.
fn open_uses(
    schema: &mut Value,
    owner: &str,
    enums: &BTreeSet<String>,
    hoisted: &mut Map<String, Value>,
) -> usize {
    let mut changed = 0;
    walk::schema_tree(schema, &mut |node| {
        if let Some(properties) = node.get_mut("properties").and_then(Value::as_object_mut) {
            for (property, inner) in properties.iter_mut() {
                if is_string_enum(inner) && !owner.is_empty() {
                    let name = format!("{owner}{}", pascal(property));
                    let description = inner.get("description").cloned();
                    hoisted.insert(name.clone(), inner.take());
                    *inner = json!({"$ref": format!("#/components/schemas/{name}")});
                    if let Some(d) = description {
                        inner["description"] = d;
                    }
                }
            }
        }
        let is_enum_ref = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .is_some_and(|name| enums.contains(name) || hoisted.contains_key(name));
        if is_enum_ref {
            let reference = node.remove("$ref").unwrap_or_default();
            node.insert("x-rust-type".into(), open_type(reference));
            changed += 1;
        }
    });
    changed
}

fn open_type(reference: Value) -> Value {
    json!({
        "crate": "dojo-payments-types",
        "version": dojo_payments_types::VERSION,
        "path": "dojo_payments_types::Open",
        "parameters": [{"$ref": reference}],
    })
}
