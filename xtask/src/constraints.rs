//! The table of request constraints, generated from what
//! `constraints_as_documentation` kept under `x-dojo-constraints`.

use anyhow::{Context, Result, bail};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

/// `pub mod constraints { pub static FIELDS: &[crate::FieldConstraints] }`,
/// one entry per constrained property of a component schema, sorted by
/// schema and field.
pub fn table(document: &Value) -> Result<TokenStream> {
    let mut rows = Vec::new();
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (schema, body) in schemas.into_iter().flatten() {
        if let Some(kept) = body.get("x-dojo-constraints") {
            rows.push(row(schema, "", kept)?);
        }
        let properties = body.get("properties").and_then(Value::as_object);
        for (field, property) in properties.into_iter().flatten() {
            if let Some(kept) = property.get("x-dojo-constraints") {
                rows.push(row(schema, field, kept)?);
            }
        }
    }
    Ok(quote! {
        /// What Dojo's document says each request field must satisfy
        /// (lengths, patterns, ranges), kept out of the types so that no
        /// response is ever rejected for it. Check requests with it.
        pub mod constraints {
            /// Every constrained property of a component schema; `field` is
            /// empty for a constraint on the schema itself.
            pub static FIELDS: &[crate::FieldConstraints] = &[#(#rows),*];
        }
    })
}

fn row(schema: &str, field: &str, kept: &Value) -> Result<TokenStream> {
    let length = |key: &str| -> Result<TokenStream> {
        Ok(match kept.get(key) {
            Some(v) => {
                let n = v
                    .as_u64()
                    .with_context(|| format!("{schema}.{field}: {key} {v}"))?;
                quote!(Some(#n))
            }
            None => quote!(None),
        })
    };
    let bound = |key: &str| -> Result<TokenStream> {
        Ok(match kept.get(key) {
            Some(v) => match v.as_i64() {
                Some(n) => quote!(Some(#n)),
                None => bail!("{schema}.{field}: {key} {v} is not an integer"),
            },
            None => quote!(None),
        })
    };
    let pattern = match kept.get("pattern").and_then(Value::as_str) {
        Some(p) => quote!(Some(#p)),
        None => quote!(None),
    };
    let (min_length, max_length) = (length("minLength")?, length("maxLength")?);
    let (minimum, maximum) = (bound("minimum")?, bound("maximum")?);
    Ok(quote! {
        crate::FieldConstraints {
            schema: #schema,
            field: #field,
            min_length: #min_length,
            max_length: #max_length,
            pattern: #pattern,
            minimum: #minimum,
            maximum: #maximum,
        }
    })
}
