//! Idempotency keys: Dojo's `idempotencyKey` header on refunds, made by the
//! SDK when the caller gives none, and the same on every retry.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use dojo_payments_types::{InvalidValue, PaymentIntentId};

/// A key that lets Dojo recognise a retry of the same refund: 1–100
/// printable characters. Store it with the refund you meant, so that a
/// retry after a crash reuses it.
///
/// ```
/// use dojo_payments::IdempotencyKey;
/// let key = IdempotencyKey::new("order-1001-refund-1")?;
/// assert!(IdempotencyKey::new("").is_err());
/// assert_eq!(IdempotencyKey::generate().as_str().len(), 36); // a UUID v4
/// # Ok::<(), dojo_payments::types::InvalidValue>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Dojo's limit on the key's length.
    pub const MAX_CHARS: usize = 100;

    /// A key of the caller's: checked before anything is sent.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidValue> {
        let key = key.into();
        let count = key.chars().count();
        if !(1..=Self::MAX_CHARS).contains(&count) {
            return Err(InvalidValue::new(
                "idempotencyKey",
                format!("must be 1–100 characters, got {count}"),
            ));
        }
        if !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(InvalidValue::new(
                "idempotencyKey",
                "must be printable ASCII without spaces (it is sent as a header)",
            ));
        }
        Ok(Self(key))
    }

    /// A new random key (a UUID v4).
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The key, as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({:?})", self.0)
    }
}

/// The keys this client has sent, with a fingerprint of the request each
/// went with, so that a key reused for a different refund is refused before
/// sending (Dojo would answer with the first refund). Bounded: the oldest
/// keys are forgotten first.
#[derive(Debug, Default)]
pub(crate) struct UsedKeys {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    fingerprints: HashMap<(PaymentIntentId, IdempotencyKey), u64>,
    order: VecDeque<(PaymentIntentId, IdempotencyKey)>,
}

const REMEMBERED: usize = 10_000;

impl UsedKeys {
    /// Records `key` for `request` on `intent`; false when the key was
    /// already used there for a different request.
    pub fn claim(
        &self,
        intent: &PaymentIntentId,
        key: &IdempotencyKey,
        request: &impl serde::Serialize,
    ) -> bool {
        let fingerprint = fingerprint(request);
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = (intent.clone(), key.clone());
        if let Some(previous) = seen.fingerprints.get(&slot) {
            return *previous == fingerprint;
        }
        if seen.order.len() >= REMEMBERED
            && let Some(oldest) = seen.order.pop_front()
        {
            seen.fingerprints.remove(&oldest);
        }
        seen.fingerprints.insert(slot.clone(), fingerprint);
        seen.order.push_back(slot);
        true
    }
}

fn fingerprint(request: &impl serde::Serialize) -> u64 {
    let mut hasher = DefaultHasher::new();
    serde_json::to_string(request)
        .unwrap_or_default()
        .hash(&mut hasher);
    hasher.finish()
}
