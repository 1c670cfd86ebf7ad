//! Refunds at the counter (admins only, as every refund of the shop is
//! theirs: staff may not send money back): part or all of a till sale to
//! the card the customer presents (a matched refund, never more than is
//! left), or an amount to a card with no sale (an unlinked refund). Each
//! is started through the journal under a name the form's token fixes, so
//! the same form sent twice is one session. The name is claimed first
//! ([`crate::store::RefundClaim`]): the form sent again with another amount
//! or terminal is refused in words, never handed to the journal as another
//! call; and a matched refund's claim holds its amount against what is
//! left of the sale while it runs, so two refunds of the whole sale can
//! never both be sent.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use dojo_payments::counter::{Counter, Outcome};
use dojo_payments::journal::{EntryState, JournalStore};
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::types::{Money, TerminalId, TerminalSessionId};
use serde::Deserialize;

use super::till::{
    Claimed, PURPOSE, Refill, counter, not_available, note, recorded, session_path, started_page,
    terminal_id, till_page, to_the_end,
};
use super::till_session::sale_intent;
use super::{AppState, Page, PageError, see_other, see_other_saying};
use crate::auth::{Admin, Visitor};
use crate::store::{ClaimEnd, Flash, LeftAsRead, RefundClaim, TillKind, TillSession};
use crate::till_amount::parse_till_amount;

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
pub async fn matched(
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
    if state.db.till_claimed(&name).await? {
        // Sent again while the first is on its way, or after Dojo's answer
        // to it was lost, whatever amount or terminal it says now.
        return see_other_saying(&state, &visitor, &back, sent_already()).await;
    }
    // Refunds of this sale that ended since last read hold nothing more.
    settle_running(&state, &counter, &order_id).await?;
    let read_at = chrono::Utc::now();
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
    let left = left.map(|left| LeftAsRead { left, read_at });
    let claim = (state.db)
        .claim_till_refund(&name, Some(&order_id), amount, terminal.as_str(), left)
        .await?;
    match claim {
        RefundClaim::Claimed => {}
        RefundClaim::SentAlready => {
            return see_other_saying(&state, &visitor, &back, sent_already()).await;
        }
        RefundClaim::TooMuch { left } => {
            let error = format!(
                "amount: must be at most {left}, what is left to refund while the refunds \
                 of this sale already on a terminal run"
            );
            return see_other_saying(&state, &visitor, &back, Flash::Error(error)).await;
        }
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
            state.db.end_till_claim(&name, ClaimEnd::Nothing).await?;
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
        Claimed::Refund(&name),
        started,
        record,
        Refill::default(),
    )
    .await
}

/// `POST /staff/till/refund` (admin): refunds `amount` to the card the
/// customer presents, linked to no sale (a sale from before the till, a
/// goodwill payment).
pub async fn unlinked(
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
    let name = format!("till/unlinked-refund/{}", form.token);
    if let Some(started) = state.db.till_session_named(&name).await? {
        return see_other(&session_path(&started.session_id));
    }
    if state.db.till_claimed(&name).await? {
        return see_other_saying(&state, &visitor, "/staff/till", sent_already()).await;
    }
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
    let claim = (state.db)
        .claim_till_refund(&name, None, amount, terminal.as_str(), None)
        .await?;
    if claim != RefundClaim::Claimed {
        // The same form sent again, while the first is on its way or after
        // Dojo's answer to it was lost: never a second session.
        return see_other_saying(&state, &visitor, "/staff/till", sent_already()).await;
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
        Claimed::Refund(&name),
        started,
        record,
        Refill::default(),
    )
    .await
}

/// What the till says of a refund's form sent again: it is never sent
/// twice, whatever amount or terminal it says now.
fn sent_already() -> Flash {
    Flash::Error(
        "This refund form was sent already: a refund is never sent twice. If it is not in \
         the till's list, Dojo's answer was lost: look at the terminal. For another refund, \
         use the form as the page shows it now."
            .to_owned(),
    )
}

/// How long a claim may wait for its journal entry: longer than the few
/// writes between the claim and the entry (a claim older with no entry
/// sent nothing: its request stopped in between).
const CLAIM_TO_ENTRY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Ends the claims of the refunds of sale `order_id` that are over: their
/// session read (and noted, which ends its claim), or their journal entry
/// settled (a create Dojo refused, or one settled by reads), or no entry
/// written long after the claim (nothing was sent). What cannot be read
/// stays running: it holds its amount until it can be.
async fn settle_running(
    state: &AppState,
    counter: &Counter,
    order_id: &str,
) -> Result<(), PageError> {
    let location = counter.dojo().location_id().clone();
    for claim in state.db.running_till_refunds(order_id).await? {
        let name = &claim.journal_entry;
        if let Some(session) = state.db.till_session_named(name).await? {
            let id = TerminalSessionId::from_wire(session.session_id.clone());
            if let Ok(outcome) = counter.session(&id).await {
                note(state, counter, &session, &outcome).await?;
            }
            continue;
        }
        let entry = state.journal.store().entry(&location, name).await;
        let end = match entry.map(|entry| entry.map(|entry| entry.state)) {
            Ok(Some(EntryState::Applied { .. })) => ClaimEnd::Moved,
            Ok(Some(EntryState::NotApplied { .. })) => ClaimEnd::Nothing,
            Ok(None) if claimed_long_ago(&claim.created_at) => ClaimEnd::Nothing,
            Ok(_) => continue,
            Err(error) => {
                eprintln!("till: reading the journal entry {name}: {error}");
                continue;
            }
        };
        state.db.end_till_claim(name, end).await?;
    }
    Ok(())
}

/// Whether a claim made at `created_at` (as stored) is older than
/// [`CLAIM_TO_ENTRY`].
fn claimed_long_ago(created_at: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(created_at)
        .is_ok_and(|at| chrono::Utc::now() - at.to_utc() > CLAIM_TO_ENTRY)
}
