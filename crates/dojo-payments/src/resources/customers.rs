//! Customers, their short-lived secrets, and the cards they saved.

use crate::ErrorContext;
use dojo_payments_api::api::types;
use dojo_payments_types::LocationId;
use dojo_payments_types::{CustomerId, CustomerSecret, PaymentMethodId};
use futures_util::stream::BoxStream;

use dojo_payments_api::operations as ops;

use crate::call::{Operation, Request};
use crate::error::{Error, Found};
use crate::pages::{self, Page};
use crate::{Dojo, Result};

/// A customer as a merchant's own JSON names them: Dojo's guides spell the
/// id both `id` and `customerId`, and both are read; the SDK sends the
/// document's `customer.id`.
///
/// ```
/// let a: dojo_payments::resources::CustomerRef = serde_json::from_str(r#"{"id":"cust_1"}"#)?;
/// let b: dojo_payments::resources::CustomerRef = serde_json::from_str(r#"{"customerId":"cust_1"}"#)?;
/// assert_eq!(a, b);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct CustomerRef {
    /// The customer's id.
    #[serde(alias = "customerId")]
    pub id: CustomerId,
}

/// A customer Dojo holds: the id it always sends, typed, and the rest as
/// Dojo sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// The customer's id.
    pub id: CustomerId,
    /// Everything Dojo sent about them.
    pub details: types::CustomerFull,
}

impl Customer {
    fn from_answer(
        at: &LocationId,
        operation: &'static str,
        details: types::CustomerFull,
    ) -> Result<Self> {
        let id = details.id.clone().ok_or_else(|| Error::UnexpectedAnswer {
            operation,
            found: Found::Missing("customer id"),
            context: ErrorContext::at(at),
        })?;
        Ok(Self { id, details })
    }

    /// Their email address, if they gave one.
    pub fn email(&self) -> Option<&str> {
        self.details.email_address.as_deref()
    }

    /// Their name, if they gave one.
    pub fn name(&self) -> Option<&str> {
        self.details.name.as_deref()
    }
}

/// A card a customer saved: its id (to preselect or delete it) and what
/// may be shown of it.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedCard {
    /// The saved card's id (`savedCardId` when paying with it).
    pub id: PaymentMethodId,
    /// The number as Dojo shows it (first digits, stars, last four).
    pub masked_pan: Option<String>,
    /// The card scheme (`VISA`, `MASTERCARD`, …).
    pub scheme: Option<dojo_payments_types::Open<types::CardScheme>>,
    /// The expiry date as Dojo sent it.
    pub expiry: Option<String>,
}

impl SavedCard {
    fn from_answer(at: &LocationId, method: types::CustomerPaymentMethod) -> Result<Self> {
        let id = method.id.ok_or_else(|| Error::UnexpectedAnswer {
            operation: METHODS.id,
            found: Found::Missing("saved card id"),
            context: ErrorContext::at(at),
        })?;
        let details = method.card_details.unwrap_or_default();
        Ok(Self {
            id,
            masked_pan: details.pan,
            scheme: details.scheme,
            expiry: details.expiry_date,
        })
    }
}

/// The customers of the account: `dojo.customers()`.
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    pub(crate) dojo: &'a Dojo,
}

const CREATE: &Operation = &ops::CUSTOMERS_CREATE;
const GET: &Operation = &ops::CUSTOMERS_GET;
const UPDATE: &Operation = &ops::CUSTOMERS_UPDATE;
const DELETE: &Operation = &ops::CUSTOMERS_DELETE;
const SECRET: &Operation = &ops::CUSTOMERS_CREATE_CUSTOMER_SECRET;
const METHODS: &Operation = &ops::CUSTOMERS_GET_PAYMENT_METHODS;
const DELETE_METHOD: &Operation = &ops::CUSTOMERS_DELETE_PAYMENT_METHOD;
const SEARCH: &Operation = &ops::CUSTOMERS_SEARCH;

impl<'a> Customers<'a> {
    /// A new customer; chain their details, then `.send().await`.
    pub fn create(self) -> CreateCustomer<'a> {
        CreateCustomer {
            dojo: self.dojo,
            body: types::CreateCustomerRequest::default(),
        }
    }

    /// The customer with `email`, or a new one: never a new customer per
    /// payment (their saved cards would be lost). Dojo's search has no
    /// filter, so this pages through the customers; store the id you get.
    pub async fn find_or_create_by_email(
        self,
        email: &str,
        name: Option<&str>,
    ) -> Result<Customer> {
        use futures_util::TryStreamExt;
        let mut all = self.search(100);
        while let Some(customer) = all.try_next().await? {
            if customer.email_address.as_deref() == Some(email) {
                return Customer::from_answer(self.dojo.location_id(), SEARCH.id, customer);
            }
        }
        let mut create = self.create().email(email);
        if let Some(name) = name {
            create = create.name(name);
        }
        create.created().await
    }

    /// The customer `id`.
    pub async fn get(self, id: &CustomerId) -> Result<types::CustomerFull> {
        let raw = self.dojo.api();
        let found = self
            .dojo
            .send(
                GET,
                Request::NONE.parameter("customerId", id.as_str()),
                || raw.customers_get(id),
            )
            .await?;
        // Dojo's document answers with a list; one id names one customer.
        found.into_iter().next().ok_or_else(|| Error::Api {
            operation: GET.id,
            error: Box::new(crate::ApiError {
                status: 404,
                title: Some("Not Found".into()),
                detail: Some(format!("no customer {id}")),
                errors: Default::default(),
                trace_id: None,
            }),
            idempotency_key: None,
            context: crate::error::ErrorContext::at(self.dojo.location_id()),
        })
    }

    /// Changes customer `id`; chain what changes, then `.send().await`.
    pub fn update(self, id: &'a CustomerId) -> UpdateCustomer<'a> {
        UpdateCustomer {
            dojo: self.dojo,
            id,
            body: types::UpdateCustomerRequest::default(),
        }
    }

    /// Deletes customer `id`.
    pub async fn delete(self, id: &CustomerId) -> Result<()> {
        let raw = self.dojo.api();
        self.dojo
            .send(
                DELETE,
                Request::NONE.parameter("customerId", id.as_str()),
                || raw.customers_delete(id),
            )
            .await
    }

    /// A new short-lived customer secret for `id` (`cs_…`, with its
    /// expiry), for the customer-owned calls and Dojo's checkout.
    pub async fn create_secret(self, id: &CustomerId) -> Result<CustomerSecret> {
        let raw = self.dojo.api();
        let answer = self
            .dojo
            .send(
                SECRET,
                Request::NONE.parameter("customerId", id.as_str()),
                || raw.customers_create_customer_secret(id),
            )
            .await?;
        let secret = answer.secret.ok_or_else(|| Error::UnexpectedAnswer {
            operation: SECRET.id,
            found: Found::Missing("secret"),
            context: ErrorContext::at(self.dojo.location_id()),
        })?;
        Ok(match answer.expire_at {
            Some(at) => secret.with_expiry(at),
            None => secret,
        })
    }

    /// The cards customer `id` saved, read with their secret (these
    /// endpoints take the customer secret, not the API key).
    pub async fn payment_methods(
        self,
        id: &CustomerId,
        secret: &CustomerSecret,
    ) -> Result<Vec<SavedCard>> {
        let raw = self.dojo.api();
        let answer = self
            .dojo
            .send(
                METHODS,
                Request::NONE
                    .parameter("customerId", id.as_str())
                    .parameter("authorization", secret),
                || raw.customers_get_payment_methods(id, secret),
            )
            .await?;
        let methods = answer.saved_payment_methods.unwrap_or_default();
        let at = self.dojo.location_id();
        methods
            .into_iter()
            .map(|method| SavedCard::from_answer(at, method))
            .collect()
    }

    /// Deletes the saved card `method` of customer `id`, with their secret.
    pub async fn delete_payment_method(
        self,
        id: &CustomerId,
        method: &PaymentMethodId,
        secret: &CustomerSecret,
    ) -> Result<()> {
        let raw = self.dojo.api();
        self.dojo
            .send(
                DELETE_METHOD,
                Request::NONE
                    .parameter("customerId", id.as_str())
                    .parameter("paymentMethodId", method.as_str())
                    .parameter("authorization", secret),
                || raw.customers_delete_payment_method(id, method, secret),
            )
            .await
    }

    /// Every customer of the account, `page_size` (1–100, checked) at a
    /// time, fetched as the stream is polled.
    pub fn search(self, page_size: u8) -> BoxStream<'static, Result<types::CustomerFull>> {
        let dojo = self.dojo.clone();
        pages::follow(dojo.location_id().clone(), SEARCH.id, move |after| {
            let dojo = dojo.clone();
            let body = types::SearchCustomerRequest {
                after,
                before: None,
                limit: i32::from(page_size),
            };
            async move {
                let raw = dojo.api();
                let page = dojo
                    .send(SEARCH, Request::body(&body), || raw.customers_search(&body))
                    .await?;
                Ok(Page {
                    items: page.data.unwrap_or_default(),
                    next: page.after,
                })
            }
        })
    }
}

macro_rules! details {
    ($builder:ident, $request:ty) => {
        impl $builder<'_> {
            /// The customer's name.
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.body.name = Some(name.into());
                self
            }

            /// Their email address.
            pub fn email(mut self, email: impl Into<String>) -> Self {
                self.body.email_address = Some(email.into());
                self
            }

            /// Their phone number (5–50 characters).
            pub fn phone(mut self, phone: impl Into<String>) -> Self {
                self.body.phone_number = Some(phone.into());
                self
            }

            /// Their billing address.
            pub fn billing_address(mut self, address: types::Address) -> Self {
                self.body.billing_address = Some(address);
                self
            }

            /// Anything else of the request, as the raw type.
            pub fn with(mut self, edit: impl FnOnce(&mut $request)) -> Self {
                edit(&mut self.body);
                self
            }
        }
    };
}

/// `dojo.customers().create()`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct CreateCustomer<'a> {
    dojo: &'a Dojo,
    body: types::CreateCustomerRequest,
}

details!(CreateCustomer, types::CreateCustomerRequest);

impl CreateCustomer<'_> {
    /// Checks the request, then creates the customer.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<types::CustomerFull>> {
        async move {
            let raw = self.dojo.api();
            let body = &self.body;
            self.dojo
                .send(CREATE, Request::body(body), || raw.customers_create(body))
                .await
        }
    }

    /// As [`send`](Self::send), answering a [`Customer`] (whose id is not
    /// an `Option`).
    pub fn created(self) -> impl Future<Output = Result<Customer>> {
        use futures_util::FutureExt;
        let dojo = self.dojo;
        self.send().map(move |answer| {
            answer.and_then(|c| Customer::from_answer(dojo.location_id(), CREATE.id, c))
        })
    }
}

/// `dojo.customers().update(id)`: chain, then `.send().await`.
#[derive(Debug)]
#[must_use = "a request is sent only by `.send().await`"]
pub struct UpdateCustomer<'a> {
    dojo: &'a Dojo,
    id: &'a CustomerId,
    body: types::UpdateCustomerRequest,
}

details!(UpdateCustomer, types::UpdateCustomerRequest);

impl UpdateCustomer<'_> {
    /// Checks the request, then updates the customer.
    #[expect(
        clippy::manual_async_fn,
        reason = "keeps `self` once in the future: see `resources`"
    )]
    pub fn send(self) -> impl Future<Output = Result<types::CustomerFull>> {
        async move {
            let raw = self.dojo.api();
            let (id, body) = (self.id, &self.body);
            self.dojo
                .send(
                    UPDATE,
                    Request::body(body).parameter("customerId", id.as_str()),
                    || raw.customers_update(id, body),
                )
                .await
        }
    }
}
