//! `spec/dojo.lock`: which document the committed generated code came from.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// One generated client's origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The URL or path the document was read from, as given.
    pub source: String,
    /// The document's `info.version`, which the client pins.
    pub version: String,
    /// sha256 of the document's bytes.
    pub sha256: String,
    /// The generated file, relative to the workspace root.
    pub generated: String,
}

impl Entry {
    /// Whether `other` came from the same document (wherever it was read).
    pub fn same_document(&self, other: &Entry) -> bool {
        self.version == other.version && self.sha256 == other.sha256
    }
}

/// The lock: one entry per generated client, by name (`api`, `pci`).
pub type Lock = BTreeMap<String, Entry>;

const HEADER: &str = "# The documents the committed generated code came from.\n\
# Written by `cargo xtask regen`; checked by `cargo xtask regen --check`.\n\n";

/// Renders the lock file.
pub fn render(lock: &Lock) -> Result<String> {
    Ok(format!("{HEADER}{}", toml::to_string(lock)?))
}

/// Parses a lock file.
pub fn parse(text: &str) -> Result<Lock> {
    toml::from_str(text).context("spec/dojo.lock is not a valid lock file")
}
