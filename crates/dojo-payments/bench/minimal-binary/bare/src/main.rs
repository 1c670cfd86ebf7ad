//! Create a payment intent and read it back, on bare reqwest + serde.

use serde::Deserialize;

#[derive(Deserialize)]
struct Intent {
    id: String,
    status: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = std::env::var("DOJO_API_KEY")?;
    let base = std::env::var("DOJO_API_URL").unwrap_or_else(|_| "https://api.dojo.tech".into());
    let http = reqwest::Client::new();
    let call = |request: reqwest::RequestBuilder| {
        request
            .header("authorization", format!("Basic {key}"))
            .header("version", "2026-02-27")
    };
    let created: Intent = call(http.post(format!("{base}/payment-intents")))
        .json(&serde_json::json!({"amount": {"value": 1000, "currencyCode": "GBP"}, "reference": "Order 1"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let read: Intent = call(http.get(format!("{base}/payment-intents/{}", created.id)))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("{}: {}", read.id, read.status);
    Ok(())
}
