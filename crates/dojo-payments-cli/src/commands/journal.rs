//! `dojo journal …`: the journal of money-moving calls
//! (`dojo_payments::journal`) in a database (`dojo-payments-sqlx`): what is
//! open after an incident, and its settlement.

use clap::{Args, Subcommand};
use dojo_payments::journal::{Entry, Journal};
use dojo_payments_sqlx::SqlJournal;
use serde_json::{Value, json};

use crate::context::{self, Choice};
use crate::exit::{self, CliError};
use crate::output::Output;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// The entries (`--open`: only those not settled).
    List {
        /// The database.
        #[command(flatten)]
        database: Database,
        /// Only open entries.
        #[arg(long)]
        open: bool,
    },
    /// The entries named NAME (one per location).
    Show {
        /// The database.
        #[command(flatten)]
        database: Database,
        /// The entry's name.
        name: String,
    },
    /// Settle every open entry: resend keyed refunds with their key, judge
    /// the rest by reads. Exit code 6 if any stays open.
    Reconcile {
        /// The database.
        #[command(flatten)]
        database: Database,
    },
}

/// `--database-url`.
#[derive(Debug, Args)]
pub struct Database {
    /// postgres://… or sqlite://… (else DATABASE_URL).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: String,
}

async fn open(database: &Database) -> Result<SqlJournal, CliError> {
    SqlJournal::connect(&database.database_url)
        .await
        .map_err(|e| {
            CliError::config(format!("cannot open the journal's database: {e}"))
                .hint("check --database-url (postgres://… or sqlite://path?mode=rwc)")
        })
}

fn entry_json(entry: &Entry) -> Value {
    json!({
        "name": entry.name,
        "location": entry.location.to_string(),
        "paymentIntentId": entry.payment_intent.to_string(),
        "movement": format!("{:?}", entry.movement),
        "state": entry.state.name(),
        "detail": entry.state.detail(),
        "openedAt": entry.opened_at.to_rfc3339(),
    })
}

fn entry_line(value: &Value) -> String {
    format!(
        "{}  {}  {}  {}  {}",
        value["name"].as_str().unwrap_or("-"),
        value["state"].as_str().unwrap_or("-"),
        value["paymentIntentId"].as_str().unwrap_or("-"),
        value["movement"].as_str().unwrap_or("-"),
        value["openedAt"].as_str().unwrap_or("-"),
    )
}

fn store_error(error: impl std::fmt::Display) -> CliError {
    CliError::new(
        exit::UNAVAILABLE,
        format!("the journal's database failed: {error}"),
    )
}

/// Runs it.
pub async fn run(command: JournalCommand, choice: &Choice, output: Output) -> Result<(), CliError> {
    match command {
        JournalCommand::List {
            database,
            open: only_open,
        } => {
            let store = open(&database).await?;
            let entries = store.entries().await.map_err(store_error)?;
            let values: Vec<Value> = entries
                .iter()
                .filter(|e| !only_open || e.state.is_open())
                .map(entry_json)
                .collect();
            let value = Value::Array(values);
            output.data(&value, || {
                value
                    .as_array()
                    .map(|v| v.iter().map(entry_line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
            Ok(())
        }
        JournalCommand::Show { database, name } => {
            let store = open(&database).await?;
            let entries = store.entries().await.map_err(store_error)?;
            let values: Vec<Value> = entries
                .iter()
                .filter(|e| e.name == name)
                .map(entry_json)
                .collect();
            if values.is_empty() {
                // Not found in the journal: nothing was asked of Dojo, so
                // not "refused" (4); a failure of its own (1).
                return Err(
                    CliError::failure(format!("no entry named {name} in the journal"))
                        .hint("list them: dojo journal list"),
                );
            }
            let value = Value::Array(values);
            output.data(&value, || {
                value
                    .as_array()
                    .map(|v| v.iter().map(entry_line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
            Ok(())
        }
        JournalCommand::Reconcile { database } => {
            let store = open(&database).await?;
            let dojo = context::dojo(&context::target(choice)?)?;
            output.progress("reconciling open entries");
            let journal = Journal::new(store, &dojo);
            let settled = journal
                .reconcile(&dojo)
                .await
                .map_err(|e| store_error(&e))?;
            journal.flush().await;
            // What reconcile left alone (still within its in-flight window)
            // is open too: listed with the settled ones.
            let still_open: Vec<Entry> = journal
                .store()
                .entries()
                .await
                .map_err(store_error)?
                .into_iter()
                .filter(|e| e.state.is_open() && !settled.iter().any(|r| r.name == e.name))
                .collect();
            let mut values: Vec<Value> = settled
                .iter()
                .map(|r| json!({ "name": r.name, "state": r.state.name(), "detail": r.state.detail(), "stillOpenBecause": r.still_open_because }))
                .collect();
            let waiting =
                "it may still be in flight: reconcile judges it once its window has passed";
            values.extend(still_open.iter().map(|e| {
                json!({ "name": e.name, "state": e.state.name(), "detail": null, "stillOpenBecause": waiting })
            }));
            let open = values.iter().filter(|v| v["state"] == "open").count();
            let value = Value::Array(values);
            output.data(&value, || {
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| {
                        let why = v["stillOpenBecause"]
                            .as_str()
                            .or(v["detail"].as_str())
                            .unwrap_or("");
                        format!(
                            "{}  {}  {why}",
                            v["name"].as_str().unwrap_or("-"),
                            v["state"].as_str().unwrap_or("-")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            if open > 0 {
                return Err(CliError::new(exit::UNKNOWN_OUTCOME, format!("{open} entries are still open"))
                    .hint("run it again later: an entry is judged once the call can no longer be in flight"));
            }
            Ok(())
        }
    }
}
