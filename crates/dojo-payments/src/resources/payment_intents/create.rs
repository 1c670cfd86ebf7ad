//! The builder of a payment intent: `dojo.payment_intents().create(…)`.

use dojo_payments_api::api::types;
use dojo_payments_types::{HttpsUrl, InvalidValue, Open};
use futures_util::FutureExt;

use super::CREATE;
use crate::call::Request;
use crate::resources::urls::{self, Refused};
use crate::{Dojo, Result};

/// `dojo.payment_intents().create(amount, reference)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct CreatePaymentIntent<'a> {
    pub(super) dojo: &'a Dojo,
    pub(super) body: types::CreatePaymentIntentRequest,
    pub(super) refused: Refused,
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

    /// The customer as your own records name them ([`crate::resources::CustomerRef`]:
    /// `id` or `customerId`); sent as the document's `customer.id`.
    pub fn customer_ref(self, customer: &crate::resources::CustomerRef) -> Self {
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
    /// (`config.redirectUrl`): an [`HttpsUrl`], or text that is one
    /// (https, or http to this machine for development). Text that is not
    /// is refused by `send`, before sending, naming the field.
    pub fn redirect_url(mut self, url: impl TryInto<HttpsUrl, Error: Into<InvalidValue>>) -> Self {
        let url = urls::checked(url, "config.redirectUrl", &mut self.refused);
        self.body
            .config
            .get_or_insert_with(Default::default)
            .redirect_url = url;
        self
    }

    /// Where Dojo's checkout sends the customer who cancels
    /// (`config.cancelUrl`): as [`Self::redirect_url`].
    pub fn cancel_url(mut self, url: impl TryInto<HttpsUrl, Error: Into<InvalidValue>>) -> Self {
        let url = urls::checked(url, "config.cancelUrl", &mut self.refused);
        self.body
            .config
            .get_or_insert_with(Default::default)
            .cancel_url = url;
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
        let dojo = self.dojo;
        self.send()
            .map(move |sent| crate::lifecycle::payment_intent::typed(dojo, CREATE.id, sent?))
    }

    /// Checks the request (its URLs, then against Dojo's document), then
    /// creates the intent.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<types::PaymentIntent>> {
        async move {
            urls::refusal(CREATE.id, self.refused)?;
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
