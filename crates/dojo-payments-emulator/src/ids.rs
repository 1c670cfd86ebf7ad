//! Ids shaped like Dojo's (`pi_sandbox_` + 22 URL-safe characters), from a
//! seedable generator so that a seeded emulator hands out the same ids on
//! every run.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dojo_payments_types::{
    CaptureId, CustomerId, PaymentIntentId, PaymentMethodId, RefundId, ReversalId, SetupIntentId,
    TerminalSessionId, WebhookEventId, WebhookSecretId, WebhookSubscriptionId,
};

/// A kind of id the emulator issues, with its prefix.
pub trait Issued: Sized {
    /// `pi_`, `cust_`, …
    const PREFIX: &'static str;
    /// The id, as issued.
    fn from_issued(id: String) -> Self;
}

macro_rules! issued {
    ($($id:ty => $prefix:expr),* $(,)?) => {
        $(impl Issued for $id {
            const PREFIX: &'static str = $prefix;
            fn from_issued(id: String) -> Self {
                <$id>::from_wire(id)
            }
        })*
    };
}

// Documented prefixes come from the id types; Dojo documents none for the
// last three, so the emulator picks its own.
issued! {
    PaymentIntentId => PaymentIntentId::EXPECTED_PREFIX,
    SetupIntentId => SetupIntentId::EXPECTED_PREFIX,
    CustomerId => CustomerId::EXPECTED_PREFIX,
    PaymentMethodId => PaymentMethodId::EXPECTED_PREFIX,
    RefundId => RefundId::EXPECTED_PREFIX,
    CaptureId => CaptureId::EXPECTED_PREFIX,
    ReversalId => ReversalId::EXPECTED_PREFIX,
    WebhookEventId => WebhookEventId::EXPECTED_PREFIX,
    WebhookSubscriptionId => "ws_",
    WebhookSecretId => "whsec_",
    TerminalSessionId => "ts_",
}

/// Makes ids and secrets.
#[derive(Debug)]
pub struct IdGenerator {
    rng: fastrand::Rng,
}

impl IdGenerator {
    /// Seeded: the same seed gives the same ids in the same order.
    pub fn seeded(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// A new id of kind `T`: its prefix, `sandbox_`, 22 characters (16
    /// random bytes).
    pub fn issue<T: Issued>(&mut self) -> T {
        T::from_issued(format!("{}sandbox_{}", T::PREFIX, self.token(16)))
    }

    /// URL-safe base64 of `bytes` random bytes.
    pub fn token(&mut self, bytes: usize) -> String {
        let raw: Vec<u8> = (0..bytes).map(|_| self.rng.u8(..)).collect();
        URL_SAFE_NO_PAD.encode(raw)
    }
}
