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
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version are "errors" printed to stdout.
            if !error.use_stderr() {
                let _ = error.print();
                return exit::OK;
            }
            let text = redacted(&error.render().to_string(), &args);
            let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
            return exit::USAGE;
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
/// "exitCode", "idempotencyKey"}` on stderr too, stdout staying data only)
/// and returns its code.
pub fn report(output: &Output, error: &CliError) -> u8 {
    if output.json {
        let value = serde_json::json!({
            "error": error.message,
            "hint": error.hint,
            "exitCode": error.code,
            "idempotencyKey": error.idempotency_key,
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

/// Flags whose values are secrets, or may hold a key typed by mistake.
const SECRET_FLAGS: [&str; 5] = [
    "--api-key",
    "--secret",
    "--database-url",
    "--emulate-location",
    "--terminal",
];

/// clap's message with every secret it may quote cut out: the values given
/// to the secret flags (a mistyped flag is quoted whole, `--api-ky=sk_…`)
/// and any word that starts like a key.
pub fn redacted(message: &str, args: &[OsString]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut secrets = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        let flagged = SECRET_FLAGS
            .iter()
            .any(|flag| arg.starts_with(&flag[..flag.len() - 1]));
        if flagged || arg.contains("=sk_") {
            match arg.split_once('=') {
                Some((_, value)) => secrets.push(value.to_owned()),
                None => secrets.extend(args.get(i + 1).cloned()),
            }
        }
    }
    let mut message = message.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        message = message.replace(secret.as_str(), "…");
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(at) = rest.find("sk_") {
        out.push_str(&rest[..at]);
        out.push_str("sk_…");
        let tail = &rest[at + 3..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | ','))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}
