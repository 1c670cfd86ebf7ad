//! `cargo run -p dojo-shop`: the shop on the embedded emulator (or on
//! Dojo's sandbox with `DOJO_API_KEY`), until Ctrl-C; `cargo run -p
//! dojo-shop -- create-admin EMAIL`: an admin account (see `cli`).

use std::process::ExitCode;

use dojo_shop::{Options, Shop};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(done) = dojo_shop::cli::run(&args).await {
        return match done {
            Ok(said) => {
                println!("{said}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::FAILURE
            }
        };
    }
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), dojo_shop::StartError> {
    let shop = Shop::start(Options::from_env()?).await?;
    match shop.emulator() {
        Some(emulator) => println!("Dojo: the embedded emulator at {}", emulator.api_url()),
        None => println!("Dojo: the API of DOJO_API_KEY"),
    }
    if !shop.receives_webhooks() {
        println!(
            "note: set SHOP_PUBLIC_URL to a URL Dojo can reach (a tunnel to this port); \
             without webhooks, orders stay pending"
        );
    }
    if shop.counter().is_none() {
        println!(
            "note: the till is off: set SHOP_SOFTWARE_HOUSE_ID (the software house id Dojo gave \
             your EPOS) to take payments on card terminals"
        );
    }
    if shop.public_url().origin() == shop.url() {
        println!("The shop is open: {}", shop.url());
    } else {
        println!(
            "The shop is open: {} (listening at {})",
            shop.public_url().origin(),
            shop.url()
        );
    }
    if !shop.db().has_admin().await? {
        println!(
            "No admin yet. To make one, in another terminal (it asks for a password, and prints the\n\
             second factor to add to an authenticator app):\n  \
             DATABASE_URL='{}' cargo run -p dojo-shop -- create-admin you@example.com\n\
             then sign in at {}/signin (staff: create-staff EMAIL, the same way)",
            shop.database_url(),
            shop.url()
        );
    }
    tokio::select! {
        () = shop.wait() => {}
        _ = tokio::signal::ctrl_c() => println!("closing the shop"),
    }
    Ok(())
}
