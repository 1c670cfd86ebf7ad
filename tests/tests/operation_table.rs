//! The generated operation table (`dojo_payments_api::operations`) against
//! the documents it was generated from, read here as published (before any
//! repair): one constant per operation of both hosts, each with the
//! document's method, path, body and parameter limits, its id the
//! document's (or a named repair's), and its effect what the method, the
//! idempotency key and xtask's one rule table say.

mod support;

use std::collections::BTreeSet;

use dojo_payments_api::operations::{self, Effect, Host, Operation};
use serde_json::Value;

/// One operation as a document publishes it.
struct Published {
    host: Host,
    method: String,
    path: String,
    operation: Value,
    parameters: Vec<Value>,
}

fn documents() -> (Value, Value) {
    let root = xtask::regen::workspace_root();
    let api = xtask::source::load(&support::current_document_path().to_string_lossy())
        .unwrap()
        .value;
    let pci = xtask::source::load(&root.join("spec/pci-api.json").to_string_lossy())
        .unwrap()
        .value;
    (api, pci)
}

fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => document.pointer(&reference[1..]).unwrap(),
        None => value,
    }
}

fn published() -> Vec<Published> {
    let (api, pci) = documents();
    let mut out = Vec::new();
    for (host, document) in [(Host::Api, &api), (Host::Pci, &pci)] {
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                let parameters = item["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(operation["parameters"].as_array().into_iter().flatten())
                    .map(|p| resolve(document, p).clone())
                    .map(|mut p| {
                        let schema = resolve(document, &p["schema"]).clone();
                        p["schema"] = schema;
                        p
                    })
                    .collect();
                out.push(Published {
                    host,
                    method: method.to_uppercase(),
                    path: path.clone(),
                    operation: operation.clone(),
                    parameters,
                });
            }
        }
    }
    out
}

fn find<'a>(published: &'a [Published], op: &Operation) -> &'a Published {
    published
        .iter()
        .find(|p| p.host == op.host && p.method == op.method.as_str() && p.path == op.path)
        .unwrap_or_else(|| {
            panic!(
                "{}: {} {} is not an operation of the document",
                op.id, op.method, op.path
            )
        })
}

/// `PaymentIntents_GetRefundById` and `payment_intents_get_refund_by_id`
/// alike: lower case, no separators.
fn squashed(id: &str) -> String {
    id.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[test]
fn one_constant_per_operation_of_both_documents() {
    let published = published();
    let all: Vec<_> = operations::all().collect();
    assert_eq!(
        all.len(),
        published.len(),
        "constants and operations of the documents"
    );
    assert_eq!(
        all.len(),
        50,
        "49 operations on api.dojo.tech, 1 on pci-api"
    );
    let ids: BTreeSet<_> = all.iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    let routes: BTreeSet<_> = all.iter().map(|o| (o.host, o.method, o.path)).collect();
    assert_eq!(routes.len(), all.len(), "routes are unique");
    for op in all {
        find(&published, op);
        assert_eq!(operations::find(op.id), Some(op));
    }
}

#[test]
fn each_id_is_the_documents_or_a_named_repairs() {
    let published = published();
    let (mut api, mut pci) = documents();
    xtask::repair::repair(&mut api);
    xtask::repair::repair(&mut pci);
    for op in operations::all() {
        let original = find(&published, op).operation["operationId"].as_str();
        let repaired = match op.host {
            Host::Api => &api,
            Host::Pci => &pci,
        }["paths"][op.path][op.method.as_str().to_lowercase()]["operationId"]
            .as_str()
            .unwrap();
        assert_eq!(
            squashed(repaired),
            squashed(op.id),
            "{}: the generated id is not the (repaired) document's {repaired}",
            op.id
        );
        if original != Some(repaired) {
            // Renamed or named by a repair rule: it says so in its report.
            assert!(
                original.is_none()
                    || std::fs::read_to_string(
                        xtask::regen::workspace_root()
                            .join("xtask/src/repair/readable_operation_ids.rs")
                    )
                    .unwrap()
                    .contains(original.unwrap()),
                "{}: renamed from {original:?} by no rule",
                op.id
            );
        }
        // The generated method of that name serves that route.
        let documented = op.documented().unwrap();
        assert_eq!(
            documented.route,
            format!("{} {}", op.method, op.path),
            "{}",
            op.id
        );
    }
}

#[test]
fn bodies_and_parameter_limits_are_the_documents() {
    let published = published();
    for op in operations::all() {
        let published = find(&published, op);
        assert_eq!(
            op.body.is_some(),
            published.operation.get("requestBody").is_some(),
            "{}: a body where the document has one",
            op.id
        );
        for parameter in &published.parameters {
            let name = parameter["name"].as_str().unwrap();
            if name == "version" {
                continue; // set once on the client (`version_header_on_client`)
            }
            let schema = &parameter["schema"];
            let limits = (schema["minLength"].as_u64(), schema["maxLength"].as_u64());
            let generated = op
                .parameter(name)
                .unwrap_or_else(|| panic!("{}: no parameter {name}", op.id));
            assert_eq!(generated.length, limits, "{}: {name}", op.id);
            for keyword in ["pattern", "minimum", "maximum"] {
                assert!(
                    schema.get(keyword).is_none(),
                    "{}: {name} has a {keyword}, which no check holds",
                    op.id
                );
            }
        }
    }
}

#[test]
fn effects_follow_the_method_the_idempotency_key_and_the_rule_table() {
    let published = published();
    let mut moving = BTreeSet::new();
    for op in operations::all() {
        let published = find(&published, op);
        let keyed = published
            .parameters
            .iter()
            .any(|p| p["in"] == "header" && p["name"] == "idempotencyKey");
        if op.method.as_str() == "GET" {
            assert_eq!(op.effect, Effect::Read, "{}", op.id);
        }
        if keyed {
            assert_eq!(op.effect, Effect::Idempotent, "{}: keyed", op.id);
        }
        if op.moves_money {
            moving.insert(op.id);
            assert!(!op.reads(), "{}", op.id);
            if !keyed {
                assert_eq!(op.effect, Effect::NotIdempotent, "{}: unkeyed", op.id);
            }
        }
    }
    assert_eq!(
        moving,
        BTreeSet::from([
            "captures_create",
            "payment_intents_charge_payment_intent",
            "payment_intents_delete",
            "refunds_create",
            "reversal_create",
        ]),
        "the operations that move money (or decide whether it moves: a cancel)"
    );
}

/// Every operation xtask's rule table names is one the locked document
/// has: a misspelt id would leave its operation to its method's default
/// (a money-moving `POST` taken for a read, say).
#[test]
fn the_rule_table_names_only_operations_the_document_has() {
    let generated: Vec<&str> = dojo_payments_api::operations::all()
        .map(|operation| operation.id)
        .collect();
    for (id, _, why) in xtask::operations::RULES {
        assert!(
            generated.contains(id),
            "{id} ({why}) is not in the document"
        );
    }
}
