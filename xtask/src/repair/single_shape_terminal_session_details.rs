use serde_json::Value;

/// Drops the `anyOf` of `TerminalSessionDetails`.
///
/// Defect: its `anyOf` branches only say which one property is required
/// (`sale`, `unlinkedRefund` or `matchedRefund`), so typify emits three
/// near-identical structs and an untagged enum over them. The object's own
/// properties already describe every shape, with `sessionType` naming which
/// one is present: one struct with three optional fields says the same.
pub fn single_shape_terminal_session_details(doc: &mut Value) -> usize {
    doc.pointer_mut("/components/schemas/TerminalSessionDetails")
        .and_then(Value::as_object_mut)
        .and_then(|schema| schema.remove("anyOf"))
        .map_or(0, |_| 1)
}
