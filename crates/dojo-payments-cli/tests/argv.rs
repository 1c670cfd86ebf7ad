//! No argument vector makes `dojo` panic: arbitrary argv from the tool's
//! own vocabulary and arbitrary strings, parsed, and the commands that
//! touch nothing outside the process run.

use clap::Parser;
use dojo_payments_cli::Cli;
use dojo_payments_cli::cli::Command;
use dojo_payments_cli::commands::webhooks::WebhooksCommand;
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "login",
    "whoami",
    "check",
    "completions",
    "bash",
    "zsh",
    "api",
    "GET",
    "POST",
    "/payment-intents",
    "payment-intents",
    "pi",
    "create",
    "get",
    "list",
    "capture",
    "refund",
    "reverse",
    "cancel",
    "setup-intents",
    "customers",
    "webhooks",
    "events",
    "send",
    "verify",
    "terminals",
    "sale",
    "session",
    "emulator",
    "pay",
    "clock",
    "fault",
    "requests",
    "state",
    "listen",
    "trigger",
    "journal",
    "show",
    "reconcile",
    "--json",
    "--profile",
    "--location",
    "--amount",
    "12.50",
    "-1",
    "1e9",
    "99999999999999999999",
    "--currency",
    "GBP",
    "XXX",
    "--reference",
    "--manual",
    "--data",
    "{",
    "-f",
    "a.b=1",
    "=",
    "a..b=1",
    "--forward",
    "*=http://x",
    "--forward-to",
    "--set",
    "--help",
    "-h",
    "--version",
    "--",
    "--api-key",
    "sk_sandbox_x",
    "-",
    "--times",
    "--route",
    "--advance",
    "--port",
    "70000",
    "--event",
    "payment_intent.created",
    "--database-url",
    "--clear",
    "charge",
    "authorize",
    "--phone",
    "--include-authorized",
    "@-",
    "@",
    "@/nonexistent/body.json",
    "--public-url",
    "--no-wait",
    "pi_sandbox_1",
    "\u{0}",
    "é",
    "",
];

fn argv() -> impl Strategy<Value = Vec<String>> {
    let word = prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    proptest::collection::vec(word, 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_argv_panics(args in argv()) {
        let mut full = vec!["dojo".to_owned()];
        full.extend(args);
        match Cli::try_parse_from(&full) {
            Err(error) => {
                let _ = error.render().to_string();
            }
            Ok(cli) => {
                if let Command::Completions(args) = &cli.command {
                    prop_assert!(!dojo_payments_cli::commands::completions::script(args.shell).is_empty());
                } else if matches!(cli.command, Command::Webhooks(WebhooksCommand::Events)) {
                    let output = dojo_payments_cli::output::Output::new(true);
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    let _ = runtime.block_on(dojo_payments_cli::run(cli, output));
                }
            }
        }
    }
}

#[test]
fn a_usage_error_is_exit_code_2() {
    assert_eq!(
        dojo_payments_cli::main_with(["dojo", "--no-such-flag"].map(Into::into)),
        2
    );
    assert_eq!(
        dojo_payments_cli::main_with(["dojo", "payment-intents", "refund"].map(Into::into)),
        2
    );
}

#[test]
fn usage_errors_quote_no_key() {
    let args = ["dojo", "login", "--api-ky=sk_sandbox_very_secret_1"].map(std::ffi::OsString::from);
    let message = "error: unexpected argument '--api-ky=sk_sandbox_very_secret_1' found";
    let redacted = dojo_payments_cli::redacted(message, &args);
    assert!(!redacted.contains("very_secret"), "{redacted}");
    let args = [
        "dojo",
        "webhooks",
        "verify",
        "--secret",
        "whsec_hidden_value",
        "--bogus",
    ]
    .map(std::ffi::OsString::from);
    let message = "unexpected whsec_hidden_value";
    assert!(!dojo_payments_cli::redacted(message, &args).contains("whsec_hidden_value"));
    assert_eq!(dojo_payments_cli::main_with(args), 2);
}
