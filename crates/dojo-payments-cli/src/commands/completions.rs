//! `dojo completions SHELL`: the completion script on stdout.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::CliError;

/// The script for `shell`.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "dojo", &mut script);
    script
}

/// Prints the script.
pub fn run(args: &CompletionsArgs) -> Result<(), CliError> {
    let _ = std::io::stdout().write_all(&script(args.shell));
    Ok(())
}
