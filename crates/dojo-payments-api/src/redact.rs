//! Making response bodies and decoding errors safe to print.

use serde_json::Value;

const REDACTED: &str = "[redacted]";

/// `body` with the value of every secret-bearing field replaced: the names
/// of `dojo_payments_types::wire_names::SECRETS`, the one list that also types those
/// fields in the generated code, in whatever object they appear. A body that
/// is not JSON is described by its size only: there is no telling what a
/// proxy's page echoes back.
pub fn body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        Err(_) if body.is_empty() => "(empty)".to_owned(),
        Err(_) => format!("({} bytes, not JSON)", body.len()),
    }
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if dojo_payments_types::wire_names::is_secret_name(key) && secret_bearing(inner) {
                    *inner = Value::String(REDACTED.to_owned());
                } else {
                    redact_value(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// Secrets are text (or, in a malformed body, anything but a number: a
/// `value` that is a number is an amount, not `SubscriptionSecret.value`).
fn secret_bearing(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Number(_))
}

/// serde's message without the values it quotes (`invalid type: string
/// "cs_…", expected …` loses the string), with its position.
pub fn decode_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let mut out = String::with_capacity(message.len());
    let mut in_quotes = false;
    for c in message.chars() {
        match (c, in_quotes) {
            ('"', false) => {
                in_quotes = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                in_quotes = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}
