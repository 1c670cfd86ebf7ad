//! What several workspace tests share: where Dojo's documents are, and the
//! documents as `regen` sees them.

#![allow(dead_code)]

pub mod document_check;
pub mod document_defects;
pub mod openapi_schema;
pub mod recorder;
pub mod registry;
pub mod request_values;

use std::path::PathBuf;

use serde_json::Value;

/// The document the committed code is generated from, found through
/// `xtask::spec_dir` (`DOJO_SPEC_DIR`, default `../shared/spec`); when it is
/// absent the test fails with the one line that says where to put it.
pub fn current_document_path() -> PathBuf {
    xtask::spec_dir::current_document().unwrap_or_else(|missing| panic!("{missing}"))
}

/// One of Dojo's documents by file name (`2024-02-05.yaml`), likewise.
pub fn document_path(file: &str) -> PathBuf {
    xtask::spec_dir::document(file).unwrap_or_else(|missing| panic!("{missing}"))
}

/// `value` as one path segment: percent-encoded, unreserved characters
/// left as they are.
pub fn path_segment(value: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(value, SEGMENT).to_string()
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
