//! `dojo payment-intents …`: through the SDK, so money moves by its rules
//! (checked before sending, refunds keyed, ambiguous outcomes settled by a
//! read or reported as unknown, exit code 6).

use clap::Subcommand;
use dojo_payments::Dojo;
use dojo_payments::IdempotencyKey;
use dojo_payments::api_types::{self as types, CaptureMode};
use dojo_payments_types::{Currency, Money, PaymentIntentId};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::context::{self, Choice};
use crate::errors;
use crate::exit::CliError;
use crate::output::{self, Output};

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum PaymentIntentsCommand {
    /// Create one; prints it and its checkout link.
    Create {
        /// The amount, a decimal in the currency: 12.50.
        #[arg(long)]
        amount: String,
        /// ISO 4217 code.
        #[arg(long, default_value = "GBP")]
        currency: String,
        /// Your reference (an order number).
        #[arg(long)]
        reference: String,
        /// Authorize only; capture later (`capture`).
        #[arg(long)]
        manual: bool,
        /// A description shown to the customer.
        #[arg(long)]
        description: Option<String>,
        /// Where checkout sends the customer back (https, or http to this machine).
        #[arg(long, value_name = "URL")]
        redirect_url: Option<String>,
        /// The customer (cust_…), who may save their card at checkout.
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
    },
    /// Read one.
    Get {
        /// pi_…
        id: String,
    },
    /// List the most recent (a search).
    #[command(visible_alias = "search")]
    List {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Capture an authorized (manual) one, all of it or `--amount`.
    Capture {
        /// pi_…
        id: String,
        /// The amount (default: the intent's whole amount).
        #[arg(long)]
        amount: Option<String>,
    },
    /// Refund `--amount` of a captured one (keyed: sent again with the same
    /// key, Dojo refunds once).
    Refund {
        /// pi_…
        id: String,
        /// The amount, in the intent's currency.
        #[arg(long)]
        amount: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        /// The idempotency key (default: a new one, printed).
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Reverse (void) one.
    Reverse {
        /// pi_…
        id: String,
    },
    /// Cancel one not yet paid.
    Cancel {
        /// pi_…
        id: String,
    },
}

fn id(text: &str) -> Result<PaymentIntentId, CliError> {
    text.parse().map_err(|_| {
        CliError::usage(format!("{text:?} is not a payment intent id"))
            .hint("ids look like pi_sandbox_…")
    })
}

/// An amount typed as a decimal, in `currency`.
pub fn money(text: &str, currency: Currency) -> Result<Money, CliError> {
    Money::parse_decimal(text, currency).map_err(|e| {
        CliError::usage(format!("--amount {text}: {e}"))
            .hint(format!("give a decimal in {currency}, e.g. 12.50"))
    })
}

/// A currency code.
pub fn currency(text: &str) -> Result<Currency, CliError> {
    Currency::from_code(&text.to_uppercase()).map_err(|e| {
        CliError::usage(format!("--currency {text}: {e}")).hint("an ISO 4217 code: GBP, EUR")
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// One intent as a line.
pub fn line(intent: &Value) -> String {
    format!(
        "{}  {}  {}  {}",
        output::field(intent, "/id"),
        output::field(intent, "/status"),
        output::amount(intent, "/amount"),
        output::field(intent, "/reference"),
    )
}

async fn read(dojo: &Dojo, id: &PaymentIntentId) -> Result<types::PaymentIntent, CliError> {
    dojo.payment_intents()
        .get(id)
        .await
        .map_err(|e| errors::sdk(&e, None))
}

fn intent_currency(intent: &types::PaymentIntent) -> Result<Currency, CliError> {
    intent
        .amount
        .map(|m| m.currency())
        .ok_or_else(|| CliError::failure("the intent carries no amount"))
}

/// Runs it.
pub async fn run(
    command: PaymentIntentsCommand,
    choice: &Choice,
    output: Output,
) -> Result<(), CliError> {
    let target = context::target(choice)?;
    let dojo = context::dojo(&target)?;
    let intents = || dojo.payment_intents();
    match command {
        PaymentIntentsCommand::Create {
            amount,
            currency: code,
            reference,
            manual,
            description,
            redirect_url,
            customer,
        } => {
            let amount = money(&amount, currency(&code)?)?;
            let mut create = intents().create(amount, reference);
            if manual {
                create = create.capture_mode(CaptureMode::Manual);
            }
            if let Some(text) = description {
                create = create.description(text);
            }
            let customer: Option<dojo_payments_types::CustomerId> = customer
                .map(|id| {
                    id.parse().map_err(|_| {
                        CliError::usage(format!("--customer {id:?} is not a customer id"))
                    })
                })
                .transpose()?;
            if let Some(customer) = &customer {
                create = create.customer(customer);
            }
            if let Some(url) = redirect_url {
                create = create.redirect_url(url.as_str());
            }
            let intent = create.send().await.map_err(|e| errors::sdk(&e, None))?;
            let mut value = to_json(&intent);
            if let Some(id) = &intent.id {
                value["checkoutLink"] = json!(dojo.checkout_link(id));
            }
            output.data(&value, || {
                format!(
                    "{}\ncheckout: {}",
                    line(&value),
                    output::field(&value, "/checkoutLink")
                )
            });
        }
        PaymentIntentsCommand::Get { id: text } => {
            let value = to_json(&read(&dojo, &id(&text)?).await?);
            output.data(&value, || line(&value));
        }
        PaymentIntentsCommand::List { limit } => {
            output.progress("searching");
            let mut stream = intents().search().stream().take(limit);
            let mut found = Vec::new();
            while let Some(item) = stream.next().await {
                found.push(to_json(&item.map_err(|e| errors::sdk(&e, None))?));
            }
            let value = Value::Array(found);
            output.data(&value, || {
                value
                    .as_array()
                    .map(|v| v.iter().map(line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
        }
        PaymentIntentsCommand::Capture { id: text, amount } => {
            let intent = read(&dojo, &id(&text)?).await?;
            let amount = match amount {
                Some(amount) => money(&amount, intent_currency(&intent)?)?,
                None => intent
                    .amount
                    .ok_or_else(|| CliError::failure("the intent carries no amount"))?,
            };
            let capture = intents()
                .capture(&intent, amount)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = to_json(&capture);
            output.data(&value, || {
                format!(
                    "captured {amount} of {text}: {}",
                    output::field(&value, "/captureId")
                )
            });
        }
        PaymentIntentsCommand::Refund {
            id: text,
            amount,
            reason,
            idempotency_key,
        } => {
            let pi = id(&text)?;
            let intent = read(&dojo, &pi).await?;
            let amount = money(&amount, intent_currency(&intent)?)?;
            let mut refund = intents().refund(&pi, amount);
            if let Some(key) = idempotency_key {
                refund = refund.idempotency_key(
                    IdempotencyKey::new(key)
                        .map_err(|e| CliError::usage(format!("--idempotency-key: {e}")))?,
                );
            }
            if let Some(reason) = reason {
                refund = refund.reason(reason);
            }
            let resend = format!(
                "dojo payment-intents refund {text} --amount {}",
                amount.to_decimal_string()
            );
            let made = refund
                .send()
                .await
                .map_err(|e| errors::sdk(&e, Some(resend)))?;
            let mut value = to_json(&made.refund);
            value["idempotencyKey"] = json!(made.idempotency_key.to_string());
            output.data(&value, || {
                format!(
                    "refunded {amount} of {text}: {} (idempotency key {})",
                    output::field(&value, "/refundId"),
                    made.idempotency_key
                )
            });
        }
        PaymentIntentsCommand::Reverse { id: text } => {
            let intent = read(&dojo, &id(&text)?).await?;
            let reversal = intents()
                .reverse(&intent)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = to_json(&reversal);
            output.data(&value, || format!("reversed {text}"));
        }
        PaymentIntentsCommand::Cancel { id: text } => {
            let intent = read(&dojo, &id(&text)?).await?;
            let canceled = intents()
                .cancel(&intent)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = to_json(&canceled);
            output.data(&value, || line(&value));
        }
    }
    Ok(())
}
