//! `dojo`: the command-line tool. Everything is in the library
//! (`dojo_payments_cli`); this parses, runs and exits with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(dojo_payments_cli::main_with(std::env::args_os()))
}
