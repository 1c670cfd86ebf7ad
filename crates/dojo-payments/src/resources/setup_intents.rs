//! Setup intents: a card saved for merchant-initiated charges later, at
//! Dojo's checkout (api host) or from card data you hold (PCI host).

use dojo_payments_api::api::types::{self, MerchantInitiatedTransactionType};
use dojo_payments_api::pci;
use dojo_payments_types::{
    CardExpiry, CardNumber, CardholderName, Cvv, HttpsUrl, InvalidValue, Money, Open, SetupIntentId,
};
use futures_util::FutureExt;

use dojo_payments_api::operations as ops;

use crate::call::{Operation, Request};
use crate::resources::urls::{self, Refused};
use crate::{Dojo, Result};

/// The setup intents of the account: `dojo.setup_intents()`.
#[derive(Debug, Clone, Copy)]
pub struct SetupIntents<'a> {
    pub(crate) dojo: &'a Dojo,
}

const CREATE: &Operation = &ops::SETUP_INTENTS_CREATE;
const TOKENIZE: &Operation = &ops::SETUP_INTENTS_CREATE_TOKENIZED;
const GET: &Operation = &ops::SETUP_INTENTS_GET_BY_ID;
const DELETE: &Operation = &ops::SETUP_INTENTS_DELETE;
const GET_PUBLIC: &Operation = &ops::SETUP_INTENTS_GET_PUBLIC_BY_ID;
const REFRESH: &Operation = &ops::SETUP_INTENTS_REFRESH_CLIENT_SESSION_SECRET;
const REFRESH_PUBLIC: &Operation = &ops::SETUP_INTENTS_REFRESH_CLIENT_SESSION_SECRET_PUBLIC;

impl<'a> SetupIntents<'a> {
    /// A setup intent the customer authorizes at Dojo's checkout, agreeing to
    /// `terms`, for charges of type `kind` later. Chain, then `.send().await`.
    pub fn create(
        self,
        reference: impl Into<String>,
        terms: impl Into<String>,
        kind: impl Into<Open<MerchantInitiatedTransactionType>>,
    ) -> CreateSetupIntent<'a> {
        CreateSetupIntent {
            dojo: self.dojo,
            body: types::CreateSetupIntentRequest {
                reference: reference.into(),
                terms: terms.into(),
                merchant_initiated_transaction_type: kind.into(),
                billing_address: None,
                capture_mode: None,
                config: None,
                customer: None,
                description: None,
                expire_at: None,
                intended_amount: None,
                metadata: None,
                order_details: None,
                payment_methods: None,
                shipping_details: None,
            },
            refused: None,
        }
    }

    /// Tokenization: a setup intent created and authorized at once from card
    /// data you captured (PCI DSS SAQ-D). This is the one call that goes to
    /// `pci-api.dojo.tech`; every follow-up goes to the api host. The card
    /// data is held in zeroizing types and dropped (wiped) once sent.
    pub fn tokenize(
        self,
        reference: impl Into<String>,
        terms: impl Into<String>,
        kind: impl Into<Open<MerchantInitiatedTransactionType>>,
        card: Card,
    ) -> Tokenize<'a> {
        Tokenize {
            dojo: self.dojo,
            body: pci::types::CreateTokenizedSetupIntentRequest {
                reference: reference.into(),
                terms: terms.into(),
                merchant_initiated_transaction_type: kind.into(),
                card_details: pci::types::TokenizationCardDetails {
                    card_number: card.number,
                    c_v2: card.cvv,
                    card_name: card.holder,
                    expiry_date: card.expiry,
                    billing_address: None,
                },
                billing_address: None,
                capture_mode: None,
                config: None,
                customer: None,
                description: None,
                expire_at: None,
                intended_amount: None,
                metadata: None,
                order_details: None,
                payment_methods: None,
                shipping_details: None,
            },
        }
    }

    /// Setup intent `id` as a typed state, to `match` on.
    pub async fn read(self, id: &SetupIntentId) -> Result<crate::lifecycle::AnySetupIntent> {
        crate::lifecycle::AnySetupIntent::read(self.dojo, id).await
    }

    /// The setup intent `id`.
    pub async fn get(self, id: &SetupIntentId) -> Result<types::SetupIntentResponse> {
        let raw = self.dojo.api();
        self.dojo
            .send(GET, Request::NONE, || raw.setup_intents_get_by_id(id))
            .await
    }

    /// Cancels a `Created` setup intent (it becomes `Canceled`).
    pub async fn cancel(self, id: &SetupIntentId) -> Result<types::SetupIntentResponse> {
        let raw = self.dojo.api();
        self.dojo
            .send(
                DELETE,
                Request::NONE.parameter("setupIntentId", id.as_str()),
                || raw.setup_intents_delete(id, None),
            )
            .await
    }

    /// Deletes a setup intent even when `Authorized` (it becomes `Closed`):
    /// `includeAuthorized=true`.
    pub async fn close(self, id: &SetupIntentId) -> Result<types::SetupIntentResponse> {
        let raw = self.dojo.api();
        self.dojo
            .send(
                DELETE,
                Request::NONE.parameter("setupIntentId", id.as_str()),
                || raw.setup_intents_delete(id, Some(true)),
            )
            .await
    }

    /// What the customer's page may see of setup intent `id`.
    pub async fn get_public(self, id: &SetupIntentId) -> Result<types::SetupIntentPublicResponse> {
        let raw = self.dojo.api();
        self.dojo
            .send(GET_PUBLIC, Request::NONE, || {
                raw.setup_intents_get_public_by_id(id)
            })
            .await
    }

    /// A new client session secret for `id`.
    pub async fn refresh_client_session_secret(
        self,
        id: &SetupIntentId,
    ) -> Result<types::SetupIntentResponse> {
        let raw = self.dojo.api();
        self.dojo
            .send(REFRESH, Request::NONE, || {
                raw.setup_intents_refresh_client_session_secret(id)
            })
            .await
    }

    /// The same, through the customer-facing endpoint.
    pub async fn refresh_client_session_secret_public(
        self,
        id: &SetupIntentId,
    ) -> Result<types::SetupIntentPublicResponse> {
        let raw = self.dojo.api();
        self.dojo
            .send(REFRESH_PUBLIC, Request::NONE, || {
                raw.setup_intents_refresh_client_session_secret_public(id)
            })
            .await
    }
}

/// A card, as captured by a PCI DSS SAQ-D merchant: every part redacted in
/// `Debug` and wiped from memory when dropped.
#[derive(Debug)]
pub struct Card {
    /// The number (Luhn-checked).
    pub number: CardNumber,
    /// The security code.
    pub cvv: Cvv,
    /// The expiry.
    pub expiry: CardExpiry,
    /// The cardholder's name.
    pub holder: CardholderName,
}

macro_rules! common_setters {
    ($builder:ident, $request:ty) => {
        impl $builder<'_> {
            /// Anything else of the request, as the raw type.
            pub fn with(mut self, edit: impl FnOnce(&mut $request)) -> Self {
                edit(&mut self.body);
                self
            }

            /// The amount you intend to charge later.
            pub fn intended_amount(mut self, amount: Money) -> Self {
                self.body.intended_amount = Some(amount);
                self
            }

            /// A description.
            pub fn description(mut self, text: impl Into<String>) -> Self {
                self.body.description = Some(text.into());
                self
            }

            /// When the setup intent expires.
            pub fn expire_at(mut self, at: dojo_payments_types::Timestamp) -> Self {
                self.body.expire_at = Some(at);
                self
            }
        }
    };
}

/// `dojo.setup_intents().create(…)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct CreateSetupIntent<'a> {
    dojo: &'a Dojo,
    body: types::CreateSetupIntentRequest,
    refused: Refused,
}

common_setters!(CreateSetupIntent, types::CreateSetupIntentRequest);

impl CreateSetupIntent<'_> {
    /// Where Dojo's checkout sends the customer after authorizing their
    /// card (`config.redirectUrl`): an [`HttpsUrl`], or text that is one
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
}

impl CreateSetupIntent<'_> {
    /// Creates it, as a typed [`crate::lifecycle::SetupIntent`] in
    /// `Created`, waiting for the customer (another state is
    /// [`crate::Error::UnexpectedAnswer`]).
    pub fn created(
        self,
    ) -> impl Future<
        Output = Result<crate::lifecycle::SetupIntent<crate::lifecycle::setup_intent::Created>>,
    > {
        // Neither an `async fn` nor an `async` block, which would keep
        // `self`, or `send`'s future, twice in the one they make.
        let dojo = self.dojo;
        self.send()
            .map(move |sent| crate::lifecycle::setup_intent::typed(dojo, CREATE.id, sent?))
    }

    /// Checks the request (its URLs, then against Dojo's document), then
    /// creates the setup intent.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<types::SetupIntentResponse>> {
        async move {
            urls::refusal(CREATE.id, self.refused)?;
            let raw = self.dojo.api();
            let body = &self.body;
            self.dojo
                .send(CREATE, Request::body(body), || {
                    raw.setup_intents_create(body)
                })
                .await
        }
    }
}

/// `dojo.setup_intents().tokenize(…)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct Tokenize<'a> {
    dojo: &'a Dojo,
    body: pci::types::CreateTokenizedSetupIntentRequest,
}

common_setters!(Tokenize, pci::types::CreateTokenizedSetupIntentRequest);

impl Tokenize<'_> {
    /// Sends it, and reads the answer as a typed state: `Authorized` when the
    /// card was accepted.
    pub fn authorized(self) -> impl Future<Output = Result<crate::lifecycle::AnySetupIntent>> {
        // Neither an `async fn` nor an `async` block, which would keep
        // `self` (with the card data), or `send`'s future, twice.
        self.send().map(|sent| Ok(sent?.into()))
    }

    /// Checks the request, then sends it to the PCI host (the only call that
    /// does). The card data is dropped, and so wiped, when this returns.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<types::SetupIntentResponse>> {
        async move {
            let pci = self.dojo.pci();
            let body = &self.body;
            self.dojo
                .send(TOKENIZE, Request::body(body), || {
                    pci.setup_intents_create_tokenized(body)
                })
                .await
        }
    }
}
