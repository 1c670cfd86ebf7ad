//! The emulated terminal: sessions move as Dojo's do, driven by the
//! terminal's customer (`Emulator::terminal`) and by the emulator's clock.
//! Every documented session status and notification is reached here.

mod common;

use std::collections::BTreeSet;

use chrono::Duration;
use common::{create_intent, declined_card, emulator, gbp, good_card, status};
use dojo_payments_api::api::{self, types};
use dojo_payments_emulator::{CardProblem, Emulator, NewTerminal, Presentation, TerminalOutcome};
use dojo_payments_types::{
    ApiKey, LocationId, Open, PaymentIntentId, TerminalId, TerminalSessionId,
};
use serde_json::json;

const HOUSE: &str = "softwareHouse1";
const SOHO: &str = "sk_sandbox_soho_0123456789";

fn counter(n: u8) -> TerminalId {
    TerminalId::from_wire(format!("tm_sandbox_counter{n}"))
}

async fn sale(
    client: &api::Client,
    terminal: &TerminalId,
    intent: &PaymentIntentId,
) -> TerminalSessionId {
    let request: types::CreateTerminalSessionRequest = serde_json::from_value(json!({
        "terminalId": terminal,
        "details": {"sessionType": "Sale", "sale": {"paymentIntentId": intent}},
    }))
    .unwrap();
    let session = client
        .terminal_session_create(Some("reseller1"), HOUSE, &request)
        .await
        .unwrap();
    assert_eq!(
        session.status,
        Open::Known(types::TerminalSessionStatus::InitiateRequested)
    );
    session.into_inner().id
}

async fn read(client: &api::Client, id: &TerminalSessionId) -> types::TerminalSession {
    client
        .terminal_session_get(id, None, HOUSE)
        .await
        .unwrap()
        .into_inner()
}

fn status_of(session: &types::TerminalSession) -> String {
    session.status.to_string()
}

fn notices(session: &types::TerminalSession) -> Vec<String> {
    session
        .notification_events
        .iter()
        .map(|n| n.notification_type.to_string())
        .collect()
}

fn statuses(session: &types::TerminalSession) -> Vec<String> {
    session
        .status_events
        .iter()
        .map(|e| e.status.to_string())
        .collect()
}

async fn terminal_status(client: &api::Client, id: &TerminalId) -> String {
    client
        .terminals_get_terminal(id, None, HOUSE)
        .await
        .unwrap()
        .status
        .to_string()
}

/// Seen: every status and notification the tests reach.
#[derive(Default)]
struct Seen {
    statuses: BTreeSet<String>,
    notices: BTreeSet<String>,
}

impl Seen {
    fn note(&mut self, session: &types::TerminalSession) {
        self.statuses.extend(statuses(session));
        self.notices.extend(notices(session));
    }
}

#[tokio::test]
async fn every_documented_status_and_notification_is_reached() {
    let (emulator, client) = emulator().await;
    let mut seen = Seen::default();
    let manual = counter(3);
    let terminal = emulator.terminal(&manual);

    // Chip and PIN, approved: Auto → Captured, the intent with it.
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &manual, &pi).await;
    assert_eq!(terminal_status(&client, &manual).await, "InUse");
    assert_eq!(
        terminal.present_card(&good_card()).unwrap(),
        TerminalOutcome::Approved
    );
    let done = read(&client, &id).await;
    assert_eq!(status_of(&done), "Captured");
    assert_eq!(
        notices(&done),
        [
            "PresentCard",
            "PleaseWait",
            "EnterPin",
            "PleaseWait",
            "RemoveCard",
            "Approved"
        ]
    );
    assert_eq!(
        statuses(&done),
        ["InitiateRequested", "Initiated", "Captured"]
    );
    assert!(done.payment_details.is_some());
    assert_eq!(status(&client, &pi).await, "Captured");
    assert_eq!(terminal_status(&client, &manual).await, "Available");
    seen.note(&done);

    // Manual capture → Authorized.
    let pi = create_intent(&client, 1000, "Manual").await;
    let id = sale(&client, &manual, &pi).await;
    terminal
        .present(&good_card(), Presentation::Contactless)
        .unwrap();
    assert_eq!(status_of(&read(&client, &id).await), "Authorized");
    assert_eq!(status(&client, &pi).await, "Authorized");
    seen.note(&read(&client, &id).await);

    // Declined: the intent stays Created; over the contactless limit first.
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &manual, &pi).await;
    terminal.card_problem(CardProblem::CardError).unwrap();
    terminal.card_problem(CardProblem::CardUnsupported).unwrap();
    terminal
        .card_problem(CardProblem::PresentOnlyOneCard)
        .unwrap();
    let outcome = terminal
        .present(&declined_card(), Presentation::ContactlessOverLimit)
        .unwrap();
    assert_eq!(outcome, TerminalOutcome::Declined);
    let declined = read(&client, &id).await;
    assert_eq!(status_of(&declined), "Declined");
    assert_eq!(status(&client, &pi).await, "Created");
    seen.note(&declined);

    // Signature accepted: Accepted answered, then Captured (final).
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &manual, &pi).await;
    assert_eq!(
        terminal.present(&good_card(), Presentation::Swipe).unwrap(),
        TerminalOutcome::SignatureRequired
    );
    let waiting = read(&client, &id).await;
    assert_eq!(status_of(&waiting), "SignatureVerificationRequired");
    assert_eq!(
        waiting.expire_at.instant().unwrap(),
        emulator.now() + Duration::seconds(80),
        "the operator's 80 s"
    );
    let answered = client
        .terminal_session_signature(
            &id,
            None,
            HOUSE,
            &types::SignatureVerificationRequest { accepted: true },
        )
        .await
        .unwrap();
    assert_eq!(status_of(&answered), "SignatureVerificationAccepted");
    emulator.advance_clock(Duration::seconds(1)).unwrap();
    let accepted = read(&client, &id).await;
    assert_eq!(status_of(&accepted), "Captured", "Captured stays final");
    assert_eq!(
        statuses(&accepted),
        [
            "InitiateRequested",
            "Initiated",
            "SignatureVerificationRequired",
            "SignatureVerificationAccepted",
            "Captured"
        ]
    );
    assert_eq!(status(&client, &pi).await, "Captured");
    seen.note(&accepted);

    // Signature rejected: the payment is reversed.
    let pi = create_intent(&client, 1000, "Manual").await;
    let id = sale(&client, &manual, &pi).await;
    terminal.present(&good_card(), Presentation::Swipe).unwrap();
    assert_eq!(status(&client, &pi).await, "Authorized");
    let rejected = client
        .terminal_session_signature(
            &id,
            None,
            HOUSE,
            &types::SignatureVerificationRequest { accepted: false },
        )
        .await
        .unwrap();
    assert_eq!(status_of(&rejected), "SignatureVerificationRejected");
    assert_eq!(status(&client, &pi).await, "Reversed");
    seen.note(&rejected);

    // Unanswered for 80 s: Dojo accepts the signature.
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &manual, &pi).await;
    terminal.present(&good_card(), Presentation::Swipe).unwrap();
    emulator.advance_clock(Duration::seconds(81)).unwrap();
    let timed_out = read(&client, &id).await;
    assert_eq!(status_of(&timed_out), "Captured");
    assert!(statuses(&timed_out).contains(&"SignatureVerificationAccepted".to_owned()));

    // Cancel before a card: CancelRequested, then Canceled; after: 422.
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &manual, &pi).await;
    let canceling = client
        .terminal_session_cancel(&id, None, HOUSE)
        .await
        .unwrap();
    assert_eq!(status_of(&canceling), "CancelRequested");
    emulator.advance_clock(Duration::seconds(1)).unwrap();
    let canceled = read(&client, &id).await;
    assert_eq!(status_of(&canceled), "Canceled");
    seen.note(&canceled);
    let id = sale(&client, &manual, &pi).await;
    terminal.present(&good_card(), Presentation::Swipe).unwrap();
    let late = client.terminal_session_cancel(&id, None, HOUSE).await;
    assert_eq!(late.unwrap_err().status().map(|s| s.as_u16()), Some(422));
    let _ = client
        .terminal_session_signature(
            &id,
            None,
            HOUSE,
            &types::SignatureVerificationRequest { accepted: false },
        )
        .await
        .unwrap();

    // The customer walks away; the terminal never picks a session up.
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &manual, &pi).await;
    terminal.walk_away().unwrap();
    assert_eq!(status_of(&read(&client, &id).await), "Expired");
    let id = sale(&client, &manual, &pi).await;
    terminal.go_offline().unwrap();
    assert_eq!(terminal_status(&client, &manual).await, "Offline");
    assert!(
        terminal.present_card(&good_card()).is_err(),
        "an offline terminal reads no card"
    );
    let stuck = read(&client, &id).await;
    assert_eq!(status_of(&stuck), "InitiateRequested");
    emulator.advance_clock(Duration::seconds(11)).unwrap();
    let expired = read(&client, &id).await;
    assert_eq!(status_of(&expired), "Expired");
    seen.note(&expired);
    terminal.come_online().unwrap();
    assert_eq!(terminal_status(&client, &manual).await, "Available");

    let documented: BTreeSet<String> = [
        "InitiateRequested",
        "Initiated",
        "Authorized",
        "Captured",
        "CancelRequested",
        "Canceled",
        "SignatureVerificationAccepted",
        "SignatureVerificationRejected",
        "SignatureVerificationRequired",
        "Expired",
        "Declined",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(seen.statuses, documented);
    let notices: BTreeSet<String> = [
        "Approved",
        "Declined",
        "InsertCard",
        "EnterPin",
        "PleaseWait",
        "PresentCard",
        "PresentOnlyOneCard",
        "RemoveCard",
        "CardUnsupported",
        "CardError",
        "ReEnterCard",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(seen.notices, notices);
}

#[tokio::test]
async fn an_auto_terminal_completes_on_its_own_and_expire_at_moves() {
    let (emulator, client) = emulator().await;
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &counter(1), &pi).await;
    let created = read(&client, &id).await;
    assert_eq!(
        created.expire_at.instant().unwrap(),
        emulator.now() + Duration::seconds(10)
    );
    emulator.advance_clock(Duration::milliseconds(300)).unwrap();
    let initiated = read(&client, &id).await;
    assert_eq!(status_of(&initiated), "Initiated");
    assert_eq!(notices(&initiated), ["PresentCard"]);
    assert!(
        initiated.expire_at.instant() > created.expire_at.instant(),
        "expireAt moves"
    );
    emulator.advance_clock(Duration::seconds(3)).unwrap();
    assert_eq!(status_of(&read(&client, &id).await), "Captured");
    assert_eq!(status(&client, &pi).await, "Captured");
}

#[tokio::test]
async fn refunds_at_the_counter() {
    let (emulator, client) = emulator().await;
    let manual = counter(3);
    let pi = create_intent(&client, 1000, "Auto").await;
    let id = sale(&client, &manual, &pi).await;
    emulator
        .terminal(&manual)
        .present_card(&good_card())
        .unwrap();
    assert_eq!(status_of(&read(&client, &id).await), "Captured");

    let matched: types::CreateTerminalSessionRequest = serde_json::from_value(json!({
        "terminalId": manual,
        "details": {"sessionType": "MatchedRefund", "matchedRefund": {"paymentIntentId": pi, "amount": gbp(400)}},
    }))
    .unwrap();
    let id = client
        .terminal_session_create(None, HOUSE, &matched)
        .await
        .unwrap()
        .into_inner()
        .id;
    emulator
        .terminal(&manual)
        .present_card(&good_card())
        .unwrap();
    assert_eq!(status_of(&read(&client, &id).await), "Captured");
    let intent = client.payment_intents_get(&pi, None).await.unwrap();
    assert_eq!(intent.refunded_amount, Some(400));
    assert_eq!(status(&client, &pi).await, "Refunded");

    let unlinked: types::CreateTerminalSessionRequest = serde_json::from_value(json!({
        "terminalId": manual,
        "details": {"sessionType": "UnlinkedRefund", "unlinkedRefund": {"amount": gbp(250), "cardholderNotPresent": true}},
    }))
    .unwrap();
    let id = client
        .terminal_session_create(None, HOUSE, &unlinked)
        .await
        .unwrap()
        .into_inner()
        .id;
    emulator
        .terminal(&manual)
        .present_card(&good_card())
        .unwrap();
    let done = read(&client, &id).await;
    assert_eq!(status_of(&done), "Captured");
    assert!(
        !notices(&done).contains(&"PresentCard".to_owned()),
        "keyed by the operator"
    );
}

#[tokio::test]
async fn terminals_are_per_location_busy_or_offline_ones_are_unavailable_and_the_header_is_required()
 {
    let (emulator, client) = emulator().await;
    let list = client
        .terminals_list_terminals(None, None, HOUSE)
        .await
        .unwrap();
    let ids: Vec<_> = list.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(
        ids,
        [
            "tm_sandbox_counter1",
            "tm_sandbox_counter2",
            "tm_sandbox_counter3"
        ]
    );
    let available = vec![types::TerminalStatus::Available];
    let list = client
        .terminals_list_terminals(Some(&available), None, HOUSE)
        .await
        .unwrap();
    assert_eq!(list.len(), 2);

    let pi = create_intent(&client, 1000, "Auto").await;
    sale(&client, &counter(3), &pi).await;
    let request: types::CreateTerminalSessionRequest = serde_json::from_value(json!({
        "terminalId": counter(3),
        "details": {"sessionType": "Sale", "sale": {"paymentIntentId": pi}},
    }))
    .unwrap();
    let busy = client.terminal_session_create(None, HOUSE, &request).await;
    assert_eq!(busy.unwrap_err().status().map(|s| s.as_u16()), Some(404));
    let offline: types::CreateTerminalSessionRequest = serde_json::from_value(json!({
        "terminalId": counter(2),
        "details": {"sessionType": "Sale", "sale": {"paymentIntentId": pi}},
    }))
    .unwrap();
    let refused = client.terminal_session_create(None, HOUSE, &offline).await;
    assert_eq!(refused.unwrap_err().status().map(|s| s.as_u16()), Some(404));
    // Present but empty is missing: the same 400.
    let no_house = client.terminals_list_terminals(None, None, "").await;
    assert_eq!(
        no_house.unwrap_err().status().map(|s| s.as_u16()),
        Some(400),
        "an empty software-house-id is a missing one"
    );
    let raw = dojo_payments_api::http_client()
        .unwrap()
        .get(format!("{}/terminals", emulator.api_url()))
        .header(
            "Authorization",
            format!("Basic {}", emulator.api_key().expose()),
        )
        .header("version", dojo_payments_emulator::API_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);

    let added = emulator
        .add_terminal(NewTerminal::new("tm_sandbox_bar").auto())
        .unwrap();
    let list = client
        .terminals_list_terminals(None, None, HOUSE)
        .await
        .unwrap();
    assert!(list.iter().any(|t| t.id == added));
    let second = Emulator::builder()
        .location(LocationId::new("soho").unwrap(), ApiKey::new(SOHO).unwrap())
        .start()
        .await
        .unwrap();
    let soho = api::Client::from_key_at(second.api_url(), &ApiKey::new(SOHO).unwrap()).unwrap();
    let theirs = soho
        .terminals_list_terminals(None, None, HOUSE)
        .await
        .unwrap();
    assert_eq!(theirs[0].id.as_str(), "tm_sandbox_soho_counter1");
}

/// Arbitrary bodies, paths and headers to the terminal routes never panic
/// the emulator, and every refusal is Dojo's problem format; a refusal
/// stores nothing.
#[tokio::test]
async fn arbitrary_requests_to_the_terminal_routes() {
    let (emulator, client) = emulator().await;
    let pi = create_intent(&client, 1000, "Auto").await;
    let session = sale(&client, &counter(3), &pi).await;
    let http = dojo_payments_api::http_client().unwrap();
    let mut rng = fastrand::Rng::with_seed(34);
    let values = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1e300),
        json!("x"),
        json!([]),
        json!({}),
        json!({"accepted": "yes"}),
        json!({"accepted": true, "more": 1}),
        json!({"terminalId": "tm_sandbox_counter1", "details": {"sessionType": "Sale"}}),
        json!({"terminalId": "tm_sandbox_counter1", "details": {"sessionType": "Nope", "sale": {"paymentIntentId": pi}}}),
        json!({"terminalId": "tm_sandbox_counter1", "details": {"sessionType": "UnlinkedRefund", "unlinkedRefund": {"amount": {"value": -5, "currencyCode": "GBP"}}}}),
        json!({"terminalId": "tm_sandbox_counter1", "details": {"sessionType": "MatchedRefund", "matchedRefund": {"paymentIntentId": pi, "amount": {"value": 5, "currencyCode": "XXX"}}}}),
        json!({"terminalId": "tm_nope", "details": {"sessionType": "Sale", "sale": {"paymentIntentId": pi}}}),
        json!({"terminalId": "tm_sandbox_counter1", "details": {"sessionType": "Sale", "sale": {"paymentIntentId": "pi_nope"}, "unlinkedRefund": {"amount": {"value": 5, "currencyCode": "GBP"}}}}),
    ];
    let paths = [
        ("POST", "/terminal-sessions".to_owned()),
        ("PUT", format!("/terminal-sessions/{session}/signature")),
        ("PUT", format!("/terminal-sessions/{session}/cancel")),
        ("GET", "/terminals?statuses=Bogus".to_owned()),
        ("GET", "/terminals/%FF".to_owned()),
        ("GET", "/terminal-sessions/ts_nope".to_owned()),
        ("PUT", "/terminal-sessions/ts_nope/signature".to_owned()),
    ];
    for _ in 0..200 {
        let (method, path) = &paths[rng.usize(..paths.len())];
        let body = values[rng.usize(..values.len())].to_string();
        let body = if rng.bool() {
            body
        } else {
            body.chars().take(rng.usize(..=body.len())).collect()
        };
        let mut request = http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", emulator.api_url()),
            )
            .header(
                "Authorization",
                format!("Basic {}", emulator.api_key().expose()),
            )
            .header("version", dojo_payments_emulator::API_VERSION)
            .header("content-type", "application/json")
            .body(body);
        if rng.u8(..10) > 0 {
            request = request.header("software-house-id", HOUSE);
        }
        let before = emulator.state_digest();
        let answer = request.send().await.expect("the emulator answers");
        let status = answer.status();
        assert!(status.as_u16() < 500, "{method} {path}: {status}");
        if !status.is_success() {
            assert_eq!(
                emulator.state_digest(),
                before,
                "{method} {path}: a refusal stores nothing"
            );
            let problem: serde_json::Value = answer.json().await.expect("a JSON problem");
            for field in [
                "type", "title", "status", "detail", "traceId", "errors", "code",
            ] {
                assert!(
                    problem.get(field).is_some(),
                    "{method} {path}: {problem} lacks {field}"
                );
            }
        }
    }
}

#[tokio::test]
async fn tips_faults_and_a_terminal_lost_mid_session() {
    let (emulator, client) = emulator().await;
    let manual = counter(3);
    let terminal = emulator.terminal(&manual);

    // The customer adds a gratuity on the terminal: the intent's tips.
    let pi = create_intent(&client, 1000, "Auto").await;
    sale(&client, &manual, &pi).await;
    terminal.add_tip(gbp(150)).unwrap();
    terminal.present_card(&good_card()).unwrap();
    let intent = client.payment_intents_get(&pi, None).await.unwrap();
    assert_eq!(intent.tips_amount, Some(gbp(150)));
    assert_eq!(status(&client, &pi).await, "Captured");

    // Faults aim at the terminal routes like any other.
    emulator
        .inject_fault(
            "POST /terminal-sessions",
            dojo_payments_emulator::Fault::fail(503),
            1,
        )
        .unwrap();
    let pi = create_intent(&client, 1000, "Auto").await;
    let request: types::CreateTerminalSessionRequest = serde_json::from_value(json!({
        "terminalId": manual,
        "details": {"sessionType": "Sale", "sale": {"paymentIntentId": pi}},
    }))
    .unwrap();
    let failed = client.terminal_session_create(None, HOUSE, &request).await;
    assert_eq!(failed.unwrap_err().status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        terminal_status(&client, &manual).await,
        "Available",
        "not acted"
    );

    // Picked up, then the terminal goes offline: no card is read, and the
    // session expires at its expireAt.
    let id = sale(&client, &manual, &pi).await;
    emulator.advance_clock(Duration::milliseconds(300)).unwrap();
    let initiated = read(&client, &id).await;
    assert_eq!(status_of(&initiated), "Initiated");
    terminal.go_offline().unwrap();
    assert!(terminal.present_card(&good_card()).is_err());
    emulator.advance_clock(Duration::seconds(89)).unwrap();
    assert_eq!(status_of(&read(&client, &id).await), "Initiated");
    emulator.advance_clock(Duration::seconds(2)).unwrap();
    let expired = read(&client, &id).await;
    assert_eq!(status_of(&expired), "Expired");
    assert_eq!(status(&client, &pi).await, "Created", "nothing was paid");
    terminal.come_online().unwrap();
    assert_eq!(terminal_status(&client, &manual).await, "Available");
}
