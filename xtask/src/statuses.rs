//! The statuses the document lists for each operation, written into the
//! generated client as `DOCUMENTED_STATUSES`: the one place the SDK learns
//! which answers the document defines (and so which of them are its
//! refusals, `dojo_payments::answer`), with the document's own words for
//! each, so that every classification can be traced to a line of it.

use anyhow::{Result, ensure};
use serde_json::Value;

use crate::repair::walk::METHODS;

/// `DOCUMENTED_STATUSES` for `document`, checked against the operations
/// the generated `file` serves (one entry for each, by the same id).
pub fn item(document: &Value, file: &syn::File) -> Result<syn::Item> {
    let mut entries = Vec::new();
    let mut ids = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = snake_case(operation["operationId"].as_str().unwrap_or_default());
            let route = format!("{} {path}", method.to_uppercase());
            let mut statuses = Vec::new();
            for (status, answer) in operation["responses"].as_object().into_iter().flatten() {
                let Ok(status) = status.parse::<u16>() else {
                    continue; // `default` or `4XX`: no status of its own
                };
                let description = answer["description"].as_str().unwrap_or_default();
                statuses.push(quote::quote! {
                    crate::DocumentedStatus { status: #status, description: #description }
                });
            }
            entries.push(quote::quote! {
                crate::DocumentedOperation {
                    operation: #id,
                    route: #route,
                    statuses: &[#(#statuses),*],
                }
            });
            ids.push(id);
        }
    }
    let served = served_operation_ids(file);
    ids.sort();
    ensure!(
        ids == served,
        "the documented statuses name operations {ids:?}, the generated client serves {served:?}"
    );
    Ok(syn::parse_quote! {
        /// Every status Dojo's document lists for each operation, with the
        /// document's description of it (`"POST /payment-intents/{paymentIntentId}/captures"`,
        /// `409 "Conflict"`): what an answer is documented to mean.
        pub const DOCUMENTED_STATUSES: &[crate::DocumentedOperation] = &[#(#entries),*];
    })
}

/// `PaymentIntents_GetRefundById` → `payment_intents_get_refund_by_id`,
/// as progenitor names the methods (heck's word boundaries: `_`, a
/// lower-case letter or digit before an upper-case one, and the last
/// letter of an acronym before a word: `EPOSGet` → `epos_get`).
pub fn snake_case(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !out.ends_with('_') {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The `operation_id`s of the generated methods, sorted.
fn served_operation_ids(file: &syn::File) -> Vec<String> {
    use quote::ToTokens;
    let text = file.to_token_stream().to_string();
    let mut ids: Vec<String> = text
        .split("operation_id : \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn ids_are_snake_cased_as_progenitor_names_methods() {
        assert_eq!(
            snake_case("PaymentIntents_GetRefundById"),
            "payment_intents_get_refund_by_id"
        );
        assert_eq!(snake_case("Captures_Create"), "captures_create");
        assert_eq!(snake_case("EPOS_GetIntegrations"), "epos_get_integrations");
        assert_eq!(snake_case("EPOSGet"), "epos_get");
        assert_eq!(snake_case("Webhooks_Get2Things"), "webhooks_get2_things");
    }
}
