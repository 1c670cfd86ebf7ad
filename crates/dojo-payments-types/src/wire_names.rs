//! Which names on the wire carry which domain type: the one list of ids and
//! of secrets.
//!
//! No shape tells an id or a secret from other text, so they are known by
//! name. Two consumers read these lists, so that they can never disagree:
//! `cargo xtask regen` marks the document's properties and parameters with
//! these types (so the generated client speaks them), and `dojo_payments_api` redacts
//! the values of the [`SECRETS`] names in every body it prints.
//!
//! ```
//! use dojo_payments_types::wire_names::is_secret_name;
//!
//! assert!(is_secret_name("clientSessionSecret"));
//! assert!(!is_secret_name("reference"));
//! ```

/// One name on the wire and the domain type it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireName {
    /// The property or parameter name, exactly as Dojo's document spells it.
    pub name: &'static str,
    /// The schemas where the name carries this type; empty for every schema
    /// and every path or header parameter of that name.
    pub only_in: &'static [&'static str],
    /// The domain type, as a path from the crate root (`dojo_payments_types::…`).
    pub rust_type: &'static str,
}

impl WireName {
    /// Whether `name` in schema `schema` (`None` for a parameter) carries
    /// this type.
    pub fn matches(&self, schema: Option<&str>, name: &str) -> bool {
        self.name == name
            && (self.only_in.is_empty() || schema.is_some_and(|s| self.only_in.contains(&s)))
    }
}

const fn everywhere(name: &'static str, rust_type: &'static str) -> WireName {
    WireName {
        name,
        only_in: &[],
        rust_type,
    }
}

const fn only_in(
    name: &'static str,
    schemas: &'static [&'static str],
    rust_type: &'static str,
) -> WireName {
    WireName {
        name,
        only_in: schemas,
        rust_type,
    }
}

/// Names that carry an object's id: `…Id` properties and path parameters
/// wherever they are, and the `id` of each object's own schema.
pub const IDS: &[WireName] = &[
    everywhere("paymentIntentId", "dojo_payments_types::PaymentIntentId"),
    only_in(
        "id",
        &["PaymentIntent"],
        "dojo_payments_types::PaymentIntentId",
    ),
    everywhere("setupIntentId", "dojo_payments_types::SetupIntentId"),
    only_in(
        "id",
        &["SetupIntentResponse", "SetupIntentPublicResponse"],
        "dojo_payments_types::SetupIntentId",
    ),
    everywhere("customerId", "dojo_payments_types::CustomerId"),
    only_in(
        "id",
        &["Customer", "CustomerFull", "PaymentCustomerDetails"],
        "dojo_payments_types::CustomerId",
    ),
    everywhere("paymentMethodId", "dojo_payments_types::PaymentMethodId"),
    everywhere("savedCardId", "dojo_payments_types::PaymentMethodId"),
    only_in(
        "id",
        &["CustomerPaymentMethod"],
        "dojo_payments_types::PaymentMethodId",
    ),
    everywhere("refundId", "dojo_payments_types::RefundId"),
    everywhere("captureId", "dojo_payments_types::CaptureId"),
    only_in("id", &["CaptureDetails"], "dojo_payments_types::CaptureId"),
    everywhere("reversalId", "dojo_payments_types::ReversalId"),
    everywhere(
        "subscriptionId",
        "dojo_payments_types::WebhookSubscriptionId",
    ),
    only_in(
        "id",
        &["Subscription", "SecretsResponse"],
        "dojo_payments_types::WebhookSubscriptionId",
    ),
    everywhere("secretId", "dojo_payments_types::WebhookSecretId"),
    only_in(
        "id",
        &["SubscriptionSecret"],
        "dojo_payments_types::WebhookSecretId",
    ),
    everywhere("terminalId", "dojo_payments_types::TerminalId"),
    only_in("id", &["Terminal"], "dojo_payments_types::TerminalId"),
    everywhere(
        "terminalSessionId",
        "dojo_payments_types::TerminalSessionId",
    ),
    only_in(
        "id",
        &["TerminalSession", "TerminalSessionResponse"],
        "dojo_payments_types::TerminalSessionId",
    ),
];

/// Names that carry a secret or card data: never printed, in any body.
///
/// `authorization` is the customer-owned endpoints' header parameter
/// (`Basic cs_…`); the card fields are the PCI host's `cardDetails`.
pub const SECRETS: &[WireName] = &[
    everywhere(
        "clientSessionSecret",
        "dojo_payments_types::ClientSessionSecret",
    ),
    only_in(
        "secret",
        &["CustomerSecret", "PaymentCustomerDetails"],
        "dojo_payments_types::CustomerSecret",
    ),
    everywhere("authorization", "dojo_payments_types::CustomerSecret"),
    only_in(
        "value",
        &["SubscriptionSecret"],
        "dojo_payments_types::WebhookSecret",
    ),
    only_in(
        "cardNumber",
        &["TokenizationCardDetails"],
        "dojo_payments_types::CardNumber",
    ),
    only_in(
        "cV2",
        &["TokenizationCardDetails"],
        "dojo_payments_types::Cvv",
    ),
    only_in(
        "cardName",
        &["TokenizationCardDetails"],
        "dojo_payments_types::CardholderName",
    ),
];

/// Whether a body's property called `name` may hold a secret, in whatever
/// schema it sits (so that redaction errs on the side of hiding).
/// Compared case-insensitively: bodies from proxies and older versions do
/// not always keep Dojo's casing.
pub fn is_secret_name(name: &str) -> bool {
    SECRETS.iter().any(|s| s.name.eq_ignore_ascii_case(name))
}
