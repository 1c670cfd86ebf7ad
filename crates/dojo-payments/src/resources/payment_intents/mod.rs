//! Payment intents: create, read, capture, charge, reverse, cancel, refund,
//! change amounts, send receipts, search.
//!
//! `mod.rs` holds the handle and its calls; the builders live beside it
//! (`create.rs`, `refund.rs`, `search.rs`), and what a money-moving call
//! that failed ambiguously is found to have done, in `settle.rs`.

use std::time::Instant;

use dojo_payments_api::api::types;
use dojo_payments_types::{Money, PaymentIntentId, RefundId};

use dojo_payments_api::operations as ops;

use crate::call::{Operation, Request};
use crate::settlement::Movement;
use crate::{Dojo, Result};

mod create;
mod refund;
mod search;
mod settle;

pub use create::CreatePaymentIntent;
pub use refund::{Refund, RefundMade};
pub use search::SearchPaymentIntents;

use settle::id_of;

/// The payment intents of the account: `dojo.payment_intents()`.
#[derive(Debug, Clone, Copy)]
pub struct PaymentIntents<'a> {
    pub(crate) dojo: &'a Dojo,
}

const CREATE: &Operation = &ops::PAYMENT_INTENTS_CREATE_PAYMENT_INTENT;
const GET: &Operation = &ops::PAYMENT_INTENTS_GET;
const CANCEL: &Operation = &ops::PAYMENT_INTENTS_DELETE;
const CAPTURE: &Operation = &ops::CAPTURES_CREATE;
const CHARGE: &Operation = &ops::PAYMENT_INTENTS_CHARGE_PAYMENT_INTENT;
const REVERSE: &Operation = &ops::REVERSAL_CREATE;
const REFUND: &Operation = &ops::REFUNDS_CREATE;
const GET_REFUND: &Operation = &ops::PAYMENT_INTENTS_GET_REFUND_BY_ID;
const SET_AMOUNT: &Operation = &ops::PAYMENT_INTENTS_SET_CUSTOM_AMOUNT;
const SET_TIPS: &Operation = &ops::PAYMENT_INTENTS_SET_TIPS_AMOUNT;
const REFRESH_SECRET: &Operation = &ops::PAYMENT_INTENTS_REFRESH_CLIENT_SESSION_SECRET;
const RECEIPT: &Operation = &ops::RECEIPT_CREATE;
const SEARCH: &Operation = &ops::PAYMENT_INTENTS_SEARCH;

impl<'a> PaymentIntents<'a> {
    /// A payment intent for `amount`, named `reference` (1–60 characters,
    /// yours: an order number). Chain setters, then `.send().await`.
    pub fn create(self, amount: Money, reference: impl Into<String>) -> CreatePaymentIntent<'a> {
        CreatePaymentIntent {
            dojo: self.dojo,
            body: types::CreatePaymentIntentRequest {
                amount,
                reference: reference.into(),
                action_link: None,
                auto_expire_action: None,
                auto_expire_in: None,
                billing_address: None,
                capture_mode: None,
                card_holder_not_present: None,
                cashback_amount: None,
                config: None,
                customer: None,
                description: None,
                expire_at: None,
                generate_remote_token: None,
                is_not_online_checkout: None,
                item_lines: None,
                metadata: None,
                order_details: None,
                payment_methods: None,
                request_security: None,
                service_charge_amount: None,
                setup_intent_id: None,
                shipping_details: None,
                tax_lines: None,
                tips_amount: None,
            },
            refused: None,
        }
    }

    /// Payment intent `id` as a typed state, to `match` on.
    pub async fn read(self, id: &PaymentIntentId) -> Result<crate::lifecycle::AnyPaymentIntent> {
        crate::lifecycle::AnyPaymentIntent::read(self.dojo, id).await
    }

    /// The payment intent `id` (404 once it is canceled).
    pub async fn get(self, id: &PaymentIntentId) -> Result<types::PaymentIntent> {
        let raw = self.dojo.api();
        self.dojo
            .send(GET, Request::NONE, || raw.payment_intents_get(id, None))
            .await
    }

    /// The payment intent `id`, canceled or not.
    pub async fn get_including_canceled(
        self,
        id: &PaymentIntentId,
    ) -> Result<types::PaymentIntent> {
        let raw = self.dojo.api();
        self.dojo
            .send(GET, Request::NONE, || {
                raw.payment_intents_get(id, Some(true))
            })
            .await
    }

    /// Cancels `intent` (Dojo allows it only while `Created`). If the answer
    /// is lost, the SDK reads the intent and says whether it was canceled.
    pub async fn cancel(self, intent: &types::PaymentIntent) -> Result<types::PaymentIntent> {
        let id = id_of(CANCEL, intent)?;
        let raw = self.dojo.api();
        let sent_at = Instant::now();
        let result = self
            .dojo
            .send(CANCEL, Request::NONE, || raw.payment_intents_delete(id))
            .await;
        self.settle(CANCEL, Movement::Cancel, intent, sent_at, result)
            .await
    }

    /// Captures `amount` of a `Manual` intent that is `Authorized` (in parts
    /// if you like, never more than authorized). If the answer is lost, the
    /// SDK reads the intent and says whether the capture was made.
    pub async fn capture(
        self,
        intent: &types::PaymentIntent,
        amount: Money,
    ) -> Result<types::Capture> {
        self.capture_with_tips(intent, amount, None).await
    }

    /// [`Self::capture`], with a tip added to this capture.
    pub async fn capture_with_tips(
        self,
        intent: &types::PaymentIntent,
        amount: Money,
        tips: Option<Money>,
    ) -> Result<types::Capture> {
        let id = id_of(CAPTURE, intent)?;
        let body = types::CreateCaptureRequest {
            amount: amount.minor_units(),
            tips_amount: tips.map(|t| t.minor_units()),
        };
        let raw = self.dojo.api();
        let sent_at = Instant::now();
        let result = self
            .dojo
            .send(CAPTURE, Request::body(&body), || {
                raw.captures_create(id, &body)
            })
            .await;
        let movement = Movement::Capture { amount };
        self.settle(CAPTURE, movement, intent, sent_at, result)
            .await
    }

    /// Charges a payment intent created for an `Authorized` setup intent
    /// (`setupIntentId`), once. If the answer is lost, the SDK reads the
    /// intent and says whether the charge was made.
    pub async fn charge(self, intent: &types::PaymentIntent) -> Result<types::ChargeResponse> {
        let id = id_of(CHARGE, intent)?;
        let raw = self.dojo.api();
        let sent_at = Instant::now();
        let result = self
            .dojo
            .send(CHARGE, Request::NONE, || {
                raw.payment_intents_charge_payment_intent(id)
            })
            .await;
        self.settle(CHARGE, Movement::Charge, intent, sent_at, result)
            .await
    }

    /// Reverses `intent` (Manual and Authorized within 7 days; Auto and
    /// Captured the same day). If the answer is lost, the SDK reads the
    /// intent and says whether it was reversed.
    pub async fn reverse(self, intent: &types::PaymentIntent) -> Result<types::Reversal> {
        let id = id_of(REVERSE, intent)?;
        let raw = self.dojo.api();
        let sent_at = Instant::now();
        let result = self
            .dojo
            .send(REVERSE, Request::NONE, || raw.reversal_create(id))
            .await;
        self.settle(REVERSE, Movement::Reverse, intent, sent_at, result)
            .await
    }

    /// A refund of `amount` of payment intent `id`. It carries an
    /// idempotency key (one made for it unless you give yours), the same on
    /// every retry, so it is never made twice; the key comes back with it.
    pub fn refund(self, id: &'a PaymentIntentId, amount: Money) -> Refund<'a> {
        Refund {
            dojo: self.dojo,
            id,
            key: None,
            body: types::CreateRefundRequest {
                amount: amount.minor_units(),
                notes: None,
                previous_transaction_id: None,
                refund_reason: None,
            },
        }
    }

    /// The refund `id`.
    pub async fn get_refund(self, id: &RefundId) -> Result<types::Refund> {
        let raw = self.dojo.api();
        self.dojo
            .send(
                GET_REFUND,
                Request::NONE.parameter("refundId", id.as_str()),
                || raw.payment_intents_get_refund_by_id(id),
            )
            .await
    }

    /// Changes the amount of `id` (where its config allows custom amounts).
    pub async fn set_amount(
        self,
        id: &PaymentIntentId,
        amount: Money,
    ) -> Result<types::PaymentIntent> {
        let body = types::SetAmountRequest {
            amount,
            item_lines: None,
            tax_lines: None,
        };
        let raw = self.dojo.api();
        self.dojo
            .send(SET_AMOUNT, Request::body(&body), || {
                raw.payment_intents_set_custom_amount(id, &body)
            })
            .await
    }

    /// Sets the tip of `id` (where its config allows tips).
    pub async fn set_tips(self, id: &PaymentIntentId, tips: Money) -> Result<types::PaymentIntent> {
        let body = types::SetTipsAmountRequest { tips_amount: tips };
        let raw = self.dojo.api();
        self.dojo
            .send(SET_TIPS, Request::body(&body), || {
                raw.payment_intents_set_tips_amount(id, &body)
            })
            .await
    }

    /// A new client session secret for `id` (the old one stops working).
    pub async fn refresh_client_session_secret(
        self,
        id: &PaymentIntentId,
    ) -> Result<types::PaymentIntent> {
        let raw = self.dojo.api();
        self.dojo
            .send(REFRESH_SECRET, Request::NONE, || {
                raw.payment_intents_refresh_client_session_secret(id)
            })
            .await
    }

    /// Emails the receipt of `id` to `emails`.
    pub async fn send_receipt(
        self,
        id: &PaymentIntentId,
        emails: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<()> {
        let body = types::SendEmailReceiptRequest {
            emails: emails.into_iter().map(Into::into).collect(),
        };
        let raw = self.dojo.api();
        self.dojo
            .send(RECEIPT, Request::body(&body), || {
                raw.receipt_create(id, &body)
            })
            .await
    }

    /// A search of the account's payment intents; `.stream()` pages through
    /// every match.
    pub fn search(self) -> SearchPaymentIntents {
        SearchPaymentIntents {
            dojo: self.dojo.clone(),
            body: types::SearchPaymentIntentRequest::default(),
            page_size: 50,
        }
    }
}
