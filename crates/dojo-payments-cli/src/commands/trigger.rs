//! `dojo trigger EVENT`: makes the event happen for real. Against the
//! emulator every event it sends (it creates, pays, asks for a receipt);
//! against Dojo the ones a server can cause (created; status_updated by a
//! cancel), and a message saying how for the rest.

use clap::Args;
use serde_json::{Value, json};

use crate::commands::api::{set_path, value_of};
use crate::commands::emulator::{control, control_url};
use crate::commands::listen::is_loopback;
use crate::commands::payment_intents::{currency, money};
use crate::commands::webhooks::event_name;
use crate::context::{self, Choice};
use crate::exit::CliError;
use crate::output::{self, Output};

/// `dojo trigger`.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// payment_intent.created, payment_intent.status_updated, payment_intent.send-receipt.
    pub event: String,
    /// The amount of the intent it creates.
    #[arg(long, default_value = "10.00")]
    pub amount: String,
    /// Its currency.
    #[arg(long, default_value = "GBP")]
    pub currency: String,
    /// Set a field of the intent it creates (repeat): reference=Order-42, description=Test.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// The card the customer pays with (emulator only).
    #[arg(long, default_value = "4456530000001005")]
    pub card: String,
}

/// Runs it.
pub async fn run(args: TriggerArgs, choice: &Choice, output: Output) -> Result<(), CliError> {
    let name = event_name(&args.event)?;
    let target = context::target(choice)?;
    let emulated = is_loopback(&target.api_url);
    let event = name.as_str();
    if !emulated && event == "payment_intent.send-receipt" {
        return Err(CliError::usage("against Dojo, a receipt needs a paid intent, which only a customer can pay")
            .hint("pay one at its checkout link, then: dojo api POST /payment-intents/ID/receipt -f 'emails=[\"you@example.com\"]'"));
    }
    let amount = money(&args.amount, currency(&args.currency)?)?;
    let mut body = json!({
        "amount": { "value": amount.minor_units(), "currencyCode": amount.currency().to_string() },
        "reference": "dojo trigger",
    });
    for item in &args.set {
        let (path, value) = item
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--set {item:?}: give PATH=VALUE")))?;
        set_path(&mut body, path, value_of(value))?;
    }
    let mut steps = Vec::new();
    output.progress("creating a payment intent");
    let intent = context::ok(
        &target,
        "POST",
        "/payment-intents",
        Some(&body),
        "creating the payment intent",
    )
    .await?;
    let id = output::field(&intent, "/id");
    steps.push(format!("created {id}"));
    if event != "payment_intent.created" {
        if emulated {
            output.progress("paying it at checkout");
            let base = control_url(choice);
            let paid = control(
                &base,
                "POST",
                &format!("/payment-intents/{id}/pay"),
                Some(&json!({ "cardNumber": args.card })),
            )
            .await?;
            steps.push(format!("paid: {}", output::field(&paid, "/outcome")));
        } else {
            output.progress("canceling it (its status changes)");
            context::ok(
                &target,
                "DELETE",
                &format!("/payment-intents/{id}"),
                None,
                "canceling it",
            )
            .await?;
            steps.push("canceled".to_owned());
        }
    }
    if event == "payment_intent.send-receipt" {
        let receipt = json!({ "emails": ["customer@example.com"] });
        context::ok(
            &target,
            "POST",
            &format!("/payment-intents/{id}/receipt"),
            Some(&receipt),
            "asking for the receipt",
        )
        .await?;
        steps.push("receipt sent to customer@example.com".to_owned());
    }
    let value: Value = json!({ "event": event, "paymentIntentId": id, "steps": steps });
    output.data(&value, || {
        format!("triggered {event}: {}", steps.join(", "))
    });
    Ok(())
}
