//! `PaymentIntent<S>`: a payment intent whose status is in its type, with
//! only the transitions Dojo allows from that status, each checked against
//! Dojo's rules before it is sent.
//!
//! A payment intent that was never authorized has no `capture`:
//!
//! ```compile_fail,E0599
//! # async fn f(dojo: &dojo_payments::Dojo, intent: dojo_payments::lifecycle::payment_intent::PaymentIntent<dojo_payments::lifecycle::payment_intent::Created>) {
//! let amount = dojo_payments::types::Money::new(100, dojo_payments::types::Currency::GBP);
//! intent.capture(dojo, amount).await; // error[E0599]: no method named `capture`
//! # }
//! ```
//!
//! while the same call on an authorized one compiles (so the failure above
//! is the state, nothing else):
//!
//! ```no_run
//! # async fn f(dojo: &dojo_payments::Dojo, intent: dojo_payments::lifecycle::payment_intent::PaymentIntent<dojo_payments::lifecycle::payment_intent::Authorized>) {
//! let amount = dojo_payments::types::Money::new(100, dojo_payments::types::Currency::GBP);
//! intent.capture(dojo, amount).await;
//! # }
//! ```
//!
//! and one that was captured has no `cancel`:
//!
//! ```compile_fail,E0599
//! # async fn f(dojo: &dojo_payments::Dojo, intent: dojo_payments::lifecycle::payment_intent::PaymentIntent<dojo_payments::lifecycle::payment_intent::Captured>) {
//! intent.cancel(dojo).await; // error[E0599]: no method named `cancel`
//! # }
//! ```

use crate::ErrorContext;
use dojo_payments_api::operations as ops;
use std::marker::PhantomData;

use chrono::{DateTime, Duration, Utc};
use dojo_payments_api::api::types::{self, CaptureMode, PaymentIntentStatus};
use dojo_payments_types::{Money, Open, PaymentIntentId, Timestamp};
use serde::{Deserialize, Serialize};

use super::LifecycleRule;
use super::rules::{self, refuse};
use crate::error::{Error, Found};
use crate::idempotency::IdempotencyKey;
use crate::resources::RefundMade;
use crate::settlement::{self, Settled};
use crate::{Dojo, Result};

mod sealed {
    pub trait Sealed {}
}

/// A payment intent status, as a type.
pub trait State: sealed::Sealed + Copy + std::fmt::Debug + PartialEq {
    /// The status Dojo reports.
    const STATUS: PaymentIntentStatus;
}

macro_rules! states {
    ($($(#[$doc:meta])* $state:ident),*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $state;
        impl sealed::Sealed for $state {}
        impl State for $state {
            const STATUS: PaymentIntentStatus = PaymentIntentStatus::$state;
        }
    )*};
}

states!(
    /// Created: waiting for the customer to pay (or to be canceled).
    Created,
    /// Authorized: a `Manual` payment the merchant may capture or reverse.
    Authorized,
    /// Captured: the money is taken (in part, for a `Manual` one).
    Captured,
    /// Reversed: the authorization or payment was undone.
    Reversed,
    /// Refunded: some or all of a captured payment was returned.
    Refunded,
    /// Canceled before it was paid.
    Canceled
);

/// A payment intent known to be in state `S` (as of when it was read),
/// with the id and amount Dojo always sends.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentIntent<S: State> {
    id: PaymentIntentId,
    total: Money,
    data: types::PaymentIntent,
    state: PhantomData<S>,
}

/// A payment intent in whichever state Dojo reported: read one, `match`,
/// then call what that state allows. It serializes as Dojo's own JSON, so it
/// can be stored in a merchant's rows as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "types::PaymentIntent", into = "types::PaymentIntent")]
pub enum AnyPaymentIntent {
    /// `Created`.
    Created(PaymentIntent<Created>),
    /// `Authorized`.
    Authorized(PaymentIntent<Authorized>),
    /// `Captured`.
    Captured(PaymentIntent<Captured>),
    /// `Reversed`.
    Reversed(PaymentIntent<Reversed>),
    /// `Refunded`.
    Refunded(PaymentIntent<Refunded>),
    /// `Canceled`.
    Canceled(PaymentIntent<Canceled>),
    /// A status this SDK does not know (Dojo added one), or no id or
    /// amount: kept as read, with no transitions.
    Other(Box<types::PaymentIntent>),
}

impl From<types::PaymentIntent> for AnyPaymentIntent {
    fn from(data: types::PaymentIntent) -> Self {
        let (Some(id), Some(Open::Known(status)), Some(total)) = (
            data.id.clone(),
            data.status.clone(),
            settlement::total(&data),
        ) else {
            return Self::Other(Box::new(data));
        };
        macro_rules! typed {
            ($variant:ident) => {
                Self::$variant(PaymentIntent {
                    id,
                    total,
                    data,
                    state: PhantomData,
                })
            };
        }
        match status {
            PaymentIntentStatus::Created => typed!(Created),
            PaymentIntentStatus::Authorized => typed!(Authorized),
            PaymentIntentStatus::Captured => typed!(Captured),
            PaymentIntentStatus::Reversed => typed!(Reversed),
            PaymentIntentStatus::Refunded => typed!(Refunded),
            PaymentIntentStatus::Canceled => typed!(Canceled),
        }
    }
}

impl From<AnyPaymentIntent> for types::PaymentIntent {
    fn from(any: AnyPaymentIntent) -> Self {
        any.into_data()
    }
}

impl AnyPaymentIntent {
    /// The data as Dojo sent it.
    pub fn data(&self) -> &types::PaymentIntent {
        match self {
            Self::Created(p) => &p.data,
            Self::Authorized(p) => &p.data,
            Self::Captured(p) => &p.data,
            Self::Reversed(p) => &p.data,
            Self::Refunded(p) => &p.data,
            Self::Canceled(p) => &p.data,
            Self::Other(data) => data,
        }
    }

    /// The data, owned.
    pub fn into_data(self) -> types::PaymentIntent {
        match self {
            Self::Created(p) => p.data,
            Self::Authorized(p) => p.data,
            Self::Captured(p) => p.data,
            Self::Reversed(p) => p.data,
            Self::Refunded(p) => p.data,
            Self::Canceled(p) => p.data,
            Self::Other(data) => *data,
        }
    }

    /// The id, when Dojo sent one.
    pub fn id(&self) -> Option<&PaymentIntentId> {
        self.data().id.as_ref()
    }

    /// The status as Dojo reported it (a new one kept as text).
    pub fn status(&self) -> Option<&Open<PaymentIntentStatus>> {
        self.data().status.as_ref()
    }

    /// What has moved so far, captured and refunded; `None` when Dojo sent
    /// no amount.
    pub fn settled(&self) -> Option<Settled> {
        settlement::settled(self.data())
    }

    /// Reads payment intent `id`.
    pub async fn read(dojo: &Dojo, id: &PaymentIntentId) -> Result<Self> {
        Ok(dojo
            .payment_intents()
            .get_including_canceled(id)
            .await?
            .into())
    }
}

impl<S: State> PaymentIntent<S> {
    /// The payment intent's id.
    pub fn id(&self) -> &PaymentIntentId {
        &self.id
    }

    /// The data as Dojo sent it.
    pub fn data(&self) -> &types::PaymentIntent {
        &self.data
    }

    /// The data, owned.
    pub fn into_data(self) -> types::PaymentIntent {
        self.data
    }

    /// `Auto` unless Dojo says `Manual`.
    pub fn capture_mode(&self) -> CaptureMode {
        match &self.data.capture_mode {
            Some(Open::Known(mode)) => *mode,
            _ => CaptureMode::Auto,
        }
    }

    /// Its status: `S`'s.
    pub fn status(&self) -> PaymentIntentStatus {
        S::STATUS
    }

    /// What the customer pays (amount and tips).
    pub fn total(&self) -> Money {
        self.total
    }

    /// Reads it again, expecting state `T` (after the customer paid, say):
    /// another state is [`Error::UnexpectedAnswer`], with the intent as
    /// read.
    pub async fn refresh_as<T: State>(&self, dojo: &Dojo) -> Result<PaymentIntent<T>> {
        const OP: &str = ops::PAYMENT_INTENTS_GET.id;
        let data = dojo
            .payment_intents()
            .get_including_canceled(&self.id)
            .await?;
        typed(dojo, OP, data)
    }

    /// What has moved so far, captured and refunded; `None` when Dojo sent
    /// no amount.
    pub fn settled(&self) -> Option<Settled> {
        settlement::settled(&self.data)
    }

    /// Reads the payment intent again.
    pub async fn refresh(&self, dojo: &Dojo) -> Result<AnyPaymentIntent> {
        AnyPaymentIntent::read(dojo, &self.id).await
    }

    /// When the customer paid, when Dojo says.
    fn paid_at(&self) -> Option<DateTime<Utc>> {
        let text = self
            .data
            .payment_details
            .as_ref()?
            .transaction_date_time
            .as_ref()?;
        serde_json::from_value::<Timestamp>(serde_json::Value::String(text.clone()))
            .ok()?
            .instant()
    }

    /// `amount` in minor units, after the amount rules: more than zero, in
    /// the intent's currency.
    fn check_amount(&self, dojo: &Dojo, op: &'static str, amount: Money) -> Result<()> {
        rules::amount_allowed(self.total.currency(), amount).map_err(|rule| refuse(dojo, op, rule))
    }
}

/// Reads `id` after transition `op` took effect, and expects state `T`; a
/// failed read, or another state, is [`Error::UnexpectedAnswer`]: the
/// transition is done either way.
async fn expect<T: State>(
    dojo: &Dojo,
    op: &'static str,
    id: &PaymentIntentId,
) -> Result<PaymentIntent<T>> {
    match dojo.payment_intents().get_including_canceled(id).await {
        Ok(data) => typed(dojo, op, data),
        Err(read) => Err(Error::unread(op, read)),
    }
}

/// `data`, answered by `op` (which took effect), as a `PaymentIntent<T>`.
pub(crate) fn typed<T: State>(
    dojo: &Dojo,
    op: &'static str,
    data: types::PaymentIntent,
) -> Result<PaymentIntent<T>> {
    match (&data.id, &data.status, settlement::total(&data)) {
        (Some(id), Some(Open::Known(status)), Some(total)) if *status == T::STATUS => {
            Ok(PaymentIntent {
                id: id.clone(),
                total,
                data,
                state: PhantomData,
            })
        }
        _ => Err(Error::UnexpectedAnswer {
            operation: op,
            found: Found::PaymentIntent {
                intent: Box::new(data.into()),
                expected: T::STATUS,
            },
            context: ErrorContext::at(dojo.location_id()),
        }),
    }
}

impl PaymentIntent<Created> {
    /// Cancels it (Dojo allows it only while `Created`).
    pub async fn cancel(&self, dojo: &Dojo) -> Result<PaymentIntent<Canceled>> {
        let data = dojo.payment_intents().cancel(&self.data).await?;
        typed(dojo, ops::PAYMENT_INTENTS_DELETE.id, data)
    }

    /// Changes its amount (where its config allows a custom amount).
    pub async fn set_amount(&self, dojo: &Dojo, amount: Money) -> Result<PaymentIntent<Created>> {
        const OP: &str = ops::PAYMENT_INTENTS_SET_CUSTOM_AMOUNT.id;
        self.check_amount(dojo, OP, amount)?;
        if !self.allows(|p| p.custom_amount_allowed) {
            return Err(refuse(dojo, OP, LifecycleRule::CustomAmountNotAllowed));
        }
        typed(
            dojo,
            OP,
            dojo.payment_intents().set_amount(&self.id, amount).await?,
        )
    }

    /// Sets its tip (where its config allows tips).
    pub async fn set_tips(&self, dojo: &Dojo, tips: Money) -> Result<PaymentIntent<Created>> {
        const OP: &str = ops::PAYMENT_INTENTS_SET_TIPS_AMOUNT.id;
        self.check_amount(dojo, OP, tips)?;
        if !self.allows(|p| p.tips_allowed) {
            return Err(refuse(dojo, OP, LifecycleRule::TipsNotAllowed));
        }
        typed(
            dojo,
            OP,
            dojo.payment_intents().set_tips(&self.id, tips).await?,
        )
    }

    /// Charges the saved card of the setup intent it was created for
    /// (`setupIntentId`), once, for its whole amount.
    pub async fn charge(&self, dojo: &Dojo) -> Result<PaymentIntent<Captured>> {
        const OP: &str = ops::PAYMENT_INTENTS_CHARGE_PAYMENT_INTENT.id;
        if self.data.setup_intent_id.is_none() {
            return Err(refuse(dojo, OP, LifecycleRule::ChargeNeedsSetupIntent));
        }
        dojo.payment_intents().charge(&self.data).await?;
        expect(dojo, OP, &self.id).await
    }

    fn allows(&self, flag: impl Fn(&types::PaymentConfigDetails) -> Option<bool>) -> bool {
        let payment = self.data.config.as_ref().and_then(|c| c.payment.as_ref());
        payment.and_then(flag).unwrap_or(false)
    }
}

/// The states a `Manual` payment intent is captured from: `Authorized`, and
/// `Captured` while some of the authorization is not captured yet.
pub trait Capturable: State {}
impl Capturable for Authorized {}
impl Capturable for Captured {}

impl<S: Capturable> PaymentIntent<S> {
    /// Captures `amount` of a `Manual` intent: in parts if you like, never
    /// more than remains authorized.
    pub async fn capture(&self, dojo: &Dojo, amount: Money) -> Result<PaymentIntent<Captured>> {
        const OP: &str = ops::CAPTURES_CREATE.id;
        rules::capture_allowed(&self.data, amount).map_err(|rule| refuse(dojo, OP, rule))?;
        dojo.payment_intents().capture(&self.data, amount).await?;
        expect(dojo, OP, &self.id).await
    }
}

impl PaymentIntent<Authorized> {
    /// Reverses the authorization (`Manual` intents, within 7 days of the
    /// payment, by the client's clock).
    pub async fn reverse(&self, dojo: &Dojo) -> Result<PaymentIntent<Reversed>> {
        const OP: &str = ops::REVERSAL_CREATE.id;
        if let Some(paid) = self.paid_at()
            && dojo.now() - paid > Duration::days(7)
        {
            return Err(refuse(
                dojo,
                OP,
                LifecycleRule::ManualReversalAfterSevenDays,
            ));
        }
        dojo.payment_intents().reverse(&self.data).await?;
        expect(dojo, OP, &self.id).await
    }
}

impl PaymentIntent<Captured> {
    /// Reverses the payment: `Auto` intents only, on the calendar day (UTC)
    /// of the payment; a `Manual` capture can only be refunded.
    pub async fn reverse(&self, dojo: &Dojo) -> Result<PaymentIntent<Reversed>> {
        const OP: &str = ops::REVERSAL_CREATE.id;
        if self.capture_mode() == CaptureMode::Manual {
            return Err(refuse(dojo, OP, LifecycleRule::ReversalAfterManualCapture));
        }
        if let Some(paid) = self.paid_at()
            && paid.date_naive() != dojo.now().date_naive()
        {
            return Err(refuse(dojo, OP, LifecycleRule::AutoReversalAfterTheDay));
        }
        dojo.payment_intents().reverse(&self.data).await?;
        expect(dojo, OP, &self.id).await
    }
}

/// What a refund says besides its amount: why it is made, and notes for
/// your records. Dojo's limits (1,024 and 4,096 characters) are checked
/// before sending, as every request's are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefundDetails {
    /// Why the refund is made.
    pub reason: Option<String>,
    /// Notes for your records.
    pub notes: Option<String>,
}

impl RefundDetails {
    /// With `reason`, why the refund is made.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// With `notes`, for your records.
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }
}

/// The states a payment intent is refunded from: `Captured`, and `Refunded`
/// while some of the capture is not refunded yet.
pub trait Refundable: State {}
impl Refundable for Captured {}
impl Refundable for Refunded {}

impl<S: Refundable> PaymentIntent<S> {
    /// Refunds `amount`, never more (with earlier refunds) than was
    /// captured; idempotent under retries (see `Refund`), with `key` or one
    /// the SDK makes.
    pub async fn refund(
        &self,
        dojo: &Dojo,
        amount: Money,
        key: Option<IdempotencyKey>,
    ) -> Result<(RefundMade, PaymentIntent<Refunded>)> {
        self.refund_with(dojo, amount, key, RefundDetails::default())
            .await
    }

    /// Refunds as [`refund`](Self::refund) does, with the same checks
    /// before sending, saying why (`details`: its reason, notes):
    /// `p.refund_with(&dojo, amount, None,
    /// RefundDetails::default().reason("damaged in transit"))`.
    pub async fn refund_with(
        &self,
        dojo: &Dojo,
        amount: Money,
        key: Option<IdempotencyKey>,
        details: RefundDetails,
    ) -> Result<(RefundMade, PaymentIntent<Refunded>)> {
        const OP: &str = ops::REFUNDS_CREATE.id;
        rules::refund_allowed(&self.data, amount).map_err(|rule| refuse(dojo, OP, rule))?;
        let mut refund = dojo.payment_intents().refund(&self.id, amount);
        if let Some(reason) = details.reason {
            refund = refund.reason(reason);
        }
        if let Some(notes) = details.notes {
            refund = refund.notes(notes);
        }
        if let Some(key) = key {
            refund = refund.idempotency_key(key);
        }
        let made = refund.send().await?;
        Ok((made, expect(dojo, OP, &self.id).await?))
    }
}
