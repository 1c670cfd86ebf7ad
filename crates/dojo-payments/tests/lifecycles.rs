//! The typestate lifecycles and the three flows of Dojo's guides, against
//! the emulator with a manual clock. Every refusal is checked to send
//! nothing: the emulator's request log does not grow.

mod common;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use dojo_payments::api_types::SetupIntentStatus;
use dojo_payments::api_types::{CaptureMode, MerchantInitiatedTransactionType, PaymentMethod};
use dojo_payments::lifecycle::setup_intent::Authorized as SetupAuthorized;
use dojo_payments::lifecycle::{AnyPaymentIntent, AnySetupIntent, LifecycleRule, PaymentIntent};
use dojo_payments::resources::{Card, CustomerRef};
use dojo_payments::types::{CardExpiry, CardNumber, CardholderName, Currency, Cvv, Money};
use dojo_payments::{Dojo, Error, Found, Invalid};
use dojo_payments_emulator::Emulator;
use futures_util::TryStreamExt;

/// An emulator on a manual clock (a Monday, 10:00 UTC) and a client whose
/// clock is the emulator's.
async fn on_a_manual_clock() -> (Arc<Emulator>, Dojo) {
    let emulator = Emulator::builder()
        .manual_clock(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap())
        .start()
        .await
        .unwrap();
    let emulator = Arc::new(emulator);
    let clock = emulator.clone();
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .retry_policy(quick_retries())
        .clock(move || clock.now())
        .build()
        .unwrap();
    (emulator, dojo)
}

/// `result` is refused by `rule`, and the emulator received nothing for it.
fn refused<T: std::fmt::Debug>(
    emulator: &Emulator,
    before: usize,
    result: dojo_payments::Result<T>,
    rule: LifecycleRule,
) {
    match result {
        Err(Error::InvalidRequest {
            reason: Invalid::Lifecycle(actual),
            ..
        }) => assert_eq!(actual, rule),
        other => panic!("expected a refusal by {rule:?}, got {other:?}"),
    }
    assert_eq!(
        emulator.requests().len(),
        before,
        "a refused call sent a request"
    );
}

async fn authorized(
    emulator: &Emulator,
    dojo: &Dojo,
    minor: i64,
) -> PaymentIntent<dojo_payments::lifecycle::Authorized> {
    let created = dojo
        .payment_intents()
        .create(gbp(minor), "Deposit")
        .capture_mode(CaptureMode::Manual)
        .created()
        .await
        .unwrap();
    emulator.pay(created.id(), &good_card(), false).unwrap();
    match created.refresh(dojo).await.unwrap() {
        AnyPaymentIntent::Authorized(intent) => intent,
        other => panic!("{other:?}"),
    }
}

async fn captured_auto(
    emulator: &Emulator,
    dojo: &Dojo,
    minor: i64,
) -> PaymentIntent<dojo_payments::lifecycle::Captured> {
    let created = dojo
        .payment_intents()
        .create(gbp(minor), "Shop")
        .created()
        .await
        .unwrap();
    emulator.pay(created.id(), &good_card(), false).unwrap();
    match created.refresh(dojo).await.unwrap() {
        AnyPaymentIntent::Captured(intent) => intent,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn manual_captures_and_refunds_are_bounded_exactly() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let intent = authorized(&emulator, &dojo, 1000).await;

    let part = intent.capture(&dojo, gbp(600)).await.unwrap();
    let full = part.capture(&dojo, gbp(400)).await.unwrap();
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        full.capture(&dojo, gbp(1)).await,
        LifecycleRule::CaptureExceedsAuthorized {
            remaining: gbp(0),
            requested: gbp(1),
        },
    );
    refused(
        &emulator,
        before,
        full.reverse(&dojo).await,
        LifecycleRule::ReversalAfterManualCapture,
    );
    refused(
        &emulator,
        before,
        full.capture(&dojo, Money::new(1, Currency::EUR)).await,
        LifecycleRule::CurrencyMismatch {
            expected: Currency::GBP,
            given: Currency::EUR,
        },
    );

    let (_, refunded) = full.refund(&dojo, gbp(700), None).await.unwrap();
    let (made, at_boundary) = refunded.refund(&dojo, gbp(300), None).await.unwrap();
    assert_eq!(made.idempotency_key.as_str().len(), 36);
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        at_boundary.refund(&dojo, gbp(1), None).await,
        LifecycleRule::RefundExceedsCaptured {
            refundable: gbp(0),
            requested: gbp(1),
        },
    );
    assert_eq!(emulator.refund_count(at_boundary.id()), 2);
}

#[tokio::test]
async fn a_manual_authorization_is_reversed_within_seven_days_only() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let early = authorized(&emulator, &dojo, 500).await;
    let late = authorized(&emulator, &dojo, 500).await;
    emulator.advance_clock(Duration::days(6)).unwrap();
    let reversed = early.reverse(&dojo).await.unwrap();
    assert_eq!(reversed.id(), early.id());

    emulator
        .advance_clock(Duration::days(1) + Duration::seconds(1))
        .unwrap();
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        late.reverse(&dojo).await,
        LifecycleRule::ManualReversalAfterSevenDays,
    );
}

#[tokio::test]
async fn an_auto_payment_is_reversed_on_its_calendar_day_only() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let today = captured_auto(&emulator, &dojo, 800).await;
    let tomorrow = captured_auto(&emulator, &dojo, 800).await;
    emulator.advance_clock(Duration::hours(13)).unwrap(); // 23:00, the same day
    today.reverse(&dojo).await.unwrap();
    emulator.advance_clock(Duration::hours(2)).unwrap(); // 01:00 the next day
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        tomorrow.reverse(&dojo).await,
        LifecycleRule::AutoReversalAfterTheDay,
    );
    // Refunding is what remains, and it works.
    tomorrow.refund(&dojo, gbp(800), None).await.unwrap();
}

#[tokio::test]
async fn amounts_and_tips_change_only_where_the_config_allows() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let fixed = dojo
        .payment_intents()
        .create(gbp(1000), "Fixed")
        .created()
        .await
        .unwrap();
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        fixed.set_amount(&dojo, gbp(1200)).await,
        LifecycleRule::CustomAmountNotAllowed,
    );
    refused(
        &emulator,
        before,
        fixed.set_tips(&dojo, gbp(100)).await,
        LifecycleRule::TipsNotAllowed,
    );
    refused(
        &emulator,
        before,
        fixed.set_tips(&dojo, gbp(0)).await,
        LifecycleRule::AmountNotPositive,
    );
    refused(
        &emulator,
        before,
        fixed.charge(&dojo).await,
        LifecycleRule::ChargeNeedsSetupIntent,
    );

    let open = dojo
        .payment_intents()
        .create(gbp(1000), "Open")
        .with(|r| {
            r.config = Some(
                serde_json::from_value(serde_json::json!(
                    {"payment": {"customAmountAllowed": true, "tipsAllowed": true}}
                ))
                .unwrap(),
            )
        })
        .created()
        .await
        .unwrap();
    let changed = open.set_amount(&dojo, gbp(1200)).await.unwrap();
    let tipped = changed.set_tips(&dojo, gbp(150)).await.unwrap();
    assert_eq!(tipped.total(), gbp(1350));
    let canceled = tipped.cancel(&dojo).await.unwrap();
    assert_eq!(canceled.id(), open.id());
}

#[tokio::test]
async fn setup_intent_then_charge_the_full_amount_once() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let setup = dojo
        .setup_intents()
        .create(
            "Table for 4",
            "A no-show costs £10.",
            MerchantInitiatedTransactionType::NoShow,
        )
        .intended_amount(gbp(1000))
        .created()
        .await
        .unwrap();
    // Read before the card was added, it is not what `refresh_as` expects:
    // an error carrying the intent as read, not a panic or a guess.
    let early = setup
        .refresh_as::<SetupAuthorized>(&dojo)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &early,
            Error::UnexpectedAnswer {
                found: Found::SetupIntent { .. },
                ..
            }
        ),
        "{early}"
    );
    emulator
        .authorize_setup_intent(setup.id(), &good_card())
        .unwrap();
    let authorized = setup.refresh_as::<SetupAuthorized>(&dojo).await.unwrap();
    assert_eq!(authorized.status(), SetupIntentStatus::Authorized);
    let charged = authorized.charge(&dojo).await.unwrap();
    assert_eq!(charged.payment.total(), gbp(1000));
    assert_eq!(
        charged.payment.data().setup_intent_id.as_ref(),
        Some(charged.setup.id())
    );

    let no_amount = dojo
        .setup_intents()
        .create(
            "Unpriced",
            "Terms.",
            MerchantInitiatedTransactionType::NoShow,
        )
        .created()
        .await
        .unwrap();
    emulator
        .authorize_setup_intent(no_amount.id(), &good_card())
        .unwrap();
    let no_amount = no_amount
        .refresh_as::<SetupAuthorized>(&dojo)
        .await
        .unwrap();
    let before = emulator.requests().len();
    refused(
        &emulator,
        before,
        no_amount.clone().charge(&dojo).await,
        LifecycleRule::NoIntendedAmount,
    );
    let closed = no_amount.close(&dojo).await.unwrap();
    assert_eq!(closed.id(), no_amount.id());
}

#[tokio::test]
async fn tokenization_sends_the_card_to_the_pci_host_once_then_charges_on_the_api_host() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let card = Card {
        number: CardNumber::new("4456 5300 0000 1005").unwrap(),
        cvv: Cvv::new("123").unwrap(),
        expiry: CardExpiry::new(12, 2030).unwrap(),
        holder: CardholderName::new("Ada Lovelace").unwrap(),
    };
    let AnySetupIntent::Authorized(setup) = dojo
        .setup_intents()
        .tokenize(
            "Card on file",
            "Charged when you order.",
            MerchantInitiatedTransactionType::Unscheduled,
            card,
        )
        .intended_amount(gbp(2500))
        .authorized()
        .await
        .unwrap()
    else {
        panic!("the card was not authorized")
    };
    let charged = setup.charge(&dojo).await.unwrap();
    assert_eq!(charged.payment.total(), gbp(2500));
    let requests = emulator.requests();
    let pci: Vec<_> = requests.iter().filter(|r| r.starts_with("pci ")).collect();
    assert_eq!(
        pci,
        ["pci POST /setup-intents"],
        "one call to the PCI host, then the api host"
    );
}

#[tokio::test]
async fn save_a_card_then_pay_with_it_and_delete_it() {
    let (emulator, dojo) = on_a_manual_clock().await;
    let customer = dojo
        .customers()
        .find_or_create_by_email("ada@example.com", Some("Ada"))
        .await
        .unwrap();
    let again = dojo
        .customers()
        .find_or_create_by_email("ada@example.com", None)
        .await
        .unwrap();
    assert_eq!(again.id, customer.id, "never a new customer per payment");
    let customer_id = customer.id;
    let secret = dojo.customers().create_secret(&customer_id).await.unwrap();
    assert!(secret.expires_at().is_some());

    let first = dojo
        .payment_intents()
        .create(gbp(3200), "Groceries")
        .customer(&customer_id)
        .customer_secret(&secret)
        .payment_methods([PaymentMethod::Card, PaymentMethod::SavedCard])
        .created()
        .await
        .unwrap();
    emulator.pay(first.id(), &good_card(), true).unwrap();
    let saved = dojo
        .customers()
        .payment_methods(&customer_id, &secret)
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    let card_id = saved[0].id.clone();
    assert!(
        emulator
            .requests()
            .iter()
            .any(|r| r == "GET /customers/public/{customerId}/payment-methods"),
        "saved cards are read with the customer secret, on the customer-owned endpoint"
    );

    // Next time: the customer, named as the merchant's own JSON names them,
    // with the saved card preselected.
    let stored: CustomerRef =
        serde_json::from_value(serde_json::json!({"customerId": customer_id})).unwrap();
    let second = dojo
        .payment_intents()
        .create(gbp(1800), "Groceries again")
        .customer_ref(&stored)
        .saved_card(&card_id)
        .created()
        .await
        .unwrap();
    assert_eq!(
        second.data().customer.as_ref().and_then(|c| c.id.as_ref()),
        Some(&customer_id)
    );
    emulator.pay_with_saved_card(second.id(), &card_id).unwrap();
    assert!(matches!(
        second.refresh(&dojo).await.unwrap(),
        AnyPaymentIntent::Captured(_)
    ));

    dojo.customers()
        .delete_payment_method(&customer_id, &card_id, &secret)
        .await
        .unwrap();
    assert!(
        dojo.customers()
            .payment_methods(&customer_id, &secret)
            .await
            .unwrap()
            .is_empty()
    );
    let everyone: Vec<_> = dojo.customers().search(100).try_collect().await.unwrap();
    assert_eq!(everyone.len(), 1);
}

#[test]
fn a_typed_intent_is_stored_and_read_back_as_dojo_s_json() {
    let json = serde_json::json!({"id": "pi_1", "status": "Authorized", "captureMode": "Manual",
        "totalAmount": {"value": 1000, "currencyCode": "GBP"}});
    let any: AnyPaymentIntent = serde_json::from_value(json.clone()).unwrap();
    assert!(matches!(any, AnyPaymentIntent::Authorized(_)));
    assert_eq!(serde_json::to_value(&any).unwrap()["status"], "Authorized");
    let new_status: AnyPaymentIntent =
        serde_json::from_value(serde_json::json!({"id": "pi_2", "status": "PartiallyRefunded"}))
            .unwrap();
    assert!(
        matches!(new_status, AnyPaymentIntent::Other(_)),
        "a status Dojo adds later is kept"
    );
}
