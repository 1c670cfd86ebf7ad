//! Decoding what Dojo may send: fields and enum values it adds later, empty
//! error bodies, bodies that do not match, and never a secret in an error.

mod support;

use dojo_payments_api::api::types::{PaymentIntent, PaymentIntentStatus, SetupIntentStatus};
use dojo_payments_api::{Error, api};
use dojo_payments_types::{ApiKey, Currency, Money, Open};
use serde_json::json;
use support::recorder::Recorder;

fn client(server: &Recorder) -> api::Client {
    api::Client::from_key_at(
        &server.base_url,
        &ApiKey::new("sk_sandbox_test_0123456789").unwrap(),
    )
    .unwrap()
}

#[test]
fn a_payment_intent_with_a_new_field_and_a_new_status_decodes_and_keeps_both() {
    let body = json!({
        "id": "pi_sandbox_1",
        "status": "PartiallyCaptured",
        "amount": {"value": 1000, "currencyCode": "GBP"},
        "loyaltyPoints": {"earned": 12},
    });
    let intent: PaymentIntent = serde_json::from_value(body).unwrap();
    assert_eq!(
        intent.status,
        Some(Open::Unknown("PartiallyCaptured".into()))
    );
    assert_eq!(intent.extra["loyaltyPoints"], json!({"earned": 12}));
    assert_eq!(intent.amount, Some(Money::new(1000, Currency::GBP)));
    let again = serde_json::to_value(&intent).unwrap();
    assert_eq!(again["status"], "PartiallyCaptured");
    assert_eq!(again["loyaltyPoints"], json!({"earned": 12}));
}

#[test]
fn known_enum_values_decode_into_their_own_enum() {
    let intent: PaymentIntent = serde_json::from_value(json!({"status": "Captured"})).unwrap();
    assert_eq!(
        intent.status,
        Some(Open::Known(PaymentIntentStatus::Captured))
    );
    let setup: api::types::SetupIntentResponse =
        serde_json::from_value(json!({"status": "CardExpired", "setupEvents": []})).unwrap();
    assert_eq!(
        setup.status,
        Some(Open::Known(SetupIntentStatus::CardExpired))
    );
    assert_eq!(setup.setup_events, Some(vec![]));
}

#[test]
fn dojos_timestamp_forms_decode() {
    let intent: PaymentIntent = serde_json::from_value(json!({
        "createdAt": "2022-02-21T14:39:21.6050276Z",
        "updatedAt": "2023-12-13T14:15:01",
        "clientSessionSecretExpirationDate": "0001-01-01T00:00:00Z",
    }))
    .unwrap();
    assert!(intent.created_at.unwrap().instant().is_some());
    assert_eq!(
        intent.updated_at.unwrap().to_string(),
        "2023-12-13T14:15:01Z"
    );
    assert_eq!(
        intent
            .client_session_secret_expiration_date
            .unwrap()
            .instant(),
        None
    );
}

#[tokio::test]
async fn an_empty_401_keeps_its_status() {
    let server = Recorder::start(401, "").await;
    let error = client(&server)
        .payment_intents_get(&"pi_1".parse().unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert!(
        matches!(error, Error::InvalidResponsePayload(_)),
        "{error:?}"
    );
    assert!(!error.certainly_not_sent());
}

#[tokio::test]
async fn a_problem_document_decodes_with_its_errors_and_trace_id() {
    let body = r#"{"errors":{"Reference":["The Reference field is required."]},"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.","status":400,"traceId":"00-a405f077df056a498323ffbcec05923f-aa63e6f4dbbc734a-01"}"#;
    let server = Recorder::start(400, body).await;
    let error = client(&server)
        .payment_intents_get(&"pi_1".parse().unwrap(), None)
        .await
        .unwrap_err();
    let Error::ErrorResponse(problem) = error else {
        panic!("{error:?}")
    };
    assert_eq!(problem.status().as_u16(), 400);
    let errors = problem.errors.as_ref().unwrap();
    assert_eq!(
        errors["Reference"],
        vec!["The Reference field is required.".to_owned()]
    );
    assert_eq!(
        problem.trace_id.as_deref(),
        Some("00-a405f077df056a498323ffbcec05923f-aa63e6f4dbbc734a-01")
    );
}

#[tokio::test]
async fn a_status_the_document_does_not_list_is_kept() {
    let server = Recorder::start(503, r#"{"title":"Service Unavailable"}"#).await;
    let error = client(&server)
        .payment_intents_get(&"pi_1".parse().unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(matches!(error, Error::UnexpectedResponse(_)));
}

const SESSION_SECRET: &str = "SSd_gFOCjTlpbMyE7A6Pl2MaosE2HObXhC-HnRpIMUR_kdOPsGDaVi";
const CUSTOMER_SECRET: &str = "cs_sandbox_qNkU6yob0vOMxUlb2oynUw";

#[tokio::test]
async fn a_body_that_does_not_decode_never_prints_its_secrets() {
    // `amount.value` is not a number: the body cannot decode, and it carries
    // a client session secret and a customer secret.
    let body: &'static str = Box::leak(
        json!({
            "id": "pi_1",
            "amount": {"value": [], "currencyCode": "GBP"},
            "clientSessionSecret": SESSION_SECRET,
            "customer": {"secret": CUSTOMER_SECRET},
        })
        .to_string()
        .into_boxed_str(),
    );
    let server = Recorder::start(200, body).await;
    let error = client(&server)
        .payment_intents_get(&"pi_1".parse().unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    let Error::InvalidResponsePayload(payload) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        payload.expose_body(),
        body.as_bytes(),
        "the raw body is still there on request"
    );
    assert!(payload.redacted_body().contains("[redacted]"));
    for text in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
        payload.redacted_body(),
    ] {
        assert!(!text.contains(SESSION_SECRET), "{text}");
        assert!(!text.contains(CUSTOMER_SECRET), "{text}");
    }
}

#[tokio::test]
async fn serde_messages_lose_the_values_they_quote() {
    let body = r#"{"id":"pi_1","amount":{"value":"cs_sandbox_leak","currencyCode":"GBP"}}"#;
    let server = Recorder::start(200, body).await;
    let error = client(&server)
        .payment_intents_get(&"pi_1".parse().unwrap(), None)
        .await
        .unwrap_err();
    // (The redacted body shows fields that are not secret-bearing by name;
    // the message itself never repeats a value.)
    let Error::InvalidResponsePayload(payload) = &error else {
        panic!("{error:?}")
    };
    assert!(
        !payload.reason().contains("cs_sandbox_leak"),
        "{}",
        payload.reason()
    );
    assert!(
        payload.reason().contains("integer count of minor units"),
        "{}",
        payload.reason()
    );
    let display = error.to_string();
    assert!(
        !display.contains("cs_sandbox_leak") && display.contains("did not decode"),
        "{display}"
    );
}

#[tokio::test]
async fn nothing_sent_is_told_apart_from_maybe_sent() {
    // Nothing listens on this port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = api::Client::from_key_at(&url, &ApiKey::new("sk_sandbox_x").unwrap()).unwrap();
    let error = client
        .payment_intents_get(&"pi_1".parse().unwrap(), None)
        .await
        .unwrap_err();
    assert!(error.certainly_not_sent(), "{error:?}");
    assert_eq!(error.status(), None);
}

/// A struct keeping unknown fields: they are kept in order, a missing
/// required field and a repeated field are refused by name, `null` is
/// `None` for an optional field, and a round trip loses nothing.
#[test]
fn structs_keeping_unknown_fields_decode_strictly_where_they_must() {
    use dojo_payments_api::api::types::ActionLink;
    let link: ActionLink = serde_json::from_str(
        r#"{"label": "Pay", "url": "https://x.example", "action": null, "zeta": 1, "alpha": {"b": [2]}}"#,
    )
    .unwrap();
    assert_eq!((link.label.as_str(), &link.action), ("Pay", &None));
    let kept: Vec<&str> = link.extra.keys().map(String::as_str).collect();
    assert_eq!(kept, ["zeta", "alpha"]);
    let again: ActionLink = serde_json::from_value(serde_json::to_value(&link).unwrap()).unwrap();
    assert_eq!(again, link);

    let missing = serde_json::from_str::<ActionLink>(r#"{"label": "Pay"}"#).unwrap_err();
    assert!(
        missing.to_string().contains("missing field `url`"),
        "{missing}"
    );
    let twice = serde_json::from_str::<ActionLink>(r#"{"label": "a", "label": "b", "url": "u"}"#)
        .unwrap_err();
    assert!(
        twice.to_string().contains("duplicate field `label`"),
        "{twice}"
    );
    let not_an_object = serde_json::from_str::<ActionLink>("[1]").unwrap_err();
    assert!(
        not_an_object.to_string().contains("struct ActionLink"),
        "{not_an_object}"
    );
}
