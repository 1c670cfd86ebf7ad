//! A setup intent, then a charge: `cargo run -p dojo-payments --example setup_intent_charge`.
//!
//! The customer agrees to terms and adds a card at Dojo's checkout; later
//! (a no-show), the merchant charges the intended amount, once.

use dojo_payments::Dojo;
use dojo_payments::api_types::MerchantInitiatedTransactionType;
use dojo_payments::lifecycle::setup_intent::Authorized;
use dojo_payments::types::{Currency, Money};
use dojo_payments_emulator::testkit::APPROVED_MASTERCARD;
use dojo_payments_emulator::{Card, Emulator};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The flow, on `dojo-payments`; `emulator` plays the customer at checkout.
pub async fn run(dojo: &Dojo, emulator: &Emulator) -> Result<()> {
    let setup = dojo
        .setup_intents()
        .create(
            "Table for 4, Friday",
            "A no-show costs £10.",
            MerchantInitiatedTransactionType::NoShow,
        )
        .intended_amount(Money::parse_decimal("10.00", Currency::GBP)?)
        .created()
        .await?;
    println!(
        "  setup intent {} created; the customer adds a card at checkout",
        setup.id()
    );
    emulator.authorize_setup_intent(setup.id(), &Card::test(APPROVED_MASTERCARD)?)?;

    let authorized = setup.refresh_as::<Authorized>(dojo).await?;
    println!("  authorized: the card may be charged once, for the intended amount");
    // `charge` consumes the setup intent: charging it twice does not compile.
    let charged = authorized.charge(dojo).await?;
    println!(
        "  no-show: charged {} through {}; setup intent {} is Completed",
        charged.payment.total(),
        charged.payment.id(),
        charged.setup.id()
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
