//! `cargo xtask regen [--from <path-or-url>] [--check] [--out <dir>]`

use std::process::ExitCode;

use xtask::regen::{self, Options};
use xtask::source::DEFAULT_SOURCE;

const USAGE: &str = "usage: cargo xtask regen [--from <path-or-url>] [--check] [--out <dir>]

  --from   the api host's OpenAPI document, JSON or YAML (default: {DEFAULT})
  --check  regenerate in memory; exit 1 with a diff if the committed code differs
  --out    write into this directory instead of the workspace (a scratch run)";

fn main() -> ExitCode {
    // Three flags: parsed by hand rather than with a CLI crate.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = USAGE.replace("{DEFAULT}", DEFAULT_SOURCE);
    let Some(options) = parse(&args) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    match regen::run(&options) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Option<Options> {
    let (command, rest) = args.split_first()?;
    if command != "regen" {
        return None;
    }
    let mut options = Options {
        from: DEFAULT_SOURCE.to_owned(),
        check: false,
        out: None,
    };
    let mut rest = rest.iter();
    while let Some(flag) = rest.next() {
        match flag.as_str() {
            "--from" => options.from = rest.next()?.clone(),
            "--out" => options.out = Some(rest.next()?.into()),
            "--check" => options.check = true,
            _ => return None,
        }
    }
    Some(options)
}
