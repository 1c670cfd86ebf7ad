//! The builder of a refund, and the refund made with its key:
//! `dojo.payment_intents().refund(id, amount)`.

use crate::ErrorContext;
use dojo_payments_api::api::types;
use dojo_payments_types::PaymentIntentId;

use super::REFUND;
use super::settle::proven;
use crate::call::Request;
use crate::error::Error;
use crate::idempotency::IdempotencyKey;
use crate::{Dojo, Result};

/// `dojo.payment_intents().refund(id, amount)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct Refund<'a> {
    pub(super) dojo: &'a Dojo,
    pub(super) id: &'a PaymentIntentId,
    pub(super) key: Option<IdempotencyKey>,
    pub(super) body: types::CreateRefundRequest,
}

/// A refund made, and the idempotency key it was made with (store it: a
/// retry with it can never refund twice).
#[derive(Debug, Clone, PartialEq)]
pub struct RefundMade {
    /// Dojo's answer.
    pub refund: types::Refund,
    /// The key sent.
    pub idempotency_key: IdempotencyKey,
}

impl Refund<'_> {
    /// Your idempotency key (1–100 characters): use the same one to retry
    /// this refund later, a new one for another refund.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Why the refund is made (up to 1,024 characters).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.body.refund_reason = Some(reason.into());
        self
    }

    /// Notes for your records (up to 4,096 characters).
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.body.notes = Some(notes.into());
        self
    }

    /// Checks the request, then refunds; retried safely with the same key.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<RefundMade>> {
        async move {
            let key = self.key.unwrap_or_else(IdempotencyKey::generate);
            if !self.dojo.inner.used_keys.claim(self.id, &key, &self.body) {
                return Err(Error::IdempotencyKeyReused {
                    operation: REFUND.id,
                    key,
                    context: ErrorContext::at(self.dojo.location_id()),
                });
            }
            let raw = self.dojo.api();
            let (id, body) = (self.id, &self.body);
            let sent = self
                .dojo
                .send(
                    REFUND,
                    Request::body(body).parameter("idempotencyKey", key.as_str()),
                    || raw.refunds_create(id, key.as_str(), body),
                )
                .await;
            // The key travels with every error: the one thing a caller
            // needs to resend the refund safely.
            match proven(self.dojo, REFUND, sent) {
                Ok(refund) => Ok(RefundMade {
                    refund,
                    idempotency_key: key,
                }),
                Err(error) => Err(error.keyed(&key)),
            }
        }
    }
}
