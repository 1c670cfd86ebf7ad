//! One module per command; [`dispatch`] runs the parsed one.

pub mod api;
pub mod completions;
pub mod customers;
pub mod emulator;
pub mod journal;
pub mod listen;
pub mod login;
pub mod payment_intents;
pub mod setup_intents;
pub mod terminals;
pub mod trigger;
pub mod webhooks;
pub mod whoami;

use crate::cli::{Cli, Command};
use crate::context::Choice;
use crate::exit::CliError;
use crate::output::Output;

/// Runs `cli`'s command.
pub async fn dispatch(cli: Cli, output: Output) -> Result<(), CliError> {
    let choice = Choice {
        profile: cli.profile.clone(),
        location: cli.location.clone(),
    };
    match cli.command {
        Command::Login(args) => login::run(args, &choice, output).await,
        Command::Whoami => whoami::whoami(&choice, output).await,
        Command::Check => whoami::check(output).await,
        Command::Completions(args) => completions::run(&args),
        Command::Api(args) => api::run(args, &choice, output).await,
        Command::PaymentIntents(command) => payment_intents::run(command, &choice, output).await,
        Command::SetupIntents(command) => setup_intents::run(command, &choice, output).await,
        Command::Customers(command) => customers::run(command, &choice, output).await,
        Command::Webhooks(command) => webhooks::run(command, &choice, output).await,
        Command::Terminals(command) => terminals::run(command, &choice, output).await,
        Command::Emulator(args) => emulator::run(args, &choice, output).await,
        Command::Listen(args) => listen::run(args, &choice, output).await,
        Command::Trigger(args) => trigger::run(args, &choice, output).await,
        Command::Journal(command) => journal::run(command, &choice, output).await,
    }
}
