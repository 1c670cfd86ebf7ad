//! Client session secrets: what a payment or setup intent hands the
//! customer's browser, replaced on refresh and on every amount change.

use chrono::{DateTime, Duration, Utc};

use crate::ids::IdGenerator;

/// How long a client session secret works.
pub const LIFETIME: Duration = Duration::minutes(30);

/// A client session secret and when it stops working.
#[derive(Debug, Clone)]
pub struct SessionSecret {
    /// The secret.
    pub value: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl SessionSecret {
    /// A new secret, working for [`LIFETIME`] from `now`.
    pub fn issue(ids: &mut IdGenerator, now: DateTime<Utc>) -> Self {
        Self {
            value: ids.token(96),
            expires_at: now + LIFETIME,
        }
    }
}
