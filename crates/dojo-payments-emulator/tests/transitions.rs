//! The state machines, table-driven: every transition of Dojo's diagrams
//! succeeds, every other one fails with the status Dojo would answer.

mod common;

use chrono::Duration;
use common::*;
use dojo_payments_api::api::{self, types};
use dojo_payments_emulator::Emulator;
use dojo_payments_types::{CardExpiry, PaymentIntentId, SetupIntentId};

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

/// `Ok(status after)` or `Err(HTTP status of the refusal)`.
type Expect = Result<&'static str, u16>;

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

/// Notes a cell of a table whose outcome differs from the table's.
fn check(failures: &mut Vec<String>, cell: String, expected: Expect, actual: Result<String, u16>) {
    let expected = expected.map(str::to_owned);
    if actual != expected {
        failures.push(format!("{cell}: expected {expected:?}, got {actual:?}"));
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

#[derive(Debug, Clone, Copy)]
enum SetupStart {
    Created,
    Authorized,
    Expired,
    CardExpired,
    Canceled,
    Closed,
    Completed,
}

#[derive(Debug, Clone, Copy)]
enum SetupAction {
    Authorize,
    Delete,
    DeleteIncludingAuthorized,
    Charge,
    Expire,
}

#[rustfmt::skip]
const SETUP_INTENT_TABLE: &[(SetupStart, [Expect; 5])] = &[
    //                          Authorize          Delete           DeleteIncludingAuthorized  Charge              Expire
    (SetupStart::Created,     [Ok("Authorized"),  Ok("Canceled"),  Ok("Canceled"),            Err(400),           Ok("Expired")]),
    (SetupStart::Authorized,  [Err(400),          Err(400),        Ok("Closed"),              Ok("Completed"),    Err(400)]),
    (SetupStart::Expired,     [Err(400),          Err(400),        Err(400),                  Err(400),           Err(400)]),
    (SetupStart::CardExpired, [Err(400),          Err(400),        Err(400),                  Err(400),           Err(400)]),
    (SetupStart::Canceled,    [Err(400),          Err(400),        Err(400),                  Err(400),           Err(400)]),
    (SetupStart::Closed,      [Err(400),          Err(400),        Err(400),                  Err(400),           Err(400)]),
    (SetupStart::Completed,   [Err(400),          Err(400),        Err(400),                  Err(400),           Err(400)]),
];

const SETUP_ACTIONS: [SetupAction; 5] = [
    SetupAction::Authorize,
    SetupAction::Delete,
    SetupAction::DeleteIncludingAuthorized,
    SetupAction::Charge,
    SetupAction::Expire,
];

async fn setup_to(emulator: &Emulator, client: &api::Client, start: SetupStart) -> SetupIntentId {
    let id = client
        .setup_intents_create(&setup_request())
        .await
        .unwrap()
        .id
        .clone()
        .unwrap();
    let expired_card = good_card().expiring(CardExpiry::new(1, 2020).unwrap());
    match start {
        SetupStart::Created => {}
        SetupStart::Authorized => {
            let outcome = emulator.authorize_setup_intent(&id, &good_card()).unwrap();
            assert_eq!(outcome, dojo_payments_emulator::CardOutcome::Approved);
        }
        SetupStart::Expired => emulator.expire_setup_intent(&id).unwrap(),
        SetupStart::CardExpired => {
            let outcome = emulator.authorize_setup_intent(&id, &expired_card).unwrap();
            assert_eq!(outcome, dojo_payments_emulator::CardOutcome::Expired);
        }
        SetupStart::Canceled => drop(client.setup_intents_delete(&id, None).await.unwrap()),
        SetupStart::Closed => {
            emulator.authorize_setup_intent(&id, &good_card()).unwrap();
            assert_eq!(delete_including_authorized(client, &id).await, 200);
        }
        SetupStart::Completed => {
            emulator.authorize_setup_intent(&id, &good_card()).unwrap();
            charge(client, &id).await.unwrap();
        }
    }
    id
}

/// `DELETE /setup-intents/{id}?includeAuthorized=true`, the parameter Dojo's
/// guide names and the repair rule `setup_intent_delete_include_authorized`
/// adds to the document.
async fn delete_including_authorized(client: &api::Client, id: &SetupIntentId) -> u16 {
    http_status(&client.setup_intents_delete(id, Some(true)).await)
}

/// A payment intent for the setup intent's full amount, then `/charge`.
async fn charge(client: &api::Client, setup_id: &SetupIntentId) -> Result<(), u16> {
    let request = intent_request(serde_json::json!({
        "amount": {"value": 1000, "currencyCode": "GBP"},
        "reference": "No-show",
        "setupIntentId": setup_id,
    }));
    let created = client.payment_intents_create_payment_intent(&request).await;
    let intent = created.as_ref().map_err(|_| http_status(&created))?;
    let charged = client
        .payment_intents_charge_payment_intent(intent.id.as_ref().unwrap())
        .await;
    outcome(&charged)
}

#[tokio::test]
async fn setup_intent_transitions_follow_dojos_diagrams() {
    let (emulator, client) = emulator().await;
    let mut failures = Vec::new();
    for (start, expectations) in SETUP_INTENT_TABLE {
        for (action, expected) in SETUP_ACTIONS.iter().zip(expectations) {
            let id = setup_to(&emulator, &client, *start).await;
            let outcome = match action {
                SetupAction::Authorize => emulator
                    .authorize_setup_intent(&id, &good_card())
                    .map(|_| ())
                    .map_err(|problem| refusal_code(&problem)),
                SetupAction::Delete => {
                    let result = client.setup_intents_delete(&id, None).await;
                    outcome(&result)
                }
                SetupAction::DeleteIncludingAuthorized => {
                    match delete_including_authorized(&client, &id).await {
                        200 => Ok(()),
                        code => Err(code),
                    }
                }
                SetupAction::Charge => charge(&client, &id).await,
                SetupAction::Expire => emulator
                    .expire_setup_intent(&id)
                    .map_err(|problem| refusal_code(&problem)),
            };
            let actual: Result<String, u16> = match outcome {
                Ok(()) => Ok(setup_status(&client, &id).await),
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
async fn a_setup_intent_expires_at_its_expire_at_and_charges_only_its_full_amount() {
    let (emulator, client) = emulator().await;
    let mut request = setup_request();
    request.expire_at = Some((emulator.now() + Duration::hours(1)).into());
    let id = client
        .setup_intents_create(&request)
        .await
        .unwrap()
        .id
        .clone()
        .unwrap();
    emulator.advance_clock(Duration::hours(2)).unwrap();
    assert_eq!(setup_status(&client, &id).await, "Expired");

    let id = setup_to(&emulator, &client, SetupStart::Authorized).await;
    let partial = intent_request(serde_json::json!({
        "amount": {"value": 500, "currencyCode": "GBP"}, "reference": "part", "setupIntentId": id,
    }));
    let refused = client.payment_intents_create_payment_intent(&partial).await;
    assert_eq!(http_status(&refused), 400);
}
