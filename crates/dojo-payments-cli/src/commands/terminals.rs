//! `dojo terminals …`: terminals, and sessions on them (a sale).

use std::time::Duration;

use clap::Subcommand;
use serde_json::{Value, json};

use crate::commands::payment_intents::{currency, money};
use crate::context::{self, Choice, path_id};
use crate::exit::{self, CliError};
use crate::output::{self, Output};

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum TerminalsCommand {
    /// The location's terminals.
    List,
    /// One terminal.
    Get {
        /// tm_…
        id: String,
    },
    /// A sale: a payment intent, and a session for it on `--terminal`;
    /// waits for its final status (progress on a terminal).
    Sale {
        /// tm_…
        #[arg(long)]
        terminal: String,
        /// A decimal amount: 12.50.
        #[arg(long)]
        amount: String,
        /// ISO 4217 code.
        #[arg(long, default_value = "GBP")]
        currency: String,
        /// Your reference.
        #[arg(long, default_value = "Counter")]
        reference: String,
        /// Return once the session is created, without waiting.
        #[arg(long)]
        no_wait: bool,
    },
    /// A terminal session.
    Session {
        /// ts_…
        id: String,
    },
    /// Cancel a terminal session (before a card is presented).
    CancelSession {
        /// ts_…
        id: String,
    },
}

/// Final statuses of a session.
const FINAL: [&str; 8] = [
    "Captured",
    "Authorized",
    "Canceled",
    "Declined",
    "Expired",
    "SignatureVerificationRejected",
    "Failed",
    "Reversed",
];

fn line(value: &Value) -> String {
    format!(
        "{}  {}  {}",
        output::field(value, "/id"),
        output::field(value, "/status"),
        output::field(value, "/tid")
    )
}

/// Runs it.
pub async fn run(
    command: TerminalsCommand,
    choice: &Choice,
    output: Output,
) -> Result<(), CliError> {
    let target = context::target(choice)?;
    let value = match command {
        TerminalsCommand::List => {
            let value =
                context::ok(&target, "GET", "/terminals", None, "listing the terminals").await?;
            output.data(&value, || {
                value
                    .as_array()
                    .map(|v| v.iter().map(line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
            return Ok(());
        }
        TerminalsCommand::Get { id } => {
            context::ok(
                &target,
                "GET",
                &format!("/terminals/{}", path_id(&id)?),
                None,
                "reading it",
            )
            .await?
        }
        TerminalsCommand::Session { id } => {
            context::ok(
                &target,
                "GET",
                &format!("/terminal-sessions/{}", path_id(&id)?),
                None,
                "reading it",
            )
            .await?
        }
        TerminalsCommand::CancelSession { id } => {
            let path = format!("/terminal-sessions/{}/cancel", path_id(&id)?);
            context::ok(&target, "PUT", &path, None, "canceling it").await?
        }
        TerminalsCommand::Sale {
            terminal,
            amount,
            currency: code,
            reference,
            no_wait,
        } => {
            let money = money(&amount, currency(&code)?)?;
            let body = json!({
                "amount": { "value": money.minor_units(), "currencyCode": money.currency().to_string() },
                "reference": reference,
            });
            let intent = context::ok(
                &target,
                "POST",
                "/payment-intents",
                Some(&body),
                "creating the payment intent",
            )
            .await?;
            let pi = output::field(&intent, "/id");
            let body = json!({
                "terminalId": path_id(&terminal)?,
                "details": { "sessionType": "Sale", "sale": { "paymentIntentId": pi } },
            });
            let session = context::ok(
                &target,
                "POST",
                "/terminal-sessions",
                Some(&body),
                "starting the session",
            )
            .await?;
            let id = output::field(&session, "/id");
            if no_wait {
                session
            } else {
                wait(&target, &id, output).await?
            }
        }
    };
    output.data(&value, || line(&value));
    Ok(())
}

async fn wait(target: &context::Target, id: &str, output: Output) -> Result<Value, CliError> {
    let path = format!("/terminal-sessions/{id}");
    let mut last = String::new();
    for _ in 0..600 {
        let session = context::ok(target, "GET", &path, None, "reading the session").await?;
        let status = output::field(&session, "/status");
        if status != last {
            output.progress(&format!("{id}: {status}"));
            last = status.clone();
        }
        if FINAL.contains(&status.as_str()) {
            return Ok(session);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(CliError::new(
        exit::UNKNOWN_OUTCOME,
        format!("session {id} had no final status after 5 minutes"),
    )
    .hint(format!("look again: dojo terminals session {id}")))
}
