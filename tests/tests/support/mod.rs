//! What several workspace tests share: where Dojo's documents are, and the
//! documents as `regen` sees them.

#![allow(dead_code)]

pub mod openapi_schema;
pub mod recorder;

use std::path::PathBuf;

use serde_json::Value;

/// The document the committed code is generated from; CI has `../shared`
/// beside the checkout.
pub fn current_document_path() -> PathBuf {
    let path =
        xtask::regen::workspace_root().join("../shared/spec/dojo-api/2026-02-27.bundled.json");
    assert!(
        path.exists(),
        "{} is missing: these tests read Dojo's document from ../shared beside the checkout",
        path.display()
    );
    path
}

/// Dojo's current document, as published.
pub fn original_document() -> Value {
    xtask::source::load(&current_document_path().to_string_lossy())
        .expect("the current document loads")
        .value
}

/// Dojo's current document after every repair rule.
pub fn repaired_document() -> Value {
    let mut doc = original_document();
    xtask::repair::repair(&mut doc);
    doc
}
