//! Checking a request against Dojo's document before it is sent.
//!
//! `cargo xtask regen` writes an [`Validate`] impl for every generated
//! struct from the document's constraints (lengths, ranges, patterns): the
//! types accept anything, so that no response is ever refused, and requests
//! are checked here instead. Required fields are required by the types
//! themselves; [`Rule::Required`] is for callers that decode JSON (the
//! emulator). A violation names the field path and the rule, never the value,
//! which may be a secret.
//!
//! ```
//! use dojo_payments_api::Validate;
//! use dojo_payments_api::api::types::CreateCustomerRequest;
//!
//! let request = CreateCustomerRequest {
//!     phone_number: Some("12".into()),
//!     ..Default::default()
//! };
//! let violations = request.validate().unwrap_err();
//! assert_eq!(violations.to_string(), "phoneNumber must be 5–50 characters, got 2");
//! ```

use std::fmt;
use std::sync::OnceLock;

/// A value checked against the document's constraints.
pub trait Validate {
    /// Every violation, or `Ok` when there is none.
    fn validate(&self) -> Result<(), Violations> {
        let mut out = Vec::new();
        self.collect_violations(&FieldPath::ROOT, &mut out);
        if out.is_empty() {
            Ok(())
        } else {
            Err(Violations(out))
        }
    }

    /// Appends the violations of `self`, found at `at`, to `out`.
    fn collect_violations(&self, at: &FieldPath<'_>, out: &mut Vec<Violation>);
}

impl<T: Validate> Validate for Option<T> {
    fn collect_violations(&self, at: &FieldPath<'_>, out: &mut Vec<Violation>) {
        if let Some(inner) = self {
            inner.collect_violations(at, out);
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn collect_violations(&self, at: &FieldPath<'_>, out: &mut Vec<Violation>) {
        for (i, item) in self.iter().enumerate() {
            item.collect_violations(&at.index(i), out);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn collect_violations(&self, at: &FieldPath<'_>, out: &mut Vec<Violation>) {
        (**self).collect_violations(at, out);
    }
}

/// For the generated code: `Validate` for types the document constrains in
/// no way (enums, and objects with no constrained or nested field).
macro_rules! nothing_to_check {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::Validate for $ty {
            fn collect_violations(
                &self,
                _: &$crate::validate::FieldPath<'_>,
                _: &mut ::std::vec::Vec<$crate::validate::Violation>,
            ) {
            }
        }
    )*};
}

pub(crate) use nothing_to_check;

/// Where in a request a value sits, built on the stack as the check
/// descends and written out only when a violation is found.
#[derive(Debug, Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    segment: Segment<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    Root,
    Field(&'a str),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    /// The request itself.
    pub const ROOT: FieldPath<'static> = FieldPath {
        parent: None,
        segment: Segment::Root,
    };

    /// The property `name` (as spelled on the wire) of the value here.
    pub fn field(&'a self, name: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Field(name),
        }
    }

    /// Item `index` of the array here.
    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    fn render(&self) -> String {
        let mut segments = Vec::new();
        let mut here = Some(self);
        while let Some(path) = here {
            segments.push(path.segment);
            here = path.parent;
        }
        let mut out = String::new();
        for segment in segments.iter().rev() {
            match segment {
                Segment::Root => {}
                Segment::Field(name) if out.is_empty() => out.push_str(name),
                Segment::Field(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Too few or too many characters (counted as characters, not bytes).
    Length {
        /// The fewest allowed.
        min: Option<u64>,
        /// The most allowed.
        max: Option<u64>,
        /// How many there were.
        actual: u64,
    },
    /// A number outside its range.
    Range {
        /// The smallest allowed.
        min: Option<i64>,
        /// The largest allowed.
        max: Option<i64>,
        /// The number given.
        actual: i64,
    },
    /// Text that does not match the document's pattern.
    Pattern {
        /// The regular expression, as the document writes it.
        pattern: &'static str,
    },
    /// A required field is missing.
    Required,
    /// A field the document's (closed) schema does not have: kept when
    /// decoding a response, refused in a request.
    Unknown,
    /// An enum value the document does not list: kept when decoding a
    /// response (`Open::Unknown`), refused in a request.
    Unlisted,
    /// Text not in the document's `format` (`uri`: an absolute URL).
    Format {
        /// The format, as the document names it.
        format: &'static str,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { min, max, actual } => match (min, max) {
                (Some(min), Some(max)) => write!(f, "must be {min}–{max} characters, got {actual}"),
                (Some(min), None) => write!(f, "must be at least {min} characters, got {actual}"),
                (None, Some(max)) => write!(f, "must be at most {max} characters, got {actual}"),
                (None, None) => write!(f, "has a length of {actual}"),
            },
            Self::Range { min, max, actual } => match (min, max) {
                (Some(min), Some(max)) => write!(f, "must be {min}–{max}, got {actual}"),
                (Some(min), None) => write!(f, "must be at least {min}, got {actual}"),
                (None, Some(max)) => write!(f, "must be at most {max}, got {actual}"),
                (None, None) => write!(f, "is {actual}"),
            },
            Self::Pattern { pattern } => write!(f, "must match `{pattern}`"),
            Self::Required => f.write_str("is required"),
            Self::Unknown => f.write_str("is not in the document's schema"),
            Self::Unlisted => f.write_str("is not one of the values the document lists"),
            Self::Format { format } => write!(f, "must be a {format}"),
        }
    }
}

/// One broken constraint: where, and which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    field: String,
    rule: Rule,
}

impl Violation {
    /// A violation of `rule` at the dotted wire path `field`
    /// (`billingAddress.city`, `items[2].name`).
    pub fn new(field: impl Into<String>, rule: Rule) -> Self {
        Self {
            field: field.into(),
            rule,
        }
    }

    /// The field's path as spelled on the wire: `billingAddress.city`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule it broke.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() {
            "the request"
        } else {
            &self.field
        };
        write!(f, "{field} {}", self.rule)
    }
}

/// Every violation of one request (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// `list` as violations; `None` when it is empty.
    pub fn from_list(list: Vec<Violation>) -> Option<Self> {
        (!list.is_empty()).then_some(Self(list))
    }

    /// The violations, in field order.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// The violations, owned.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Text a length or pattern constraint applies to; `None` when absent.
pub trait Text {
    /// The text, when there is some.
    fn text(&self) -> Option<&str>;
}

impl Text for String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Text for dojo_payments_types::CountryCode {
    fn text(&self) -> Option<&str> {
        Some(self.as_str())
    }
}

impl<T: Text> Text for Option<T> {
    fn text(&self) -> Option<&str> {
        self.as_ref().and_then(Text::text)
    }
}

/// A number a range constraint applies to; `None` when absent.
pub trait Number {
    /// The number, saturated into `i64`.
    fn number(&self) -> Option<i64>;
}

macro_rules! numbers {
    ($($ty:ty),*) => {$(
        impl Number for $ty {
            fn number(&self) -> Option<i64> {
                Some(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}

numbers!(i8, i16, i32, i64, u8, u16, u32, u64, usize);

impl<T: Number> Number for Option<T> {
    fn number(&self) -> Option<i64> {
        self.as_ref().and_then(Number::number)
    }
}

/// For the generated code: a length constraint on the field `name` at `at`.
pub fn length(
    value: &impl Text,
    at: &FieldPath<'_>,
    name: &str,
    (min, max): (Option<u64>, Option<u64>),
    out: &mut Vec<Violation>,
) {
    let Some(text) = value.text() else { return };
    let actual = text.chars().count() as u64;
    if min.is_some_and(|min| actual < min) || max.is_some_and(|max| actual > max) {
        out.push(Violation::new(
            at.field(name).render(),
            Rule::Length { min, max, actual },
        ));
    }
}

/// For the generated code: a range constraint on the field `name` at `at`.
pub fn range(
    value: &impl Number,
    at: &FieldPath<'_>,
    name: &str,
    (min, max): (Option<i64>, Option<i64>),
    out: &mut Vec<Violation>,
) {
    let Some(actual) = value.number() else { return };
    if min.is_some_and(|min| actual < min) || max.is_some_and(|max| actual > max) {
        out.push(Violation::new(
            at.field(name).render(),
            Rule::Range { min, max, actual },
        ));
    }
}

/// A document's regular expression, compiled on first use.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<regex_lite::Regex>>,
}

impl Pattern {
    /// The pattern `source`; the generator has checked that it compiles.
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| regex_lite::Regex::new(self.source).ok())
            .as_ref()
            .is_none_or(|re| re.is_match(text))
    }
}

/// For the generated code: a pattern constraint on the field `name` at `at`.
pub fn pattern(
    value: &impl Text,
    at: &FieldPath<'_>,
    name: &str,
    pattern: &Pattern,
    out: &mut Vec<Violation>,
) {
    let Some(text) = value.text() else { return };
    if !pattern.is_match(text) {
        out.push(Violation::new(
            at.field(name).render(),
            Rule::Pattern {
                pattern: pattern.source,
            },
        ));
    }
}

/// A field of one of the document's enums (`Open<E>`, in options and lists).
pub trait Listed {
    /// The first value the document does not list, if any.
    fn unlisted(&self) -> Option<&str>;
}

impl<T> Listed for dojo_payments_types::Open<T> {
    fn unlisted(&self) -> Option<&str> {
        match self {
            dojo_payments_types::Open::Known(_) => None,
            dojo_payments_types::Open::Unknown(value) => Some(value),
        }
    }
}

impl<T: Listed> Listed for Option<T> {
    fn unlisted(&self) -> Option<&str> {
        self.as_ref().and_then(Listed::unlisted)
    }
}

impl<T: Listed> Listed for Vec<T> {
    fn unlisted(&self) -> Option<&str> {
        self.iter().find_map(Listed::unlisted)
    }
}

/// For the generated code: an enum field's value is one the document lists
/// (decoding keeps any value, so that a response never fails over one Dojo
/// adds; a request must not send one).
pub fn listed(value: &impl Listed, at: &FieldPath<'_>, name: &str, out: &mut Vec<Violation>) {
    if value.unlisted().is_some() {
        out.push(Violation::new(at.field(name).render(), Rule::Unlisted));
    }
}

/// For the generated code: a `format: uri` field holds an absolute URL.
pub fn uri(value: &impl Text, at: &FieldPath<'_>, name: &str, out: &mut Vec<Violation>) {
    let Some(text) = value.text() else { return };
    if reqwest::Url::parse(text).is_err() {
        out.push(Violation::new(
            at.field(name).render(),
            Rule::Format { format: "uri" },
        ));
    }
}

/// For the generated code: the fields kept in `extra` of an object whose
/// schema is closed (`additionalProperties: false` in Dojo's document) are
/// not the document's, so a request must not carry them.
pub fn no_unknown_fields(
    extra: &serde_json::Map<String, serde_json::Value>,
    at: &FieldPath<'_>,
    out: &mut Vec<Violation>,
) {
    for name in extra.keys() {
        out.push(Violation::new(at.field(name).render(), Rule::Unknown));
    }
}

/// For the generated code: the constraints of a nested object (or array or
/// option of objects) in the field `name` at `at`.
pub fn nested(value: &impl Validate, at: &FieldPath<'_>, name: &str, out: &mut Vec<Violation>) {
    value.collect_violations(&at.field(name), out);
}

/// A plain-HTTP URL whose host is this machine: `localhost`, an address in
/// 127.0.0.0/8, or `[::1]` (parsed, so `http://127.0.0.1.evil.example` and
/// `http://localhost.evil.example` are not). Dojo's document takes only
/// `https://` webhook URLs; the emulator also takes these (so tests can
/// receive deliveries without TLS), and the SDK allows them when it talks to
/// an API on loopback itself. Decided by
/// [`HttpsUrl`](dojo_payments_types::HttpsUrl), the one place that says what
/// "this machine" is.
// Public for the workspace's crates only (the emulator's webhook URLs, the
// SDK's subscriptions to an emulator) and `tests/tests/validate.rs`; not part
// of the API: `HttpsUrl::is_loopback_http` is.
#[doc(hidden)]
pub fn is_loopback_http(url: &str) -> bool {
    dojo_payments_types::HttpsUrl::new(url).is_ok_and(|url| url.is_loopback_http())
}
