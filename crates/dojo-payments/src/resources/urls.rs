//! The URLs builders take ([`HttpsUrl`]: https, or http to this machine):
//! checked when given, and a refusal reported by `send`, before anything is
//! sent, naming the field (a builder's setters do not fail).

use dojo_payments_types::{HttpsUrl, InvalidValue};

use crate::Result;
use crate::error::{Error, Invalid};

/// The first URL a builder refused, kept for its `send` (boxed: the
/// builder, and so every future sending one, stays a pointer bigger).
pub(crate) type Refused = Option<Box<InvalidValue>>;

/// `url` as the text to send, or `None` with its refusal, naming `field`
/// (the wire path: `config.redirectUrl`), kept in `refused` unless an
/// earlier one is there.
pub(crate) fn checked(
    url: impl TryInto<HttpsUrl, Error: Into<InvalidValue>>,
    field: &'static str,
    refused: &mut Refused,
) -> Option<String> {
    match url.try_into() {
        Ok(url) => Some(url.into()),
        Err(error) => {
            if refused.is_none() {
                *refused = Some(Box::new(error.into().in_field(field)));
            }
            None
        }
    }
}

/// `Err` for `operation` when a URL given to its builder was refused.
pub(crate) fn refusal(operation: &'static str, refused: Refused) -> Result<()> {
    match refused {
        Some(value) => Err(Error::invalid(operation, Invalid::Value(*value))),
        None => Ok(()),
    }
}
