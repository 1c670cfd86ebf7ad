//! The setup intent's state machine, table-driven: every transition of
//! Dojo's diagrams succeeds, every other one fails with the status Dojo
//! would answer. The payment intent's: `transitions.rs`.

mod common;

use chrono::Duration;
use common::*;
use dojo_payments_api::api;
use dojo_payments_emulator::Emulator;
use dojo_payments_types::{CardExpiry, SetupIntentId};

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
