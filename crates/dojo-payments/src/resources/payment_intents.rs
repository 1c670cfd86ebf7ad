//! Payment intents: create, read, capture, charge, reverse, cancel, refund,
//! change amounts, send receipts, search.

use std::time::Instant;

use dojo_payments_api::api::types::{self, PaymentIntentStatus};
use dojo_payments_types::{Money, Open, PaymentIntentId, RefundId};
use futures_util::FutureExt;
use futures_util::stream::BoxStream;

use dojo_payments_api::operations as ops;

use crate::call::{Operation, Request};
use crate::error::{Error, Invalid};
use crate::idempotency::IdempotencyKey;
use crate::pages::{self, Page};
use crate::proof::Delivery;
use crate::settlement::{self, Before, Evidence, Movement, Unsettled};
use crate::{Dojo, Result};

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

    /// After a money-moving call without an idempotency key: an answer
    /// without its proof is no answer ([`settlement::Evidence`]); if nothing
    /// proves what happened (`Delivery::MaybeApplied`), the intent is read
    /// once and judged by [`settlement::reading`]. The call may still be in
    /// flight, so the read can prove it applied, never that it was not:
    /// anything else is `Unknown`, with what it takes to settle it later.
    async fn settle<T: Evidence>(
        self,
        op: &Operation,
        movement: Movement,
        before: &types::PaymentIntent,
        sent_at: Instant,
        result: Result<T>,
    ) -> Result<T> {
        let error = match proven(op, result) {
            Ok(value) => return Ok(value),
            Err(error) if error.delivery() == Delivery::MaybeApplied => error,
            Err(error) => return Err(error),
        };
        let unsettled = Unsettled {
            payment_intent: id_of(op, before)?.clone(),
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
fn proven<T: Evidence>(op: &Operation, result: Result<T>) -> Result<T> {
    let answer = result?;
    match answer.missing_proof() {
        None => Ok(answer),
        Some(missing) => Err(Error::Unproven {
            operation: op.id,
            missing,
            idempotency_key: None,
        }),
    }
}

fn id_of<'i>(op: &Operation, intent: &'i types::PaymentIntent) -> Result<&'i PaymentIntentId> {
    intent
        .id
        .as_ref()
        .ok_or_else(|| Error::invalid(op.id, Invalid::Rule("the payment intent has no id".into())))
}

/// `dojo.payment_intents().create(amount, reference)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct CreatePaymentIntent<'a> {
    dojo: &'a Dojo,
    body: types::CreatePaymentIntentRequest,
}

impl CreatePaymentIntent<'_> {
    /// `Auto` (the default: captured on authorization) or `Manual`.
    pub fn capture_mode(mut self, mode: types::CaptureMode) -> Self {
        self.body.capture_mode = Some(mode);
        self
    }

    /// A description shown to the customer (up to 4,096 characters).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.body.description = Some(text.into());
        self
    }

    /// The customer paying, by id (their saved cards can then be offered).
    pub fn customer(mut self, id: &dojo_payments_types::CustomerId) -> Self {
        self.body.customer.get_or_insert_with(Default::default).id = Some(id.clone());
        self
    }

    /// The customer's secret, so that checkout can show and save their
    /// cards (the save-card guide: "pass the customer's id, secret").
    pub fn customer_secret(mut self, secret: &dojo_payments_types::CustomerSecret) -> Self {
        self.body
            .customer
            .get_or_insert_with(Default::default)
            .secret = Some(secret.clone());
        self
    }

    /// The customer as your own records name them ([`super::CustomerRef`]:
    /// `id` or `customerId`); sent as the document's `customer.id`.
    pub fn customer_ref(self, customer: &super::CustomerRef) -> Self {
        self.customer(&customer.id)
    }

    /// The customer's saved card to preselect at checkout (`savedCardId`).
    pub fn saved_card(mut self, id: &dojo_payments_types::PaymentMethodId) -> Self {
        self.body
            .customer
            .get_or_insert_with(Default::default)
            .saved_card_id = Some(id.clone());
        self
    }

    /// The payment methods offered (`Card`, `SavedCard`, wallets). A method
    /// Dojo added after this SDK was built goes as
    /// `Open::Unknown("NewMethod".into())`.
    pub fn payment_methods(
        mut self,
        methods: impl IntoIterator<Item: Into<Open<types::PaymentMethod>>>,
    ) -> Self {
        self.body.payment_methods = Some(methods.into_iter().map(Into::into).collect());
        self
    }

    /// Where Dojo's checkout sends the customer after paying
    /// (`config.redirectUrl`).
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.body
            .config
            .get_or_insert_with(Default::default)
            .redirect_url = Some(url.into());
        self
    }

    /// Where Dojo's checkout sends the customer who cancels
    /// (`config.cancelUrl`).
    pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
        self.body
            .config
            .get_or_insert_with(Default::default)
            .cancel_url = Some(url.into());
        self
    }

    /// Charge an `Authorized` setup intent (merchant-initiated).
    pub fn setup_intent(mut self, id: &dojo_payments_types::SetupIntentId) -> Self {
        self.body.setup_intent_id = Some(id.clone());
        self
    }

    /// When the intent expires.
    pub fn expire_at(mut self, at: dojo_payments_types::Timestamp) -> Self {
        self.body.expire_at = Some(at);
        self
    }

    /// Anything else of the request, as the raw type.
    pub fn with(mut self, edit: impl FnOnce(&mut types::CreatePaymentIntentRequest)) -> Self {
        edit(&mut self.body);
        self
    }

    /// Creates it, as a typed [`crate::lifecycle::PaymentIntent`] in
    /// `Created`.
    pub fn created(
        self,
    ) -> impl Future<Output = Result<crate::lifecycle::PaymentIntent<crate::lifecycle::Created>>>
    {
        // Neither an `async fn` nor an `async` block, which would keep
        // `self`, or `send`'s future, twice in the one they make.
        self.send()
            .map(|sent| crate::lifecycle::payment_intent::typed(CREATE.id, sent?))
    }

    /// Checks the request against Dojo's document, then creates the intent.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<types::PaymentIntent>> {
        async move {
            let raw = self.dojo.api();
            let body = &self.body;
            self.dojo
                .send(CREATE, Request::body(body), || {
                    raw.payment_intents_create_payment_intent(body)
                })
                .await
        }
    }
}

/// `dojo.payment_intents().refund(id, amount)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct Refund<'a> {
    dojo: &'a Dojo,
    id: &'a PaymentIntentId,
    key: Option<IdempotencyKey>,
    body: types::CreateRefundRequest,
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
            match proven(REFUND, sent) {
                Ok(refund) => Ok(RefundMade {
                    refund,
                    idempotency_key: key,
                }),
                Err(error) => Err(error.keyed(&key)),
            }
        }
    }
}

/// `dojo.payment_intents().search()`: filters, then `.stream()`.
#[derive(Debug, Clone)]
#[must_use = "a search is sent only when its stream is polled"]
pub struct SearchPaymentIntents {
    dojo: Dojo,
    body: types::SearchPaymentIntentRequest,
    page_size: i32,
}

impl SearchPaymentIntents {
    /// Only intents in these statuses.
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = PaymentIntentStatus>) -> Self {
        self.body.statuses = Some(statuses.into_iter().collect());
        self
    }

    /// Only intents created from `start` to `end`.
    pub fn created_between(
        mut self,
        start: dojo_payments_types::Timestamp,
        end: dojo_payments_types::Timestamp,
    ) -> Self {
        self.body.start_date = Some(start);
        self.body.end_date = Some(end);
        self
    }

    /// How many intents each request fetches: 1–100 (checked before the
    /// first request; default 50).
    pub fn page_size(mut self, size: u8) -> Self {
        self.page_size = i32::from(size);
        self
    }

    /// Every matching intent, page by page as the stream is polled.
    pub fn stream(self) -> BoxStream<'static, Result<types::PaymentIntent>> {
        let Self {
            dojo,
            body,
            page_size,
        } = self;
        pages::follow(SEARCH.id, move |after| {
            let dojo = dojo.clone();
            let mut body = body.clone();
            body.cursor = Some(types::Cursor {
                after,
                before: None,
                limit: page_size,
            });
            async move {
                let raw = dojo.api();
                let page = dojo
                    .send(SEARCH, Request::body(&body), || {
                        raw.payment_intents_search(&body)
                    })
                    .await?;
                Ok(Page {
                    items: page.data.unwrap_or_default(),
                    next: page.after,
                })
            }
        })
    }
}
