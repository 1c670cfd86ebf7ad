//! `dojo trigger EVENT`: makes the event happen for real, through the SDK
//! (its checks before sending). Against the emulator every event it sends
//! (it creates, pays through the control API, asks for a receipt);
//! against Dojo the ones a server can cause (`created`; `status_updated`
//! by a cancel), and for the rest a message saying how to cause it.

use clap::Args;
use dojo_payments::api_types::CreatePaymentIntentRequest;
use serde_json::{Value, json};

use crate::commands::api::{set_path, value_of};
use crate::commands::emulator::{control, control_url};
use crate::commands::payment_intents::{currency, money};
use crate::commands::webhooks::event_name;
use crate::context::{self, Choice};
use crate::errors;
use crate::exit::CliError;
use crate::output::Output;

/// `dojo trigger`.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// payment_intent.created, payment_intent.status_updated, payment_intent.send-receipt.
    pub event: String,
    /// The amount of the intent it creates.
    #[arg(long, default_value = "10.00", allow_negative_numbers = true)]
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

/// The message for an event Dojo's sandbox cannot be made to send from
/// the server side (a customer must act); `None` when it can.
pub fn not_server_side(event: &str) -> Option<CliError> {
    (event == "payment_intent.send-receipt").then(|| {
        CliError::usage(
            "against Dojo, payment_intent.send-receipt needs a paid intent, and only a customer can pay one",
        )
        .hint(
            "create one (`dojo payment-intents create …`), pay it at its checkout link with a test card, \
             then: dojo api POST /payment-intents/ID/receipt -f 'emails=[\"you@example.com\"]'",
        )
    })
}

/// `request` with each `--set PATH=VALUE` made: the typed request as
/// JSON, the value set, read back; the first that leaves it invalid (a
/// value of the wrong type) is refused, naming it. A value read as JSON
/// (`1`, `true`) where the field takes text (`metadata.order=1`) is taken
/// as the text typed. The request made is then held to the rules the
/// SDK's `--amount` and Dojo's document hold it to ([`checked`]).
fn edited(
    request: &CreatePaymentIntentRequest,
    set: &[String],
) -> Result<CreatePaymentIntentRequest, CliError> {
    let mut body = serde_json::to_value(request).unwrap_or(Value::Null);
    for item in set {
        let (path, value) = item
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--set {item:?}: give PATH=VALUE")))?;
        let mut attempt = body.clone();
        set_path(&mut attempt, path, value_of(value))?;
        if serde_json::from_value::<CreatePaymentIntentRequest>(attempt.clone()).is_err() {
            let mut as_text = body.clone();
            set_path(&mut as_text, path, Value::String(value.to_owned()))?;
            if serde_json::from_value::<CreatePaymentIntentRequest>(as_text.clone()).is_ok() {
                attempt = as_text;
            }
        }
        if let Err(e) = serde_json::from_value::<CreatePaymentIntentRequest>(attempt.clone()) {
            return Err(CliError::usage(format!(
                "--set {path}=…: the payment intent would not be valid: {e}"
            ))
            .hint("the fields are those of Dojo's create request: reference, description, metadata.KEY…"));
        }
        body = attempt;
    }
    let made = serde_json::from_value(body).map_err(|e| CliError::usage(format!("--set: {e}")))?;
    checked(made, set)
}

/// The request as `--set` left it, held to the rules `--amount` is held
/// to (more than zero, a currency whose decimals are known) and to Dojo's
/// document (what the SDK checks before sending), so that a value set
/// into a field is refused here, before anything is sent, as one typed
/// into a flag is.
fn checked(
    made: CreatePaymentIntentRequest,
    set: &[String],
) -> Result<CreatePaymentIntentRequest, CliError> {
    use dojo_payments_api::operations::{PAYMENT_INTENTS_CREATE_PAYMENT_INTENT, Request};
    let named = |field: &str| {
        set.iter()
            .find(|s| s.starts_with(field))
            .map_or_else(|| field.to_owned(), |s| format!("--set {s}"))
    };
    let currency = made.amount.currency();
    if !currency.is_known() {
        return Err(CliError::usage(format!(
            "{}: {currency} is not a currency whose decimals are known",
            named("amount.currencyCode")
        ))
        .hint("an ISO 4217 code: GBP, EUR"));
    }
    if made.amount.minor_units() <= 0 {
        return Err(CliError::usage(format!(
            "{}: the amount must be more than zero",
            named("amount.value")
        ))
        .hint(format!(
            "amount.value is in minor units of {currency}; or give the decimal: --amount {}",
            crate::output::example_amount(currency)
        )));
    }
    if let Err(refused) = PAYMENT_INTENTS_CREATE_PAYMENT_INTENT.check(&Request::body(&made)) {
        return Err(CliError::usage(format!(
            "--set: the payment intent would not be valid: {refused}"
        ))
        .hint("nothing was sent; the fields are those of Dojo's create request"));
    }
    Ok(made)
}

/// A production key makes real payment intents in a live account, and
/// Dojo delivers their events to the merchant's live endpoints: `trigger`
/// makes test events, so it refuses one before anything is sent.
fn refuse_production(target: &context::Target) -> Result<(), CliError> {
    if target.key.environment() == dojo_payments_types::Environment::Production {
        return Err(CliError::usage(format!(
            "dojo trigger makes test payment intents, and the key from {} is a production key \
             (sk_prod_): nothing was sent",
            target.source
        ))
        .hint(
            "use a sandbox key (sk_sandbox_…): DOJO_API_KEY, or --profile NAME; or the emulator \
             (`dojo emulator`)",
        ));
    }
    Ok(())
}

/// Runs it.
pub async fn run(args: TriggerArgs, choice: &Choice, output: Output) -> Result<(), CliError> {
    let name = event_name(&args.event)?;
    let target = context::target(choice)?;
    refuse_production(&target)?;
    let emulated = context::is_emulator(&target.api_url);
    let event = name.as_str();
    if !emulated && let Some(refusal) = not_server_side(event) {
        return Err(refusal);
    }
    let dojo = context::dojo(&target)?;
    let amount = money(&args.amount, currency(&args.currency)?)?;
    let mut refused = None;
    let create = dojo
        .payment_intents()
        .create(amount, "dojo trigger")
        .with(|body| match edited(body, &args.set) {
            Ok(made) => *body = made,
            Err(error) => refused = Some(error),
        });
    if let Some(error) = refused {
        return Err(error);
    }
    let mut steps = Vec::new();
    output.progress("creating a payment intent");
    let intent = create.created().await.map_err(|e| errors::sdk(&e, None))?;
    let id = intent.id().to_string();
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
            steps.push(format!("paid: {}", crate::output::field(&paid, "/outcome")));
        } else {
            // A cancel changes its status: Dojo sends status_updated.
            output.progress("canceling it (its status changes)");
            intent.cancel(&dojo).await.map_err(|e| {
                errors::sdk_settled_by(&e, None, Some(format!("dojo payment-intents get {id}")))
            })?;
            steps.push("canceled".to_owned());
        }
    }
    if event == "payment_intent.send-receipt" {
        dojo.payment_intents()
            .send_receipt(intent.id(), ["customer@example.com"])
            .await
            .map_err(|e| errors::sdk(&e, None))?;
        steps.push("receipt sent to customer@example.com".to_owned());
    }
    let value: Value = json!({ "event": event, "paymentIntentId": id, "steps": steps });
    output.data(&value, || {
        format!("triggered {event}: {}", steps.join(", "))
    });
    Ok(())
}
