use serde_json::{Value, json};

use super::walk;

/// Gives a body-less error response the problem schema its sibling error
/// responses declare.
///
/// Defect: `SetupIntents_Delete` declares its 500 without a body next to
/// `ProblemDetails` errors; progenitor needs one error type per operation and
/// panics (`response_types.len() <= 1`). With one schema for every error the
/// status is still kept: a body that does not decode becomes an error that
/// carries the status (see `dojo_payments_api::Error`).
pub fn body_less_errors_share_schema(doc: &mut Value) -> usize {
    let mut changed = 0;
    walk::operations(doc, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let is_error = |code: &str| code.starts_with('4') || code.starts_with('5');
        let shared = responses
            .iter()
            .filter(|(code, _)| is_error(code))
            .find_map(|(_, r)| r.get("content").cloned());
        let Some(content) = shared else { return };
        for (code, response) in responses.iter_mut() {
            if is_error(code) && response.get("content").is_none() {
                response["content"] = json!(content);
                changed += 1;
            }
        }
    });
    changed
}
