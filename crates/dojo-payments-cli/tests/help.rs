//! `--help` of every command, snapshot-tested: one file per command under
//! tests/snapshots/help/ (`SNAPSHOTS=overwrite` rewrites them).

use clap::{CommandFactory, Parser};
use dojo_payments_cli::Cli;

/// Every command's path: `["dojo"]`, `["dojo", "payment-intents"]`, …
fn paths(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut here = prefix.to_vec();
    here.push(command.get_name().to_owned());
    out.push(here.clone());
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        paths(sub, &here, out);
    }
}

#[test]
fn every_command_help_is_as_recorded() {
    let mut all = Vec::new();
    paths(&Cli::command(), &[], &mut all);
    assert!(all.len() > 40, "{} commands", all.len());
    for path in all {
        let mut args: Vec<String> = path.clone();
        args.push("--help".to_owned());
        let error = Cli::try_parse_from(&args).expect_err("--help exits");
        assert!(!error.use_stderr(), "{args:?}: help goes to stdout");
        let text = error.render().to_string();
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots/help")
            .join(format!("{}.txt", path.join("-")));
        snapbox::assert_data_eq!(text, snapbox::Data::read_from(&file, None));
    }
}

#[test]
fn the_command_line_is_consistent() {
    Cli::command().debug_assert();
}
