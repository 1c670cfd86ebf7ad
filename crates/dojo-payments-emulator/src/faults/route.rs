//! A route the emulator serves, as faults and the request log name it.

use std::fmt;

use axum::http::Method;

/// A route the emulator serves, named by method and the document's path
/// template: `POST /payment-intents/{paymentIntentId}/refunds`. Made only
/// from the router's own list, so a fault cannot aim at a route that does
/// not exist ([`crate::Emulator::route`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route(String);

impl Route {
    pub(crate) fn new(method: &Method, template: &str) -> Self {
        Self(format!("{method} {template}"))
    }

    /// `POST /payment-intents/{paymentIntentId}/refunds`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A route name the emulator does not serve: a typo, which would otherwise
/// be a fault that silently never fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRoute {
    /// The name given.
    pub name: String,
}

impl fmt::Display for UnknownRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a route the emulator serves; name one by method and the document's path template, as \"POST /payment-intents/{{paymentIntentId}}/refunds\"",
            self.name
        )
    }
}

impl std::error::Error for UnknownRoute {}
