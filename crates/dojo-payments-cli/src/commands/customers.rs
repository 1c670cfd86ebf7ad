//! `dojo customers …`: customers and their saved payment methods, through
//! the SDK's handle (`Dojo::customers`), which checks what it sends.

use clap::Subcommand;
use serde_json::{Value, json};

use dojo_payments_types::{CustomerId, PaymentMethodId};

use crate::context::{self, Choice, path_id};
use crate::errors;
use crate::exit::CliError;
use crate::output::{self, Output};

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Create one.
    Create {
        /// Their email address.
        #[arg(long)]
        email: Option<String>,
        /// Their name.
        #[arg(long)]
        name: Option<String>,
        /// Their phone number.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Read one.
    Get {
        /// cust_…
        id: String,
    },
    /// Delete one.
    Delete {
        /// cust_…
        id: String,
    },
    /// Their saved payment methods.
    PaymentMethods {
        /// cust_…
        id: String,
    },
    /// Delete a saved payment method.
    DeletePaymentMethod {
        /// cust_…
        id: String,
        /// pm_…
        payment_method: String,
    },
}

/// A customer id typed on the command line.
fn customer_id(text: &str) -> Result<CustomerId, CliError> {
    path_id(text)?.parse().map_err(|_| {
        CliError::usage(format!("{text:?} is not a customer id"))
            .hint("ids look like cust_sandbox_…")
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn line(value: &Value) -> String {
    format!(
        "{}  {}  {}",
        output::field(value, "/id"),
        output::field(value, "/emailAddress"),
        output::field(value, "/name")
    )
}

/// Runs it.
pub async fn run(
    command: CustomersCommand,
    choice: &Choice,
    output: Output,
) -> Result<(), CliError> {
    let target = context::target(choice)?;
    let dojo = context::dojo(&target)?;
    let value = match command {
        CustomersCommand::Create { email, name, phone } => {
            let mut create = dojo.customers().create();
            if let Some(email) = email {
                create = create.email(email);
            }
            if let Some(name) = name {
                create = create.name(name);
            }
            if let Some(phone) = phone {
                create = create.phone(phone);
            }
            to_json(&create.send().await.map_err(|e| errors::sdk(&e, None))?)
        }
        CustomersCommand::Get { id } => {
            let customer = customer_id(&id)?;
            to_json(
                &dojo
                    .customers()
                    .get(&customer)
                    .await
                    .map_err(|e| errors::sdk(&e, None))?,
            )
        }
        CustomersCommand::Delete { id } => {
            let customer = customer_id(&id)?;
            dojo.customers()
                .delete(&customer)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = json!({ "id": id, "deleted": true });
            output.data(&value, || format!("deleted {id}"));
            return Ok(());
        }
        CustomersCommand::PaymentMethods { id } => {
            // These endpoints take the customer's secret, not the key: the
            // SDK makes one (never printed) and reads with it.
            let customer = customer_id(&id)?;
            let customers = || dojo.customers();
            let secret = customers()
                .create_secret(&customer)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let cards = customers()
                .payment_methods(&customer, &secret)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = Value::Array(
                cards
                    .iter()
                    .map(|card| {
                        json!({
                            "paymentMethodId": card.id.to_string(),
                            "maskedPan": card.masked_pan,
                            "scheme": card.scheme.as_ref().map(|s| serde_json::to_value(s).unwrap_or(Value::Null)),
                            "expiry": card.expiry,
                        })
                    })
                    .collect(),
            );
            output.data(&value, || {
                cards
                    .iter()
                    .map(|c| {
                        format!(
                            "{}  {}  {}",
                            c.id,
                            c.masked_pan.as_deref().unwrap_or("-"),
                            c.expiry.as_deref().unwrap_or("-")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            return Ok(());
        }
        CustomersCommand::DeletePaymentMethod { id, payment_method } => {
            let customer = customer_id(&id)?;
            let method: PaymentMethodId = path_id(&payment_method)?.parse().map_err(|_| {
                CliError::usage(format!("{payment_method:?} is not a payment method id"))
            })?;
            let secret = dojo
                .customers()
                .create_secret(&customer)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            dojo.customers()
                .delete_payment_method(&customer, &method, &secret)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = json!({ "id": id, "paymentMethodId": payment_method, "deleted": true });
            output.data(&value, || format!("deleted {payment_method} of {id}"));
            return Ok(());
        }
    };
    // `GET /customers/{id}` answered a list of one in an older document:
    // printed as lines either way.
    output.data(&value, || match &value {
        Value::Array(items) => items.iter().map(line).collect::<Vec<_>>().join("\n"),
        one => line(one),
    });
    Ok(())
}
