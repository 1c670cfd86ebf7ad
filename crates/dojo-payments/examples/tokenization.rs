//! Tokenization: `cargo run -p dojo-payments --example tokenization`.
//!
//! Card data the merchant captured (PCI DSS SAQ-D) goes to the PCI host in
//! the one call that creates and authorizes a setup intent; every follow-up
//! goes to the api host. The card types never print and are wiped once sent.

use dojo_payments::Dojo;
use dojo_payments::api_types::MerchantInitiatedTransactionType;
use dojo_payments::lifecycle::setup_intent::AnySetupIntent;
use dojo_payments::resources::Card;
use dojo_payments::types::{CardExpiry, CardNumber, CardholderName, Currency, Cvv, Money};
use dojo_payments_emulator::Emulator;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The flow, on `dojo-payments` (the emulator needs no customer here).
pub async fn run(dojo: &Dojo, _emulator: &Emulator) -> Result<()> {
    let card = Card {
        number: CardNumber::new("4456 5300 0000 1005")?,
        cvv: Cvv::new("123")?,
        expiry: CardExpiry::new(12, 2030)?,
        holder: CardholderName::new("Ada Lovelace")?,
    };
    println!(
        "  card {:?}, code {:?}: checked (Luhn, 3–4 digits), never printed",
        card.number, card.cvv
    );
    let setup = dojo
        .setup_intents()
        .tokenize(
            "Card on file",
            "Charged when you order.",
            MerchantInitiatedTransactionType::Unscheduled,
            card,
        )
        .intended_amount(Money::parse_decimal("25.00", Currency::GBP)?)
        .authorized()
        .await?;
    // A card may be declined: that is an answer, not an error.
    let setup = match setup {
        AnySetupIntent::Authorized(setup) => setup,
        declined => {
            return Err(format!("the card was not authorized: {:?}", declined.status()).into());
        }
    };
    println!(
        "  {} authorized on the PCI host; the card data is gone from memory",
        setup.id()
    );
    let charged = setup.charge(dojo).await?;
    println!(
        "  charged {} on the api host through {}",
        charged.payment.total(),
        charged.payment.id()
    );
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
