//! The three flows of Dojo's guides through the typestate lifecycles,
//! against the emulator with a manual clock: a setup intent charged later,
//! tokenization, a card saved at checkout and paid with. Every refusal is
//! checked to send nothing: the emulator's request log does not grow.

mod common;

use common::lifecycle::*;
use common::*;
use dojo_payments::api_types::SetupIntentStatus;
use dojo_payments::api_types::{MerchantInitiatedTransactionType, PaymentMethod};
use dojo_payments::lifecycle::LifecycleRule;
use dojo_payments::lifecycle::payment_intent::AnyPaymentIntent;
use dojo_payments::lifecycle::setup_intent::AnySetupIntent;
use dojo_payments::lifecycle::setup_intent::Authorized as SetupAuthorized;
use dojo_payments::resources::{Card, CustomerRef};
use dojo_payments::types::{CardExpiry, CardNumber, CardholderName, Cvv};
use dojo_payments::{Error, Found};
use futures_util::TryStreamExt;

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
