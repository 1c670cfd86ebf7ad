//! The emulator answers as a distributed system can: a read that lags
//! (`Fault::Stale`), an answer with fields left out (`Fault::Omit`), a
//! change committed only after its answer (`Fault::CommitLater`), and
//! "the first attempt one way, the retry another" (fault sequences). Each
//! is checked against the emulator's own state (`Emulator::payment_intent`,
//! `refund_count`), so that a fault that did nothing fails.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dojo_payments_emulator::{BadAnswer, Emulator, Fault, FaultError, Omitted};
use dojo_payments_types::{ApiKey, PaymentIntentId};
use serde_json::{Value, json};

const READ: &str = "GET /payment-intents/{paymentIntentId}";
const READ_SETUP: &str = "GET /setup-intents/{setupIntentId}";
const CAPTURES: &str = "POST /payment-intents/{paymentIntentId}/captures";
const REFUNDS: &str = "POST /payment-intents/{paymentIntentId}/refunds";

/// Long enough that a loaded machine answers a read well within it.
const LAG: Duration = Duration::from_millis(1500);

/// A plain HTTP client, for answers as they come (status and raw JSON),
/// with no time-out of its own unless one is given.
fn http(timeout: Option<Duration>) -> reqwest::Client {
    // The raw layer's client: it names its TLS provider (a plain
    // `reqwest::Client` has none when the workspace is built together).
    dojo_payments_api::http_client_with(dojo_payments_api::CONNECT_TIMEOUT, timeout).unwrap()
}

/// `method path` on the api host with `key`: the status and the JSON body
/// (`Value::Null` if none), or the error if no answer came.
async fn call(
    http: &reqwest::Client,
    emulator: &Emulator,
    key: &ApiKey,
    method: &str,
    path: &str,
    body: Option<Value>,
    idempotency_key: Option<&str>,
) -> Result<(u16, Value), reqwest::Error> {
    let mut request = http
        .request(
            method.parse().unwrap(),
            format!("{}{path}", emulator.api_url()),
        )
        .header("authorization", format!("Basic {}", key.expose()))
        .header("version", dojo_payments_emulator::API_VERSION);
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(idempotency_key) = idempotency_key {
        request = request.header("idempotencyKey", idempotency_key);
    }
    let answer = request.send().await?;
    let status = answer.status().as_u16();
    let bytes = answer.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

async fn read(emulator: &Emulator, id: &PaymentIntentId) -> (u16, Value) {
    let key = emulator.api_key();
    let path = format!("/payment-intents/{id}");
    call(&http(None), emulator, &key, "GET", &path, None, None)
        .await
        .unwrap()
}

async fn capture(
    http: &reqwest::Client,
    emulator: &Emulator,
    id: &PaymentIntentId,
    amount: i64,
) -> Result<(u16, Value), reqwest::Error> {
    let key = emulator.api_key();
    let path = format!("/payment-intents/{id}/captures");
    let body = json!({"amount": amount});
    call(http, emulator, &key, "POST", &path, Some(body), None).await
}

async fn refund(
    http: &reqwest::Client,
    emulator: &Emulator,
    id: &PaymentIntentId,
    idempotency_key: &str,
) -> Result<(u16, Value), reqwest::Error> {
    let key = emulator.api_key();
    let path = format!("/payment-intents/{id}/refunds");
    let body = json!({"amount": 100});
    call(
        http,
        emulator,
        &key,
        "POST",
        &path,
        Some(body),
        Some(idempotency_key),
    )
    .await
}

/// A manual intent of 10.00, authorized at checkout.
async fn authorized(
    emulator: &Emulator,
    client: &dojo_payments_api::api::Client,
) -> PaymentIntentId {
    let id = create_intent(client, 1000, "Manual").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    id
}

/// The captures the emulator keeps for `id`.
fn captures_kept(emulator: &Emulator, id: &PaymentIntentId) -> usize {
    let intent = emulator.payment_intent(id).unwrap();
    intent.captures.map_or(0, |c| c.len())
}

/// Waits (up to 10 s) until `done`.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

#[tokio::test]
async fn a_stale_read_shows_the_intent_before_its_capture_then_the_fresh_one() {
    let (emulator, client) = emulator().await;
    let id = authorized(&emulator, &client).await;
    tokio::time::sleep(LAG).await;
    let captured = capture(&http(None), &emulator, &id, 400).await.unwrap();
    assert_eq!(captured.0, 200, "{captured:?}");
    let kept = emulator.payment_intent(&id).unwrap();
    assert_eq!(kept.status.unwrap().to_string(), "Captured");
    assert_eq!(kept.captures.as_ref().map(Vec::len), Some(1));

    emulator
        .inject_fault(READ, Fault::Stale { lag: LAG }, 2)
        .unwrap();
    let (status, lagging) = read(&emulator, &id).await;
    assert_eq!(status, 200, "{lagging}");
    assert_eq!(lagging["status"], "Authorized", "as it was {LAG:?} ago");
    assert_eq!(lagging["captures"], json!([]));
    // Once the lag has passed, the lagging read is fresh.
    tokio::time::sleep(LAG).await;
    let (_, caught_up) = read(&emulator, &id).await;
    assert_eq!(caught_up["status"], "Captured");
    assert_eq!(caught_up["captures"].as_array().map(Vec::len), Some(1));
    // The faults are used up: a plain read is the state.
    let (_, plain) = read(&emulator, &id).await;
    assert_eq!(plain["status"], "Captured");
}

#[tokio::test]
async fn a_stale_read_of_an_intent_made_since_is_a_404_and_scoping_holds() {
    let soho = ApiKey::new("sk_sandbox_soho_0123456789abcdef").unwrap();
    let (emulator, client) = emulator().await;
    emulator
        .add_location(&"soho".parse().unwrap(), &soho)
        .unwrap();
    let old = create_intent(&client, 1000, "Auto").await;
    tokio::time::sleep(LAG).await;
    let new = create_intent(&client, 1000, "Auto").await;
    emulator
        .inject_fault(READ, Fault::Stale { lag: LAG }, 3)
        .unwrap();
    let (status, body) = read(&emulator, &new).await;
    assert_eq!(status, 404, "it did not exist {LAG:?} ago: {body}");
    assert_eq!(read(&emulator, &old).await.0, 200);
    // Another account's intent is a 404, lagging or not.
    let path = format!("/payment-intents/{old}");
    let at_soho = call(&http(None), &emulator, &soho, "GET", &path, None, None)
        .await
        .unwrap();
    assert_eq!(at_soho.0, 404, "{at_soho:?}");
}

#[tokio::test]
async fn a_stale_read_of_a_setup_intent_shows_it_before_the_card_was_added() {
    let (emulator, client) = emulator().await;
    let setup = client
        .setup_intents_create(&setup_request())
        .await
        .unwrap()
        .into_inner();
    let id = setup.id.unwrap();
    tokio::time::sleep(LAG).await;
    emulator.authorize_setup_intent(&id, &good_card()).unwrap();
    emulator
        .inject_fault(READ_SETUP, Fault::Stale { lag: LAG }, 1)
        .unwrap();
    assert_eq!(setup_status(&client, &id).await, "Created");
    assert_eq!(setup_status(&client, &id).await, "Authorized");
}

#[tokio::test]
async fn a_stale_read_is_refused_where_it_cannot_be_served() {
    let (emulator, _) = emulator().await;
    let refused = emulator.inject_fault(REFUNDS, Fault::Stale { lag: LAG }, 1);
    assert!(
        matches!(refused, Err(FaultError::Invalid(_))),
        "{refused:?}"
    );
    let too_far = Fault::Stale {
        lag: Fault::MAX_LAG + Duration::from_millis(1),
    };
    let refused = emulator.inject_fault(READ, too_far, 1);
    assert!(
        matches!(refused, Err(FaultError::Invalid(_))),
        "{refused:?}"
    );
    for route in Fault::STALE_ROUTES {
        emulator
            .inject_fault(
                route,
                Fault::Stale {
                    lag: Fault::MAX_LAG,
                },
                1,
            )
            .unwrap();
    }
}

#[tokio::test]
async fn an_omitted_field_is_missing_from_the_answer_while_the_state_has_it() {
    let (emulator, client) = emulator().await;
    let id = authorized(&emulator, &client).await;
    capture(&http(None), &emulator, &id, 400).await.unwrap();
    emulator
        .inject_fault(
            READ,
            Fault::Omit(Omitted::fields(["captures", "refundedAmount", "status"])),
            1,
        )
        .unwrap();
    let (status, answer) = read(&emulator, &id).await;
    assert_eq!(status, 200);
    for field in ["captures", "refundedAmount", "status"] {
        assert!(answer.get(field).is_none(), "{field} in {answer}");
    }
    assert_eq!(answer["id"], id.as_str(), "the rest is there");
    let kept = emulator.payment_intent(&id).unwrap();
    assert_eq!(kept.status.unwrap().to_string(), "Captured");
    assert_eq!(kept.refunded_amount, Some(0));
    assert_eq!(kept.captures.map(|c| c.len()), Some(1));

    // A dotted path goes into every element of an array.
    emulator
        .inject_fault(READ, Fault::Omit(Omitted::fields(["captures.id"])), 1)
        .unwrap();
    let (_, answer) = read(&emulator, &id).await;
    let captures = answer["captures"].as_array().unwrap();
    assert_eq!(captures.len(), 1);
    assert!(captures[0].get("id").is_none(), "{answer}");
    assert_eq!(captures[0]["amount"], 400);
    let (_, plain) = read(&emulator, &id).await;
    assert!(plain["captures"][0]["id"].is_string(), "used up: {plain}");
}

#[tokio::test]
async fn a_capture_answered_with_nothing_is_made_all_the_same() {
    let (emulator, client) = emulator().await;
    let id = authorized(&emulator, &client).await;
    emulator
        .inject_fault(CAPTURES, Fault::Omit(Omitted::Everything), 1)
        .unwrap();
    let answer = capture(&http(None), &emulator, &id, 400).await.unwrap();
    assert_eq!(answer, (200, json!({})));
    assert_eq!(captures_kept(&emulator, &id), 1, "the capture was made");

    // Without captureId: the rest of the answer comes.
    emulator
        .inject_fault(CAPTURES, Fault::Omit(Omitted::fields(["captureId"])), 1)
        .unwrap();
    let (status, answer) = capture(&http(None), &emulator, &id, 100).await.unwrap();
    assert_eq!(status, 200);
    assert!(answer.get("captureId").is_none(), "{answer}");
    assert!(answer["message"].is_string(), "{answer}");
    assert_eq!(captures_kept(&emulator, &id), 2);

    // A refusal comes as it is.
    emulator
        .inject_fault(CAPTURES, Fault::Omit(Omitted::Everything), 1)
        .unwrap();
    let (status, answer) = capture(&http(None), &emulator, &id, 10_000).await.unwrap();
    assert_eq!(status, 400, "{answer}");
    assert!(answer.get("errors").is_some() || answer.get("detail").is_some());
}

#[tokio::test]
async fn a_refund_answered_without_its_id_is_made() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    emulator
        .inject_fault(REFUNDS, Fault::Omit(Omitted::fields(["refundId"])), 1)
        .unwrap();
    let (status, answer) = refund(&http(None), &emulator, &id, "r-1").await.unwrap();
    assert_eq!(status, 200);
    assert!(answer.get("refundId").is_none(), "{answer}");
    assert_eq!(emulator.refund_count(&id), 1);
}

#[tokio::test]
async fn a_capture_committed_later_is_answered_500_at_once_and_appears_after_the_delay() {
    let (emulator, client) = emulator().await;
    let id = authorized(&emulator, &client).await;
    let after = Duration::from_millis(800);
    let fault = Fault::CommitLater {
        after,
        answer: BadAnswer::Status {
            status: 500,
            retry_after: None,
        },
    };
    emulator.inject_fault(CAPTURES, fault, 1).unwrap();
    let started = Instant::now();
    let (status, _) = capture(&http(None), &emulator, &id, 400).await.unwrap();
    let answered = started.elapsed();
    assert_eq!(status, 500);
    assert!(answered < after, "answered at once: {answered:?}");
    assert_eq!(captures_kept(&emulator, &id), 0, "not yet committed");
    assert!(eventually(|| captures_kept(&emulator, &id) == 1).await);
    assert!(started.elapsed() >= after, "{:?}", started.elapsed());
}

/// The connection is gone (hung up), or still held (a stall): the change
/// lands all the same.
#[tokio::test]
async fn a_refund_committed_later_lands_after_a_hang_up_or_during_a_stall() {
    let (emulator, client) = emulator().await;
    for (answer, key) in [
        (BadAnswer::HangUp, "r-hang-up"),
        (BadAnswer::Stall, "r-stall"),
    ] {
        let id = create_intent(&client, 1000, "Auto").await;
        emulator.pay(&id, &good_card(), false).unwrap();
        let fault = Fault::CommitLater {
            after: Duration::from_millis(300),
            answer: answer.clone(),
        };
        emulator.inject_fault(REFUNDS, fault, 1).unwrap();
        let started = Instant::now();
        let http = http(Some(Duration::from_secs(2)));
        let error = refund(&http, &emulator, &id, key).await.unwrap_err();
        let (count, elapsed) = (emulator.refund_count(&id), started.elapsed());
        if elapsed < Duration::from_millis(300) {
            assert_eq!(count, 0, "{answer:?}: committed before its time");
        }
        match answer {
            BadAnswer::Stall => assert!(error.is_timeout(), "{error:?}"),
            _ => assert!(!error.is_timeout(), "{error:?}"),
        }
        assert!(
            eventually(|| emulator.refund_count(&id) == 1).await,
            "{answer:?}"
        );
        if answer == BadAnswer::HangUp {
            assert!(started.elapsed() < Duration::from_secs(2));
        }
        // The same key again: the one refund, as usual.
        let again = refund(&http, &emulator, &id, key).await.unwrap();
        assert_eq!(again.0, 200);
        assert_eq!(emulator.refund_count(&id), 1);
    }
}

#[tokio::test]
async fn a_commit_later_is_refused_past_the_longest_delay() {
    let (emulator, _) = emulator().await;
    let fault = Fault::CommitLater {
        after: Fault::MAX_DELAY + Duration::from_millis(1),
        answer: BadAnswer::HangUp,
    };
    assert!(matches!(
        emulator.inject_fault(CAPTURES, fault, 1),
        Err(FaultError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_sequence_is_answered_in_order_500_after_the_refund_then_400_without() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    emulator
        .inject_faults(REFUNDS, [Fault::fail_after_commit(500), Fault::fail(400)])
        .unwrap();
    let http = http(None);
    assert_eq!(refund(&http, &emulator, &id, "r-1").await.unwrap().0, 500);
    assert_eq!(emulator.refund_count(&id), 1, "made, then answered 500");
    assert_eq!(refund(&http, &emulator, &id, "r-1").await.unwrap().0, 400);
    assert_eq!(emulator.refund_count(&id), 1, "refused without acting");
    assert_eq!(refund(&http, &emulator, &id, "r-1").await.unwrap().0, 200);
    assert_eq!(
        emulator.refund_count(&id),
        1,
        "the same key, the same refund"
    );
}

#[tokio::test]
async fn a_sequence_over_http_is_answered_in_order() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    emulator.pay(&id, &good_card(), false).unwrap();
    let http = http(None);
    let armed = http
        .post(format!("{}/_emulator/faults", emulator.api_url()))
        .json(&json!({
            "route": REFUNDS,
            "sequence": [{"acted": true, "status": 500}, {"status": 400}],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 204);
    assert_eq!(refund(&http, &emulator, &id, "r-1").await.unwrap().0, 500);
    assert_eq!(emulator.refund_count(&id), 1);
    assert_eq!(refund(&http, &emulator, &id, "r-2").await.unwrap().0, 400);
    assert_eq!(emulator.refund_count(&id), 1);
    assert_eq!(refund(&http, &emulator, &id, "r-2").await.unwrap().0, 200);
    assert_eq!(emulator.refund_count(&id), 2);
}

/// Faults armed one by one on a route fire in the order armed, each for
/// its `times` calls.
#[tokio::test]
async fn faults_armed_in_turn_fire_in_the_order_armed() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    emulator.inject_fault(READ, Fault::fail(503), 2).unwrap();
    emulator.inject_fault(READ, Fault::fail(429), 1).unwrap();
    emulator
        .inject_faults(READ, [Fault::fail(502), Fault::fail(504)])
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(read(&emulator, &id).await.0);
    }
    assert_eq!(statuses, [503, 503, 429, 502, 504, 200]);
}

#[tokio::test]
async fn a_sequence_with_one_bad_fault_arms_none() {
    let (emulator, client) = emulator().await;
    let id = create_intent(&client, 1000, "Auto").await;
    let refused = emulator.inject_faults(READ, [Fault::fail(503), Fault::fail(600)]);
    let Err(FaultError::Invalid(why)) = refused else {
        panic!("{refused:?}");
    };
    assert!(why.contains("fault 2"), "{why}");
    assert_eq!(read(&emulator, &id).await.0, 200, "nothing armed");
}

/// The control API's new forms, and its 400s naming the field.
#[tokio::test]
async fn the_new_fault_forms_are_armed_or_refused_over_http() {
    let (emulator, client) = emulator().await;
    let id = authorized(&emulator, &client).await;
    let http = http(None);
    let arm = |body: Value| {
        let request = http
            .post(format!("{}/_emulator/faults", emulator.api_url()))
            .json(&body);
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for accepted in [
        json!({"route": READ, "staleMs": 1500}),
        json!({"route": READ, "times": 2, "omit": ["captures", "refundedAmount"]}),
        json!({"route": READ, "omit": "*"}),
        json!({"route": CAPTURES, "commitAfterMs": 300, "answer": "hang-up"}),
        json!({"route": CAPTURES, "commitAfterMs": 300, "status": 500, "retryAfter": 1}),
        json!({"route": REFUNDS, "sequence": [{"acted": true, "status": 500}, {"status": 400}]}),
    ] {
        assert_eq!(arm(accepted.clone()).await.0, 204, "{accepted}");
    }
    for (refused, field) in [
        (
            json!({"route": READ, "staleMs": 10, "status": 500}),
            "Status",
        ),
        (json!({"route": READ, "staleMs": 10, "omit": "*"}), "Omit"),
        (json!({"route": READ, "omit": "everything"}), "Omit"),
        (json!({"route": READ, "omit": [1]}), "Omit"),
        (json!({"route": READ, "omit": "*", "acted": true}), "Acted"),
        (json!({"route": CAPTURES, "commitAfterMs": 10}), "Answer"),
        (
            json!({"route": CAPTURES, "commitAfterMs": 10, "status": 500, "acted": true}),
            "Acted",
        ),
        (
            json!({"route": CAPTURES, "commitAfterMs": 10, "status": 500, "latencyMs": 1}),
            "LatencyMs",
        ),
        (
            json!({"route": REFUNDS, "sequence": [{"status": 500}], "times": 2}),
            "Times",
        ),
        (
            json!({"route": REFUNDS, "sequence": [{"status": 500}], "status": 500}),
            "Status",
        ),
        (json!({"route": REFUNDS, "sequence": []}), "Sequence"),
        (
            json!({"route": REFUNDS, "sequence": [{"status": 500}, {"answer": "stall", "status": 500}]}),
            "Sequence[1].Status",
        ),
    ] {
        let (status, body) = arm(refused.clone()).await;
        assert_eq!(status, 400, "{refused}: {body}");
        assert!(
            body["errors"].get(field).is_some(),
            "{refused} should name {field}: {body}"
        );
    }
    for refused in [
        json!({"route": REFUNDS, "staleMs": 10}),
        json!({"route": READ, "staleMs": 60_001}),
        json!({"route": READ, "omit": []}),
        json!({"route": READ, "omit": ["captures..id"]}),
        json!({"route": CAPTURES, "commitAfterMs": 60_001, "answer": "hang-up"}),
        json!({"route": REFUNDS, "sequence": [{"status": 500}, {"status": 600}]}),
        json!({"route": REFUNDS, "sequence": [{"status": 500, "times": 2}]}),
    ] {
        let (status, body) = arm(refused.clone()).await;
        assert_eq!(status, 400, "{refused}: {body}");
    }
    // The read's accepted faults, and none of its refused ones, fire in
    // the order armed: lagging (an intent made just now: a 404), without
    // two fields twice, then with none.
    let fresh = create_intent(&client, 1000, "Auto").await;
    assert_eq!(read(&emulator, &fresh).await.0, 404);
    for _ in 0..2 {
        let (status, answer) = read(&emulator, &id).await;
        assert_eq!(status, 200);
        assert!(answer.get("captures").is_none() && answer.get("refundedAmount").is_none());
        assert_eq!(answer["status"], "Authorized");
    }
    assert_eq!(read(&emulator, &id).await, (200, json!({})));
    assert_eq!(read(&emulator, &id).await.1["status"], "Authorized");
    emulator.clear_faults();
}
