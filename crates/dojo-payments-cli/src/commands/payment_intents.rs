//! `dojo payment-intents …`: through the SDK, so money moves by its rules
//! (checked before sending, refunds keyed, ambiguous outcomes settled by a
//! read or reported as unknown, exit code 6).

use clap::Subcommand;
use dojo_payments::Delivery;
use dojo_payments::Dojo;
use dojo_payments::IdempotencyKey;
use dojo_payments::api_types::{self as types, CaptureMode};
use dojo_payments::lifecycle::payment_intent::{
    AnyPaymentIntent, Captured, PaymentIntent, RefundDetails, Reversed,
};
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
        #[arg(long, allow_negative_numbers = true)]
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
        #[arg(long, allow_negative_numbers = true)]
        amount: Option<String>,
    },
    /// Refund `--amount` of a captured one (keyed: sent again with the same
    /// key, Dojo refunds once).
    Refund {
        /// pi_…
        id: String,
        /// The amount, in the intent's currency.
        #[arg(long, allow_negative_numbers = true)]
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

/// A create that failed. One whose outcome is unknown has no id to read
/// it by (its answer, the id, is what was lost): it is found by its
/// reference among the most recent (the search filters by status and date,
/// not by reference).
fn lost_create(error: &dojo_payments::Error, reference: &str) -> CliError {
    let reported = errors::sdk(error, None);
    if error.delivery() != Delivery::MaybeApplied {
        return reported;
    }
    reported.hint(format!(
        "do not create it again yet: it may have been made. In a few minutes, look for \
         reference {} among the most recent (`dojo payment-intents list --limit 50`) and act \
         on what it shows",
        shell_quoted(reference)
    ))
}

/// `text` as one shell word: single-quoted unless it is plain, so a
/// command printed as a hint runs as the same request when pasted.
pub fn shell_quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:,@%+=".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// An amount typed as a decimal, in `currency`: more than zero, as
/// every amount Dojo takes is.
pub fn money(text: &str, currency: Currency) -> Result<Money, CliError> {
    let hint = format!(
        "give a decimal in {currency}, e.g. {}",
        crate::output::example_amount(currency)
    );
    let amount = Money::parse_decimal(text, currency)
        .map_err(|e| CliError::usage(format!("--amount {text}: {e}")).hint(hint.clone()))?;
    if amount.minor_units() <= 0 {
        return Err(CliError::usage(format!("--amount {text}: must be more than zero")).hint(hint));
    }
    Ok(amount)
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

/// Payment intent `id`, typed by its state: what the SDK allows of it.
async fn typed(dojo: &Dojo, id: &PaymentIntentId) -> Result<AnyPaymentIntent, CliError> {
    dojo.payment_intents()
        .read(id)
        .await
        .map_err(|e| errors::sdk(&e, None))
}

/// What a transition of intent `pi` (`text` as typed) answered: the
/// intent after it; or, when its answer was lost but the SDK's read shows
/// it made (`Delivery::Applied`), the intent as read now, the loss said on
/// stderr: done either way, never to be sent again. Any other failure is
/// reported by what is known of the money (exit 6 when it may have moved,
/// with the read that settles it).
async fn made(
    sent: dojo_payments::Result<Value>,
    dojo: &Dojo,
    pi: &PaymentIntentId,
    text: &str,
    output: Output,
) -> Result<Value, CliError> {
    match sent {
        Ok(value) => Ok(value),
        Err(error) if error.delivery() == Delivery::Applied => {
            output.say(&format!(
                "note: the answer was lost; a read shows it was made ({error})"
            ));
            Ok(to_json(&read(dojo, pi).await?))
        }
        Err(error) => Err(errors::sdk_settled_by(
            &error,
            None,
            Some(format!("dojo payment-intents get {text}")),
        )),
    }
}

/// `--amount` of a capture, in the intent's currency; all of it by default.
fn capture_amount(text: Option<&str>, total: Money) -> Result<Money, CliError> {
    match text {
        Some(text) => money(text, total.currency()),
        None => Ok(total),
    }
}

/// A refusal made before sending: intent `text` is in a state that does
/// not allow it (exit 4, nothing sent).
fn wrong_state(text: &str, intent: &AnyPaymentIntent, done: &str, allowed: &str) -> CliError {
    let status = intent
        .status()
        .map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{s:?}"))
        })
        .unwrap_or_else(|| "in an unknown state".to_owned());
    CliError::new(
        crate::exit::REFUSED,
        format!("{text} is {status}: only {allowed} can be {done}"),
    )
    .hint(format!(
        "nothing was sent; see where it stands: dojo payment-intents get {text}"
    ))
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
            let mut create = intents().create(amount, reference.clone());
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
                // Offering SavedCard is what lets checkout save the card
                // (and show the ones saved): a customer alone does not.
                create = create
                    .customer(customer)
                    .payment_methods([types::PaymentMethod::Card, types::PaymentMethod::SavedCard]);
            }
            if let Some(url) = redirect_url {
                create = create.redirect_url(url.as_str());
            }
            let intent = create
                .send()
                .await
                .map_err(|e| lost_create(&e, &reference))?;
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
            let pi = id(&text)?;
            let after = |intent: PaymentIntent<Captured>| to_json(intent.data());
            // The typed intent: the SDK checks the mode, the currency and
            // what remains authorized before anything is sent.
            let (amount, value) = match typed(&dojo, &pi).await? {
                AnyPaymentIntent::Authorized(intent) => {
                    let amount = capture_amount(amount.as_deref(), intent.total())?;
                    let sent = intent.capture(&dojo, amount).await.map(after);
                    (amount, made(sent, &dojo, &pi, &text, output).await?)
                }
                AnyPaymentIntent::Captured(intent) => {
                    let amount = capture_amount(amount.as_deref(), intent.total())?;
                    let sent = intent.capture(&dojo, amount).await.map(after);
                    (amount, made(sent, &dojo, &pi, &text, output).await?)
                }
                other => {
                    return Err(wrong_state(
                        &text,
                        &other,
                        "captured",
                        "an authorized one (--manual, paid)",
                    ));
                }
            };
            output.data(&value, || {
                format!("captured {amount} of {text}\n{}", line(&value))
            });
        }
        PaymentIntentsCommand::Refund {
            id: text,
            amount,
            reason,
            idempotency_key,
        } => {
            let pi = id(&text)?;
            let key = idempotency_key
                .map(|key| {
                    IdempotencyKey::new(key).map_err(|e| {
                        CliError::usage(format!("--idempotency-key: {e}"))
                            .hint("1 to 100 characters, one key per refund")
                    })
                })
                .transpose()?;
            let intent = typed(&dojo, &pi).await?;
            let total = match &intent {
                AnyPaymentIntent::Captured(p) => p.total(),
                AnyPaymentIntent::Refunded(p) => p.total(),
                other => return Err(wrong_state(&text, other, "refunded", "a captured one")),
            };
            let amount = money(&amount, total.currency())?;
            // The resend must be the same request under the same key:
            // Dojo takes a key sent again with another body as a new
            // request (or refuses it), so every field goes in, --reason too.
            let mut resend = format!(
                "dojo payment-intents refund {text} --amount {}",
                amount.to_decimal_string()
            );
            if let Some(reason) = &reason {
                resend.push_str(&format!(" --reason {}", shell_quoted(reason)));
            }
            let failed = |e: dojo_payments::Error| errors::sdk(&e, Some(resend.clone()));
            // The SDK's typed refund checks the currency and that it
            // refunds no more than was captured, before sending.
            let details = match reason {
                Some(reason) => RefundDetails::default().reason(reason),
                None => RefundDetails::default(),
            };
            let made = match intent {
                AnyPaymentIntent::Captured(p) => p.refund_with(&dojo, amount, key, details).await,
                AnyPaymentIntent::Refunded(p) => p.refund_with(&dojo, amount, key, details).await,
                other => return Err(wrong_state(&text, &other, "refunded", "a captured one")),
            }
            .map_err(failed)?
            .0;
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
            let pi = id(&text)?;
            let dojo = context::dojo_on_its_clock(&target).await?;
            let after = |intent: PaymentIntent<Reversed>| to_json(intent.data());
            // The SDK checks the rules of each state (7 days authorized;
            // an Auto capture on its day) before sending.
            let sent = match typed(&dojo, &pi).await? {
                AnyPaymentIntent::Authorized(intent) => intent.reverse(&dojo).await.map(after),
                AnyPaymentIntent::Captured(intent) => intent.reverse(&dojo).await.map(after),
                other => {
                    return Err(wrong_state(
                        &text,
                        &other,
                        "reversed",
                        "an authorized or captured one",
                    ));
                }
            };
            let value = made(sent, &dojo, &pi, &text, output).await?;
            output.data(&value, || line(&value));
        }
        PaymentIntentsCommand::Cancel { id: text } => {
            let pi = id(&text)?;
            let sent = match typed(&dojo, &pi).await? {
                AnyPaymentIntent::Created(intent) => {
                    intent.cancel(&dojo).await.map(|p| to_json(p.data()))
                }
                other => return Err(wrong_state(&text, &other, "canceled", "one not yet paid")),
            };
            let value = made(sent, &dojo, &pi, &text, output).await?;
            output.data(&value, || line(&value));
        }
    }
    Ok(())
}
