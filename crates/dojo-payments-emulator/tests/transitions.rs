//! The payment intent's state machine, table-driven: every transition of
//! Dojo's diagrams succeeds, every other one fails with the status Dojo
//! would answer; captures, refunds, reversals and amounts within their
//! bounds. The setup intent's: `setup_transitions.rs`.

mod common;

use chrono::Duration;
use common::*;
use dojo_payments_api::api::{self, types};
use dojo_payments_emulator::Emulator;
use dojo_payments_types::PaymentIntentId;

#[derive(Debug, Clone, Copy)]
enum Start {
    CreatedAuto,
    CreatedManual,
    AuthorizedManual,
    CapturedAuto,
    CapturedManualPartly,
    RefundedPartly,
    ReversedAuto,
    ReversedManual,
    Canceled,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Pay,
    Cancel,
    Capture500,
    Reverse,
    Refund200,
    SetAmount,
    SetTips,
}

use Action::*;

use Start::*;

#[rustfmt::skip]
const PAYMENT_INTENT_TABLE: &[(Start, [Expect; 7])] = &[
    //                      Pay               Cancel            Capture500        Reverse           Refund200         SetAmount       SetTips
    (CreatedAuto,          [Ok("Captured"),   Ok("Canceled"),   Err(409),         Err(409),         Err(400),         Ok("Created"),  Ok("Created")]),
    (CreatedManual,        [Ok("Authorized"), Ok("Canceled"),   Err(409),         Err(409),         Err(400),         Ok("Created"),  Ok("Created")]),
    (AuthorizedManual,     [Err(400),         Err(400),         Ok("Captured"),   Ok("Reversed"),   Err(400),         Err(400),       Err(400)]),
    (CapturedAuto,         [Err(400),         Err(400),         Err(409),         Ok("Reversed"),   Ok("Refunded"),   Err(400),       Err(400)]),
    (CapturedManualPartly, [Err(400),         Err(400),         Ok("Captured"),   Err(409),         Ok("Refunded"),   Err(400),       Err(400)]),
    (RefundedPartly,       [Err(400),         Err(400),         Err(409),         Err(409),         Ok("Refunded"),   Err(400),       Err(400)]),
    (ReversedAuto,         [Err(400),         Err(400),         Err(409),         Err(409),         Err(400),         Err(400),       Err(400)]),
    (ReversedManual,       [Err(400),         Err(400),         Err(409),         Err(409),         Err(400),         Err(400),       Err(400)]),
    (Canceled,             [Err(400),         Err(400),         Err(409),         Err(409),         Err(400),         Err(400),       Err(400)]),
];

const ACTIONS: [Action; 7] = [
    Pay, Cancel, Capture500, Reverse, Refund200, SetAmount, SetTips,
];

/// A payment intent of 10.00 GBP brought to `start`.
async fn bring_to(emulator: &Emulator, client: &api::Client, start: Start) -> PaymentIntentId {
    let manual = matches!(
        start,
        CreatedManual | AuthorizedManual | CapturedManualPartly | ReversedManual
    );
    let id = create_intent(client, 1000, if manual { "Manual" } else { "Auto" }).await;
    let pay = !matches!(start, CreatedAuto | CreatedManual | Canceled);
    if pay {
        emulator.pay(&id, &good_card(), false).unwrap();
    }
    match start {
        CapturedManualPartly => capture(client, &id, 400).await.unwrap(),
        RefundedPartly => refund(client, &id, 300, "setup").await.unwrap(),
        ReversedAuto | ReversedManual => drop(client.reversal_create(&id).await.unwrap()),
        Canceled => drop(client.payment_intents_delete(&id).await.unwrap()),
        _ => {}
    }
    id
}

async fn capture(client: &api::Client, id: &PaymentIntentId, amount: i64) -> Result<(), u16> {
    let body = types::CreateCaptureRequest {
        amount,
        tips_amount: None,
    };
    let result = client.captures_create(id, &body).await;
    outcome(&result)
}

async fn refund(
    client: &api::Client,
    id: &PaymentIntentId,
    amount: i64,
    key: &str,
) -> Result<(), u16> {
    let body = refund_request(amount);
    let result = client.refunds_create(id, key, &body).await;
    outcome(&result)
}

fn refund_request(amount: i64) -> types::CreateRefundRequest {
    types::CreateRefundRequest {
        amount,
        notes: None,
        previous_transaction_id: None,
        refund_reason: None,
    }
}

async fn act(
    emulator: &Emulator,
    client: &api::Client,
    id: &PaymentIntentId,
    action: Action,
) -> Result<(), u16> {
    match action {
        Pay => emulator
            .pay(id, &good_card(), false)
            .map(|_| ())
            .map_err(|problem| refusal_code(&problem)),
        Cancel => {
            let result = client.payment_intents_delete(id).await;
            outcome(&result)
        }
        Capture500 => capture(client, id, 500).await,
        Reverse => {
            let result = client.reversal_create(id).await;
            outcome(&result)
        }
        Refund200 => refund(client, id, 200, "act").await,
        SetAmount => {
            let body = types::SetAmountRequest {
                amount: gbp(1200),
                item_lines: None,
                tax_lines: None,
            };
            let result = client.payment_intents_set_custom_amount(id, &body).await;
            outcome(&result)
        }
        SetTips => {
            let body = types::SetTipsAmountRequest {
                tips_amount: gbp(150),
            };
            let result = client.payment_intents_set_tips_amount(id, &body).await;
            outcome(&result)
        }
    }
}

#[tokio::test]
async fn payment_intent_transitions_follow_dojos_diagrams() {
    let (emulator, client) = emulator().await;
    let mut failures = Vec::new();
    for (start, expectations) in PAYMENT_INTENT_TABLE {
        for (action, expected) in ACTIONS.iter().zip(expectations) {
            let id = bring_to(&emulator, &client, *start).await;
            let outcome = act(&emulator, &client, &id, *action).await;
            let actual: Result<String, u16> = match outcome {
                Ok(()) => Ok(status(&client, &id).await),
                Err(code) => Err(code),
            };
            check(
                &mut failures,
                format!("{start:?} + {action:?}"),
                *expected,
                actual,
            );
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn captures_and_refunds_are_bounded_by_what_came_before() {
    let (emulator, client) = emulator().await;
    let id = bring_to(&emulator, &client, AuthorizedManual).await;
    assert_eq!(capture(&client, &id, 700).await, Ok(()));
    assert_eq!(
        capture(&client, &id, 301).await,
        Err(400),
        "700 + 301 > 1000 authorized"
    );
    assert_eq!(capture(&client, &id, 300).await, Ok(()));
    assert_eq!(refund(&client, &id, 600, "a").await, Ok(()));
    assert_eq!(
        refund(&client, &id, 401, "b").await,
        Err(400),
        "600 + 401 > 1000 captured"
    );
    assert_eq!(refund(&client, &id, 400, "c").await, Ok(()));
    let intent = client.payment_intents_get(&id, None).await.unwrap();
    assert_eq!(intent.refunded_amount, Some(1000));
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_refund() {
    let (emulator, client) = emulator().await;
    let id = bring_to(&emulator, &client, CapturedAuto).await;
    let body = refund_request(250);
    let first = client
        .refunds_create(&id, "order-7-refund", &body)
        .await
        .unwrap();
    let again = client
        .refunds_create(&id, "order-7-refund", &body)
        .await
        .unwrap();
    assert_eq!(first.refund_id, again.refund_id);
    assert_eq!(emulator.refund_count(&id), 1);
    let intent = client.payment_intents_get(&id, None).await.unwrap();
    assert_eq!(intent.refunded_amount, Some(250));
}

#[tokio::test]
async fn reversal_windows_are_seven_days_for_manual_and_the_same_day_for_auto() {
    let (emulator, client) = emulator().await;
    let auto = bring_to(&emulator, &client, CapturedAuto).await;
    emulator.advance_clock(Duration::hours(15)).unwrap(); // 10:00 + 15h: the next calendar day
    assert_eq!(http_status(&client.reversal_create(&auto).await), 409);
    assert_eq!(status(&client, &auto).await, "Captured");

    let manual = bring_to(&emulator, &client, AuthorizedManual).await;
    emulator.advance_clock(Duration::days(6)).unwrap();
    assert_eq!(http_status(&client.reversal_create(&manual).await), 200);
    assert_eq!(status(&client, &manual).await, "Reversed");
}

#[tokio::test]
async fn manual_intents_not_captured_in_seven_days_are_reversed() {
    let (emulator, client) = emulator().await;
    let id = bring_to(&emulator, &client, AuthorizedManual).await;
    emulator.advance_clock(Duration::days(6)).unwrap();
    assert_eq!(status(&client, &id).await, "Authorized");
    emulator
        .advance_clock(Duration::days(1) + Duration::seconds(1))
        .unwrap();
    assert_eq!(status(&client, &id).await, "Reversed");
}

#[tokio::test]
async fn amounts_change_only_when_the_config_allows_and_each_change_issues_a_new_secret() {
    let (_emulator, client) = emulator().await;
    let plain = intent_request(
        serde_json::json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "fixed"}),
    );
    let fixed = client
        .payment_intents_create_payment_intent(&plain)
        .await
        .unwrap();
    let body = types::SetAmountRequest {
        amount: gbp(1200),
        item_lines: None,
        tax_lines: None,
    };
    let refused = client
        .payment_intents_set_custom_amount(fixed.id.as_ref().unwrap(), &body)
        .await;
    assert_eq!(http_status(&refused), 405);

    let id = create_intent(&client, 1000, "Auto").await;
    let before = client
        .payment_intents_get(&id, None)
        .await
        .unwrap()
        .into_inner()
        .client_session_secret;
    let changed = client
        .payment_intents_set_custom_amount(&id, &body)
        .await
        .unwrap();
    assert_eq!(changed.amount, Some(gbp(1200)));
    assert_ne!(changed.client_session_secret, before);
    let tips = types::SetTipsAmountRequest {
        tips_amount: gbp(150),
    };
    let with_tips = client
        .payment_intents_set_tips_amount(&id, &tips)
        .await
        .unwrap();
    assert_eq!(with_tips.total_amount, Some(gbp(1350)));
}
