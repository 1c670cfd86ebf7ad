//! Turning a repaired document into formatted Rust with progenitor.

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

/// What one generation produced.
#[derive(Debug)]
pub struct Generated {
    /// The formatted source, header included.
    pub code: String,
    /// Operations in the document, counted independently of progenitor.
    pub operations: usize,
}

/// Generates the client for a repaired `document`; `header` heads the file.
pub fn generate(document: &Value, header: &str) -> Result<Generated> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(document.clone())
        .context("the repaired document is not OpenAPI 3.0 that openapiv3 can read")?;
    let mut generator = progenitor::Generator::new(&settings());
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| anyhow!("progenitor: {e}"))?;
    let file: syn::File = syn::parse2(tokens).context("progenitor emitted unparsable Rust")?;
    let code = format!("{header}\n{}", prettyplease::unparse(&file));
    Ok(Generated {
        code,
        operations: count_operations(document),
    })
}

fn settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq");
    settings
}

/// Counts the operations (method + path pairs) of `document`.
pub fn count_operations(document: &Value) -> usize {
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    document["paths"]
        .as_object()
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|item| item.keys().filter(|k| METHODS.contains(&k.as_str())).count())
                .sum()
        })
        .unwrap_or(0)
}
