//! The till (staff): a payment at the counter on a card terminal, Dojo's
//! Pay at Counter flow. Staff choose an `Available` terminal and type the
//! amount; the shop makes the sale's order (kind `counter`, moved by
//! webhooks as any other) and its payment intent, and starts a sale
//! session on the terminal through the journal (written before it is
//! created: `POST /terminal-sessions` has no idempotency key, so a lost
//! answer is never sent again). The session's page follows it live
//! ([`super::till_live`]), asks staff to check a signature when the
//! terminal does (accept or reject, within Dojo's 80 seconds), and offers
//! *Cancel* while Dojo allows it (before a card: after, its 422 is said in
//! words).
//!
//! Refunds at the counter, of a till sale (matched: the customer presents
//! a card at the terminal) or to a card with no sale (unlinked), are an
//! admin's, as every refund of the shop is: staff may not send money back.
//!
//! Every form carries its session's CSRF token and a token shown to it,
//! which names the call: the same form sent twice is one order and one
//! session.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use dojo_payments::api_types::{CaptureMode, TerminalSessionStatus as Status};
use dojo_payments::counter::{Canceling, Counter, Outcome, SessionUpdate};
use dojo_payments::journal::{EntryState, Started};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{InvalidValue, Money, Open, TerminalId, TerminalSessionId};
use serde::Deserialize;

use super::{AppState, Chrome, Page, PageError, flash, render, see_other, see_other_saying};
use crate::auth::{Admin, Staff, Visitor};
use crate::order::OrderKind;
use crate::store::{Flash, NewOrder, TillKind, TillSession};
use crate::till_amount::parse_till_amount;

/// The purpose a till form's token is issued for.
const PURPOSE: &str = "till";

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
    said: Option<String>,
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
struct Refill {
    amount: String,
    description: String,
}

/// The till page, with a fresh token, `error` said, and `refill` in the
/// sale's form; answered with `status`.
async fn till_page(
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
async fn terminals(counter: &Counter) -> Result<Vec<TerminalRow>, PageError> {
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
        let said = Flash::Error("This sale is being started already: see the till's list.".into());
        return see_other_saying(&state, &visitor, "/staff/till", said).await;
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
    started_page(&state, &visitor, &action, started, record, refill()).await
}

/// Where a session the journal started leads: its page, or the till
/// saying why there is none.
async fn started_page(
    state: &AppState,
    visitor: &Visitor,
    action: &str,
    started: Started,
    record: impl FnOnce(&Outcome) -> TillSession,
    refill: Refill,
) -> Page {
    let error = match started {
        Started::Session(outcome) => {
            let session = record(&outcome);
            state.db.record_till_session(&session).await?;
            state.db.action_outcome(action, "started").await?;
            return see_other(&session_path(&session.session_id));
        }
        Started::Settled(EntryState::NotApplied { reason }) => {
            state.db.action_outcome(action, "refused").await?;
            format!("The terminal did not take it: {reason}")
        }
        Started::Settled(_) => {
            "This was started already, and is over: see the till's list.".to_owned()
        }
        Started::Unknown(why) => {
            state.db.action_outcome(action, "not confirmed").await?;
            format!(
                "Dojo's answer was lost: the session may be on the terminal. Look at the \
                 terminal; it is never started twice, and the shop settles it by itself ({why})."
            )
        }
    };
    till_page(
        state,
        visitor,
        Some(error),
        None,
        refill,
        StatusCode::BAD_GATEWAY,
    )
    .await
}

/// Runs a journaled start on a task of its own, to its end: a browser
/// that goes away must not drop it half made (written, maybe sent, its
/// session's id never recorded).
async fn to_the_end(
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
fn terminal_id(text: &str) -> Result<TerminalId, InvalidValue> {
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
async fn not_available(
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
fn session_path(id: &str) -> String {
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

#[derive(Template)]
#[template(path = "till_session.html")]
struct SessionPage {
    chrome: Chrome,
    session: TillSession,
    /// Dojo's name of its status (`Initiated`), for the live view to
    /// compare with.
    status: String,
    /// The status in words (`On the terminal`, `Paid`).
    headline: String,
    /// How it ended, in a sentence, and whether that is good news.
    ending: Option<(String, bool)>,
    /// What the terminal showed, in order.
    shown: Vec<String>,
    /// Followed live (in progress): the page loads the till's script.
    live: bool,
    /// May still be canceled (in progress, `CancelRequested` not yet).
    cancelable: bool,
    /// Waiting for the signature check, answered by then (UTC).
    signature_by: Option<String>,
    /// A sale that may be refunded at the counter (an admin's): what is
    /// left, and the terminals.
    refundable: Option<Money>,
    terminals: Vec<TerminalRow>,
    token: String,
    said: Option<Flash>,
}

/// `GET /staff/till/sessions/{id}`: where the session stands, what the
/// terminal showed, and what staff may do now.
pub async fn session(
    State(state): State<AppState>,
    Staff(_): Staff,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(said): Query<Said>,
) -> Page {
    let counter = counter(&state)?;
    let session = recorded(&state, &id).await?;
    let outcome = counter
        .session(&TerminalSessionId::from_wire(id.clone()))
        .await?;
    note(&state, counter, &session, &outcome).await?;
    let history = counter.history(&outcome);
    let chrome = Chrome::with_forms(&visitor).await?;
    let refundable = match (&outcome, session.kind, chrome.admin()) {
        (Outcome::Captured(_), TillKind::Sale, true) => left_to_refund(&state, &session).await?,
        _ => None,
    };
    let terminals = match refundable {
        Some(_) => terminals(counter).await?,
        None => Vec::new(),
    };
    let page = SessionPage {
        status: outcome.status().to_string(),
        headline: headline(session.kind, &outcome, &history),
        ending: ending(session.kind, &outcome),
        shown: history.iter().map(SessionUpdate::till_message).collect(),
        live: matches!(outcome, Outcome::InProgress(_)),
        cancelable: matches!(&outcome, Outcome::InProgress(s)
            if s.status() != &Open::Known(Status::CancelRequested)),
        signature_by: match &outcome {
            Outcome::SignatureRequired(check) => Some(
                check
                    .respond_by()
                    .map(|at| at.format("%H:%M:%S UTC").to_string())
                    .unwrap_or_else(|| "80 seconds after it asked".to_owned()),
            ),
            _ => None,
        },
        refundable,
        terminals,
        token: visitor.issue_form_token(PURPOSE).await?,
        said: flash(&state, &visitor, said.said.as_deref()).await?,
        session,
        chrome,
    };
    let mut response = render(&page)?;
    // This page alone runs a script: the till's, from the shop itself.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::headers::TILL_CONTENT_SECURITY_POLICY),
    );
    Ok(response.into_response())
}

/// What is left to refund of a till sale's payment, read from Dojo (the
/// order's webhook may not have come yet); `None` when nothing is.
async fn left_to_refund(
    state: &AppState,
    session: &TillSession,
) -> Result<Option<Money>, PageError> {
    let Some(intent) = sale_intent(state, session).await? else {
        return Ok(None);
    };
    let left = intent
        .settled()
        .and_then(|s| s.captured.checked_sub(s.refunded).ok());
    Ok(left.filter(|left| left.minor_units() > 0))
}

/// The payment intent a till sale (or the sale a refund refunds) paid.
async fn sale_intent(
    state: &AppState,
    session: &TillSession,
) -> Result<Option<AnyPaymentIntent>, PageError> {
    let Some(order_id) = &session.order_id else {
        return Ok(None);
    };
    let order = state.db.order(order_id).await?;
    let Some(intent) = order.and_then(|o| o.payment_intent_id) else {
        return Ok(None);
    };
    Ok(Some(AnyPaymentIntent::read(&state.dojo, &intent).await?))
}

/// The session's status in words: the terminal's last status line (a
/// refund's `Captured` is *Refunded*).
fn headline(kind: TillKind, outcome: &Outcome, history: &[SessionUpdate]) -> String {
    if kind.is_refund() && matches!(outcome, Outcome::Captured(_)) {
        return "Refunded".to_owned();
    }
    history
        .iter()
        .rev()
        .find(|update| matches!(update, SessionUpdate::Status { .. }))
        .map(SessionUpdate::till_message)
        .unwrap_or_else(|| outcome.status().to_string())
}

/// How a session that is over ended, in a sentence for staff, and whether
/// it went as asked.
fn ending(kind: TillKind, outcome: &Outcome) -> Option<(String, bool)> {
    Some(match (outcome, kind.is_refund()) {
        (Outcome::Captured(_) | Outcome::Authorized(_), false) => {
            ("Paid: the customer's card was charged.".to_owned(), true)
        }
        (Outcome::Captured(_) | Outcome::Authorized(_), true) => {
            ("Refunded to the customer's card.".to_owned(), true)
        }
        (Outcome::Declined(_), false) => (
            "The card was declined: nothing was taken. Start a new sale to try another card."
                .to_owned(),
            false,
        ),
        (Outcome::Declined(_), true) => ("Declined: nothing was refunded.".to_owned(), false),
        (Outcome::Canceled(_), false) => ("Canceled: nothing was taken.".to_owned(), false),
        (Outcome::Canceled(_), true) => ("Canceled: nothing was refunded.".to_owned(), false),
        (Outcome::Expired(_), _) => (
            "Timed out: no card was presented in time (or the terminal went offline). No money moved."
                .to_owned(),
            false,
        ),
        (Outcome::SignatureRejected(_), _) => (
            "Signature rejected: the payment was reversed, and nothing was taken.".to_owned(),
            false,
        ),
        _ => return None,
    })
}

/// `POST /staff/till/sessions/{id}/cancel`: asks Dojo to cancel the
/// session. Too late once a card was presented: Dojo answers 422, said as
/// such, and the session goes on.
pub async fn cancel(
    State(state): State<AppState>,
    Staff(staff): Staff,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Page {
    let counter = counter(&state)?;
    let session = recorded(&state, &id).await?;
    let subject = session.order_id.as_deref().unwrap_or(&session.session_id);
    let action = state
        .db
        .record_action(&staff, subject, "till cancel", "")
        .await?;
    let outcome = counter
        .session(&TerminalSessionId::from_wire(id.clone()))
        .await?;
    let said = match outcome {
        Outcome::InProgress(running) => match running.cancel().await? {
            Canceling::Requested(_) => Ok("Cancel requested: the terminal confirms it.".to_owned()),
            Canceling::CardPresented(_) => Err(
                "Too late to cancel: the customer has presented a card, so Dojo refused \
                 (422). The session goes on: wait for its outcome."
                    .to_owned(),
            ),
        },
        other => Err(format!(
            "Nothing to cancel: the session is {} already.",
            other.status()
        )),
    };
    let outcome = if said.is_ok() { "done" } else { "refused" };
    state.db.action_outcome(&action, outcome).await?;
    see_other_saying(&state, &visitor, &session_path(&id), Flash::of(said)).await
}

/// The signature check's answer.
#[derive(Debug, Deserialize)]
pub struct SignatureForm {
    answer: String,
}

/// `POST /staff/till/sessions/{id}/signature`: the signature matches the
/// card's (the payment goes through) or not (Dojo reverses it).
pub async fn signature(
    State(state): State<AppState>,
    Staff(staff): Staff,
    visitor: Visitor,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<SignatureForm>,
) -> Page {
    let counter = counter(&state)?;
    let session = recorded(&state, &id).await?;
    let accepted = match form.answer.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            return Err(PageError::Invalid(InvalidValue::new(
                "answer",
                "must be accept or reject",
            )));
        }
    };
    let subject = session.order_id.as_deref().unwrap_or(&session.session_id);
    let what = if accepted {
        "signature accepted"
    } else {
        "signature rejected"
    };
    let action = state.db.record_action(&staff, subject, what, "").await?;
    let outcome = counter
        .session(&TerminalSessionId::from_wire(id.clone()))
        .await?;
    let said = match outcome {
        Outcome::SignatureRequired(check) if accepted => check
            .accept()
            .await
            .map(|_| "Signature accepted: the payment goes through.".to_owned())
            .map_err(|e| format!("Dojo did not take the answer: {e}")),
        Outcome::SignatureRequired(check) => check
            .reject()
            .await
            .map(|_| "Signature rejected: Dojo reverses the payment.".to_owned())
            .map_err(|e| format!("Dojo did not take the answer: {e}")),
        other => Err(format!(
            "The session is not waiting for a signature check (it is {}): Dojo accepts a \
             signature by itself 80 seconds after asking.",
            other.status()
        )),
    };
    let outcome = if said.is_ok() { "done" } else { "refused" };
    state.db.action_outcome(&action, outcome).await?;
    see_other_saying(&state, &visitor, &session_path(&id), Flash::of(said)).await
}

/// A refund at the counter: the terminal, the amount, and the token of the
/// page that showed the form.
#[derive(Debug, Deserialize)]
pub struct RefundForm {
    token: String,
    #[serde(default)]
    terminal: String,
    amount: String,
}

/// The refund form's terminal and amount, or the page saying which field
/// is wrong.
fn refund_fields(form: &RefundForm) -> Result<(TerminalId, Money), String> {
    let checked = parse_till_amount("amount", &form.amount)
        .and_then(|amount| Ok((terminal_id(&form.terminal)?, amount)));
    checked.map_err(|invalid| format!("{}: {}", invalid.field(), invalid.rule()))
}

/// `POST /staff/till/sessions/{id}/refund` (admin): refunds `amount` of the
/// till sale `id` to the card the customer presents at the terminal.
pub async fn matched_refund(
    State(state): State<AppState>,
    Admin(admin): Admin,
    visitor: Visitor,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RefundForm>,
) -> Page {
    let counter = counter(&state)?.clone();
    if !visitor.form_token_issued(&form.token, PURPOSE).await? {
        return Err(PageError::Forbidden(
            "this form was not shown to you: reload it",
        ));
    }
    let sale = recorded(&state, &id).await?;
    let back = session_path(&id);
    let (terminal, amount) = match refund_fields(&form) {
        Ok(fields) => fields,
        Err(error) => return see_other_saying(&state, &visitor, &back, Flash::Error(error)).await,
    };
    let (Some(order_id), TillKind::Sale) = (sale.order_id.clone(), sale.kind) else {
        return Err(PageError::NotFound("till sale"));
    };
    let name = format!("{order_id}/till-refund/{}", form.token);
    if let Some(started) = state.db.till_session_named(&name).await? {
        // Sent again (a double click, a reload): the first one's session.
        return see_other(&session_path(&started.session_id));
    }
    let intent = sale_intent(&state, &sale).await?;
    let left = intent
        .as_ref()
        .and_then(AnyPaymentIntent::settled)
        .and_then(|s| s.captured.checked_sub(s.refunded).ok());
    if let Some(left) = left.filter(|left| amount.minor_units() > left.minor_units()) {
        let error = format!("amount: must be at most {left}, what is left to refund");
        return see_other_saying(&state, &visitor, &back, Flash::Error(error)).await;
    }
    if let Some(busy) = not_available(&counter, &terminal).await? {
        return see_other_saying(&state, &visitor, &back, Flash::Error(busy)).await;
    }
    let action = (state.db)
        .record_action(&admin, &order_id, "till refund", &amount.to_string())
        .await?;
    let (journal, till, entry) = (state.journal.clone(), counter.clone(), name.clone());
    let started = match intent {
        Some(AnyPaymentIntent::Captured(paid)) => {
            to_the_end(async move {
                journal
                    .matched_refund(&till, &entry, &terminal, &paid, amount)
                    .await
            })
            .await?
        }
        Some(AnyPaymentIntent::Refunded(paid)) => {
            to_the_end(async move {
                journal
                    .matched_refund(&till, &entry, &terminal, &paid, amount)
                    .await
            })
            .await?
        }
        other => {
            state.db.action_outcome(&action, "refused").await?;
            let status = other
                .and_then(|i| i.status().map(ToString::to_string))
                .unwrap_or_else(|| "unknown".to_owned());
            let said = Flash::Error(format!("Nothing to refund: the payment is {status}."));
            return see_other_saying(&state, &visitor, &back, said).await;
        }
    };
    let record = |session: &Outcome| TillSession {
        session_id: session.data().id.to_string(),
        kind: TillKind::MatchedRefund,
        order_id: Some(order_id.clone()),
        journal_entry: name.clone(),
        terminal_id: session.data().terminal_id.to_string(),
        amount,
        staff_account: admin.email.clone(),
        status: session.status().to_string(),
        created_at: String::new(),
    };
    started_page(
        &state,
        &visitor,
        &action,
        started,
        record,
        Refill::default(),
    )
    .await
}

/// `POST /staff/till/refund` (admin): refunds `amount` to the card the
/// customer presents, linked to no sale (a sale from before the till, a
/// goodwill payment).
pub async fn unlinked_refund(
    State(state): State<AppState>,
    Admin(admin): Admin,
    visitor: Visitor,
    axum::Form(form): axum::Form<RefundForm>,
) -> Page {
    let counter = counter(&state)?.clone();
    if !visitor.form_token_issued(&form.token, PURPOSE).await? {
        return Err(PageError::Forbidden(
            "this form was not shown to you: reload it",
        ));
    }
    let (terminal, amount) = match refund_fields(&form) {
        Ok(fields) => fields,
        Err(error) => {
            let refill = Refill::default();
            let status = StatusCode::BAD_REQUEST;
            return till_page(&state, &visitor, Some(error), None, refill, status).await;
        }
    };
    if let Some(busy) = not_available(&counter, &terminal).await? {
        let status = StatusCode::CONFLICT;
        return till_page(
            &state,
            &visitor,
            Some(busy),
            None,
            Refill::default(),
            status,
        )
        .await;
    }
    let name = format!("till/unlinked-refund/{}", form.token);
    if let Some(started) = state.db.till_session_named(&name).await? {
        return see_other(&session_path(&started.session_id));
    }
    let action = (state.db)
        .record_action(&admin, &name, "till refund", &amount.to_string())
        .await?;
    let (journal, till, entry) = (state.journal.clone(), counter.clone(), name.clone());
    let started = to_the_end(async move {
        journal
            .unlinked_refund(&till, &entry, &terminal, amount, true)
            .await
    })
    .await?;
    let record = |session: &Outcome| TillSession {
        session_id: session.data().id.to_string(),
        kind: TillKind::UnlinkedRefund,
        order_id: None,
        journal_entry: name.clone(),
        terminal_id: session.data().terminal_id.to_string(),
        amount,
        staff_account: admin.email.clone(),
        status: session.status().to_string(),
        created_at: String::new(),
    };
    started_page(
        &state,
        &visitor,
        &action,
        started,
        record,
        Refill::default(),
    )
    .await
}
