//! Typed identifiers of Dojo's objects.
//!
//! Each kind of object has its own type, so a refund id cannot be passed where
//! a payment intent id is expected. The types are opaque: decoding accepts any
//! string, whatever its prefix. An SDK that rejected ids with an unexpected
//! prefix broke its users' webhook handlers the day the provider changed one;
//! the expected prefix is only a hint ([`PaymentIntentId::has_expected_prefix`]).

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix Dojo's ids of this kind have been seen with (empty
            /// when none is documented). Informative only.
            pub const EXPECTED_PREFIX: &'static str = $prefix;

            /// An id given by the caller: any non-empty text without
            /// whitespace or control characters (it becomes a path segment).
            pub fn new(id: impl Into<String>) -> Result<Self, $crate::InvalidValue> {
                let id = id.into();
                if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err($crate::InvalidValue::new(
                        concat!($what, " id"),
                        format!("must be non-empty with no spaces or control characters, got {id:?}"),
                    ));
                }
                Ok(Self(id))
            }

            /// An id as a server issued it, accepted as is: exactly what
            /// decoding accepts (any text), for code that plays Dojo's side
            /// (an emulator, a test double). Callers naming an id they
            /// were given should use [`Self::new`], which checks it.
            pub fn from_wire(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as Dojo writes it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Whether the id starts with [`Self::EXPECTED_PREFIX`].
            pub fn has_expected_prefix(&self) -> bool {
                self.0.starts_with(Self::EXPECTED_PREFIX)
            }

            /// Whether this is a sandbox id (`pi_sandbox_…`).
            pub fn is_sandbox(&self) -> bool {
                self.0.contains("_sandbox_")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::InvalidValue;
            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Self::new(id)
            }
        }

        // Sound: `Eq`, `Ord` and `Hash` are the string's, so a map keyed by
        // ids can be looked up with a `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A payment intent's id (`pi_…`).
    ///
    /// ```
    /// use dojo_payments_types::PaymentIntentId;
    /// let id: PaymentIntentId = serde_json::from_str("\"pi_sandbox_RBMHTJ4fIkmSppDILZVCGw\"")?;
    /// assert!(id.is_sandbox() && id.has_expected_prefix());
    /// let odd: PaymentIntentId = serde_json::from_str("\"payint_123\"")?; // still decodes
    /// assert!(!odd.has_expected_prefix());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    PaymentIntentId, "pi_", "payment intent"
);
id_type!(
    /// A setup intent's id (`si_…`).
    SetupIntentId, "si_", "setup intent"
);
id_type!(
    /// A customer's id (`cust_…`).
    CustomerId, "cust_", "customer"
);
id_type!(
    /// A customer's saved payment method (`pm_…`).
    PaymentMethodId, "pm_", "payment method"
);
id_type!(
    /// A refund's id (`rfnd_…`).
    RefundId, "rfnd_", "refund"
);
id_type!(
    /// A capture's id (`cp_…`).
    CaptureId, "cp_", "capture"
);
id_type!(
    /// A reversal's id (`rvs_…`).
    ReversalId, "rvs_", "reversal"
);
id_type!(
    /// A webhook event's id (`evt_…`).
    WebhookEventId, "evt_", "webhook event"
);
id_type!(
    /// A webhook subscription's id (no documented prefix).
    WebhookSubscriptionId, "", "webhook subscription"
);
id_type!(
    /// A webhook signing secret's id (no documented prefix).
    WebhookSecretId, "", "webhook secret"
);
id_type!(
    /// A card terminal's id (no documented prefix).
    TerminalId, "", "terminal"
);
id_type!(
    /// A terminal session's id (no documented prefix).
    TerminalSessionId, "", "terminal session"
);
id_type!(
    /// A Dojo account's id (`acc_…`): the location account a webhook event
    /// happened in (`accountId`).
    AccountId, "acc_", "account"
);
