//! `dojo terminals …`: terminals, and sessions on them (a sale), through
//! the SDK's `Counter` (the software house's id on every call, sessions
//! typed by their state, waiting by polling with back-off within a
//! deadline, as Dojo sends no webhooks for sessions).

use std::cell::RefCell;
use std::time::Duration;

use clap::Subcommand;
use dojo_payments::counter::{Canceling, Counter, Outcome, WaitPolicy};
use dojo_payments_types::{TerminalId, TerminalSessionId};
use futures_util::StreamExt;
use serde_json::Value;

use crate::commands::listen::Interrupt;
use crate::commands::payment_intents::{currency, money};
use crate::context::{self, Choice, path_id};
use crate::errors;
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
        #[arg(long, allow_negative_numbers = true)]
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

/// A terminal (its id, status and TID) or a session (its id, status and
/// terminal) as a line.
fn line(value: &Value) -> String {
    let third = match value.pointer("/properties/tid") {
        Some(_) => output::field(value, "/properties/tid"),
        None => output::field(value, "/terminalId"),
    };
    format!(
        "{}  {}  {third}",
        output::field(value, "/id"),
        output::field(value, "/status"),
    )
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn terminal_id(text: &str) -> Result<TerminalId, CliError> {
    TerminalId::new(path_id(text)?).map_err(|e| {
        CliError::usage(format!("{text:?}: the terminal's id {}", e.rule()))
            .hint("ids look like tm_sandbox_…; `dojo terminals list` shows them")
    })
}

fn session_id(text: &str) -> Result<TerminalSessionId, CliError> {
    path_id(text)?.parse().map_err(|_| {
        CliError::usage(format!("{text:?} is not a terminal session id")).hint("ids look like ts_…")
    })
}

/// How long a sale is waited for: a customer has 90 s to present a card,
/// an operator 80 s to check a signature.
fn policy() -> WaitPolicy {
    WaitPolicy::within(Duration::from_secs(300))
}

/// Runs it.
pub async fn run(
    command: TerminalsCommand,
    choice: &Choice,
    output: Output,
) -> Result<(), CliError> {
    let target = context::target(choice)?;
    let house = std::env::var("DOJO_SOFTWARE_HOUSE_ID")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| context::SOFTWARE_HOUSE_ID.to_owned());
    let counter = Counter::new(context::dojo(&target)?, house);
    let failed = |e: dojo_payments::Error| errors::sdk(&e, None);
    let value = match command {
        TerminalsCommand::List => {
            let terminals = counter.terminals().await.map_err(failed)?;
            let value = Value::Array(terminals.iter().map(|t| to_json(t.data())).collect());
            output.data(&value, || {
                value
                    .as_array()
                    .map(|v| v.iter().map(line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
            return Ok(());
        }
        TerminalsCommand::Get { id } => to_json(
            counter
                .terminal(&terminal_id(&id)?)
                .await
                .map_err(failed)?
                .data(),
        ),
        TerminalsCommand::Session { id } => to_json(
            counter
                .session(&session_id(&id)?)
                .await
                .map_err(failed)?
                .data(),
        ),
        TerminalsCommand::CancelSession { id } => {
            let session = match counter.session(&session_id(&id)?).await.map_err(failed)? {
                Outcome::InProgress(session) => session,
                other => {
                    return Err(CliError::new(
                        exit::REFUSED,
                        format!(
                            "session {id} is {}: only one in progress can be canceled",
                            status(&other)
                        ),
                    )
                    .hint("nothing was sent"));
                }
            };
            match session.cancel().await.map_err(|e| {
                errors::sdk_settled_by(&e, None, Some(format!("dojo terminals session {id}")))
            })? {
                Canceling::Requested(session) => to_json(session.data()),
                Canceling::Over(outcome) => {
                    return Err(CliError::new(
                        exit::REFUSED,
                        format!(
                            "session {id} is {} already: nothing to cancel",
                            outcome.status()
                        ),
                    )
                    .hint(format!("see how it ended: dojo terminals session {id}")));
                }
                Canceling::CardPresented(error) => {
                    return Err(CliError::new(
                        exit::REFUSED,
                        format!("too late to cancel: a card was presented ({error})"),
                    )
                    .hint(format!(
                        "the session goes on; see how it ends: dojo terminals session {id}"
                    )));
                }
            }
        }
        TerminalsCommand::Sale {
            terminal,
            amount,
            currency: code,
            reference,
            no_wait,
        } => {
            let terminal = terminal_id(&terminal)?;
            let amount = money(&amount, currency(&code)?)?;
            // Listened for before anything is sent: a Ctrl-C (or a CI
            // job's SIGTERM) from here on is answered with what is left
            // running, rather than ending the process silently.
            let interrupt = Interrupt::new()?;
            let known = Known::default();
            let sold = sale(
                &counter, &terminal, amount, reference, no_wait, output, &known,
            );
            return tokio::select! {
                ended = sold => ended,
                () = interrupt.wait() => Err(known.interrupted(&terminal)),
            };
        }
    };
    output.data(&value, || line(&value));
    Ok(())
}

/// What a sale has made so far, as it is made: what an interrupted one
/// reports as left running.
#[derive(Default)]
struct Known {
    /// The payment intent (pi_…), once created.
    intent: RefCell<Option<String>>,
    /// The terminal session (ts_…), once Dojo answered its creation.
    session: RefCell<Option<String>>,
}

impl Known {
    /// The report of a sale stopped by a signal: what may still be running
    /// on the terminal, and how to follow it.
    fn interrupted(&self, terminal: &TerminalId) -> CliError {
        let intent = self.intent.borrow().clone();
        let session = self.session.borrow().clone();
        match (intent, session) {
            (Some(pi), Some(ts)) => CliError::new(
                exit::UNKNOWN_OUTCOME,
                format!(
                    "stopped while waiting: session {ts} (payment intent {pi}) is still running \
                     on {terminal}, and a card may still be presented"
                ),
            )
            .hint(format!(
                "follow it to its end: dojo terminals session {ts} (before a card is \
                 presented, `dojo terminals cancel-session {ts}` stops it)"
            )),
            // Stopped while the session was being created: it may have
            // reached the terminal, its id with it.
            (Some(pi), None) => CliError::new(
                exit::UNKNOWN_OUTCOME,
                format!(
                    "stopped while starting the session for payment intent {pi} on {terminal}: \
                     it may be running on the terminal"
                ),
            )
            .hint(format!(
                "see whether it was paid: dojo payment-intents get {pi}; and what the terminal \
                 shows: dojo terminals get {terminal}"
            )),
            (None, _) => CliError::failure(
                "stopped while creating the payment intent: nothing was sent to the terminal",
            )
            .hint("no money moved; run the sale again"),
        }
    }
}

/// A sale on `terminal`: the payment intent, its session, and (unless
/// `no_wait`) the wait for its final status; each id said on stderr as
/// soon as it is known, and kept in `known`.
async fn sale(
    counter: &Counter,
    terminal: &TerminalId,
    amount: dojo_payments_types::Money,
    reference: String,
    no_wait: bool,
    output: Output,
    known: &Known,
) -> Result<(), CliError> {
    let failed = |e: dojo_payments::Error| errors::sdk(&e, None);
    let dojo = counter.dojo();
    let intent = dojo
        .payment_intents()
        .create(amount, reference)
        .created()
        .await
        .map_err(failed)?;
    let pi = intent.id().to_string();
    *known.intent.borrow_mut() = Some(pi.clone());
    // No idempotency key on a session: one whose answer is lost is
    // settled by reading the intent, never sent again blindly.
    let session = counter.sale(terminal, &intent).await.map_err(|e| {
        errors::sdk_settled_by(&e, None, Some(format!("dojo payment-intents get {pi}")))
    })?;
    let id = session.id().to_string();
    *known.session.borrow_mut() = Some(id.clone());
    if no_wait {
        let value = to_json(session.data());
        output.data(&value, || line(&value));
        return Ok(());
    }
    // Said at once, and always (a script's log too): should this process
    // be killed outright, these ids are what settles the sale.
    output.say(&format!(
        "session {id} for payment intent {pi} on {terminal}: waiting for its final status"
    ));
    if output.interactive {
        let mut updates = Box::pin(session.updates(policy()));
        while let Some(update) = updates.next().await {
            match update {
                Ok(update) => output.progress(&format!("{id}: {}", update.till_message())),
                Err(_) => break,
            }
        }
    }
    let outcome = session.outcome(policy()).await.map_err(|e| {
        errors::sdk_settled_by(&e, None, Some(format!("dojo terminals session {id}")))
    })?;
    let value = to_json(outcome.data());
    output.data(&value, || line(&value));
    ended(&id, &pi, &outcome)
}

fn status(outcome: &Outcome) -> String {
    serde_json::to_value(outcome.status())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "in an unknown state".to_owned())
}

/// A sale's exit: 0 paid, 4 not paid (declined, expired, canceled, the
/// signature rejected), 6 still open (a signature to check, or no final
/// status by the deadline).
fn ended(id: &str, pi: &str, outcome: &Outcome) -> Result<(), CliError> {
    match outcome {
        Outcome::Captured(_) | Outcome::Authorized(_) => Ok(()),
        Outcome::Declined(_)
        | Outcome::Expired(_)
        | Outcome::Canceled(_)
        | Outcome::SignatureRejected(_) => Err(CliError::new(
            exit::REFUSED,
            format!("not paid: session {id} is {}", status(outcome)),
        )
        .hint(format!("no money moved; payment intent {pi} can be sold again"))),
        Outcome::SignatureRequired(_) => Err(CliError::new(
            exit::UNKNOWN_OUTCOME,
            format!("session {id} waits for the operator to check the signature"),
        )
        .hint(format!(
            "check it at the terminal (Dojo accepts it after 80 s), then: dojo terminals session {id}"
        ))),
        Outcome::InProgress(_) | Outcome::Other(_) => Err(CliError::new(
            exit::UNKNOWN_OUTCOME,
            format!(
                "session {id} had no final status within 5 minutes ({})",
                status(outcome)
            ),
        )
        .hint(format!("look again: dojo terminals session {id}"))),
    }
}
