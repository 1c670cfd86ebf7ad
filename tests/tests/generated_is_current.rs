//! The committed generated code is what `cargo xtask regen` makes of the
//! documents today, and it covers every operation: the guard that fails when
//! someone edits generated code by hand or changes a rule without
//! regenerating.

mod support;

use xtask::generate::Target;
use xtask::regen::{self, Outcome};
use xtask::source;

fn regenerate() -> [Outcome; 2] {
    let root = regen::workspace_root();
    let api = source::load(&support::current_document_path().to_string_lossy()).unwrap();
    let pci = source::load(&root.join("spec/pci-api.json").to_string_lossy()).unwrap();
    [
        regen::build(Target::Api, api).unwrap(),
        regen::build(Target::Pci, pci).unwrap(),
    ]
}

#[test]
fn committed_generated_code_is_current() {
    let root = regen::workspace_root();
    for outcome in regenerate() {
        let path = outcome.target.path();
        let committed = std::fs::read_to_string(root.join(path)).unwrap();
        let diff = regen::unified_diff(path, &committed, &outcome.generated.code);
        assert!(
            diff.is_empty(),
            "{path} is stale; run `cargo xtask regen --from …`:\n{diff}"
        );
    }
}

#[test]
fn the_lock_names_the_documents_the_code_came_from() {
    let root = regen::workspace_root();
    let lock =
        xtask::lock::parse(&std::fs::read_to_string(root.join("spec/dojo.lock")).unwrap()).unwrap();
    for outcome in regenerate() {
        let entry = &lock[outcome.target.name()];
        assert_eq!(entry.sha256, outcome.document.sha256);
        assert_eq!(entry.version, outcome.document.version().unwrap());
        let code = std::fs::read_to_string(root.join(&entry.generated)).unwrap();
        let header = code.lines().next().unwrap();
        assert!(
            header.contains("@generated") && header.contains(&entry.sha256),
            "{header}"
        );
    }
}

/// Counts `pub async fn` in the generated client's `impl Client` blocks.
fn client_methods(code: &str) -> usize {
    let file = syn::parse_file(code).unwrap();
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(block) if block.trait_.is_none() => Some(block),
            _ => None,
        })
        .filter(|block| matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")))
        .flat_map(|block| &block.items)
        .filter(|item| matches!(item, syn::ImplItem::Fn(f) if f.sig.asyncness.is_some()))
        .count()
}

#[test]
fn every_operation_of_the_document_has_a_client_method() {
    let document = support::original_document();
    let in_document = xtask::generate::count_operations(&document);
    let root = regen::workspace_root();
    let code = std::fs::read_to_string(root.join(Target::Api.path())).unwrap();
    assert_eq!((in_document, client_methods(&code)), (49, 49));
    let pci = std::fs::read_to_string(root.join(Target::Pci.path())).unwrap();
    assert_eq!(client_methods(&pci), 1);
}

/// The older documents Dojo shipped still go through the pipeline: the
/// rules are robust to the next `bundled.json`, not fitted to one file.
#[test]
fn older_documents_regenerate_and_the_non_utf8_one_warns() {
    for (file, warns) in [
        ("2024-02-05.yaml", true),
        ("2025-09-10.yaml", false),
        ("2025-09-10.bundled.json", false),
    ] {
        let document = source::load(&support::document_path(file).to_string_lossy()).unwrap();
        assert_eq!(
            !document.warnings.is_empty(),
            warns,
            "{file}: {:?}",
            document.warnings
        );
        if warns {
            assert!(
                document.warnings[0].contains("byte 1907"),
                "{:?}",
                document.warnings
            );
        }
        let outcome = regen::build(Target::Api, document).unwrap();
        assert_eq!(outcome.generated.operations, 49, "{file}");
        assert!(
            outcome
                .generated
                .code
                .contains("pub async fn payment_intents_get"),
            "{file}"
        );
    }
}

/// Without Dojo's document the tests say, in one line, where it should be
/// and how to fetch it.
#[test]
fn a_missing_document_is_named_with_the_way_to_fetch_it() {
    let missing = xtask::spec_dir::document("1999-01-01.yaml").unwrap_err();
    let message = missing.to_string();
    assert!(!message.contains('\n'), "{message}");
    for needed in [
        "1999-01-01.yaml",
        "DOJO_SPEC_DIR",
        "cargo xtask fetch-spec",
        "sha256",
    ] {
        assert!(message.contains(needed), "{needed} not in {message}");
    }
}
