//! `dojo completions SHELL`: the completion script on stdout.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::CliError;

/// Prints the script.
pub fn run(args: &CompletionsArgs) -> Result<(), CliError> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "dojo", &mut std::io::stdout());
    Ok(())
}
