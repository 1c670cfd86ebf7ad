//! `/payment-intents…`: create, read, cancel, capture, charge, refund,
//! reverse, change amount and tips, receipts, search.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::{Extension, Json};
use dojo_payments_api::api::types::{self, PaymentIntentStatus};
use dojo_payments_types::{CaptureId, Money, Open, ReversalId, SetupIntentId};
use serde::Deserialize;

use super::{AppState, PathParam, Served, Valid, ValidQuery, checkout_urls, required_header};
use crate::accounts::Caller;
use crate::app::App;
use crate::faults::Lag;
use crate::problem::{Answer, Problem};
use crate::store::Store;
use crate::store::payment_intent::{PaymentIntentRecord, checked_total, known_currency};
use crate::store::refusal::{Outcome, Refusal};
use crate::store::session_secret::SessionSecret;

pub fn routes() -> Served {
    Served::new()
        .at(Method::POST, "/payment-intents", create)
        .at(Method::POST, "/payment-intents/search", search)
        .at(Method::GET, "/payment-intents/{paymentIntentId}", read)
        .at(Method::DELETE, "/payment-intents/{paymentIntentId}", cancel)
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/captures",
            capture,
        )
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/charge",
            charge,
        )
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/refresh-client-session-secret",
            refresh,
        )
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/tips-amount",
            set_tips,
        )
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/amount",
            set_amount,
        )
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/receipt",
            receipt,
        )
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/refunds",
            refund,
        )
        .at(
            Method::GET,
            "/payment-intents/refunds/{refundId}",
            read_refund,
        )
        .at(
            Method::POST,
            "/payment-intents/{paymentIntentId}/reversal",
            reverse,
        )
}

fn render(app: &App, record: &PaymentIntentRecord) -> Json<types::PaymentIntent> {
    let mut data = record.render(app.checkout_link(record.id.as_str()));
    // The sessions made for it at a terminal, as Dojo lists them.
    data.terminal_session_history =
        Some(app.read(|store| store.session_history(record.id.as_str())));
    Json(data)
}

async fn create(
    State(app): AppState,
    caller: Caller,
    Valid(request): Valid<types::CreatePaymentIntentRequest>,
) -> Answer<Json<types::PaymentIntent>> {
    checkout_urls(request.config.as_ref())?;
    let amount = known_currency("Amount", request.amount)?;
    if let Some(tips) = request.tips_amount {
        known_currency("TipsAmount", tips)?;
    }
    checked_total(amount, request.tips_amount, "TipsAmount")?;
    let record = app.commit_as(&caller, |store, now| {
        if let Some(setup_id) = &request.setup_intent_id {
            check_setup_intent(store, setup_id, amount)?;
        }
        let secret = SessionSecret::issue(&mut store.ids, now);
        let record = PaymentIntentRecord::new(store.ids.issue(), request, secret, now);
        store.insert_payment_intent(record.clone());
        Ok::<_, Refusal>(record)
    })?;
    Ok(render(&app, &record))
}

/// A payment intent may charge a setup intent only if it is Authorized and
/// the amounts agree ("you can charge the full amount only").
fn check_setup_intent(store: &Store, id: &SetupIntentId, amount: Money) -> Outcome<()> {
    let setup = store.find_setup_intent(id.as_str()).map_err(|_| {
        Refusal::field(
            "SetupIntentId",
            format!("Setup intent {id} does not exist."),
        )
    })?;
    if setup.status() != types::SetupIntentStatus::Authorized {
        return Err(Refusal::field(
            "SetupIntentId",
            format!(
                "Setup intent {id} is {}; it must be Authorized.",
                setup.status()
            ),
        ));
    }
    match setup.intended_amount() {
        Some(intended) if intended != amount => Err(Refusal::field(
            "Amount",
            format!(
                "A setup intent is charged for its full intended amount, {intended}; got {amount}."
            ),
        )),
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadQuery {
    return_canceled: Option<bool>,
}

async fn read(
    State(app): AppState,
    caller: Caller,
    lag: Option<Extension<Lag>>,
    PathParam(id): PathParam<String>,
    ValidQuery(query): ValidQuery<ReadQuery>,
) -> Answer<Json<types::PaymentIntent>> {
    let record = app.read_as(&caller, |store| match lag {
        Some(Extension(Lag(lag))) => store.payment_intent_as_of(&id, lag).cloned(),
        None => store.find_payment_intent(&id).cloned(),
    })?;
    if record.status() == PaymentIntentStatus::Canceled && query.return_canceled != Some(true) {
        return Err(Problem::not_found("payment intent", &id));
    }
    Ok(render(&app, &record))
}

/// Applies `change` to payment intent `id` and answers with the intent.
fn changed(
    app: &App,
    caller: &Caller,
    id: &str,
    change: impl FnOnce(&mut Store, &str, chrono::DateTime<chrono::Utc>) -> Outcome<()>,
) -> Answer<Json<types::PaymentIntent>> {
    let record = app.commit_as(caller, |store, now| {
        change(store, id, now)?;
        store.find_payment_intent(id).cloned()
    })?;
    Ok(render(app, &record))
}

async fn cancel(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::PaymentIntent>> {
    changed(&app, &caller, &id, |store, id, now| {
        store.payment_intent(id)?.cancel(now)
    })
}

async fn capture(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    Valid(request): Valid<types::CreateCaptureRequest>,
) -> Answer<Json<types::Capture>> {
    let tips = request.tips_amount.unwrap_or(0);
    let amount = match (
        request.amount >= 0 && tips >= 0,
        request.amount.checked_add(tips),
    ) {
        (true, Some(amount)) => amount,
        _ => {
            return Err(Problem::field(
                "TipsAmount",
                "The TipsAmount field, with Amount, must be a non-negative amount that fits.",
            ));
        }
    };
    let capture_id = app.commit_as(&caller, |store, now| {
        let capture_id: CaptureId = store.ids.issue();
        store
            .payment_intent(&id)?
            .capture(capture_id.clone(), amount, now)?;
        Ok::<_, Refusal>(capture_id)
    })?;
    Ok(Json(types::Capture {
        capture_id: Some(capture_id),
        message: Some(format!("captured {amount} of payment intent {id}")),
        ..Default::default()
    }))
}

async fn charge(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::ChargeResponse>> {
    let intent_id = app.commit_as(&caller, |store, now| {
        store.charge(&id, now)?;
        Ok::<_, Refusal>(store.find_payment_intent(&id)?.id.clone())
    })?;
    Ok(Json(types::ChargeResponse {
        payment_intent_id: Some(intent_id),
        status: Some(Open::Known(types::CaptureStatus::Successful)),
        message: Some("charged".into()),
        ..Default::default()
    }))
}

async fn refresh(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::PaymentIntent>> {
    changed(&app, &caller, &id, |store, id, now| {
        let secret = SessionSecret::issue(&mut store.ids, now);
        store.payment_intent(id)?.new_secret(secret, now);
        Ok(())
    })
}

async fn set_tips(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    Valid(request): Valid<types::SetTipsAmountRequest>,
) -> Answer<Json<types::PaymentIntent>> {
    let tips = known_currency("TipsAmount", request.tips_amount)?;
    changed(&app, &caller, &id, |store, id, now| {
        let secret = SessionSecret::issue(&mut store.ids, now);
        store.payment_intent(id)?.set_tips(tips, secret, now)
    })
}

async fn set_amount(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    Valid(request): Valid<types::SetAmountRequest>,
) -> Answer<Json<types::PaymentIntent>> {
    let amount = known_currency("Amount", request.amount)?;
    changed(&app, &caller, &id, |store, id, now| {
        let secret = SessionSecret::issue(&mut store.ids, now);
        store.payment_intent(id)?.set_amount(amount, secret, now)
    })
}

/// Sends the receipt to each address given (none: nothing to send, which
/// the document allows).
async fn receipt(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    Valid(request): Valid<types::SendEmailReceiptRequest>,
) -> Answer<StatusCode> {
    if let Some(bad) = request.emails.iter().find(|e| !e.contains('@')) {
        return Err(Problem::field(
            "Emails",
            format!("{bad:?} is not an email address."),
        ));
    }
    app.commit_as(&caller, |store, now| {
        store.payment_intent(&id)?.send_receipt(now);
        Ok::<_, Refusal>(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn refund(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    Valid(request): Valid<types::CreateRefundRequest>,
) -> Answer<Json<types::Refund>> {
    let key = required_header(&headers, "idempotencyKey")?;
    let refund = app.commit_as(&caller, |store, now| store.refund(&id, key, request, now))?;
    Ok(Json(refund.render()))
}

async fn read_refund(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::Refund>> {
    let refund = app.read_as(&caller, |store| store.find_refund(&id).cloned())?;
    Ok(Json(refund.render()))
}

async fn reverse(
    State(app): AppState,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Answer<Json<types::Reversal>> {
    let reversal_id: ReversalId = app.commit_as(&caller, |store, now| {
        store.payment_intent(&id)?.reverse(now)?;
        Ok::<_, Refusal>(store.ids.issue())
    })?;
    Ok(Json(types::Reversal {
        reversal_id: Some(reversal_id),
        message: Some(format!("reversed payment intent {id}")),
        ..Default::default()
    }))
}

async fn search(
    State(app): AppState,
    caller: Caller,
    Valid(request): Valid<types::SearchPaymentIntentRequest>,
) -> Answer<Json<types::PagedPaymentIntent>> {
    // `validate()` has held the limit to the document's 1–100.
    let limit = request.cursor.as_ref().map_or(50, |c| c.limit).max(1) as usize;
    let after = request.cursor.as_ref().and_then(|c| c.after.clone());
    let statuses = request.statuses.clone();
    let (start, end) = (
        request.start_date.and_then(|t| t.instant()),
        request.end_date.and_then(|t| t.instant()),
    );
    let (page, more) = app.read_as(&caller, |store| {
        let mut matching = store
            .payment_intents()
            .filter(|p| statuses.as_ref().is_none_or(|s| s.contains(&p.status())))
            .filter(|p| {
                start.is_none_or(|s| p.created_at >= s) && end.is_none_or(|e| p.created_at <= e)
            })
            .filter(|p| after.as_ref().is_none_or(|a| p.id.as_str() > a.as_str()));
        let page: Vec<PaymentIntentRecord> = matching.by_ref().take(limit).cloned().collect();
        (page, matching.next().is_some())
    });
    Ok(Json(types::PagedPaymentIntent {
        after: more
            .then(|| page.last().map(|p| p.id.to_string()))
            .flatten(),
        data: Some(page.iter().map(|p| render(&app, p).0).collect()),
        ..Default::default()
    }))
}
