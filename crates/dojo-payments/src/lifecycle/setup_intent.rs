//! `SetupIntent<S>`: a saved card's consent, whose status is in its type.
//!
//! `charge` exists only on an `Authorized` setup intent, and consumes it: a
//! card is charged through a setup intent once.
//!
//! ```compile_fail,E0599
//! # async fn f(dojo: &dojo_payments::Dojo, setup: dojo_payments::lifecycle::setup_intent::SetupIntent<dojo_payments::lifecycle::setup_intent::Created>) {
//! setup.charge(dojo).await; // error[E0599]: no method named `charge`
//! # }
//! ```
//!
//! The same call on an `Authorized` one compiles, once:
//!
//! ```no_run
//! # async fn f(dojo: &dojo_payments::Dojo, setup: dojo_payments::lifecycle::setup_intent::SetupIntent<dojo_payments::lifecycle::setup_intent::Authorized>) {
//! let charged = setup.charge(dojo).await;
//! # }
//! ```
//!
//! and not twice:
//!
//! ```compile_fail,E0382
//! # async fn f(dojo: &dojo_payments::Dojo, setup: dojo_payments::lifecycle::setup_intent::SetupIntent<dojo_payments::lifecycle::setup_intent::Authorized>) {
//! let first = setup.charge(dojo).await;
//! let second = setup.charge(dojo).await; // error[E0382]: use of moved value
//! # }
//! ```

use crate::ErrorContext;
use dojo_payments_api::operations as ops;
use std::marker::PhantomData;

use dojo_payments_api::api::types::{self, SetupIntentStatus};
use dojo_payments_types::{Open, SetupIntentId};

use super::LifecycleRule;
use super::payment_intent::{self, PaymentIntent};
use crate::error::{Error, Found, Invalid};
use crate::{Dojo, Result};

mod sealed {
    pub trait Sealed {}
}

/// A setup intent status, as a type.
pub trait State: sealed::Sealed + Copy + std::fmt::Debug + PartialEq {
    /// The status Dojo reports.
    const STATUS: SetupIntentStatus;
}

macro_rules! states {
    ($($(#[$doc:meta])* $state:ident),*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $state;
        impl sealed::Sealed for $state {}
        impl State for $state {
            const STATUS: SetupIntentStatus = SetupIntentStatus::$state;
        }
    )*};
}

states!(
    /// Created: waiting for the customer to add a card.
    Created,
    /// Authorized: a card is saved and may be charged once.
    Authorized,
    /// Expired before a card was added.
    Expired,
    /// The card added has expired.
    CardExpired,
    /// Canceled while `Created`.
    Canceled,
    /// Deleted while `Authorized` (`includeAuthorized`).
    Closed,
    /// Charged: the setup intent is done.
    Completed
);

/// A setup intent known to be in state `S`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupIntent<S: State> {
    id: SetupIntentId,
    data: types::SetupIntentResponse,
    state: PhantomData<S>,
}

/// A setup intent in whichever state Dojo reported.
#[derive(Debug, Clone, PartialEq)]
pub enum AnySetupIntent {
    /// `Created`.
    Created(SetupIntent<Created>),
    /// `Authorized`.
    Authorized(SetupIntent<Authorized>),
    /// `Expired`.
    Expired(SetupIntent<Expired>),
    /// `CardExpired`.
    CardExpired(SetupIntent<CardExpired>),
    /// `Canceled`.
    Canceled(SetupIntent<Canceled>),
    /// `Closed`.
    Closed(SetupIntent<Closed>),
    /// `Completed`.
    Completed(SetupIntent<Completed>),
    /// A status this SDK does not know, or no id: kept as read.
    Other(Box<types::SetupIntentResponse>),
}

impl From<types::SetupIntentResponse> for AnySetupIntent {
    fn from(data: types::SetupIntentResponse) -> Self {
        let (Some(id), Some(Open::Known(status))) = (data.id.clone(), data.status.clone()) else {
            return Self::Other(Box::new(data));
        };
        macro_rules! typed {
            ($variant:ident) => {
                Self::$variant(SetupIntent {
                    id,
                    data,
                    state: PhantomData,
                })
            };
        }
        match status {
            SetupIntentStatus::Created => typed!(Created),
            SetupIntentStatus::Authorized => typed!(Authorized),
            SetupIntentStatus::Expired => typed!(Expired),
            SetupIntentStatus::CardExpired => typed!(CardExpired),
            SetupIntentStatus::Canceled => typed!(Canceled),
            SetupIntentStatus::Closed => typed!(Closed),
            SetupIntentStatus::Completed => typed!(Completed),
        }
    }
}

impl AnySetupIntent {
    /// Reads setup intent `id`.
    pub async fn read(dojo: &Dojo, id: &SetupIntentId) -> Result<Self> {
        Ok(dojo.setup_intents().get(id).await?.into())
    }

    /// The status as Dojo reported it.
    pub fn status(&self) -> Option<&Open<SetupIntentStatus>> {
        match self {
            Self::Created(s) => s.data.status.as_ref(),
            Self::Authorized(s) => s.data.status.as_ref(),
            Self::Expired(s) => s.data.status.as_ref(),
            Self::CardExpired(s) => s.data.status.as_ref(),
            Self::Canceled(s) => s.data.status.as_ref(),
            Self::Closed(s) => s.data.status.as_ref(),
            Self::Completed(s) => s.data.status.as_ref(),
            Self::Other(data) => data.status.as_ref(),
        }
    }
}

impl<S: State> SetupIntent<S> {
    /// The setup intent's id.
    pub fn id(&self) -> &SetupIntentId {
        &self.id
    }

    /// The data as Dojo sent it.
    pub fn data(&self) -> &types::SetupIntentResponse {
        &self.data
    }

    /// Its status: `S`'s.
    pub fn status(&self) -> SetupIntentStatus {
        S::STATUS
    }

    /// Reads it again.
    pub async fn refresh(&self, dojo: &Dojo) -> Result<AnySetupIntent> {
        AnySetupIntent::read(dojo, &self.id).await
    }

    /// Reads it again, expecting state `T` (after the customer authorized
    /// the card, say): another state is [`Error::UnexpectedAnswer`], with
    /// the intent as read.
    pub async fn refresh_as<T: State>(&self, dojo: &Dojo) -> Result<SetupIntent<T>> {
        typed(
            dojo,
            ops::SETUP_INTENTS_GET_BY_ID.id,
            dojo.setup_intents().get(&self.id).await?,
        )
    }
}

/// `data`, answered by `op` (which took effect), as a `SetupIntent<T>`;
/// another state is [`Error::UnexpectedAnswer`].
pub(crate) fn typed<T: State>(
    dojo: &Dojo,
    op: &'static str,
    data: types::SetupIntentResponse,
) -> Result<SetupIntent<T>> {
    match (&data.id, &data.status) {
        (Some(id), Some(Open::Known(status))) if *status == T::STATUS => Ok(SetupIntent {
            id: id.clone(),
            data,
            state: PhantomData,
        }),
        _ => Err(Error::UnexpectedAnswer {
            operation: op,
            found: Found::SetupIntent {
                intent: Box::new(data.into()),
                expected: T::STATUS,
            },
            context: ErrorContext::at(dojo.location_id()),
        }),
    }
}

impl SetupIntent<Created> {
    /// Cancels it (it becomes `Canceled`).
    pub async fn cancel(&self, dojo: &Dojo) -> Result<SetupIntent<Canceled>> {
        typed(
            dojo,
            ops::SETUP_INTENTS_DELETE.id,
            dojo.setup_intents().cancel(&self.id).await?,
        )
    }
}

/// A setup intent charged: the payment, captured, and the setup intent,
/// completed.
#[derive(Debug, Clone, PartialEq)]
pub struct Charged {
    /// The payment intent that charged the card.
    pub payment: PaymentIntent<payment_intent::Captured>,
    /// The setup intent, now `Completed`.
    pub setup: SetupIntent<Completed>,
}

impl SetupIntent<Authorized> {
    /// Deletes it although authorized (it becomes `Closed`): the card may
    /// no longer be charged.
    pub async fn close(&self, dojo: &Dojo) -> Result<SetupIntent<Closed>> {
        typed(
            dojo,
            ops::SETUP_INTENTS_DELETE.id,
            dojo.setup_intents().close(&self.id).await?,
        )
    }

    /// Charges the saved card once, for the full intended amount (Dojo's
    /// rule): a payment intent is created with `setupIntentId`, then
    /// charged. Consumes the setup intent: a second charge does not compile.
    #[expect(
        clippy::manual_async_fn,
        reason = "an `async fn` would keep the by-value `self` twice (rust-lang/rust#62958)"
    )]
    pub fn charge(self, dojo: &Dojo) -> impl Future<Output = Result<Charged>> {
        async move {
            const OP: &str = ops::PAYMENT_INTENTS_CHARGE_PAYMENT_INTENT.id;
            let Some(amount) = self.data.intended_amount else {
                return Err(Error::invalid(
                    OP,
                    Invalid::Lifecycle(LifecycleRule::NoIntendedAmount),
                )
                .made_for(dojo.location_id()));
            };
            let reference = self
                .data
                .reference
                .clone()
                .unwrap_or_else(|| self.id.to_string());
            let created = dojo
                .payment_intents()
                .create(amount, reference)
                .setup_intent(&self.id)
                .created()
                .await?;
            let payment = created.charge(dojo).await?;
            // The card is charged: a failed read says so, whatever it met.
            let setup = match dojo.setup_intents().get(&self.id).await {
                Ok(data) => typed(dojo, OP, data)?,
                Err(read) => return Err(Error::unread(OP, read)),
            };
            Ok(Charged { payment, setup })
        }
    }
}
