//! `/payment-intents…`: create, read, cancel, capture, charge, refund,
//! reverse, change amount and tips, receipts, search.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use dojo_api::api::types::{self, CaptureMode, PaymentIntentStatus};
use dojo_types::{CaptureId, Money, Open, PaymentIntentId, ReversalId, SetupIntentId};
use serde::Deserialize;

use super::{AppState, Valid, ValidQuery};
use crate::App;
use crate::problem::{Answer, Problem};
use crate::store::payment_intent::{PaymentIntentRecord, checked_total};
use crate::store::{RefundRecord, Store, Watched};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/payment-intents", post(create))
        .route("/payment-intents/search", post(search))
        .route(
            "/payment-intents/{paymentIntentId}",
            get(read).delete(cancel),
        )
        .route("/payment-intents/{paymentIntentId}/captures", post(capture))
        .route("/payment-intents/{paymentIntentId}/charge", post(charge))
        .route(
            "/payment-intents/{paymentIntentId}/refresh-client-session-secret",
            post(refresh),
        )
        .route(
            "/payment-intents/{paymentIntentId}/tips-amount",
            post(set_tips),
        )
        .route(
            "/payment-intents/{paymentIntentId}/amount",
            post(set_amount),
        )
        .route("/payment-intents/{paymentIntentId}/receipt", post(receipt))
        .route("/payment-intents/{paymentIntentId}/refunds", post(refund))
        .route("/payment-intents/refunds/{refundId}", get(read_refund))
        .route("/payment-intents/{paymentIntentId}/reversal", post(reverse))
}

/// A request amount must be in a currency Dojo knows.
pub(super) fn known_currency(field: &str, money: Money) -> Answer<Money> {
    if money.currency().is_known() {
        Ok(money)
    } else {
        Err(Problem::field(
            &format!("{field}.CurrencyCode"),
            format!(
                "The currency code {} is not an ISO 4217 code.",
                money.currency()
            ),
        ))
    }
}

fn render(app: &App, record: &PaymentIntentRecord) -> Json<types::PaymentIntent> {
    Json(record.render(app.checkout_link(&record.id)))
}

async fn create(
    State(app): AppState,
    Valid(request): Valid<types::CreatePaymentIntentRequest>,
) -> Answer<Json<types::PaymentIntent>> {
    let amount = known_currency("Amount", request.amount)?;
    if let Some(tips) = request.tips_amount {
        known_currency("TipsAmount", tips)?;
    }
    checked_total(amount, request.tips_amount, "TipsAmount")?;
    let record = app.commit(|store, now| {
        if let Some(setup_id) = &request.setup_intent_id {
            check_setup_intent(store, setup_id, amount)?;
        }
        let record = PaymentIntentRecord {
            id: store.ids.id("pi"),
            capture_mode: request.capture_mode.unwrap_or(CaptureMode::Auto),
            status: PaymentIntentStatus::Created,
            amount,
            tips: request.tips_amount,
            reference: request.reference.clone(),
            client_session_secret: store.ids.token(96),
            secret_expires_at: now + Duration::minutes(30),
            created_at: now,
            updated_at: now,
            paid: None,
            captures: Vec::new(),
            refunded: 0,
            charged: false,
            request,
        };
        let id = record.id.clone();
        if let Some(at) = record.request.expire_at.and_then(|t| t.instant()) {
            store.watch(at, Watched::PaymentIntent(id.clone()));
        }
        store.payment_intents.insert(id.clone(), record.clone());
        store.notify("payment_intent.created", &id, now);
        Ok(record)
    })?;
    Ok(render(&app, &record))
}

/// A payment intent may charge a setup intent only if it is Authorized and
/// the amounts agree ("you can charge the full amount only").
fn check_setup_intent(store: &mut Store, id: &SetupIntentId, amount: Money) -> Answer<()> {
    let setup = store.setup_intents.get(id.as_str()).ok_or_else(|| {
        Problem::field(
            "SetupIntentId",
            format!("Setup intent {id} does not exist."),
        )
    })?;
    if setup.status != types::SetupIntentStatus::Authorized {
        return Err(Problem::field(
            "SetupIntentId",
            format!(
                "Setup intent {id} is {}; it must be Authorized.",
                setup.status
            ),
        ));
    }
    if setup
        .intended_amount()
        .is_some_and(|intended| intended != amount)
    {
        return Err(Problem::field(
            "Amount",
            format!(
                "A setup intent is charged for its full intended amount, {}; got {amount}.",
                setup
                    .intended_amount()
                    .map(|m| m.to_string())
                    .unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadQuery {
    return_canceled: Option<bool>,
}

async fn read(
    State(app): AppState,
    Path(id): Path<String>,
    ValidQuery(query): ValidQuery<ReadQuery>,
) -> Answer<Json<types::PaymentIntent>> {
    let record = app.commit(|store, _| Ok(store.payment_intent(&id)?.clone()))?;
    if record.status == PaymentIntentStatus::Canceled && query.return_canceled != Some(true) {
        return Err(Problem::not_found("payment intent", &id));
    }
    Ok(render(&app, &record))
}

async fn cancel(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::PaymentIntent>> {
    let record = app.commit(|store, now| {
        store.payment_intent(&id)?.cancel(now)?;
        store.notify("payment_intent.status_updated", &id, now);
        Ok(store.payment_intent(&id)?.clone())
    })?;
    Ok(render(&app, &record))
}

async fn capture(
    State(app): AppState,
    Path(id): Path<String>,
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
    let capture_id = app.commit(|store, now| {
        let capture_id = store.ids.id("cp");
        store
            .payment_intent(&id)?
            .capture(capture_id.clone(), amount, now)?;
        store.notify("payment_intent.status_updated", &id, now);
        Ok(capture_id)
    })?;
    Ok(Json(types::Capture {
        capture_id: Some(CaptureId::from_wire(capture_id)),
        message: Some(format!("captured {amount} of payment intent {id}")),
        ..Default::default()
    }))
}

async fn charge(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::ChargeResponse>> {
    app.commit(|store, now| {
        let intent = store.payment_intent(&id)?;
        let setup_id = intent.request.setup_intent_id.clone().ok_or_else(|| {
            Problem::bad_request(format!(
                "payment intent {id} was not created with a setupIntentId"
            ))
        })?;
        if intent.charged || intent.status != PaymentIntentStatus::Created {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                format!(
                    "payment intent {id} is {}; a card is charged only once",
                    intent.status
                ),
            ));
        }
        let setup = store.setup_intent(&setup_id)?;
        setup.complete(now)?;
        let card = setup.card.clone().map(|p| p.card).ok_or_else(|| {
            Problem::bad_request(format!("setup intent {setup_id} holds no card"))
        })?;
        let payment = crate::checkout::payment(store, card, None, now);
        let intent = store.payment_intent(&id)?;
        intent.charged = true;
        intent.capture_mode = CaptureMode::Auto;
        intent.pay(payment, now)?;
        store.notify("payment_intent.status_updated", &id, now);
        Ok(())
    })?;
    Ok(Json(types::ChargeResponse {
        payment_intent_id: Some(PaymentIntentId::from_wire(id)),
        status: Some(Open::Known(types::CaptureStatus::Successful)),
        message: Some("charged".into()),
        ..Default::default()
    }))
}

/// Applies `change` to payment intent `id` with a newly issued client
/// session secret (the old one stops working) and answers with the intent.
fn with_new_secret(
    app: &App,
    id: &str,
    change: impl FnOnce(&mut PaymentIntentRecord, String, DateTime<Utc>) -> Answer<()>,
) -> Answer<Json<types::PaymentIntent>> {
    let record = app.commit(|store, now| {
        let secret = store.ids.token(96);
        let intent = store.payment_intent(id)?;
        change(intent, secret, now)?;
        Ok(intent.clone())
    })?;
    Ok(render(app, &record))
}

async fn refresh(
    State(app): AppState,
    Path(id): Path<String>,
) -> Answer<Json<types::PaymentIntent>> {
    with_new_secret(&app, &id, |intent, secret, now| {
        intent.new_secret(secret, now);
        Ok(())
    })
}

async fn set_tips(
    State(app): AppState,
    Path(id): Path<String>,
    Valid(request): Valid<types::SetTipsAmountRequest>,
) -> Answer<Json<types::PaymentIntent>> {
    let tips = known_currency("TipsAmount", request.tips_amount)?;
    with_new_secret(&app, &id, |intent, secret, now| {
        intent.set_tips(tips, secret, now)
    })
}

async fn set_amount(
    State(app): AppState,
    Path(id): Path<String>,
    Valid(request): Valid<types::SetAmountRequest>,
) -> Answer<Json<types::PaymentIntent>> {
    let amount = known_currency("Amount", request.amount)?;
    with_new_secret(&app, &id, |intent, secret, now| {
        intent.set_amount(amount, secret, now)
    })
}

async fn receipt(
    State(app): AppState,
    Path(id): Path<String>,
    Valid(request): Valid<types::SendEmailReceiptRequest>,
) -> Answer<StatusCode> {
    if request.emails.is_empty() || request.emails.iter().any(|e| !e.contains('@')) {
        return Err(Problem::field(
            "Emails",
            "Every email must be an email address.",
        ));
    }
    app.commit(|store, _| store.payment_intent(&id).map(|_| ()))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn refund(
    State(app): AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    Valid(request): Valid<types::CreateRefundRequest>,
) -> Answer<Json<types::Refund>> {
    let key = headers
        .get("idempotencyKey")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| Problem::field("IdempotencyKey", "The idempotencyKey header is required."))?
        .to_owned();
    let refund = app.commit(|store, now| {
        // The same key for the same payment intent is the same refund.
        if let Some(existing) = store.refund_keys.get(&(id.clone(), key.clone())) {
            return Ok(store.refunds[existing].clone());
        }
        store.payment_intent(&id)?.refund(request.amount, now)?;
        let record = RefundRecord {
            id: store.ids.id("rfnd"),
            payment_intent_id: id.clone(),
            request,
        };
        store
            .refund_keys
            .insert((id.clone(), key), record.id.clone());
        store.refunds.insert(record.id.clone(), record.clone());
        store.notify("payment_intent.status_updated", &id, now);
        Ok(record)
    })?;
    Ok(Json(refund.render()))
}

async fn read_refund(State(app): AppState, Path(id): Path<String>) -> Answer<Json<types::Refund>> {
    let refund = app.commit(|store, _| {
        store
            .refunds
            .get(&id)
            .cloned()
            .ok_or_else(|| Problem::not_found("refund", &id))
    })?;
    Ok(Json(refund.render()))
}

async fn reverse(State(app): AppState, Path(id): Path<String>) -> Answer<Json<types::Reversal>> {
    let reversal_id = app.commit(|store, now| {
        store.payment_intent(&id)?.reverse(now)?;
        store.notify("payment_intent.status_updated", &id, now);
        Ok(store.ids.id("rvs"))
    })?;
    Ok(Json(types::Reversal {
        reversal_id: Some(ReversalId::from_wire(reversal_id)),
        message: Some(format!("reversed payment intent {id}")),
        ..Default::default()
    }))
}

async fn search(
    State(app): AppState,
    Valid(request): Valid<types::SearchPaymentIntentRequest>,
) -> Answer<Json<types::PagedPaymentIntent>> {
    let limit = request
        .cursor
        .as_ref()
        .map_or(50, |c| c.limit.clamp(1, 1000)) as usize;
    let after = request.cursor.as_ref().and_then(|c| c.after.clone());
    let statuses = request.statuses.clone();
    let (start, end) = (
        request.start_date.and_then(|t| t.instant()),
        request.end_date.and_then(|t| t.instant()),
    );
    let (page, more) = app.commit(|store, _| {
        let matching: Vec<PaymentIntentRecord> = store
            .payment_intents
            .values()
            .filter(|p| statuses.as_ref().is_none_or(|s| s.contains(&p.status)))
            .filter(|p| {
                start.is_none_or(|s| p.created_at >= s) && end.is_none_or(|e| p.created_at <= e)
            })
            .filter(|p| after.as_ref().is_none_or(|a| &p.id > a))
            .cloned()
            .collect();
        let more = matching.len() > limit;
        Ok((matching.into_iter().take(limit).collect::<Vec<_>>(), more))
    })?;
    Ok(Json(types::PagedPaymentIntent {
        after: more.then(|| page.last().map(|p| p.id.clone())).flatten(),
        data: Some(page.iter().map(|p| render(&app, p).0).collect()),
        ..Default::default()
    }))
}
