//! Where Dojo's OpenAPI documents are on this machine: the one place tests
//! and commands look for them.
//!
//! They are not copied into the repository (`spec/dojo.lock` records the
//! source and sha256 of the one the code came from). `DOJO_SPEC_DIR` names
//! the folder; by default it is `../shared/spec` beside the checkout. When
//! the document is not there, `cargo xtask fetch-spec` downloads it and
//! checks it against the lock.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::lock;
use crate::regen::workspace_root;
use crate::source;

/// The environment variable naming the folder.
pub const ENV: &str = "DOJO_SPEC_DIR";

/// The folder holding `dojo-api/<version>.bundled.json` and the older
/// documents.
pub fn dir() -> PathBuf {
    match std::env::var_os(ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_root().join("../shared/spec"),
    }
}

/// The document the committed code was generated from: its file name comes
/// from the lock's version.
pub fn current_document() -> Result<PathBuf, Missing> {
    let version = locked_api_version().unwrap_or_else(|_| "2026-02-27".to_owned());
    let path = dir().join(format!("dojo-api/{version}.bundled.json"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(Missing { path })
    }
}

/// An older document of Dojo's, by file name under `dojo-payments-api/`.
pub fn document(file: &str) -> Result<PathBuf, Missing> {
    let path = dir().join("dojo-api").join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Missing { path })
    }
}

/// Dojo's document is not where the tests look for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    path: PathBuf,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Dojo's OpenAPI document is not at {}: put the folder with dojo-api/*.bundled.json there, \
             point {ENV} at it, or run `cargo xtask fetch-spec` to download it and check it against \
             spec/dojo.lock (sha256)",
            self.path.display()
        )
    }
}

impl std::error::Error for Missing {}

fn locked_api_version() -> Result<String> {
    let text = std::fs::read_to_string(workspace_root().join("spec/dojo.lock"))?;
    let lock = lock::parse(&text)?;
    Ok(lock
        .get("api")
        .context("no [api] in the lock")?
        .version
        .clone())
}

/// `cargo xtask fetch-spec`: downloads the api document from `url`, checks
/// that its sha256 is the lock's, and writes it where [`current_document`]
/// looks. Returns the path written.
pub fn fetch(url: &str) -> Result<PathBuf> {
    let text = std::fs::read_to_string(workspace_root().join("spec/dojo.lock"))?;
    let lock = lock::parse(&text)?;
    let entry = lock
        .get("api")
        .context("spec/dojo.lock has no [api] entry")?;
    let bytes = source::fetch(url)?;
    let document = source::from_bytes(url, &bytes)?;
    if document.sha256 != entry.sha256 {
        bail!(
            "{url} has sha256 {}, but spec/dojo.lock records {} (version {}): Dojo published \
             another document; regenerate from it (`cargo xtask regen --from {url}`) or find the \
             locked one",
            document.sha256,
            entry.sha256,
            entry.version
        );
    }
    let path = dir().join(format!("dojo-api/{}.bundled.json", entry.version));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
