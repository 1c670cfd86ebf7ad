use serde_json::{Value, json};

/// The marker this rule leaves on an enum it made, so `open_enums` keeps it
/// open in requests too.
pub const MARKER: &str = "x-dojo-enum-from-prose";

/// Makes an enum of every string schema whose values Dojo lists only in its
/// description, as in `"The payment methods ... (Card, Wallet, SavedCard)"`.
///
/// Defect: six schemas (`PaymentMethod`, `MerchantInitiatedTransactionType`,
/// `CardScheme` and three `TerminalSession*` ones) are plain strings whose
/// values are named in prose, so typify makes them `String` newtypes and
/// every caller writes `PaymentMethod("SavedCard".into())`, where a typo
/// reaches Dojo. A component string schema with no `enum`, no `format`, and a
/// description ending in a parenthesised list of two or more identifiers
/// gets that list as its `enum`, marked with [`MARKER`]. Since the list
/// comes from prose, not from a contract, `open_enums` opens it everywhere,
/// requests included: `Open::Unknown("NewMethod".into())` sends a value
/// Dojo adds later.
pub fn enums_listed_in_prose(doc: &mut Value) -> usize {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let mut changed = 0;
    for schema in schemas.values_mut() {
        let is_plain_string = schema.get("type").is_some_and(|t| t == "string")
            && schema.get("enum").is_none()
            && schema.get("format").is_none();
        if !is_plain_string {
            continue;
        }
        let values = schema
            .get("description")
            .and_then(Value::as_str)
            .and_then(listed_values);
        if let Some(values) = values {
            schema["enum"] = json!(values);
            schema[MARKER] = Value::Bool(true);
            changed += 1;
        }
    }
    changed
}

/// The identifiers of a description's closing `(A, B, C)`, if it has one
/// with at least two.
fn listed_values(description: &str) -> Option<Vec<&str>> {
    let inner = description.trim_end().strip_suffix(')')?;
    let list = &inner[inner.rfind('(')? + 1..];
    let values: Vec<&str> = list.split(',').map(str::trim).collect();
    let all_identifiers = values.iter().all(|v| {
        v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && v.chars().all(|c| c.is_ascii_alphanumeric())
    });
    (values.len() >= 2 && all_identifiers).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::listed_values;

    #[test]
    fn only_a_closing_list_of_identifiers_counts() {
        assert_eq!(
            listed_values("Methods.\n(Card, Wallet, SavedCard)"),
            Some(vec!["Card", "Wallet", "SavedCard"])
        );
        assert_eq!(
            listed_values("Type (NoShow, Unscheduled) "),
            Some(vec!["NoShow", "Unscheduled"])
        );
        assert_eq!(listed_values("An amount (in minor units)"), None);
        assert_eq!(listed_values("One (Only)"), None);
        assert_eq!(listed_values("(A, B) then more"), None);
        assert_eq!(listed_values("Codes (GBP, EUR-X)"), None);
        assert_eq!(listed_values(")"), None);
    }
}
