//! The one error every fallible constructor of this crate returns.

use std::borrow::Cow;

/// A value was rejected before it could reach Dojo: names the field and the
/// rule it broke, never the value itself when the value is a secret or card
/// data.
///
/// ```
/// let err = dojo_payments_types::ApiKey::new("pk_live_123").unwrap_err();
/// assert_eq!(err.field(), "api_key");
/// assert_eq!(err.to_string(), "api_key must start with `sk_sandbox_` or `sk_prod_`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {rule}")]
pub struct InvalidValue {
    field: Cow<'static, str>,
    rule: String,
}

impl InvalidValue {
    /// A rejection of `field` for breaking `rule` (phrased to follow the field
    /// name: "must be 1–60 characters, got 61").
    pub fn new(field: impl Into<Cow<'static, str>>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The field that was rejected, as named in Dojo's API (`reference`,
    /// `currencyCode`) or in this SDK (`api_key`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule the value broke.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The same rejection, naming the field by a more precise path
    /// (`amount.currencyCode` instead of `currencyCode`).
    pub fn in_field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = field.into();
        self
    }
}
