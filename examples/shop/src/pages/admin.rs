//! Admin: every order and booking; capture a manual order in parts, refund
//! part of a captured one, charge or close a booking's card, and each
//! order's history of webhook events. Admins only ([`Admin`]); every form
//! carries a token shown to the admin's session, which names the call in
//! the journal, so the client does not choose it. Every call is recorded
//! with the admin who asked for it before it is made, and shown on the
//! order's page ([`crate::store::StaffAction`]), with the staff member who
//! took a phone order.

use askama::Template;
use axum::extract::{Path, Query, State};
use dojo_payments::journal::{Entry, EntryState, JournalError, JournalStore};
use dojo_payments::lifecycle::setup_intent::{AnySetupIntent, Authorized, SetupIntent};
use dojo_payments::settlement::Movement;
use dojo_payments::types::{InvalidValue, Money, PaymentIntentId};
use serde::Deserialize;

use super::booking::setup_status;
use super::{AppState, Chrome, Page, PageError, flash, render, see_other, see_other_saying};
use crate::auth::{Admin, Visitor};
use crate::order::{Order, OrderKind};
use crate::store::{Booking, EventRecord, Flash, NewOrder, PhoneAudit, StaffAction};

/// The purpose an admin form's token is issued for.
const PURPOSE: &str = "admin";

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    orders: Vec<Order>,
    bookings: Vec<Booking>,
}

/// `GET /admin`.
pub async fn index(State(state): State<AppState>, Admin(_): Admin, visitor: Visitor) -> Page {
    render(&AdminPage {
        chrome: Chrome::plain(&visitor).await,
        orders: state.db.orders().await?,
        bookings: state.db.bookings().await?,
    })
}

/// The page's `said`: the id of a message an action kept for this session
/// ([`super::see_other_saying`]), never the message itself.
#[derive(Debug, Default, Deserialize)]
pub struct Said {
    said: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_order.html")]
struct OrderPage {
    chrome: Chrome,
    order: Order,
    events: Vec<EventRecord>,
    moves: Vec<Entry>,
    /// A call of this order's whose outcome is not known yet: while there
    /// is one, no new capture or refund is offered (it could be a second
    /// one), only the same call again, under its own name.
    unconfirmed: Option<Entry>,
    /// The name a new capture or refund made from this page goes under.
    attempt: String,
    /// Who did what to it: its captures, refunds and charge.
    actions: Vec<StaffAction>,
    /// A phone order's audit: who took it.
    phone: Option<PhoneAudit>,
    said: Option<Flash>,
}

impl OrderPage {
    /// Waiting for Dojo's webhook: the page refreshes itself.
    fn pending(&self) -> bool {
        self.order.status == crate::order::OrderStatus::Pending
    }

    /// The attempt part of a journal name (`{order}/refund/{attempt}`).
    fn attempt_of<'a>(&self, entry: &'a Entry) -> &'a str {
        entry.name.rsplit('/').next().unwrap_or_default()
    }

    /// Whether `entry` is made again from this page (a capture or a refund,
    /// by its form); a charge is settled by the shop's reconciling.
    fn retried_here(&self, entry: &Entry) -> bool {
        matches!(
            entry.movement,
            Movement::Capture { .. } | Movement::Refund { .. }
        )
    }
}

/// `GET /admin/orders/{id}`.
pub async fn order(
    State(state): State<AppState>,
    Admin(_): Admin,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(said): Query<Said>,
) -> Page {
    let order = find_order(&state, &id).await?;
    // A capture or refund just made answers before its outcome is written.
    state.journal.flush().await;
    let moves = match &order.payment_intent_id {
        Some(intent) => state
            .journal
            .store()
            .entries_for(intent)
            .await
            .map_err(JournalError::from)?,
        None => Vec::new(),
    };
    let unconfirmed = moves.iter().find(|e| e.state.is_open()).cloned();
    render(&OrderPage {
        chrome: Chrome::with_forms(&visitor).await?,
        events: state.db.events(&id).await?,
        attempt: visitor.issue_form_token(PURPOSE).await?,
        actions: state.db.actions(&id).await?,
        phone: state.db.phone_audit(&id).await?,
        order,
        moves,
        unconfirmed,
        said: flash(&state, &visitor, said.said.as_deref()).await?,
    })
}

/// A capture or refund form: the amount, and the name it goes under in the
/// journal (made when the page was shown, so that submitting the same form
/// twice, or on two instances at once, is one call).
#[derive(Debug, Deserialize)]
pub struct MoveForm {
    amount: String,
    attempt: String,
}

impl MoveForm {
    /// The journal name: the order, the operation, the form's attempt,
    /// which must be a token shown to this admin's session, or name a call
    /// the journal has already (the *Retry* of a call not confirmed, which
    /// another admin may have started).
    async fn name(
        &self,
        state: &AppState,
        visitor: &Visitor,
        order: &Order,
        operation: &str,
    ) -> Result<String, PageError> {
        let attempt = self.attempt.trim();
        let name = format!("{}/{operation}/{attempt}", order.id);
        let shown = visitor.form_token_issued(attempt, PURPOSE).await?;
        let known = || async {
            let site = state.dojo.location_id();
            let entry = state.journal.store().entry(site, &name).await;
            entry.map(|e| e.is_some()).map_err(JournalError::from)
        };
        if !shown && !known().await? {
            return Err(InvalidValue::new("attempt", "must be the form's own token").into());
        }
        Ok(name)
    }

    fn amount(&self, order: &Order) -> Result<Money, PageError> {
        Ok(Money::parse_decimal(self.amount.trim(), order.currency())
            .map_err(|e| e.in_field("amount"))?)
    }
}

/// `POST /admin/orders/{id}/capture`: captures part (or the rest) of a
/// manual order, through the journal. The order itself moves when Dojo's
/// webhook arrives.
pub async fn capture(
    State(state): State<AppState>,
    Admin(admin): Admin,
    visitor: Visitor,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MoveForm>,
) -> Page {
    let order = find_order(&state, &id).await?;
    let name = form.name(&state, &visitor, &order, "capture").await?;
    let amount = form.amount(&order)?;
    let intent = state.dojo.payment_intents().get(intent_of(&order)?).await?;
    let action = (state.db)
        .record_action(&admin, &id, "capture", &amount.to_string())
        .await?;
    let (journal, dojo) = (state.journal.clone(), state.dojo.clone());
    let done =
        to_the_end(async move { journal.capture(&dojo, &name, &intent, amount).await }).await?;
    state.db.action_outcome(&action, outcome(&done)).await?;
    let said = said(done, &format!("Captured {amount}."));
    back(&state, &visitor, &id, said).await
}

/// `POST /admin/orders/{id}/refund`: refunds part of a captured order,
/// through the journal: its idempotency key is written (with the order's
/// other records) before the call, and the same form sent again, here or
/// on another instance, gets the first refund's outcome: Dojo refunds once
/// however often it is clicked.
pub async fn refund(
    State(state): State<AppState>,
    Admin(admin): Admin,
    visitor: Visitor,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MoveForm>,
) -> Page {
    let order = find_order(&state, &id).await?;
    let name = form.name(&state, &visitor, &order, "refund").await?;
    let amount = form.amount(&order)?;
    // Read just before: the journal settles a refund whose resend is
    // refused by comparing the refunded amount with this.
    let intent = state.dojo.payment_intents().get(intent_of(&order)?).await?;
    let action = (state.db)
        .record_action(&admin, &id, "refund", &amount.to_string())
        .await?;
    let (journal, dojo) = (state.journal.clone(), state.dojo.clone());
    let done =
        to_the_end(async move { journal.refund(&dojo, &name, &intent, amount).await }).await?;
    state.db.action_outcome(&action, outcome(&done)).await?;
    let said = said(done, &format!("Refunded {amount}."));
    back(&state, &visitor, &id, said).await
}

/// Runs a journaled call on a task of its own, to its end: a browser that
/// goes away mid-call drops its handler's future, and would drop the call
/// half made with it (written, maybe sent, its outcome never recorded).
async fn to_the_end(
    call: impl Future<Output = Result<EntryState, JournalError>> + Send + 'static,
) -> Result<EntryState, PageError> {
    match tokio::spawn(call).await {
        Ok(done) => Ok(done?),
        Err(stopped) => Err(PageError::Unexpected(format!(
            "the call stopped before its end ({stopped}): the journal settles it"
        ))),
    }
}

/// How a journaled call went, in a word (the audit's).
fn outcome(state: &EntryState) -> &'static str {
    match state {
        EntryState::Applied { .. } => "done",
        EntryState::NotApplied { .. } => "refused",
        EntryState::Open => "not confirmed",
    }
}

/// What the admin is told about a journaled call.
fn said(state: EntryState, done: &str) -> Result<String, String> {
    match state {
        EntryState::Applied { .. } => Ok(done.to_owned()),
        EntryState::NotApplied { reason } => Err(reason),
        EntryState::Open => Err(
            "Dojo's answer proves nothing: not confirmed yet. Retrying makes the same call \
             again (a refund with the same idempotency key), so it is made at most once."
                .to_owned(),
        ),
    }
}

#[derive(Template)]
#[template(path = "admin_booking.html")]
struct BookingPage {
    chrome: Chrome,
    booking: Booking,
    status: String,
    held: bool,
    /// Who did what to it (its close).
    actions: Vec<StaffAction>,
    said: Option<Flash>,
}

/// `GET /admin/bookings/{id}`.
pub async fn booking(
    State(state): State<AppState>,
    Admin(_): Admin,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(said): Query<Said>,
) -> Page {
    let booking = find_booking(&state, &id).await?;
    let (status, held) = setup_status(&state, &booking).await?;
    render(&BookingPage {
        chrome: Chrome::with_forms(&visitor).await?,
        actions: state.db.actions(&booking.id).await?,
        booking,
        status,
        held,
        said: flash(&state, &visitor, said.said.as_deref()).await?,
    })
}

/// `POST /admin/bookings/{id}/charge`: charges the no-show fee to the held
/// card, once: the fee's order is named by the booking, so the form sent
/// twice is one order, one charge.
pub async fn charge_fee(
    State(state): State<AppState>,
    Admin(admin): Admin,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Page {
    let booking = find_booking(&state, &id).await?;
    let fee_order = format!("ord_fee_{}", booking.id);
    if state.db.order(&fee_order).await?.is_some() {
        return see_other(&format!("/admin/orders/{fee_order}"));
    }
    let setup = read_setup(&state, &booking).await?;
    let AnySetupIntent::Authorized(setup) = setup else {
        return booking_back(
            &state,
            &visitor,
            &id,
            Err(format!(
                "no card is held: the setup intent is {:?}",
                setup.status()
            )),
        )
        .await;
    };
    // Dojo's charge reuses the setup intent's reference (the booking id),
    // by which the webhook finds this order.
    let new = NewOrder {
        kind: OrderKind::NoShowFee,
        reference: Some(&booking.id),
        email: &booking.email,
        description: "No-show fee",
        amount: booking.fee,
        manual_capture: false,
        owner: &booking.owner,
    };
    let (order, made) = state.db.claim_order(&fee_order, &new).await?;
    if !made {
        return see_other(&format!("/admin/orders/{fee_order}"));
    }
    state.db.attach_fee_order(&booking.id, &order.id).await?;
    let action = (state.db)
        .record_action(&admin, &order.id, "charge", &order.amount.to_string())
        .await?;
    let done = charge_for_order(&state, &setup, &order).await?;
    state.db.action_outcome(&action, outcome(&done)).await?;
    let charged = said(done, &format!("Charged {}.", order.amount));
    back(&state, &visitor, &order.id, charged).await
}

/// Charges the card `setup` holds for `order`, once: the charge's payment
/// intent is made and linked to the order first, then charged through the
/// journal under `{order}/charge`, so that a crash or a second click never
/// charges twice. Typed: only an `Authorized` setup intent has a card to
/// charge. What the journal says of it.
pub(crate) async fn charge_for_order(
    state: &AppState,
    setup: &SetupIntent<Authorized>,
    order: &Order,
) -> Result<EntryState, PageError> {
    let intent = state
        .dojo
        .payment_intents()
        .create(order.amount, &order.reference)
        .setup_intent(setup.id())
        .created()
        .await?;
    state.db.attach_intent(&order.id, intent.id()).await?;
    let name = format!("{}/charge", order.id);
    let (journal, dojo) = (state.journal.clone(), state.dojo.clone());
    let data = intent.into_data();
    to_the_end(async move { journal.charge(&dojo, &name, &data).await }).await
}

/// `POST /admin/bookings/{id}/close`: releases the held card.
pub async fn close_booking(
    State(state): State<AppState>,
    Admin(admin): Admin,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Page {
    let booking = find_booking(&state, &id).await?;
    let action = state.db.record_action(&admin, &id, "close", "").await?;
    let said = match read_setup(&state, &booking).await? {
        AnySetupIntent::Authorized(setup) => setup
            .close(&state.dojo)
            .await
            .map(|_| "Closed: the card is released.".to_owned())
            .map_err(|e| e.to_string()),
        other => Err(format!(
            "no card is held: the setup intent is {:?}",
            other.status()
        )),
    };
    let done = if said.is_ok() { "done" } else { "refused" };
    state.db.action_outcome(&action, done).await?;
    booking_back(&state, &visitor, &id, said).await
}

async fn find_order(state: &AppState, id: &str) -> Result<Order, PageError> {
    state
        .db
        .order(id)
        .await?
        .ok_or(PageError::NotFound("order"))
}

async fn find_booking(state: &AppState, id: &str) -> Result<Booking, PageError> {
    state
        .db
        .booking(id)
        .await?
        .ok_or(PageError::NotFound("booking"))
}

async fn read_setup(state: &AppState, booking: &Booking) -> Result<AnySetupIntent, PageError> {
    let id = booking
        .setup_intent_id
        .as_ref()
        .ok_or(PageError::Unexpected(
            "the booking has no setup intent yet".into(),
        ))?;
    Ok(AnySetupIntent::read(&state.dojo, id).await?)
}

fn intent_of(order: &Order) -> Result<&PaymentIntentId, PageError> {
    order
        .payment_intent_id
        .as_ref()
        .ok_or(PageError::Unexpected(
            "the order has no payment intent yet".into(),
        ))
}

/// Back to the order's admin page, saying how the action went (kept for
/// this session: the redirect names the message, never carries it).
async fn back(state: &AppState, visitor: &Visitor, id: &str, said: Result<String, String>) -> Page {
    let path = format!("/admin/orders/{id}");
    see_other_saying(state, visitor, &path, Flash::of(said)).await
}

async fn booking_back(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    said: Result<String, String>,
) -> Page {
    let path = format!("/admin/bookings/{id}");
    see_other_saying(state, visitor, &path, Flash::of(said)).await
}
