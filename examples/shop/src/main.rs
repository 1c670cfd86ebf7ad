//! `cargo run -p dojo-shop`: the shop on the embedded emulator (or on
//! Dojo's sandbox with `DOJO_API_KEY`), until Ctrl-C.

use dojo_shop::{Options, Shop};

#[tokio::main]
async fn main() -> Result<(), dojo_shop::StartError> {
    let shop = Shop::start(Options::from_env()).await?;
    match shop.emulator() {
        Some(emulator) => println!("Dojo: the embedded emulator at {}", emulator.api_url()),
        None => println!("Dojo: the sandbox (DOJO_API_KEY)"),
    }
    if !shop.receives_webhooks() {
        println!(
            "note: set SHOP_PUBLIC_URL to a URL Dojo can reach (a tunnel to this port); \
             without webhooks, orders stay pending"
        );
    }
    println!("The shop is open: {}", shop.url());
    println!("(staff: {0}/staff/phone, admin: {0}/admin)", shop.url());
    tokio::select! {
        () = shop.wait() => {}
        _ = tokio::signal::ctrl_c() => println!("closing the shop"),
    }
    Ok(())
}
