//! Reading an OpenAPI document from a URL or a path, as JSON or YAML.
//!
//! Dojo has shipped documents that are not valid UTF-8 (`2024-02-05.yaml`
//! carries a Windows-1252 dash), so decoding falls back to Windows-1252 with
//! a warning instead of failing.

use anyhow::{Context, Result};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Where the live document is published.
pub const DEFAULT_SOURCE: &str = "https://docs.dojo.tech/api/v3/bundled.json";

/// A document as read, before any repair.
#[derive(Debug)]
pub struct Document {
    /// The URL or path it was read from, as given.
    pub source: String,
    /// Lower-case hex sha256 of the bytes read.
    pub sha256: String,
    /// The parsed document.
    pub value: Value,
    /// Things worth telling the person running the generator.
    pub warnings: Vec<String>,
}

impl Document {
    /// `info.version`, which is also the `version` header the client pins.
    pub fn version(&self) -> Result<&str> {
        self.value
            .pointer("/info/version")
            .and_then(Value::as_str)
            .context("the document has no info.version")
    }
}

/// Reads `source` (an `http(s)://` URL or a file path).
pub fn load(source: &str) -> Result<Document> {
    let bytes = if source.starts_with("http://") || source.starts_with("https://") {
        fetch(source)?
    } else {
        std::fs::read(source).with_context(|| format!("reading {source}"))?
    };
    from_bytes(source, &bytes)
}

/// Parses bytes already read; `source` only names them in messages.
pub fn from_bytes(source: &str, bytes: &[u8]) -> Result<Document> {
    let sha256 = hex(&Sha256::digest(bytes));
    let mut warnings = Vec::new();
    let text = decode_text(source, bytes, &mut warnings);
    let value = parse(&text).with_context(|| format!("parsing {source}"))?;
    Ok(Document {
        source: source.to_owned(),
        sha256,
        value,
        warnings,
    })
}

/// The bytes at `url` (up to 64 MiB).
pub fn fetch(url: &str) -> Result<Vec<u8>> {
    let mut response = ureq::get(url)
        .call()
        .with_context(|| format!("fetching {url}"))?;
    Ok(response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()?)
}

fn decode_text(source: &str, bytes: &[u8], warnings: &mut Vec<String>) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(error) => {
            let at = error.valid_up_to();
            warnings.push(format!(
                "{source} is not valid UTF-8 (byte {at} is 0x{:02X}); decoded it as Windows-1252",
                bytes[at]
            ));
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            text.into_owned()
        }
    }
}

fn parse(text: &str) -> Result<Value> {
    if text.trim_start().starts_with('{') {
        Ok(serde_json::from_str(text)?)
    } else {
        Ok(serde_yaml_ng::from_str(text)?)
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
