//! `cargo xtask regen [--from <path-or-url>] [--check] [--out <dir>]`
//! `cargo xtask fetch-spec [--from <url>]`

use std::process::ExitCode;

use xtask::regen::{self, Options};
use xtask::source::DEFAULT_SOURCE;
use xtask::spec_dir;

const USAGE: &str = "usage: cargo xtask regen [--from <path-or-url>] [--check] [--out <dir>]
       cargo xtask fetch-spec [--from <url>]

regen: generate the raw client
  --from   the api host's OpenAPI document, JSON or YAML (default: {DEFAULT})
  --check  regenerate in memory; exit 1 with a diff if the committed code differs
  --out    write into this directory instead of the workspace (a scratch run)

fetch-spec: download the api document the tests read, check it against
spec/dojo.lock (sha256), and write it under $DOJO_SPEC_DIR (default ../shared/spec)
  --from   where to download it (default: {DEFAULT})";

fn main() -> ExitCode {
    // Three flags: parsed by hand rather than with a CLI crate.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = USAGE.replace("{DEFAULT}", DEFAULT_SOURCE);
    if args.first().map(String::as_str) == Some("fetch-spec") {
        return fetch_spec(&args[1..], &usage);
    }
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

fn fetch_spec(args: &[String], usage: &str) -> ExitCode {
    let url = match args {
        [] => DEFAULT_SOURCE,
        [flag, url] if flag == "--from" => url.as_str(),
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match spec_dir::fetch(url) {
        Ok(path) => {
            println!("wrote {} (sha256 as locked)", path.display());
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
