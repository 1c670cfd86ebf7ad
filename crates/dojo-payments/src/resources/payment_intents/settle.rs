//! After a money-moving call of a payment intent fails without proof of
//! what happened: an answer without its evidence is no answer, and an
//! ambiguous failure is settled by a read.

use crate::{Dojo, ErrorContext};
use std::time::Instant;

use dojo_payments_api::api::types;
use dojo_payments_types::PaymentIntentId;

use super::PaymentIntents;
use crate::Result;
use crate::call::Operation;
use crate::error::{Error, Invalid};
use crate::proof::Delivery;
use crate::settlement::{self, Before, Evidence, Movement, Unsettled};

impl PaymentIntents<'_> {
    /// After a money-moving call without an idempotency key: an answer
    /// without its proof is no answer ([`settlement::Evidence`]); if nothing
    /// proves what happened (`Delivery::MaybeApplied`), the intent is read
    /// once and judged by [`settlement::reading`]. The call may still be in
    /// flight, so the read can prove it applied, never that it was not:
    /// anything else is `Unknown`, with what it takes to settle it later.
    pub(super) async fn settle<T: Evidence>(
        self,
        op: &Operation,
        movement: Movement,
        before: &types::PaymentIntent,
        sent_at: Instant,
        result: Result<T>,
    ) -> Result<T> {
        let error = match proven(self.dojo, op, result) {
            Ok(value) => return Ok(value),
            Err(error) if error.delivery() == Delivery::MaybeApplied => error,
            Err(error) => return Err(error),
        };
        let unsettled = Unsettled {
            payment_intent: id_of(op, before)
                .map_err(|e| e.made_for(self.dojo.location_id()))?
                .clone(),
            movement,
            before: Before::of(before),
            sent_at,
        };
        let outcome = settlement::by_reads(
            self.dojo,
            &unsettled.payment_intent,
            &unsettled.movement,
            &unsettled.before,
            false,
        )
        .await;
        tracing::warn!(operation = op.id, ?error, outcome = ?outcome.delivery(), "ambiguous failure, read once");
        Err(Error::Interrupted {
            operation: op.id,
            outcome,
            cause: Box::new(error),
            unsettled: Box::new(unsettled),
        })
    }
}

/// `result`, unless it is a success without the evidence of the movement:
/// then [`Error::Unproven`].
pub(super) fn proven<T: Evidence>(dojo: &Dojo, op: &Operation, result: Result<T>) -> Result<T> {
    let answer = result?;
    match answer.missing_proof() {
        None => Ok(answer),
        Some(missing) => Err(Error::Unproven {
            operation: op.id,
            missing,
            idempotency_key: None,
            context: ErrorContext::at(dojo.location_id()),
        }),
    }
}

pub(super) fn id_of<'i>(
    op: &Operation,
    intent: &'i types::PaymentIntent,
) -> Result<&'i PaymentIntentId> {
    intent
        .id
        .as_ref()
        .ok_or_else(|| Error::invalid(op.id, Invalid::Rule("the payment intent has no id".into())))
}
