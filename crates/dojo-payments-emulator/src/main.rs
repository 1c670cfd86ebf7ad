//! `cargo run -p dojo-payments-emulator`: both hosts on loopback until Ctrl-C.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let emulator = match dojo_payments_emulator::Emulator::builder()
        .ports(
            port("DOJO_EMULATOR_API_PORT"),
            port("DOJO_EMULATOR_PCI_PORT"),
        )
        .start()
        .await
    {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("could not start the emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("Dojo emulator");
    println!("  api host:  {}", emulator.api_url());
    println!("  PCI host:  {}", emulator.pci_url());
    println!("  API key:   {}", dojo_payments_emulator::API_KEY);
    println!(
        "  checkout:  {}/checkout/<payment intent id>",
        emulator.api_url()
    );
    println!("Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}

/// A port from the environment, or 0 (any free port).
fn port(name: &str) -> u16 {
    std::env::var(name)
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}
