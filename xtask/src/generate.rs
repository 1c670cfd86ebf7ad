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
    /// What [`crate::tailor`] changed in progenitor's output.
    pub tailored: crate::tailor::Tailored,
    /// The `Validate` impls written by [`crate::validation`].
    pub validations: crate::validation::Validations,
}

/// The clients `regen` generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `https://api.dojo.tech`, from Dojo's document.
    Api,
    /// `https://pci-api.dojo.tech`, from the project's `spec/pci-api.json`.
    Pci,
}

impl Target {
    /// The name used in the lock and the reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Pci => "pci",
        }
    }

    /// The generated file, relative to the workspace root.
    pub fn path(self) -> &'static str {
        match self {
            Self::Api => "crates/dojo-payments-api/src/generated/api.rs",
            Self::Pci => "crates/dojo-payments-api/src/generated/pci.rs",
        }
    }
}

/// Generates the client for a repaired `document`; `header` heads the file.
pub fn generate(document: &Value, target: Target, header: &str) -> Result<Generated> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(document.clone())
        .context("the repaired document is not OpenAPI 3.0 that openapiv3 can read")?;
    let mut generator = progenitor::Generator::new(&settings(target));
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| anyhow!("progenitor: {e}"))?;
    let mut file: syn::File = syn::parse2(tokens).context("progenitor emitted unparsable Rust")?;
    let operations = count_operations(document);
    let tailored = crate::tailor::tailor(&mut file, operations)?;
    let version = document["info"]["version"].as_str().unwrap_or_default();
    file.items.push(syn::parse_quote! {
        /// The version of the document this client was generated from: the
        /// `version` header every call sends.
        pub const API_VERSION: &str = #version;
    });
    file.items.push(crate::statuses::item(document, &file)?);
    file.items
        .extend(crate::operations::items(document, &file, target)?);
    let (impls, validations) = crate::validation::impls(document, &file)?;
    file.items.push(syn::parse2(impls)?);
    let code = format!("{header}\n{}", prettyplease::unparse(&file));
    Ok(Generated {
        code,
        operations,
        tailored,
        validations,
    })
}

fn settings(target: Target) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("PartialEq")
        // Credentials, the version and tracing are added per request by the
        // hand-written `impl ClientHooks<Context>` in dojo-payments-api (hooks.rs), so
        // one reqwest::Client (one pool) can serve both hosts; `Expected`
        // makes a missing impl a compile error.
        .with_inner_type(quote::quote!(crate::Context))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_crate("dojo-payments-types", dojo_types_version(), None);
    if target == Target::Pci {
        // The PCI client reuses the api host's types by `x-rust-type`; they
        // are generated into the same crate, so any version is this one.
        settings.with_crate("dojo-payments-api", progenitor::CrateVers::Any, None);
    }
    settings
}

/// The version of `dojo-payments-types` the generated code is written against: the
/// crate's own, the one source the repair rules write into every
/// `x-rust-type` mark too.
fn dojo_types_version() -> progenitor::CrateVers {
    progenitor::CrateVers::parse(dojo_payments_types::VERSION).unwrap_or(progenitor::CrateVers::Any)
}

/// Counts the operations (method + path pairs) of `document`.
pub fn count_operations(document: &Value) -> usize {
    use crate::repair::walk::METHODS;
    document["paths"]
        .as_object()
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|item| {
                    item.keys()
                        .filter(|k| METHODS.contains(&k.as_str()))
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}
