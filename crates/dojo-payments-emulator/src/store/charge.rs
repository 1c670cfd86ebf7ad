//! Merchant-initiated charges: a payment intent created with an
//! Authorized setup intent takes that setup intent's card, once.

use chrono::{DateTime, Utc};

use super::Store;
use super::payment_intent::Payment;
use super::refusal::Outcome;
use crate::cards::CardOutcome;

impl Store {
    /// `POST /payment-intents/{id}/charge`: the setup intent the payment
    /// intent was created with is Completed, and its card pays, captured at
    /// once. Nothing changes when either intent refuses.
    pub fn charge(&mut self, id: &str, now: DateTime<Utc>) -> Outcome<CardOutcome> {
        let setup_id = self.find_payment_intent(id)?.chargeable()?;
        let card = self.setup_intent(setup_id.as_str())?.complete(now)?;
        let payment = Payment::new(&mut self.ids, card, None, now);
        self.payment_intent(id)?.charge(payment, now)
    }
}
