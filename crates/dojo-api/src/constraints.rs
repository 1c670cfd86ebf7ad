//! The shape of the generated constraint tables.

/// What Dojo's document requires of one field of a request (or response)
/// schema: `dojo_api::api::constraints::FIELDS` lists every one.
///
/// ```
/// let reference = dojo_api::api::constraints::FIELDS
///     .iter()
///     .find(|c| c.schema == "CreatePaymentIntentRequest" && c.field == "reference")
///     .unwrap();
/// assert_eq!((reference.min_length, reference.max_length), (Some(1), Some(60)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldConstraints {
    /// The component schema, as named in the document.
    pub schema: &'static str,
    /// The property, as named on the wire; empty for the schema itself.
    pub field: &'static str,
    /// The fewest characters (or items) allowed.
    pub min_length: Option<u64>,
    /// The most characters (or items) allowed.
    pub max_length: Option<u64>,
    /// A regular expression the value must match.
    pub pattern: Option<&'static str>,
    /// The smallest number allowed.
    pub minimum: Option<i64>,
    /// The largest number allowed.
    pub maximum: Option<i64>,
}

impl FieldConstraints {
    /// Why `text` breaks these constraints, phrased to follow the field name
    /// ("must be 1–60 characters, got 61"); `None` when it does not. Counts
    /// characters, not bytes. Patterns are not checked here.
    pub fn check_length(&self, text: &str) -> Option<String> {
        let count = text.chars().count() as u64;
        let too_short = self.min_length.is_some_and(|min| count < min);
        let too_long = self.max_length.is_some_and(|max| count > max);
        (too_short || too_long).then(|| match (self.min_length, self.max_length) {
            (Some(min), Some(max)) => format!("must be {min}–{max} characters, got {count}"),
            (Some(min), None) => format!("must be at least {min} characters, got {count}"),
            (None, Some(max)) => format!("must be at most {max} characters, got {count}"),
            (None, None) => unreachable!("a bound was broken"),
        })
    }

    /// Why `value` breaks the numeric range; `None` when it does not.
    pub fn check_range(&self, value: i64) -> Option<String> {
        match (self.minimum, self.maximum) {
            (Some(min), _) if value < min => Some(format!("must be at least {min}, got {value}")),
            (_, Some(max)) if value > max => Some(format!("must be at most {max}, got {value}")),
            _ => None,
        }
    }
}
