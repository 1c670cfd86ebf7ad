//! A tour of Dojo's flows on the SDK: `cargo run -p dojo-payments --example tour`.
//!
//! Without `DOJO_API_KEY` it runs against the embedded emulator, which also
//! plays the customer at checkout, so every flow runs to the end. With
//! `DOJO_API_KEY=sk_sandbox_…` it runs the merchant's side against Dojo's
//! real sandbox; a person would have to pay at the printed checkout links,
//! so there it creates, reads and cancels.

#[path = "locations.rs"]
mod locations;
#[path = "pay_at_counter.rs"]
mod pay_at_counter;
#[path = "save_card.rs"]
mod save_card;
#[path = "setup_intent_charge.rs"]
mod setup_intent_charge;
#[path = "tokenization.rs"]
mod tokenization;

use dojo_payments::api_types::{CaptureMode, MerchantInitiatedTransactionType};
use dojo_payments::lifecycle::payment_intent::{Authorized, Captured};
use dojo_payments::types::{Currency, Money};
use dojo_payments::{Delivery, Dojo, Error};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator, Fault};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    match std::env::var("DOJO_API_KEY") {
        Ok(_) => sandbox(Dojo::from_env()?).await,
        Err(_) => emulated().await,
    }
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn gbp(text: &str) -> Result<Money> {
    Ok(Money::parse_decimal(text, Currency::GBP)?)
}

async fn emulated() -> Result<()> {
    let emulator = Emulator::start().await?;
    println!(
        "Dojo emulator: api {} · PCI {}",
        emulator.api_url(),
        emulator.pci_url()
    );
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()?;
    let card = Card::test(APPROVED_MASTERCARD)?;

    step("1. Take a payment (auto capture), then refund part of it, with the answer lost");
    let intent = dojo
        .payment_intents()
        .create(gbp("24.50")?, "Order 1001")
        .created()
        .await?;
    println!(
        "  created {}; the customer pays at {}",
        intent.id(),
        intent.data().payment_link.as_deref().unwrap_or("?")
    );
    emulator.pay(intent.id(), &card, false)?;
    let paid = intent.refresh_as::<Captured>(&dojo).await?;
    // Dojo makes the refund, and every answer to it is lost: the call's own
    // retries (the same key each time) end not knowing.
    let attempts = dojo.retry_policy().max_attempts as usize;
    emulator.inject_fault(
        "POST /payment-intents/{paymentIntentId}/refunds",
        Fault::drop_after_commit(),
        attempts,
    )?;
    let refund = match paid.refund(&dojo, gbp("4.50")?, None).await {
        Ok((refund, _)) => refund,
        // The error carries the key the SDK made: the same refund again
        // with it is made once, however often it is sent.
        Err(error) if error.delivery() == Delivery::MaybeApplied => {
            let key = error
                .idempotency_key()
                .cloned()
                .ok_or("a refund's error has its key")?;
            println!("  no answer ({error}); sending the refund again with its key {key}");
            dojo.payment_intents()
                .refund(paid.id(), gbp("4.50")?)
                .idempotency_key(key)
                .send()
                .await?
        }
        Err(error) => return Err(error.into()),
    };
    println!(
        "  refunded 4.50 GBP with key {}: {} refund made",
        refund.idempotency_key,
        emulator.refund_count(paid.id())
    );

    step("2. Authorize now, capture later (manual capture, in two parts)");
    let intent = dojo
        .payment_intents()
        .create(gbp("80.00")?, "Hotel deposit")
        .capture_mode(CaptureMode::Manual)
        .created()
        .await?;
    emulator.pay(intent.id(), &card, false)?;
    let authorized = intent.refresh_as::<Authorized>(&dojo).await?;
    let part = authorized.capture(&dojo, gbp("50.00")?).await?;
    println!(
        "  captured 50.00 of 80.00; {} is {:?}",
        part.id(),
        part.status()
    );
    match part.capture(&dojo, gbp("40.00")?).await {
        Err(error @ Error::InvalidRequest { .. }) => println!("  refused before sending: {error}"),
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    let all = part.capture(&dojo, gbp("30.00")?).await?;
    println!("  captured the remaining 30.00: {} in all", all.total());

    step("3. Reverse an authorization the guest no longer needs");
    let intent = dojo
        .payment_intents()
        .create(gbp("120.00")?, "Room hold")
        .capture_mode(CaptureMode::Manual)
        .created()
        .await?;
    emulator.pay(intent.id(), &card, false)?;
    let hold = intent.refresh_as::<Authorized>(&dojo).await?;
    let reversed = hold.reverse(&dojo).await?;
    println!("  {} reversed (Manual, within 7 days)", reversed.id());

    step("4. Save a card at checkout, pay with it next time (save-card guide)");
    save_card::run(&dojo, &emulator).await?;

    step("5. Setup intent: the customer agrees to terms, the merchant charges later");
    setup_intent_charge::run(&dojo, &emulator).await?;

    step("6. Tokenization: card data to the PCI host, then charge on the api host");
    tokenization::run(&dojo, &emulator).await?;

    step("7. Two cafés on one client: a key per location, one pool, a crash recovered");
    // (Its errors are `Send`, for its test; the tour's need not be.)
    locations::run()
        .await
        .map_err(|error| error as Box<dyn std::error::Error>)?;

    step("8. Pay at Counter: a sale on a card terminal, a signature check, a refund, a cancel");
    // The emulator's auto terminal pays on its own, so this runs unattended.
    pay_at_counter::run(&dojo, &emulator).await?;

    println!("\nTour done. Run it against Dojo's sandbox with DOJO_API_KEY=sk_sandbox_….");
    Ok(())
}

/// Against Dojo's sandbox: the merchant's side only.
async fn sandbox(dojo: Dojo) -> Result<()> {
    println!("Dojo sandbox: {dojo:?}");
    step("Create a payment intent, read it back, cancel it");
    let intent = dojo
        .payment_intents()
        .create(gbp("1.00")?, "SDK tour")
        .created()
        .await?;
    println!(
        "  created {}; a customer would pay at {}",
        intent.id(),
        intent.data().payment_link.as_deref().unwrap_or("?")
    );
    let read = intent.refresh(&dojo).await?;
    println!("  status: {:?}", read.status());
    let canceled = intent.cancel(&dojo).await?;
    println!("  {} canceled", canceled.id());

    step("Create a customer and a customer secret");
    let customer = dojo.customers().create().name("SDK tour").created().await?;
    let customer_id = customer.id;
    let secret = dojo.customers().create_secret(&customer_id).await?;
    println!("  customer {customer_id}, secret {secret:?}");

    step("Create a setup intent, cancel it");
    let setup = dojo
        .setup_intents()
        .create(
            "SDK tour",
            "Terms.",
            MerchantInitiatedTransactionType::Unscheduled,
        )
        .created()
        .await?;
    setup.cancel(&dojo).await?;
    println!("  {} canceled", setup.id());
    dojo.customers().delete(&customer_id).await?;
    println!("  deleted {customer_id}");
    Ok(())
}
