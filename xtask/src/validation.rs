//! `impl dojo_payments_api::Validate` for every generated struct, from the
//! constraints `constraints_as_documentation` kept under
//! `x-dojo-constraints`.
//!
//! Written from the syntax tree progenitor emitted, so that each constraint
//! lands on the very field (and wire name) serde uses; a constraint that
//! finds no field fails the generation instead of being dropped.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail, ensure};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value};

/// What the generation of the impls did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Validations {
    /// Types given an impl (enums too, with nothing to check, so that a
    /// struct of the PCI client can hold any type of the api host's).
    pub types: usize,
    /// Constraints written as checks.
    pub checks: usize,
    /// Constraints on fields of a `dojo-payments-types` type, whose constructor is
    /// the check (a `CardNumber` cannot be built without 12–19 digits).
    pub by_domain_type: usize,
    /// Types whose schema the document closes: their kept unknown fields
    /// are refused in a request.
    pub closed: usize,
    /// Enum fields whose value must be one the document lists.
    pub enums: usize,
    /// `format: uri` fields checked as absolute URLs.
    pub uris: usize,
}

/// `(schema, property)` → the kept constraints.
type Kept = BTreeMap<(String, String), Map<String, Value>>;

/// The impls for the `types` module of `file`, as one module of items.
pub fn impls(document: &Value, file: &syn::File) -> Result<(TokenStream, Validations)> {
    let kept = kept_constraints(document);
    let closed = closed_schemas(document);
    let uris = uri_fields(document);
    let types = types(file);
    let all: BTreeSet<String> = types.iter().map(|t| t.ident().to_string()).collect();
    let structs: BTreeSet<String> = types
        .iter()
        .filter(|t| matches!(t, Type::Struct(_)))
        .map(|t| t.ident().to_string())
        .collect();
    let mut report = Validations::default();
    let mut used = BTreeSet::new();
    let mut items = Vec::new();
    let mut unchecked = Vec::new();
    for item in &types {
        let name = item.ident().to_string();
        let mut checks = Vec::new();
        for field in item.fields() {
            let key = (name.clone(), field.wire.clone());
            if let Some(constraints) = kept.get(&key) {
                used.insert(key);
                if is_domain_type(field.ty) {
                    report.by_domain_type += 1;
                } else {
                    checks.extend(checks_for(&field, constraints)?);
                    report.checks += 1;
                }
            }
            if nests(field.ty, &structs) {
                let (ident, wire) = (field.ident, &field.wire);
                checks.push(quote! { crate::validate::nested(&self.#ident, at, #wire, out); });
            }
            if path_text(innermost(field.ty)).starts_with("::dojo_payments_types::Open<") {
                let (ident, wire) = (field.ident, &field.wire);
                checks.push(quote! { crate::validate::listed(&self.#ident, at, #wire, out); });
                report.enums += 1;
            }
            if uris.contains(&(name.clone(), field.wire.clone())) {
                let (ident, wire) = (field.ident, &field.wire);
                checks.push(quote! { crate::validate::uri(&self.#ident, at, #wire, out); });
                report.uris += 1;
            }
            if field.ident == "extra" && closed.contains(&name) {
                checks.push(quote! { crate::validate::no_unknown_fields(&self.extra, at, out); });
                report.closed += 1;
            }
        }
        let ident = item.ident();
        if checks.is_empty() {
            unchecked.push(ident);
        } else {
            items.push(quote! {
                impl crate::Validate for super::types::#ident {
                    fn collect_violations(
                        &self,
                        at: &crate::validate::FieldPath<'_>,
                        out: &mut ::std::vec::Vec<crate::validate::Violation>,
                    ) {
                        #(#checks)*
                    }
                }
            });
        }
        report.types += 1;
    }
    let missing: Vec<_> = kept
        .keys()
        .filter(|key| !used.contains(*key) && all.contains(&key.0))
        .collect();
    ensure!(
        missing.is_empty(),
        "constraints with no generated field to check them on: {missing:?}"
    );
    let module = quote! {
        /// What Dojo's document requires of each request (lengths, ranges,
        /// patterns), as [`crate::Validate`] for every type: the types
        /// themselves accept anything, so that no response is refused.
        pub mod validate {
            crate::validate::nothing_to_check!(#(super::types::#unchecked),*);
            #(#items)*
        }
    };
    Ok((module, report))
}

fn kept_constraints(document: &Value) -> Kept {
    properties(document)
        .filter_map(
            |(schema, field, property)| match property.get("x-dojo-constraints") {
                Some(Value::Object(c)) => Some(((schema.clone(), field.clone()), c.clone())),
                _ => None,
            },
        )
        .collect()
}

/// `(schema, property name, property)` of every property of the component
/// schemas the generator writes checks for (own or in an `allOf` part);
/// domain types are skipped, their constructors hold the rules.
fn properties(document: &Value) -> impl Iterator<Item = (&String, &String, &Value)> {
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    schemas
        .into_iter()
        .flatten()
        .filter(|(_, body)| body.get("x-rust-type").is_none())
        .flat_map(|(schema, body)| {
            let members = body.get("allOf").and_then(Value::as_array);
            std::iter::once(body)
                .chain(members.into_iter().flatten())
                .filter_map(|holder| holder.get("properties").and_then(Value::as_object))
                .flatten()
                .map(move |(field, property)| (schema, field, property))
        })
}

/// `(schema, property)` of every string property with `format: uri`.
fn uri_fields(document: &Value) -> BTreeSet<(String, String)> {
    properties(document)
        .filter(|(_, _, property)| property["format"] == "uri" && property["type"] == "string")
        .map(|(schema, field, _)| (schema.clone(), field.clone()))
        .collect()
}

/// The component schemas Dojo's document closes (`x-dojo-closed`, left by
/// the `keep_unknown_fields` repair), themselves or in an `allOf` part.
fn closed_schemas(document: &Value) -> BTreeSet<String> {
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let is_closed = |s: &Value| s.get("x-dojo-closed") == Some(&Value::Bool(true));
    schemas
        .into_iter()
        .flatten()
        .filter(|(_, body)| {
            is_closed(body)
                || body
                    .get("allOf")
                    .and_then(Value::as_array)
                    .is_some_and(|parts| parts.iter().any(is_closed))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// A generated type: a struct, whose fields are checked, or an enum.
enum Type<'a> {
    Struct(&'a syn::ItemStruct),
    Enum(&'a syn::ItemEnum),
}

impl Type<'_> {
    fn ident(&self) -> &syn::Ident {
        match self {
            Self::Struct(s) => &s.ident,
            Self::Enum(e) => &e.ident,
        }
    }

    fn fields(&self) -> Vec<Field<'_>> {
        match self {
            Self::Struct(s) => fields(s),
            Self::Enum(_) => Vec::new(),
        }
    }
}

fn types(file: &syn::File) -> Vec<Type<'_>> {
    let types = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
        _ => None,
    });
    types
        .into_iter()
        .flat_map(|(_, items)| items)
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(Type::Struct(s)),
            syn::Item::Enum(e) => Some(Type::Enum(e)),
            _ => None,
        })
        .collect()
}

struct Field<'a> {
    ident: &'a syn::Ident,
    wire: String,
    ty: &'a syn::Type,
}

fn fields(item: &syn::ItemStruct) -> Vec<Field<'_>> {
    item.fields
        .iter()
        .filter_map(|f| {
            let ident = f.ident.as_ref()?;
            let wire = serde_rename(&f.attrs).unwrap_or_else(|| {
                let name = ident.to_string();
                name.strip_prefix("r#").unwrap_or(&name).to_owned()
            });
            Some(Field {
                ident,
                wire,
                ty: &f.ty,
            })
        })
        .collect()
}

/// `#[serde(rename = "x", …)]` → `x`.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                found = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

/// The type inside any `Option`, `Vec` and `Box`.
fn innermost(ty: &syn::Type) -> &syn::Type {
    let syn::Type::Path(path) = ty else { return ty };
    let Some(last) = path.path.segments.last() else {
        return ty;
    };
    let wrapper = ["Option", "Vec", "Box"].contains(&last.ident.to_string().as_str());
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return ty;
    };
    match (wrapper, args.args.first()) {
        (true, Some(syn::GenericArgument::Type(inner))) => innermost(inner),
        _ => ty,
    }
}

fn path_text(ty: &syn::Type) -> String {
    quote!(#ty).to_string().replace(' ', "")
}

fn is_domain_type(ty: &syn::Type) -> bool {
    let path = path_text(innermost(ty));
    path.starts_with("::dojo_payments_types::") && !LENIENT_DOMAIN_TYPES.contains(&path.as_str())
}

/// Domain types whose decoding keeps any text (so that a response never
/// fails over a value the SDK does not know): their constructor does not
/// hold the document's limits for a decoded value, so those limits are
/// checked as a string's (they implement `validate::Text`).
const LENIENT_DOMAIN_TYPES: [&str; 1] = ["::dojo_payments_types::CountryCode"];

/// Whether the field holds (options, lists or boxes of) a generated struct
/// of this client, or any type of the api host's (which the PCI client
/// reuses, and which all implement `Validate`).
fn nests(ty: &syn::Type, structs: &BTreeSet<String>) -> bool {
    let text = path_text(innermost(ty));
    structs.contains(&text) || text.starts_with("::dojo_payments_api::api::types::")
}

fn checks_for(field: &Field<'_>, kept: &Map<String, Value>) -> Result<Vec<TokenStream>> {
    let (ident, wire) = (field.ident, &field.wire);
    let mut checks = Vec::new();
    for key in kept.keys() {
        ensure!(
            ["minLength", "maxLength", "minimum", "maximum", "pattern"].contains(&key.as_str()),
            "{wire}: the constraint `{key}` has no check yet"
        );
    }
    let unsigned = |key: &str| -> Result<TokenStream> {
        Ok(match kept.get(key).map(|v| v.as_u64()) {
            Some(Some(n)) => quote!(Some(#n)),
            Some(None) => bail!("{wire}: {key} is not a whole number"),
            None => quote!(None),
        })
    };
    let signed = |key: &str| -> Result<TokenStream> {
        Ok(match kept.get(key).map(|v| v.as_i64()) {
            Some(Some(n)) => quote!(Some(#n)),
            Some(None) => bail!("{wire}: {key} is not an integer"),
            None => quote!(None),
        })
    };
    if kept.contains_key("minLength") || kept.contains_key("maxLength") {
        let (min, max) = (unsigned("minLength")?, unsigned("maxLength")?);
        checks.push(quote! {
            crate::validate::length(&self.#ident, at, #wire, (#min, #max), out);
        });
    }
    if kept.contains_key("minimum") || kept.contains_key("maximum") {
        let (min, max) = (signed("minimum")?, signed("maximum")?);
        checks.push(quote! {
            crate::validate::range(&self.#ident, at, #wire, (#min, #max), out);
        });
    }
    if let Some(pattern) = kept.get("pattern") {
        let Some(pattern) = pattern.as_str() else {
            bail!("{wire}: pattern is not a string")
        };
        ensure!(
            regex_lite::Regex::new(pattern).is_ok(),
            "{wire}: the pattern {pattern:?} does not compile"
        );
        let name = format_ident!("{}_PATTERN", wire.to_uppercase());
        checks.push(quote! {
            static #name: crate::validate::Pattern = crate::validate::Pattern::new(#pattern);
            crate::validate::pattern(&self.#ident, at, #wire, &#name, out);
        });
    }
    Ok(checks)
}
