//! A till session's page (staff): where the session stands, what the
//! terminal showed (drawn from the session's last read, then followed live
//! by [`super::till_live`] while it runs), and what may be done now: the
//! signature check when the terminal asks for one (accept, or reject and
//! Dojo reverses the payment; Dojo accepts by itself 80 seconds after
//! asking, as the page says), *Cancel* while no card was presented (after,
//! Dojo's 422 is said in words, and the session goes on), and for an admin
//! the refund of a paid sale at the counter ([`super::till_refund`]). This
//! page alone allows a script: the till's own file.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use dojo_payments::api_types::TerminalSessionStatus as Status;
use dojo_payments::counter::{Canceling, Outcome, SessionUpdate};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{InvalidValue, Money, Open, TerminalSessionId};
use serde::Deserialize;

use super::till::{PURPOSE, Said, TerminalRow, counter, note, recorded, session_path, terminals};
use super::{AppState, Chrome, Page, PageError, flash, render, see_other_saying};
use crate::auth::{Staff, Visitor};
use crate::store::{Flash, TillKind, TillSession};

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
    /// May still be canceled: waiting for the terminal or a card (not
    /// canceling already, nor past a signature check, when a card surely
    /// came).
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
pub async fn show(
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
        cancelable: matches!(
            outcome.status(),
            Open::Known(Status::InitiateRequested | Status::Initiated)
        ),
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
pub(super) async fn sale_intent(
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
            Canceling::Over(outcome) => Err(format!(
                "Nothing to cancel: the session is {} already.",
                outcome.status()
            )),
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
