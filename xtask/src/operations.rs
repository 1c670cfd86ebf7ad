//! The operation table, written into the generated client beside
//! `DOCUMENTED_STATUSES`: one constant per operation of the document
//! (`operations::CAPTURES_CREATE`), carrying its id (as the generated method
//! is named), method, path template, body type, the parameters the
//! document constrains, whether it moves money and whether it is a read,
//! idempotent or not.
//!
//! Everything but two facts comes from the document or the generated code;
//! those two — which operations move money, and the few `POST`s that read
//! or that repeat to the same end — are decided here, in [`RULES`], the one
//! hand-written table. The SDK writes no operation id of its own.

use std::collections::BTreeSet;

use anyhow::{Result, bail, ensure};
use quote::{format_ident, quote};
use serde_json::{Map, Value};

use crate::generate::Target;
use crate::repair::walk::METHODS;
use crate::statuses::snake_case;

/// What the method of an operation cannot say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// It moves money, or decides whether money moves (a cancel: the
    /// intent can no longer be paid). Without an idempotency key it is not
    /// idempotent whatever its method: sent twice, it may move money twice,
    /// or answer the second time that the first did nothing.
    MovesMoney,
    /// A `POST` that only reads (a search: the filter is the body).
    ReadsByPost,
    /// A `POST` whose repetition changes nothing more than its first
    /// sending did (it sets a value to the one sent, or issues a secret of
    /// which only the last one answered is ever seen).
    RepeatsToSameEnd,
}

/// The one hand-written table: each operation the method alone does not
/// describe, with the reason. Every other `GET` is a read, every other
/// `PUT`, `PATCH` and `DELETE` idempotent, every other `POST` not; an
/// operation that takes an `idempotencyKey` header is idempotent (Dojo
/// makes it once per key). An id here that the locked document lacks fails
/// `tests/tests/operation_table.rs` (an older or smaller document, one
/// generated into a scratch directory, may lack some: they are skipped).
pub const RULES: &[(&str, Rule, &str)] = &[
    (
        "captures_create",
        Rule::MovesMoney,
        "takes authorized funds: the capture guide",
    ),
    (
        "payment_intents_charge_payment_intent",
        Rule::MovesMoney,
        "charges a saved card (merchant-initiated), captured at once",
    ),
    (
        "reversal_create",
        Rule::MovesMoney,
        "releases an authorization, or returns a payment the same day",
    ),
    (
        "refunds_create",
        Rule::MovesMoney,
        "returns captured funds (keyed: `idempotencyKey`)",
    ),
    (
        "payment_intents_delete",
        Rule::MovesMoney,
        "cancels a payment intent: it can no longer be paid",
    ),
    (
        "payment_intents_search",
        Rule::ReadsByPost,
        "a search of payment intents",
    ),
    (
        "customers_search",
        Rule::ReadsByPost,
        "a search of customers",
    ),
    (
        "payment_intents_set_custom_amount",
        Rule::RepeatsToSameEnd,
        "sets the amount to the one sent",
    ),
    (
        "payment_intents_set_tips_amount",
        Rule::RepeatsToSameEnd,
        "sets the tip to the one sent",
    ),
    (
        "payment_intents_refresh_client_session_secret",
        Rule::RepeatsToSameEnd,
        "a new client session secret; the one answered last is the one that works",
    ),
    (
        "setup_intents_refresh_client_session_secret",
        Rule::RepeatsToSameEnd,
        "a new client session secret; the one answered last is the one that works",
    ),
    (
        "setup_intents_refresh_client_session_secret_public",
        Rule::RepeatsToSameEnd,
        "a new client session secret; the one answered last is the one that works",
    ),
    (
        "customers_create_customer_secret",
        Rule::RepeatsToSameEnd,
        "a new customer secret; the one answered last is the one used",
    ),
];

/// What sending an operation twice does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// It changes nothing.
    Read,
    /// The second sending changes nothing more.
    Idempotent,
    /// The second sending may repeat the effect.
    NotIdempotent,
}

/// How [`RULES`] and the method classify `id` (`method` in lower case);
/// `keyed` when it takes an `idempotencyKey` header.
pub fn classify(id: &str, method: &str, keyed: bool) -> Result<(bool, Effect)> {
    let rule = RULES
        .iter()
        .find(|(r, _, _)| *r == id)
        .map(|(_, rule, _)| *rule);
    let moves_money = rule == Some(Rule::MovesMoney);
    let effect = match (method, rule) {
        ("get", Some(Rule::MovesMoney | Rule::RepeatsToSameEnd)) => {
            bail!("{id}: a GET cannot move money or repeat to an end")
        }
        ("get", _) => Effect::Read,
        ("post", Some(Rule::ReadsByPost)) => Effect::Read,
        (_, Some(Rule::ReadsByPost | Rule::RepeatsToSameEnd)) if method != "post" => {
            bail!("{id}: the rule {rule:?} is for POSTs, not {method}")
        }
        _ if keyed => Effect::Idempotent,
        _ if moves_money => Effect::NotIdempotent,
        ("put" | "patch" | "delete", _) => Effect::Idempotent,
        ("post", Some(Rule::RepeatsToSameEnd)) => Effect::Idempotent,
        _ => Effect::NotIdempotent,
    };
    Ok((moves_money, effect))
}

/// One parameter of an operation, as the generated method takes it.
struct Parameter {
    name: String,
    location: String,
    required: bool,
    min_length: Option<u64>,
    max_length: Option<u64>,
}

/// The generated `operations` module and `OPERATIONS` list for the
/// (repaired) `document` of `target`, whose generated code is `file`.
pub fn items(document: &Value, file: &syn::File, target: Target) -> Result<Vec<syn::Item>> {
    let host = match target {
        Target::Api => quote!(Api),
        Target::Pci => quote!(Pci),
    };
    let mut constants = Vec::new();
    let mut names = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = snake_case(operation["operationId"].as_str().unwrap_or_default());
            let parameters = parameters(document, item, operation)?;
            let keyed = parameters
                .iter()
                .any(|p| p.location == "header" && p.name.eq_ignore_ascii_case("idempotencyKey"));
            let (moves_money, effect) = classify(&id, method, keyed)?;
            let body = body_type(file, &id)?;
            let name = format_ident!("{}", id.to_uppercase());
            let method_variant = format_ident!("{}", crate::repair::walk::pascal(method));
            let effect_variant = format_ident!("{effect:?}");
            let body = match &body {
                Some(ty) => quote!(Some(#ty)),
                None => quote!(None),
            };
            let parameters = parameters.iter().map(|p| {
                let (name, required) = (&p.name, p.required);
                let location = format_ident!("{}", crate::repair::walk::pascal(&p.location));
                let length = |n: Option<u64>| match n {
                    Some(n) => quote!(Some(#n)),
                    None => quote!(None),
                };
                let (min, max) = (length(p.min_length), length(p.max_length));
                quote! {
                    crate::operations::Parameter {
                        name: #name,
                        location: crate::operations::Location::#location,
                        required: #required,
                        length: (#min, #max),
                    }
                }
            });
            let upper = method.to_uppercase();
            let effect_words = match effect {
                Effect::Read => "a read",
                Effect::Idempotent => "idempotent",
                Effect::NotIdempotent => "not idempotent",
            };
            let money = if moves_money { "; moves money" } else { "" };
            let doc = format!(" `{upper} {path}`: {effect_words}{money}.");
            constants.push(quote! {
                #[doc = #doc]
                pub const #name: crate::operations::Operation = crate::operations::Operation {
                    id: #id,
                    host: crate::operations::Host::#host,
                    method: crate::operations::Method::#method_variant,
                    path: #path,
                    moves_money: #moves_money,
                    effect: crate::operations::Effect::#effect_variant,
                    body: #body,
                    parameters: &[#(#parameters),*],
                };
            });
            names.push(name);
            seen.insert(id);
        }
    }
    let module: syn::Item = syn::parse2(quote! {
        /// One constant per operation of this host's document: its id (the
        /// generated method's name), method, path, body type, the
        /// parameters the document constrains, whether it moves money and
        /// whether it is a read, idempotent or not. Re-exported, both
        /// hosts', by `dojo_payments_api::operations`.
        pub mod operations {
            #(#constants)*
        }
    })?;
    let list: syn::Item = syn::parse_quote! {
        /// Every operation of this host, in the document's order.
        pub const OPERATIONS: &[crate::operations::Operation] = &[#(operations::#names),*];
    };
    Ok(vec![module, list])
}

/// The parameters of `operation` (and of its path `item`), as the
/// generated method takes them: by name, once each, `$ref`s resolved.
fn parameters(document: &Value, item: &Value, operation: &Value) -> Result<Vec<Parameter>> {
    let listed = item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(operation["parameters"].as_array().into_iter().flatten());
    let mut out: Vec<Parameter> = Vec::new();
    for parameter in listed {
        let parameter = resolve(document, parameter);
        let Some(name) = parameter["name"].as_str() else {
            continue;
        };
        let location = parameter["in"].as_str().unwrap_or_default();
        if out.iter().any(|p| p.name == name && p.location == location) {
            continue;
        }
        let schema = resolve(document, &parameter["schema"]);
        let kept = schema
            .get("x-dojo-constraints")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for key in kept.keys() {
            ensure!(
                ["minLength", "maxLength"].contains(&key.as_str()),
                "parameter {name}: the constraint `{key}` has no check yet"
            );
        }
        let length = |kept: &Map<String, Value>, key: &str| -> Result<Option<u64>> {
            match kept.get(key) {
                None => Ok(None),
                Some(n) => match n.as_u64() {
                    Some(n) => Ok(Some(n)),
                    None => bail!("parameter {name}: {key} is not a whole number"),
                },
            }
        };
        out.push(Parameter {
            name: name.to_owned(),
            location: location.to_owned(),
            required: parameter["required"].as_bool().unwrap_or(false),
            min_length: length(&kept, "minLength")?,
            max_length: length(&kept, "maxLength")?,
        });
    }
    Ok(out)
}

/// `value`, or what its `$ref` points at in `document`.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(value),
        None => value,
    }
}

/// The name of the body type the generated method `id` takes
/// (`CreateCaptureRequest`), or `None` when it takes none.
fn body_type(file: &syn::File, id: &str) -> Result<Option<String>> {
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        for member in &block.items {
            let syn::ImplItem::Fn(method) = member else {
                continue;
            };
            if method.sig.ident != id {
                continue;
            }
            for input in &method.sig.inputs {
                let syn::FnArg::Typed(arg) = input else {
                    continue;
                };
                let syn::Pat::Ident(name) = &*arg.pat else {
                    continue;
                };
                if name.ident != "body" {
                    continue;
                }
                let syn::Type::Reference(reference) = &*arg.ty else {
                    bail!("{id}: its body is not taken by reference");
                };
                let syn::Type::Path(path) = &*reference.elem else {
                    bail!("{id}: its body type is not a path");
                };
                let last = path.path.segments.last().map(|s| s.ident.to_string());
                return Ok(last);
            }
            return Ok(None);
        }
    }
    bail!("the generated client has no method `{id}`")
}

#[cfg(test)]
mod tests {
    use super::{Effect, classify};

    #[test]
    fn the_method_decides_unless_the_table_or_a_key_says_otherwise() {
        let c = |id, method, keyed| classify(id, method, keyed).unwrap();
        assert_eq!(c("customers_get", "get", false), (false, Effect::Read));
        assert_eq!(
            c("customers_update", "patch", false),
            (false, Effect::Idempotent)
        );
        assert_eq!(
            c("customers_create", "post", false),
            (false, Effect::NotIdempotent)
        );
        assert_eq!(c("customers_search", "post", false), (false, Effect::Read));
        assert_eq!(
            c("captures_create", "post", false),
            (true, Effect::NotIdempotent)
        );
        assert_eq!(
            c("payment_intents_delete", "delete", false),
            (true, Effect::NotIdempotent)
        );
        assert_eq!(
            c("refunds_create", "post", true),
            (true, Effect::Idempotent)
        );
        assert_eq!(
            c("payment_intents_set_tips_amount", "post", false),
            (false, Effect::Idempotent)
        );
        assert!(classify("customers_search", "put", false).is_err());
    }
}
