//! `dojo customers …`: customers and their saved payment methods.

use clap::Subcommand;
use serde_json::{Map, Value, json};

use crate::context::{self, Choice, path_id};
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
            let path = format!("/customers/public/{}/payment-methods", path_id(&id)?);
            let value =
                context::ok(&target, "GET", &path, None, "reading the payment methods").await?;
            output.data(&value, || {
                value
                    .pointer("/savedPaymentMethods")
                    .and_then(Value::as_array)
                    .map(|methods| {
                        methods
                            .iter()
                            .map(|m| {
                                format!(
                                    "{}  {}",
                                    output::field(m, "/paymentMethodId"),
                                    output::field(m, "/cardDetails/pan")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default()
            });
            return Ok(());
        }
        CustomersCommand::DeletePaymentMethod { id, payment_method } => {
            let path = format!(
                "/customers/public/{}/payment-methods/{}",
                path_id(&id)?,
                path_id(&payment_method)?
            );
            context::ok(
                &target,
                "DELETE",
                &path,
                None,
                "deleting the payment method",
            )
            .await?;
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
