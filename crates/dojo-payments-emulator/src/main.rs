//! `dojo-payments-emulator`: both hosts on loopback until Ctrl-C, for any
//! CI, whatever language the merchant's backend is written in.
//! `dojo-payments-emulator --help` lists the flags; the README drives the
//! control API with `curl`.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Parser;
use dojo_payments_emulator::{API_KEY, API_VERSION, Emulator, PCI_VERSION, WebhookSignatures};
use dojo_payments_types::{ApiKey, Environment, LocationId};

/// A stateful Dojo on loopback: the api and PCI hosts, the checkout page,
/// signed webhooks, faults on demand, and a control API under /_emulator.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Options {
    /// Port of the api host (stands for https://api.dojo.tech); 0 picks a
    /// free one.
    #[arg(long, env = "DOJO_EMULATOR_API_PORT", default_value_t = 0)]
    api_port: u16,

    /// Port of the PCI host (stands for https://pci-api.dojo.tech); 0 picks
    /// a free one.
    #[arg(long, env = "DOJO_EMULATOR_PCI_PORT", default_value_t = 0)]
    pci_port: u16,

    /// Accept only this sandbox key (sk_sandbox_…); by default any
    /// sk_sandbox_ key is accepted.
    #[arg(long, env = "DOJO_EMULATOR_API_KEY", hide_env_values = true, value_parser = sandbox_key)]
    api_key: Option<ApiKey>,

    /// Start the clock at this instant (RFC 3339, e.g.
    /// 2026-01-01T09:00:00Z) and move it only through
    /// POST /_emulator/clock/advance; by default the system clock.
    #[arg(long, value_name = "RFC3339")]
    clock_start: Option<DateTime<Utc>>,

    /// Seed of the ids it makes: the same seed, the same ids.
    #[arg(long)]
    seed: Option<u64>,

    /// A location account NAME (accountId acc_NAME) with its sandbox KEY,
    /// seeing only its own data; repeat for several. Once one is named,
    /// only named keys are accepted.
    #[arg(long, value_name = "NAME=KEY", value_parser = location)]
    location: Vec<(LocationId, ApiKey)>,

    /// Answer any `version` header that is a date, in the shapes of the
    /// version emulated (printed at start, one per host); by
    /// default another version is refused with a 400 naming the emulated
    /// one. Not Dojo's behaviour: Dojo answers each version in its own
    /// shapes.
    #[arg(long, env = "DOJO_EMULATOR_ACCEPT_ANY_VERSION")]
    accept_any_version: bool,

    /// Sign each webhook delivery with every active secret of its
    /// subscription, the signatures joined by commas (sha256=…,sha256=…);
    /// by default one signature, under the newest active secret. Not Dojo's
    /// documented behaviour, and refused by Dojo's PHP helper.
    #[arg(long, env = "DOJO_EMULATOR_SIGN_WITH_EVERY_ACTIVE_SECRET")]
    sign_with_every_active_secret: bool,
}

/// `NAME=KEY`: a location's name and sandbox key (the key never printed).
fn location(text: &str) -> Result<(LocationId, ApiKey), String> {
    let (name, key) = text
        .split_once('=')
        .ok_or_else(|| "give NAME=KEY".to_owned())?;
    let name = name.parse::<LocationId>().map_err(|e| e.to_string())?;
    Ok((name, sandbox_key(key)?))
}

/// A key the emulator can accept: a sandbox key (production keys are
/// refused by the emulator, so starting with one would refuse every call).
fn sandbox_key(text: &str) -> Result<ApiKey, String> {
    let key = ApiKey::new(text).map_err(|error| error.to_string())?;
    match key.environment() {
        Environment::Sandbox => Ok(key),
        _ => Err("the emulator is a sandbox: give an sk_sandbox_ key".to_owned()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    let mut builder = Emulator::builder().ports(options.api_port, options.pci_port);
    if let Some(seed) = options.seed {
        builder = builder.seed(seed);
    }
    if let Some(at) = options.clock_start {
        builder = builder.manual_clock(at);
    }
    if options.accept_any_version {
        builder = builder.accept_any_version();
    }
    if options.sign_with_every_active_secret {
        builder = builder.webhook_signatures(WebhookSignatures::EveryActiveSecret);
    }
    let named_key = options.api_key.is_some();
    if let Some(key) = options.api_key {
        builder = builder.api_key(key);
    }
    let locations: Vec<String> = options
        .location
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    for (name, key) in options.location {
        builder = builder.location(name, key);
    }
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("could not start the emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Written, not println!ed: a closed pipe (`| head`, a CI step that
    // stopped reading) must not end the emulator.
    let mut key = if named_key {
        "the one given (--api-key)".to_owned()
    } else if locations.is_empty() {
        format!("any sk_sandbox_ key, e.g. {API_KEY}")
    } else {
        API_KEY.to_owned()
    };
    if !locations.is_empty() {
        key.push_str(&format!(
            ", and the keys of locations {}",
            locations.join(", ")
        ));
    }
    let api = emulator.api_url();
    let version = if options.accept_any_version {
        format!("{API_VERSION} (any version accepted, answered as {API_VERSION})")
    } else {
        format!("{API_VERSION} (PCI host: {PCI_VERSION}); others are refused")
    };
    let banner = format!(
        "Dojo emulator\n  api host:  {api}\n  PCI host:  {}\n  API key:   {key}\n  \
         version:   {version}\n  \
         checkout:  {api}/checkout/<payment intent id>\n  control:   {api}/_emulator/…\nCtrl-C stops it.\n",
        emulator.pci_url()
    );
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
