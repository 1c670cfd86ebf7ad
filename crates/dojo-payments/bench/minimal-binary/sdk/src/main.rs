//! Create a payment intent and read it back, on the SDK.
//! `DOJO_API_KEY` (and `DOJO_API_URL` for the emulator) from the environment.

use dojo_payments::Dojo;
use dojo_payments::types::{Currency, Money};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dojo = Dojo::from_env()?;
    let created = dojo
        .payment_intents()
        .create(Money::new(1000, Currency::GBP), "Order 1")
        .send()
        .await?;
    let id = created.id.as_ref().ok_or("Dojo sent no id")?;
    let read = dojo.payment_intents().get(id).await?;
    println!("{id}: {:?}", read.status);
    Ok(())
}
