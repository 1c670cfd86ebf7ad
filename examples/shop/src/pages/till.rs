//! The till (staff): a payment at the counter on a card terminal, Dojo's
//! Pay at Counter flow. Staff choose an `Available` terminal and type the
//! amount; the shop makes the sale's order (kind `counter`, moved by
//! webhooks as any other) and its payment intent, and starts a sale
//! session on the terminal through the journal (written before it is
//! created: `POST /terminal-sessions` has no idempotency key, so a lost
//! answer is never sent again). The session's page
//! ([`super::till_session`]) follows it live ([`super::till_live`]), asks
//! staff to check a signature when the terminal does, and offers *Cancel*
//! while Dojo allows it. Refunds at the counter are an admin's
//! ([`super::till_refund`]).
//!
//! This module: the till's page (its terminals, the sale's form, the
//! sessions it started and how they ended), the sale, and what the till's
//! pages share. Every form carries its session's CSRF token and a token
//! shown to it, which names the call: the same form sent twice is one
//! order and one session.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use dojo_payments::api_types::CaptureMode;
use dojo_payments::counter::{Counter, Outcome};
use dojo_payments::journal::{EntryState, Started};
use dojo_payments::types::{InvalidValue, TerminalId, TerminalSessionId};
use serde::Deserialize;

use super::{AppState, Chrome, Page, PageError, flash, render, see_other, see_other_saying};
use crate::auth::{Staff, Visitor};
use crate::order::OrderKind;
use crate::store::{ClaimEnd, Flash, NewOrder, TillKind, TillSession};
use crate::till_amount::parse_till_amount;

/// The purpose a till form's token is issued for.
pub(super) const PURPOSE: &str = "till";

/// What the till says when the shop has no software house id to call the
/// terminals with.
const TILL_OFF: &str = "The till is off: the shop has no software house id for Dojo's terminal \
     calls. Set SHOP_SOFTWARE_HOUSE_ID (the id Dojo gave your EPOS software) and restart the shop.";

/// The longest description a till sale keeps.
const MAX_DESCRIPTION: usize = 200;

/// The till's handle on the terminals, or why there is none.
pub(super) fn counter(state: &AppState) -> Result<&Counter, PageError> {
    state
        .counter
        .as_ref()
        .ok_or(PageError::Unexpected(TILL_OFF.to_owned()))
}

/// A terminal, as the till lists it.
#[derive(Debug, Clone)]
pub struct TerminalRow {
    /// Its id.
    pub id: String,
    /// The 8 digits printed on receipts.
    pub tid: String,
    /// `Available`, `InUse`, `Offline`.
    pub status: String,
    /// Whether a session may start on it.
    pub available: bool,
}

/// The page's `said`: the id of a message an action kept for this session.
#[derive(Debug, Default, Deserialize)]
pub struct Said {
    pub(super) said: Option<String>,
}

#[derive(Template)]
#[template(path = "till.html")]
struct TillPage {
    chrome: Chrome,
    off: Option<&'static str>,
    terminals: Vec<TerminalRow>,
    token: String,
    error: Option<String>,
    said: Option<Flash>,
    amount: String,
    description: String,
    sessions: Vec<TillSession>,
}

impl TillPage {
    /// Whether any terminal may take a session now.
    fn any_available(&self) -> bool {
        self.terminals.iter().any(|t| t.available)
    }
}

/// What a refilled form shows again.
#[derive(Debug, Default)]
pub(super) struct Refill {
    amount: String,
    description: String,
}

/// The till page, with a fresh token, `error` said, and `refill` in the
/// sale's form; answered with `status`.
pub(super) async fn till_page(
    state: &AppState,
    visitor: &Visitor,
    error: Option<String>,
    said: Option<Flash>,
    refill: Refill,
    status: StatusCode,
) -> Page {
    let (off, terminals) = match &state.counter {
        Some(counter) => (None, terminals(counter).await?),
        None => (Some(TILL_OFF), Vec::new()),
    };
    let mut sessions = state.db.recent_till_sessions().await?;
    if let Some(counter) = &state.counter {
        refresh(state, counter, &mut sessions).await;
    }
    let page = TillPage {
        chrome: Chrome::with_forms(visitor).await?,
        token: visitor.issue_form_token(PURPOSE).await?,
        off,
        terminals,
        error,
        said,
        amount: refill.amount,
        description: refill.description,
        sessions,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// Every terminal of the location, as the till lists them.
pub(super) async fn terminals(counter: &Counter) -> Result<Vec<TerminalRow>, PageError> {
    Ok(counter
        .terminals()
        .await?
        .into_iter()
        .map(|t| TerminalRow {
            id: t.id().to_string(),
            tid: t.tid().to_owned(),
            status: t.status().to_string(),
            available: t.is_available(),
        })
        .collect())
}

/// Reads again the sessions of `sessions` that were not over when last
/// read, so the list says how they ended (a page nobody reloaded). A read
/// that fails keeps what was known.
async fn refresh(state: &AppState, counter: &Counter, sessions: &mut [TillSession]) {
    for session in sessions.iter_mut().filter(|s| !final_status(&s.status)) {
        let id = TerminalSessionId::from_wire(session.session_id.clone());
        if let Ok(outcome) = counter.session(&id).await
            && note(state, counter, session, &outcome).await.is_ok()
        {
            session.status = outcome.status().to_string();
        }
    }
}

/// Whether Dojo's status `status` (as stored) ends a session.
fn final_status(status: &str) -> bool {
    matches!(
        status,
        "Captured"
            | "Authorized"
            | "Declined"
            | "Expired"
            | "Canceled"
            | "SignatureVerificationRejected"
    )
}

/// Records where `session` stands as `outcome` read it, and, once it is
/// over, settles its journal entry by it (the reconciler would, a minute
/// later).
pub(super) async fn note(
    state: &AppState,
    counter: &Counter,
    session: &TillSession,
    outcome: &Outcome,
) -> Result<(), PageError> {
    let status = outcome.status().to_string();
    if status != session.status {
        state.db.till_status(&session.session_id, &status).await?;
    }
    if outcome.is_final() {
        // A refund over holds nothing more against its sale.
        state
            .db
            .end_till_claim(&session.journal_entry, claim_end(outcome))
            .await?;
        state.journal.flush().await;
        if let Err(error) = state
            .journal
            .finish_session(counter, &session.journal_entry)
            .await
        {
            eprintln!(
                "till: settling {} by its session: {error}",
                session.journal_entry
            );
        }
    }
    Ok(())
}

/// How a session that is over ended, for its refund's claim.
fn claim_end(outcome: &Outcome) -> ClaimEnd {
    match outcome {
        Outcome::Captured(_) | Outcome::Authorized(_) => ClaimEnd::Moved,
        _ => ClaimEnd::Nothing,
    }
}

/// `GET /staff/till`.
pub async fn index(
    State(state): State<AppState>,
    Staff(_): Staff,
    visitor: Visitor,
    Query(said): Query<Said>,
) -> Page {
    let said = flash(&state, &visitor, said.said.as_deref()).await?;
    let refill = Refill::default();
    till_page(&state, &visitor, None, said, refill, StatusCode::OK).await
}

/// A sale: the terminal, the amount, what for, and the token of the page
/// that showed the form.
#[derive(Debug, Deserialize)]
pub struct SaleForm {
    token: String,
    #[serde(default)]
    terminal: String,
    amount: String,
    #[serde(default)]
    description: String,
}

/// `POST /staff/till/sale`: makes the order and its payment intent, and
/// starts the sale on the terminal; then its page, which follows it.
pub async fn sale(
    State(state): State<AppState>,
    Staff(staff): Staff,
    visitor: Visitor,
    axum::Form(form): axum::Form<SaleForm>,
) -> Page {
    let counter = counter(&state)?.clone();
    if !visitor.form_token_issued(&form.token, PURPOSE).await? {
        return Err(PageError::Forbidden(
            "this form was not shown to you: reload it",
        ));
    }
    let refill = || Refill {
        amount: form.amount.clone(),
        description: form.description.clone(),
    };
    let refused = |invalid: InvalidValue| Some(format!("{}: {}", invalid.field(), invalid.rule()));
    let checked = parse_till_amount("amount", &form.amount)
        .and_then(|amount| Ok((amount, terminal_id(&form.terminal)?)))
        .and_then(|(amount, terminal)| Ok((amount, terminal, description(&form.description)?)));
    let (amount, terminal, description) = match checked {
        Ok(checked) => checked,
        Err(invalid) => {
            let error = refused(invalid);
            return till_page(
                &state,
                &visitor,
                error,
                None,
                refill(),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let id = format!("ord_till_{}", form.token);
    if let Some(started) = state.db.till_sale_of(&id).await? {
        // Sent again (a double click, a reload): the first one's session.
        return see_other(&session_path(&started.session_id));
    }
    if state.db.order(&id).await?.is_some() {
        // Sent again while the first is on its way, or after Dojo's answer
        // to it was lost: never a second session.
        return see_other_saying(&state, &visitor, "/staff/till", started_already()).await;
    }
    if let Some(busy) = not_available(&counter, &terminal).await? {
        return till_page(
            &state,
            &visitor,
            Some(busy),
            None,
            refill(),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let new = NewOrder {
        kind: OrderKind::Counter,
        reference: None,
        email: "",
        description: &description,
        amount,
        manual_capture: false,
        owner: &staff.owner(),
    };
    let (order, made) = state.db.claim_order(&id, &new).await?;
    if !made {
        return see_other_saying(&state, &visitor, "/staff/till", started_already()).await;
    }
    let action = (state.db)
        .record_action(&staff, &order.id, "till sale", &amount.to_string())
        .await?;
    let intent = state
        .dojo
        .payment_intents()
        .create(amount, &order.reference)
        .capture_mode(CaptureMode::Auto)
        .description(&description)
        .created()
        .await;
    let intent = match intent {
        Ok(intent) => intent,
        Err(error) => {
            // No intent to pay: the order is over before it began (an
            // intent made with its answer lost stays unpaid: nothing
            // starts a session on it).
            state.db.cancel_pending_order(&order.id).await?;
            state.db.action_outcome(&action, "refused").await?;
            return Err(error.into());
        }
    };
    state.db.attach_intent(&order.id, intent.id()).await?;
    let name = format!("{}/sale", order.id);
    let (journal, till, entry) = (state.journal.clone(), counter.clone(), name.clone());
    let started =
        to_the_end(async move { journal.sale(&till, &entry, &terminal, &intent).await }).await?;
    let record = |session: &Outcome| TillSession {
        session_id: session.data().id.to_string(),
        kind: TillKind::Sale,
        order_id: Some(order.id.clone()),
        journal_entry: name.clone(),
        terminal_id: session.data().terminal_id.to_string(),
        amount,
        staff_account: staff.email.clone(),
        status: session.status().to_string(),
        created_at: String::new(),
    };
    let claimed = Claimed::Order(&order.id);
    started_page(
        &state,
        &visitor,
        &action,
        claimed,
        started,
        record,
        refill(),
    )
    .await
}

/// What the till says of a sale's form sent again before its session is
/// known.
fn started_already() -> Flash {
    Flash::Error(
        "This sale was started already (the same form, sent again): it is never started \
         twice. If it is not in the till's list, Dojo's answer was lost: look at the terminal."
            .to_owned(),
    )
}

/// What a session's start was claimed under, to put right when it ends
/// before it began.
#[derive(Debug, Clone, Copy)]
pub(super) enum Claimed<'a> {
    /// A sale's order (its id): canceled when Dojo starts nothing, since
    /// nothing can pay its intent then.
    Order(&'a str),
    /// A refund's claim (its journal name): ended, so it holds nothing
    /// against its sale once it is over.
    Refund(&'a str),
}

/// Where a session the journal started leads: its page, or the till
/// saying why there is none.
pub(super) async fn started_page(
    state: &AppState,
    visitor: &Visitor,
    action: &str,
    claimed: Claimed<'_>,
    started: Started,
    record: impl FnOnce(&Outcome) -> TillSession,
    refill: Refill,
) -> Page {
    let (error, status) = match started {
        Started::Session(outcome) => {
            let session = record(&outcome);
            state.db.record_till_session(&session).await?;
            if let (Claimed::Refund(entry), true) = (claimed, outcome.is_final()) {
                state.db.end_till_claim(entry, claim_end(&outcome)).await?;
            }
            state.db.action_outcome(action, "started").await?;
            return see_other(&session_path(&session.session_id));
        }
        Started::Settled(EntryState::NotApplied { reason }) => {
            match claimed {
                Claimed::Order(order) => state.db.cancel_unstarted_order(order).await?,
                Claimed::Refund(entry) => state.db.end_till_claim(entry, ClaimEnd::Nothing).await?,
            }
            state.db.action_outcome(action, "refused").await?;
            let error = format!("Dojo did not start it: {reason}");
            (error, StatusCode::CONFLICT)
        }
        Started::Settled(settled) => {
            if let (Claimed::Refund(entry), EntryState::Applied { .. }) = (claimed, &settled) {
                state.db.end_till_claim(entry, ClaimEnd::Moved).await?;
            }
            let error = "This was started already, and is over: see the till's list.";
            (error.to_owned(), StatusCode::CONFLICT)
        }
        Started::Unknown(why) => {
            state.db.action_outcome(action, "not confirmed").await?;
            let error = format!(
                "Dojo's answer was lost: the session may be on the terminal. Look at the \
                 terminal; it is never started twice, and the shop settles it by itself ({why})."
            );
            (error, StatusCode::BAD_GATEWAY)
        }
    };
    till_page(state, visitor, Some(error), None, refill, status).await
}

/// Runs a journaled start on a task of its own, to its end: a browser
/// that goes away must not drop it half made (written, maybe sent, its
/// session's id never recorded).
pub(super) async fn to_the_end(
    call: impl Future<Output = Result<Started, dojo_payments::journal::JournalError>> + Send + 'static,
) -> Result<Started, PageError> {
    match tokio::spawn(call).await {
        Ok(started) => Ok(started?),
        Err(stopped) => Err(PageError::Unexpected(format!(
            "the session's start stopped before its end ({stopped}): the journal settles it"
        ))),
    }
}

/// The terminal the form names: an id as Dojo writes them (letters,
/// digits, `_`, `-`), never sent otherwise.
pub(super) fn terminal_id(text: &str) -> Result<TerminalId, InvalidValue> {
    let text = text.trim();
    let shaped = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !shaped {
        return Err(InvalidValue::new(
            "terminal",
            "choose one of the Available terminals listed",
        ));
    }
    Ok(TerminalId::from_wire(text.to_owned()))
}

/// What the sale is for: the form's words, or *At the counter*.
fn description(text: &str) -> Result<String, InvalidValue> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(InvalidValue::new(
            "what for",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(match text {
        "" => "At the counter".to_owned(),
        text => text.to_owned(),
    })
}

/// Why no session may start on `terminal` now (it is offline, in use, or
/// unknown), or `None` when it is `Available`.
pub(super) async fn not_available(
    counter: &Counter,
    terminal: &TerminalId,
) -> Result<Option<String>, PageError> {
    match counter.terminal(terminal).await {
        Ok(read) if read.is_available() => Ok(None),
        Ok(read) => Ok(Some(format!(
            "terminal: {terminal} is {}: choose an Available one",
            read.status()
        ))),
        Err(error) if error.status() == Some(404) => Ok(Some(format!(
            "terminal: there is no terminal {terminal}: choose one of those listed"
        ))),
        Err(error) => Err(error.into()),
    }
}

/// A session's page.
pub(super) fn session_path(id: &str) -> String {
    format!("/staff/till/sessions/{id}")
}

/// The session `id`, if the till started it (another id is a 404, as a
/// missing one).
pub(super) async fn recorded(state: &AppState, id: &str) -> Result<TillSession, PageError> {
    state
        .db
        .till_session(id)
        .await?
        .ok_or(PageError::NotFound("till session"))
}
