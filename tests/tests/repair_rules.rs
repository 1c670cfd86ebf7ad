//! Each repair rule on the tiny document written for its defect
//! (`spec/fixtures/<rule>.json`): what it changes (an insta snapshot), that
//! it changes something, and that a second run changes nothing. And the
//! whole pipeline on `spec/fixtures/pipeline.json`, down to the Rust it
//! generates.

use serde_json::{Value, json};
use xtask::generate::Target;
use xtask::regen;
use xtask::repair::RULES;

fn fixture(name: &str) -> Value {
    let path = regen::workspace_root().join(format!("spec/fixtures/{name}.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_rule_repairs_its_fixture_once() {
    for rule in RULES {
        let mut doc = fixture(rule.name);
        let changed = (rule.apply)(&mut doc);
        assert!(changed > 0, "{} changed nothing in its fixture", rule.name);
        insta::assert_json_snapshot!(
            format!("rule_{}", rule.name),
            json!({"changed": changed, "document": doc})
        );
        let again = (rule.apply)(&mut doc);
        assert_eq!(again, 0, "{} is not idempotent", rule.name);
    }
}

#[test]
fn the_whole_pipeline_on_a_small_document() {
    let text = std::fs::read(regen::workspace_root().join("spec/fixtures/pipeline.json")).unwrap();
    let document = xtask::source::from_bytes("spec/fixtures/pipeline.json", &text).unwrap();
    let outcome = regen::build(Target::Api, document).unwrap();
    insta::assert_snapshot!("pipeline_generated", outcome.generated.code);
    let code = &outcome.generated.code;
    assert!(!code.contains("api-version"));
    assert!(code.contains("::dojo_payments_types::Open<PaymentIntentStatus>"));
    assert!(code.contains("::dojo_payments_types::Money"));
    assert!(!code.contains("deny_unknown_fields"));
}

#[test]
fn a_document_that_is_not_utf8_is_decoded_with_a_warning() {
    // 0x97 is an em dash in Windows-1252, as in Dojo's 2024-02-05.yaml.
    let bytes = b"openapi: 3.0.0\ninfo:\n  title: T \x97 test\n  version: '1'\npaths: {}\n";
    let document = xtask::source::from_bytes("fixture.yaml", bytes).unwrap();
    assert_eq!(document.value["info"]["title"], "T \u{2014} test");
    assert_eq!(document.warnings.len(), 1);
    assert!(
        document.warnings[0].contains("byte 32"),
        "{:?}",
        document.warnings
    );
}
