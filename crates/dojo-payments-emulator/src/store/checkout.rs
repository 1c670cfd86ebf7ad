//! The customer's side of checkout, shared by the Rust API, the
//! `/_emulator` controls and the HTML page: paying a payment intent (with a
//! new card, saved for later if asked, or a saved one) and adding a card to
//! a setup intent.

use chrono::{DateTime, Utc};
use dojo_payments_types::{CustomerId, PaymentMethodId};

use super::Store;
use super::customer::SavedCard;
use super::payment_intent::Payment;
use super::refusal::{Action, Outcome, Refusal};
use crate::cards::{Card, CardOutcome};

impl Store {
    /// The customer pays payment intent `id` with `card`, saving it for the
    /// intent's customer when `save`, the intent allows it (a customer and
    /// `SavedCard`) and the card is approved.
    pub fn pay(
        &mut self,
        id: &str,
        card: Card,
        save: bool,
        now: DateTime<Utc>,
    ) -> Outcome<CardOutcome> {
        let customer = self.customer_of(id)?;
        let allowed = self.find_payment_intent(id)?.allows_saving();
        let saved_id: Option<PaymentMethodId> = (save && allowed).then(|| self.ids.issue());
        let payment = Payment::new(&mut self.ids, card.clone(), saved_id.clone(), now);
        let outcome = self.payment_intent(id)?.pay(payment, now)?;
        if outcome == CardOutcome::Approved
            && let (Some(customer), Some(id)) = (customer, saved_id)
            && let Some(record) = self.customers.get_mut(&customer)
        {
            record.saved_cards.push(SavedCard { id, card });
        }
        Ok(outcome)
    }

    /// The customer pays payment intent `id` with a card they saved before
    /// (as preselected by `savedCardId`).
    pub fn pay_with_saved(
        &mut self,
        id: &str,
        method: &str,
        now: DateTime<Utc>,
    ) -> Outcome<CardOutcome> {
        let customer = self.customer_of(id)?.ok_or_else(|| {
            Refusal::state(
                Action::Pay,
                format!("payment intent {id} has no customer to have saved a card"),
            )
        })?;
        let saved = self
            .customer(customer.as_str())?
            .saved_cards
            .iter()
            .find(|c| c.id.as_str() == method)
            .cloned()
            .ok_or_else(|| Refusal::not_found("saved payment method", method))?;
        let payment = Payment::new(&mut self.ids, saved.card, Some(saved.id), now);
        self.payment_intent(id)?.pay(payment, now)
    }

    /// The customer adds `card` to setup intent `id`.
    pub fn authorize(&mut self, id: &str, card: Card, now: DateTime<Utc>) -> Outcome<CardOutcome> {
        let payment = Payment::new(&mut self.ids, card, None, now);
        self.setup_intent(id)?.authorize(payment, now)
    }

    /// The customer payment intent `id` was created for, if any.
    fn customer_of(&self, id: &str) -> Outcome<Option<CustomerId>> {
        let intent = self.find_payment_intent(id)?;
        Ok(intent.request.customer.as_ref().and_then(|c| c.id.clone()))
    }
}
