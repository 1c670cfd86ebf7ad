//! Refunds: cumulative up to what was captured, and idempotent by the
//! merchant's `idempotencyKey`.

use chrono::{DateTime, Utc};
use dojo_payments_api::api::types;
use dojo_payments_types::{PaymentIntentId, RefundId};

use super::Store;
use super::refusal::Outcome;

/// A refund as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct RefundRecord {
    /// `rfnd_…`.
    pub id: RefundId,
    /// The payment intent refunded.
    pub payment_intent_id: PaymentIntentId,
    /// The request (amount, reason, notes).
    pub request: types::CreateRefundRequest,
}

impl RefundRecord {
    /// The refund as Dojo answers with it.
    pub fn render(&self) -> types::Refund {
        types::Refund {
            refund_id: Some(self.id.clone()),
            payment_intent_id: Some(self.payment_intent_id.clone()),
            refund_reason: self.request.refund_reason.clone(),
            notes: self.request.notes.clone(),
            ..Default::default()
        }
    }
}

impl Store {
    /// Refunds payment intent `id` under the merchant's idempotency `key`:
    /// the same key for the same payment intent is the same refund, made
    /// once.
    pub fn refund(
        &mut self,
        id: &str,
        key: String,
        request: types::CreateRefundRequest,
        now: DateTime<Utc>,
    ) -> Outcome<RefundRecord> {
        let intent = self.payment_intent(id)?;
        let intent_id = intent.id.clone();
        let keyed = (intent_id.clone(), key);
        if let Some(existing) = self.refund_keys.get(&keyed) {
            return self.find_refund(existing.as_str()).cloned();
        }
        self.payment_intent(id)?.refund(request.amount, now)?;
        let record = RefundRecord {
            id: self.ids.issue(),
            payment_intent_id: intent_id,
            request,
        };
        self.refund_keys.insert(keyed, record.id.clone());
        self.refunds.insert(record.id.clone(), record.clone());
        Ok(record)
    }
}
