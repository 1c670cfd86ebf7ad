//! `dojo setup-intents …`: save a card to charge later.

use clap::Subcommand;
use serde_json::{Value, json};

use crate::commands::payment_intents::{currency, money};
use crate::context::{self, Choice, path_id};
use crate::exit::CliError;
use crate::output::{self, Output};

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum SetupIntentsCommand {
    /// Create one.
    Create {
        /// The amount to be charged later, a decimal: 80.00.
        #[arg(long)]
        amount: String,
        /// ISO 4217 code.
        #[arg(long, default_value = "GBP")]
        currency: String,
        /// Your reference.
        #[arg(long)]
        reference: String,
        /// The terms the customer agrees to.
        #[arg(
            long,
            default_value = "The amount is charged when the service is provided."
        )]
        terms: String,
    },
    /// Read one.
    Get {
        /// si_…
        id: String,
    },
    /// Cancel one (`--include-authorized` closes an authorized one).
    Cancel {
        /// si_…
        id: String,
        /// Close it even if a card was added.
        #[arg(long)]
        include_authorized: bool,
    },
}

fn line(value: &Value) -> String {
    format!(
        "{}  {}  {}  {}",
        output::field(value, "/id"),
        output::field(value, "/status"),
        output::amount(value, "/intendedAmount"),
        output::field(value, "/reference")
    )
}

/// Runs it.
pub async fn run(
    command: SetupIntentsCommand,
    choice: &Choice,
    output: Output,
) -> Result<(), CliError> {
    let target = context::target(choice)?;
    let value = match command {
        SetupIntentsCommand::Create {
            amount,
            currency: code,
            reference,
            terms,
        } => {
            let money = money(&amount, currency(&code)?)?;
            let body = json!({
                "intendedAmount": { "value": money.minor_units(), "currencyCode": money.currency().to_string() },
                "reference": reference,
                "terms": terms,
                "merchantInitiatedTransactionType": "Unscheduled",
            });
            context::ok(
                &target,
                "POST",
                "/setup-intents",
                Some(&body),
                "creating the setup intent",
            )
            .await?
        }
        SetupIntentsCommand::Get { id } => {
            context::ok(
                &target,
                "GET",
                &format!("/setup-intents/{}", path_id(&id)?),
                None,
                "reading it",
            )
            .await?
        }
        SetupIntentsCommand::Cancel {
            id,
            include_authorized,
        } => {
            let query = if include_authorized {
                "?includeAuthorized=true"
            } else {
                ""
            };
            let path = format!("/setup-intents/{}{query}", path_id(&id)?);
            context::ok(&target, "DELETE", &path, None, "canceling it").await?
        }
    };
    output.data(&value, || line(&value));
    Ok(())
}
