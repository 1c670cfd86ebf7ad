//! Save a card at checkout, then pay with it: `cargo run -p dojo-payments --example save_card`.
//!
//! Dojo's save-card guide, top to bottom: find or create the customer (never
//! one per payment), a short-lived customer secret, a payment intent with the
//! customer and `SavedCard`; then the saved cards, read with the customer
//! secret, a second payment with one preselected, and the card deleted.

use dojo_payments::Dojo;
use dojo_payments::api_types::PaymentMethod;
use dojo_payments::lifecycle::payment_intent::Captured;
use dojo_payments::types::{Currency, Money};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The flow, on `dojo-payments`; `emulator` plays the customer at checkout.
pub async fn run(dojo: &Dojo, emulator: &Emulator) -> Result<()> {
    let customer = dojo
        .customers()
        .find_or_create_by_email("ada@example.com", Some("Ada"))
        .await?;
    let customer_id = customer.id;
    println!("  customer {customer_id} (found or created, never one per payment)");

    let secret = dojo.customers().create_secret(&customer_id).await?;
    println!("  customer secret {secret:?}: short-lived, handed to checkout, never printed");

    let intent = dojo
        .payment_intents()
        .create(Money::parse_decimal("32.00", Currency::GBP)?, "Groceries")
        .customer(&customer_id)
        .customer_secret(&secret)
        .payment_methods([PaymentMethod::Card, PaymentMethod::SavedCard])
        .created()
        .await?;
    emulator.pay(intent.id(), &Card::test(APPROVED_MASTERCARD)?, true)?;
    println!(
        "  {} paid at checkout; the customer ticked \"save my card\"",
        intent.id()
    );

    let cards = dojo
        .customers()
        .payment_methods(&customer_id, &secret)
        .await?;
    let card = cards.first().ok_or("no saved card")?;
    let card_id = card.id.clone();
    let pan = card.masked_pan.as_deref().unwrap_or_default();
    println!("  saved cards (read with the customer secret): {card_id} {pan}");

    let next = dojo
        .payment_intents()
        .create(
            Money::parse_decimal("18.00", Currency::GBP)?,
            "Groceries again",
        )
        .customer(&customer_id)
        .saved_card(&card_id)
        .created()
        .await?;
    emulator.pay_with_saved_card(next.id(), &card_id)?;
    let paid = next.refresh_as::<Captured>(dojo).await?;
    println!(
        "  {} paid with the preselected saved card: {}",
        paid.id(),
        paid.total()
    );

    dojo.customers()
        .delete_payment_method(&customer_id, &card_id, &secret)
        .await?;
    println!("  card deleted at the customer's request");
    Ok(())
}

#[allow(dead_code)] // used when run on its own; the tour calls `run`
#[tokio::main]
async fn main() -> Result<()> {
    let emulator = Emulator::start().await?;
    let dojo = Dojo::builder(emulator.api_key())
        .endpoints(emulator.endpoints())
        .build()?;
    run(&dojo, &emulator).await
}
