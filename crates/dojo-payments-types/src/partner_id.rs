//! The ids a till's software sends with every terminal call: the
//! `software-house-id` and `reseller-id` headers. Dojo issues both (the
//! same for every customer of one EPOS software) and its document gives no
//! format or length for them; an empty one is a missing one, which Dojo
//! refuses, so both are checked before anything is sent.

use crate::InvalidValue;

/// The longest `software-house-id` or `reseller-id` accepted, in
/// characters. Dojo's document states no limit; Dojo issues these ids, so
/// a real one is short (a name or a GUID, tens of characters). 256 leaves
/// room for any id Dojo may issue while keeping a mistake (a file's
/// contents, a 100,000-character value) from being sent with every call,
/// where a proxy or Dojo would refuse the oversized header anyway.
pub const MAX_PARTNER_ID_CHARS: usize = 256;

/// Checks `value` as header `header` (`software-house-id` or
/// `reseller-id`): 1 to [`MAX_PARTNER_ID_CHARS`] printable ASCII
/// characters (what an HTTP header carries unchanged), not starting or
/// ending with a space (HTTP trims those, so the value sent would differ).
///
/// ```
/// use dojo_payments_types::check_partner_id;
/// assert!(check_partner_id("software-house-id", "my-epos").is_ok());
/// let empty = check_partner_id("software-house-id", "").unwrap_err();
/// assert_eq!(empty.field(), "software-house-id");
/// assert!(check_partner_id("reseller-id", &"x".repeat(257)).is_err());
/// ```
pub fn check_partner_id(header: &'static str, value: &str) -> Result<(), InvalidValue> {
    if value.is_empty() {
        return Err(InvalidValue::new(
            header,
            "must not be empty (Dojo requires it, and an empty value is a missing one)",
        ));
    }
    let chars = value.chars().count();
    if chars > MAX_PARTNER_ID_CHARS {
        return Err(InvalidValue::new(
            header,
            format!("must be at most {MAX_PARTNER_ID_CHARS} characters, got {chars}"),
        ));
    }
    if !value.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        return Err(InvalidValue::new(
            header,
            "must be printable ASCII (an HTTP header carries nothing else unchanged)",
        ));
    }
    if value.starts_with(' ') || value.ends_with(' ') {
        return Err(InvalidValue::new(
            header,
            "must not start or end with a space (HTTP trims it)",
        ));
    }
    Ok(())
}
