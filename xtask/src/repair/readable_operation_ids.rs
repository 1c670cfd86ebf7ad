use serde_json::Value;

use super::walk;

/// Operation ids that read wrongly, and what they should say.
const RENAMES: &[(&str, &str)] = &[
    // A typo: "Al".
    (
        "Webhooks_GetAlSubscriptions",
        "Webhooks_GetAllSubscriptions",
    ),
    // `GET /webhooks/events` lists the event types, not webhooks.
    ("Webhooks_GetAllWebhooks", "Webhooks_GetAllEvents"),
    // These refresh a setup intent's client session secret, not a payment
    // intent's "token".
    (
        "SetupIntents_RefreshPaymentIntentToken",
        "SetupIntents_RefreshClientSessionSecret",
    ),
    (
        "SetupIntents_RefreshSetupIntentTokenPublic",
        "SetupIntents_RefreshClientSessionSecretPublic",
    ),
    // It deletes one subscription.
    (
        "Webhooks_DeleteSubscriptions",
        "Webhooks_DeleteSubscription",
    ),
];

/// Renames operation ids whose generated method names would mislead.
///
/// Defect: `Webhooks_GetAlSubscriptions` (a typo) and a few ids that name the
/// wrong thing; method names are generated from them, so they must read well.
pub fn readable_operation_ids(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::operations(doc, |_, _, op| {
        let id = op.get("operationId").and_then(Value::as_str);
        if let Some((_, better)) = RENAMES.iter().find(|(old, _)| Some(*old) == id) {
            op.insert("operationId".into(), (*better).into());
            changed += 1;
        }
    });
    changed
}
