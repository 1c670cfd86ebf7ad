//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand};

use crate::commands::{
    api, customers, emulator, journal, listen, login, payment_intents, setup_intents, terminals,
    trigger, webhooks,
};

/// `dojo`: the Dojo payments API from the command line, with the emulator
/// built in.
///
/// Data is printed on stdout (JSON with --json), everything else on
/// stderr. Keys come from DOJO_API_KEY, `DOJO_LOCATION_<NAME>`, or the
/// profiles `dojo login` writes. Exit codes: 0 done, 1 failed, 2 usage,
/// 3 configuration, 4 refused, 5 unavailable (nothing moved), 6 outcome
/// unknown (money may have moved), 7 webhook not verified.
#[derive(Debug, Parser)]
#[command(name = "dojo", version, propagate_version = true)]
pub struct Cli {
    /// Print data as JSON (stable field names) instead of lines.
    #[arg(long, global = true)]
    pub json: bool,

    /// The profile of the config file to use (`dojo login --profile`).
    #[arg(long, global = true, value_name = "NAME", env = "DOJO_PROFILE")]
    pub profile: Option<String>,

    /// The location whose key to use: `DOJO_LOCATION_<NAME>`, else profile NAME.
    #[arg(long, global = true, value_name = "NAME")]
    pub location: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Save a key in a profile of the config file (owner-only permissions).
    Login(login::LoginArgs),
    /// Which key is in use, where it goes, and whether Dojo accepts it.
    Whoami,
    /// Check every key configured (environment and profiles), one read each.
    Check,
    /// Print a shell's completion script.
    Completions(CompletionsArgs),
    /// Any call: `dojo api GET /payment-intents/pi_…`.
    Api(api::ApiArgs),
    /// Payment intents: create, get, list, capture, refund, reverse, cancel.
    #[command(subcommand, visible_alias = "pi")]
    PaymentIntents(payment_intents::PaymentIntentsCommand),
    /// Setup intents: create, get, cancel.
    #[command(subcommand)]
    SetupIntents(setup_intents::SetupIntentsCommand),
    /// Customers and their payment methods.
    #[command(subcommand)]
    Customers(customers::CustomersCommand),
    /// Webhook subscriptions, and signing and verifying deliveries locally.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// Terminals and terminal sessions (pay at counter).
    #[command(subcommand)]
    Terminals(terminals::TerminalsCommand),
    /// Start the emulator, or drive a running one's control API.
    Emulator(emulator::EmulatorArgs),
    /// Receive webhook events, verify them, and forward them to local URLs.
    Listen(listen::ListenArgs),
    /// Make an event happen for real (creates and pays an intent…).
    Trigger(trigger::TriggerArgs),
    /// The journal of money-moving calls: list, show, reconcile.
    #[command(subcommand)]
    Journal(journal::JournalCommand),
}

/// `dojo completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}
