//! `dojo setup-intents …`: save a card to charge later, through the SDK's
//! handle and typed states (`Dojo::setup_intents`, `AnySetupIntent`): a
//! cancel or a charge is checked against the intent's state before it is
//! sent, and a charge whose outcome is unknown is reported as such.

use clap::Subcommand;
use dojo_payments::api_types::MerchantInitiatedTransactionType;
use dojo_payments::lifecycle::setup_intent::AnySetupIntent;
use dojo_payments::{Delivery, Dojo};
use dojo_payments_types::SetupIntentId;
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::commands::payment_intents::{currency, money};
use crate::context::{self, Choice, path_id};
use crate::errors;
use crate::exit::{self, CliError};
use crate::output::{self, Output};

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum SetupIntentsCommand {
    /// Create one.
    Create {
        /// The amount to be charged later, a decimal: 80.00.
        #[arg(long, allow_negative_numbers = true)]
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
    /// Charge an authorized one's saved card, once, for its intended amount
    /// (a payment intent is created and charged).
    Charge {
        /// si_…
        id: String,
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

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn id(text: &str) -> Result<SetupIntentId, CliError> {
    path_id(text)?.parse().map_err(|_| {
        CliError::usage(format!("{text:?} is not a setup intent id"))
            .hint("ids look like si_sandbox_…")
    })
}

async fn typed(dojo: &Dojo, id: &SetupIntentId) -> Result<AnySetupIntent, CliError> {
    dojo.setup_intents()
        .read(id)
        .await
        .map_err(|e| errors::sdk(&e, None))
}

fn status(intent: &AnySetupIntent) -> String {
    intent
        .status()
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "in an unknown state".to_owned())
}

/// Refused before sending: the intent's state does not allow it.
fn wrong_state(text: &str, intent: &AnySetupIntent, what: &str) -> CliError {
    CliError::new(
        exit::REFUSED,
        format!("{text} is {}: {what}", status(intent)),
    )
    .hint(format!(
        "nothing was sent; see where it stands: dojo setup-intents get {text}"
    ))
}

/// How many of the most recent payment intents are read to find the
/// charge of a setup intent whose answer was lost: it was made moments ago.
const RECENT: usize = 50;

/// The payment intent that charged setup intent `si` (the setup intent
/// does not name it; the payment intent names its setup intent), among the
/// most recent; `null` when none of them is.
async fn charge_of(dojo: &Dojo, si: &SetupIntentId) -> Result<Value, CliError> {
    let mut recent = dojo.payment_intents().search().stream().take(RECENT);
    while let Some(found) = recent.next().await {
        let found = found.map_err(|e| errors::sdk(&e, None))?;
        if found.setup_intent_id.as_ref() == Some(si) {
            return Ok(to_json(&found));
        }
    }
    Ok(Value::Null)
}

/// Runs it.
pub async fn run(
    command: SetupIntentsCommand,
    choice: &Choice,
    output: Output,
) -> Result<(), CliError> {
    let target = context::target(choice)?;
    let dojo = context::dojo(&target)?;
    let value = match command {
        SetupIntentsCommand::Create {
            amount,
            currency: code,
            reference,
            terms,
        } => {
            let money = money(&amount, currency(&code)?)?;
            let created = dojo
                .setup_intents()
                .create(
                    reference,
                    terms,
                    MerchantInitiatedTransactionType::Unscheduled,
                )
                .intended_amount(money)
                .send()
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            to_json(&created)
        }
        SetupIntentsCommand::Get { id: text } => to_json(
            &dojo
                .setup_intents()
                .get(&id(&text)?)
                .await
                .map_err(|e| errors::sdk(&e, None))?,
        ),
        SetupIntentsCommand::Cancel {
            id: text,
            include_authorized,
        } => {
            let si = id(&text)?;
            let failed = |e: dojo_payments::Error| errors::sdk(&e, None);
            match typed(&dojo, &si).await? {
                AnySetupIntent::Created(intent) => {
                    to_json(intent.cancel(&dojo).await.map_err(failed)?.data())
                }
                AnySetupIntent::Authorized(intent) if include_authorized => {
                    to_json(intent.close(&dojo).await.map_err(failed)?.data())
                }
                AnySetupIntent::Authorized(intent) => {
                    return Err(CliError::new(
                        exit::REFUSED,
                        format!(
                            "{} has a card saved: closing it means it can no longer be charged",
                            intent.id()
                        ),
                    )
                    .hint(format!(
                        "nothing was sent; to close it anyway: dojo setup-intents cancel {text} --include-authorized"
                    )));
                }
                other => {
                    return Err(wrong_state(
                        &text,
                        &other,
                        "only a created one (or with --include-authorized an authorized one) can be canceled",
                    ));
                }
            }
        }
        SetupIntentsCommand::Charge { id: text } => {
            let si = id(&text)?;
            let intent = match typed(&dojo, &si).await? {
                AnySetupIntent::Authorized(intent) => intent,
                other => {
                    return Err(wrong_state(
                        &text,
                        &other,
                        "only an authorized one (a card saved) can be charged",
                    ));
                }
            };
            output.progress("charging the saved card");
            let value = match intent.charge(&dojo).await {
                Ok(charged) => json!({
                    "setupIntent": to_json(charged.setup.data()),
                    "paymentIntent": to_json(charged.payment.data()),
                }),
                // Charged, its answer lost: done, as `payment-intents`
                // reports such a call, never a failure a script would
                // take for "not charged" and charge again another way.
                Err(error) if error.delivery() == Delivery::Applied => {
                    output.say(&format!(
                        "note: the answer was lost; a read shows the card was charged ({error})"
                    ));
                    json!({
                        "setupIntent": to_json(
                            &dojo
                                .setup_intents()
                                .get(&si)
                                .await
                                .map_err(|e| errors::sdk(&e, None))?,
                        ),
                        "paymentIntent": charge_of(&dojo, &si).await?,
                    })
                }
                Err(error) => {
                    return Err(errors::sdk_settled_by(
                        &error,
                        None,
                        Some(format!("dojo setup-intents get {text}")),
                    ));
                }
            };
            output.data(&value, || {
                format!(
                    "charged {}: {}\n{}",
                    text,
                    crate::commands::payment_intents::line(&value["paymentIntent"]),
                    line(&value["setupIntent"])
                )
            });
            return Ok(());
        }
    };
    output.data(&value, || line(&value));
    Ok(())
}
