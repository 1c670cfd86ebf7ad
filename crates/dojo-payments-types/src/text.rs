//! Decoding a value from a JSON string without first copying the string.
//!
//! serde's `String` and `Cow<str>` impls both allocate, and codes, dates and
//! enum values sit in every response (a payment intent carries about a dozen):
//! these types parse the borrowed text instead. Hand-written because serde
//! has no "parse from `&str`" helper.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{Error, Visitor};

/// Decodes a string with `parse`, which sees the text borrowed from the
/// input and answers `Err(reason)` when it refuses it; `expecting` says what
/// a non-string would have had to be.
pub(crate) fn from_text<'de, D, T, E>(
    deserializer: D,
    expecting: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    struct Text<F, T> {
        expecting: &'static str,
        parse: F,
        value: PhantomData<T>,
    }

    impl<F, T, E> Visitor<'_> for Text<F, T>
    where
        F: FnOnce(&str) -> Result<T, E>,
        E: fmt::Display,
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_str<X: Error>(self, text: &str) -> Result<T, X> {
            (self.parse)(text).map_err(X::custom)
        }
    }

    deserializer.deserialize_str(Text {
        expecting,
        parse,
        value: PhantomData,
    })
}
