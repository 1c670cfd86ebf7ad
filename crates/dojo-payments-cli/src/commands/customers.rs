//! `dojo customers …`: customers and their saved payment methods.

use clap::Subcommand;
use serde_json::{Map, Value, json};

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
        /// Your reference for them.
        #[arg(long)]
        reference: Option<String>,
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
    let value = match command {
        CustomersCommand::Create {
            email,
            name,
            reference,
        } => {
            let mut body = Map::new();
            for (field, value) in [
                ("emailAddress", email),
                ("name", name),
                ("reference", reference),
            ] {
                if let Some(value) = value {
                    body.insert(field.to_owned(), json!(value));
                }
            }
            context::ok(
                &target,
                "POST",
                "/customers",
                Some(&Value::Object(body)),
                "creating the customer",
            )
            .await?
        }
        CustomersCommand::Get { id } => {
            context::ok(
                &target,
                "GET",
                &format!("/customers/{}", path_id(&id)?),
                None,
                "reading it",
            )
            .await?
        }
        CustomersCommand::Delete { id } => {
            context::ok(
                &target,
                "DELETE",
                &format!("/customers/{}", path_id(&id)?),
                None,
                "deleting it",
            )
            .await?;
            json!({ "id": id, "deleted": true })
        }
        CustomersCommand::PaymentMethods { id } => {
            // These endpoints take the customer's secret, not the key: the
            // SDK makes one (never printed) and reads with it.
            let dojo = context::dojo(&target)?;
            let customer: CustomerId = path_id(&id)?
                .parse()
                .map_err(|_| CliError::usage(format!("{id:?} is not a customer id")))?;
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
            let dojo = context::dojo(&target)?;
            let customer: CustomerId = path_id(&id)?
                .parse()
                .map_err(|_| CliError::usage(format!("{id:?} is not a customer id")))?;
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
            json!({ "id": id, "paymentMethodId": payment_method, "deleted": true })
        }
    };
    // `GET /customers/{id}` answers a list of one, as Dojo's document says.
    output.data(&value, || match &value {
        Value::Array(items) => items.iter().map(line).collect::<Vec<_>>().join("\n"),
        one => line(one),
    });
    Ok(())
}
