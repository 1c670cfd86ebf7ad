//! `dojo`, a command-line tool for the Dojo payments API, with the emulator
//! built in. Data goes to stdout (JSON with `--json`), narration and
//! progress to stderr; the exit codes are in [`exit`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod errors;
pub mod exit;
pub mod output;

use std::ffi::OsString;

use clap::Parser;

pub use cli::Cli;
use exit::CliError;
use output::Output;

/// Parses `args` (the program's name first), runs the command, prints its
/// error, and returns the exit code. Never panics on any argument.
pub fn main_with(args: impl IntoIterator<Item = OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version are "errors" printed to stdout.
            let code = if error.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = error.print();
            return code;
        }
    };
    let output = Output::new(cli.json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            output.error(&format!("error: cannot start: {error}"));
            return exit::FAILURE;
        }
    };
    match runtime.block_on(run(cli, output)) {
        Ok(()) => exit::OK,
        Err(error) => report(&output, &error),
    }
}

/// Prints `error` on stderr (JSON with `--json`: `{"error", "hint",
/// "exitCode"}` on stderr too, stdout staying data only) and returns its
/// code.
pub fn report(output: &Output, error: &CliError) -> u8 {
    if output.json {
        let value = serde_json::json!({
            "error": error.message,
            "hint": error.hint,
            "exitCode": error.code,
        });
        output.say(&value.to_string());
    } else {
        output.error(&error.to_string());
    }
    error.code
}

/// Runs one parsed command.
pub async fn run(cli: Cli, output: Output) -> Result<(), CliError> {
    commands::dispatch(cli, output).await
}
