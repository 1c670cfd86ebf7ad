//! `dojo-payments-emulator`: both hosts on loopback until Ctrl-C, for any
//! CI, whatever language the merchant's backend is written in.
//! `dojo-payments-emulator --help` lists the flags; the README drives the
//! control API with `curl`.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Parser;
use dojo_payments_emulator::{
    API_KEY, API_VERSION, Emulator, NewTerminal, PCI_VERSION, WebhookSignatures,
};
use dojo_payments_types::{ApiKey, Environment, LocationId, TerminalId};

/// A stateful Dojo on loopback: the api and PCI hosts, the checkout page,
/// signed webhooks, faults on demand, and a control API under /_emulator.
#[derive(Parser)]
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

    /// The default key (sk_sandbox_…), account acc_sandbox_emulator:
    /// when given, only it and the locations' keys are accepted. Without
    /// it the default key is sk_sandbox_emulator_0123…, and any sk_sandbox_
    /// key is accepted (each its own account) until a location is named.
    /// A key is sk_sandbox_ and at least one more character, at most 256 in
    /// all, no spaces; a refused key is never printed.
    #[arg(
        long,
        env = "DOJO_EMULATOR_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    api_key: Option<String>,

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
    /// only the named keys and the default key (--api-key's, or
    /// sk_sandbox_emulator_0123…) are accepted.
    #[arg(long, value_name = "NAME=KEY")]
    location: Vec<String>,

    /// A card terminal to add at start, besides each account's default
    /// three: its id, the location whose it is (named with --location;
    /// the default account's without one), and what it does: `auto` (plays
    /// the customer: an approved card 2 s after a session starts), `manual`
    /// (moves only when the control API says; the default) or `offline`.
    /// Repeat for several: --terminal soho=tm_sandbox_soho_till:auto
    #[arg(long, value_name = "[LOCATION=]ID[:auto|manual|offline]")]
    terminal: Vec<String>,

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

/// `NAME=KEY`: a location's name and sandbox key. Read after clap, not by
/// a clap value parser: clap's errors quote the value they refused, and
/// this one holds a key. The error names the location at most.
fn location(text: &str) -> Result<(LocationId, ApiKey), String> {
    let (name, key) = text
        .split_once('=')
        .ok_or_else(|| "--location: give NAME=KEY".to_owned())?;
    // A key where the name goes (NAME and KEY swapped) is a valid name, and
    // would be quoted by the key's refusal: refused first, unquoted.
    if name.contains("sk_") || name.contains("pk_") {
        return Err("--location: give NAME=KEY (the name looks like a key)".to_owned());
    }
    let name = name
        .parse::<LocationId>()
        .map_err(|e| format!("--location: {e}"))?;
    let key = sandbox_key(key).map_err(|e| format!("--location {name}=…: {e}"))?;
    Ok((name, key))
}

/// `[LOCATION=]ID[:MODE]`: a terminal to add, at a location named by
/// --location (in `locations`). Read after clap, like the keys: its errors
/// say which rule, never quoting the value (a key given there by mistake
/// stays unprinted). What it adds, and a line for the banner.
fn terminal(text: &str, locations: &[LocationId]) -> Result<(NewTerminal, String), String> {
    let (location, rest) = match text.split_once('=') {
        Some((location, rest)) => (Some(location), rest),
        None => (None, text),
    };
    let (id, mode) = rest.rsplit_once(':').unwrap_or((rest, "manual"));
    if id.contains("sk_") || location.is_some_and(|l| l.contains("sk_")) {
        return Err("--terminal: give a terminal's id (tm_…), not a key".to_owned());
    }
    let id =
        TerminalId::new(id).map_err(|e| format!("--terminal: the terminal's id {}", e.rule()))?;
    let mut added = NewTerminal::new(id.as_str());
    let mut whose = "the default account".to_owned();
    if let Some(name) = location {
        let name = name
            .parse::<LocationId>()
            .map_err(|e| format!("--terminal: {e}"))?;
        if !locations.contains(&name) {
            return Err(format!(
                "--terminal {name}=…: name location {name} with --location first"
            ));
        }
        whose = format!("location {name}");
        added = added.at(name);
    }
    let added = match mode {
        "auto" => added.auto(),
        "manual" => added,
        "offline" => added.offline(),
        _ => return Err("--terminal: the mode is auto, manual or offline".to_owned()),
    };
    Ok((added, format!("{id} ({whose}, {mode})")))
}

/// A key the emulator can accept: a sandbox key (production keys are
/// refused by the emulator, so starting with one would refuse every call).
/// The error says which rule, never the key.
fn sandbox_key(text: &str) -> Result<ApiKey, String> {
    let key = ApiKey::new(text).map_err(|error| format!("the key {}", error.rule()))?;
    match key.environment() {
        Environment::Sandbox => Ok(key),
        _ => Err("the emulator is a sandbox: give an sk_sandbox_ key".to_owned()),
    }
}

/// clap's own error (an unknown flag, a bad port), with anything that may
/// be a key cut out: every `sk_…` word, the value of
/// `DOJO_EMULATOR_API_KEY`, and every value given to --api-key or
/// --location (a mistyped flag is quoted whole, `--locaton=x=sk_…`).
fn redacted(message: &str) -> String {
    let mut secrets: Vec<String> = std::env::var("DOJO_EMULATOR_API_KEY")
        .ok()
        .into_iter()
        .collect();
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    for (i, arg) in args.iter().enumerate() {
        if arg.starts_with("--api-key")
            || arg.starts_with("--location")
            || arg.starts_with("--terminal")
            || arg.contains("=sk")
        {
            secrets.extend(arg.split_once('=').map(|(_, value)| value.to_owned()));
            if !arg.contains('=') {
                secrets.extend(args.get(i + 1).cloned());
            }
        }
    }
    let mut message = message.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        message = message.replace(secret.as_str(), "…");
    }
    // Any word that still starts like a key.
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

/// The default key given (--api-key), and each location's.
type Keys = (Option<ApiKey>, Vec<(LocationId, ApiKey)>);

/// Every key given, checked; the first refusal otherwise.
fn keys(options: &Options) -> Result<Keys, String> {
    let api_key = options
        .api_key
        .as_deref()
        .map(|key| sandbox_key(key).map_err(|e| format!("--api-key: {e}")))
        .transpose()?;
    let locations = options
        .location
        .iter()
        .map(|text| location(text))
        .collect::<Result<_, _>>()?;
    Ok((api_key, locations))
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::try_parse() {
        Ok(options) => options,
        Err(error) => {
            // --help and --version are "errors" too, printed to stdout.
            if !error.use_stderr() {
                let _ = error.print();
                return ExitCode::SUCCESS;
            }
            eprint!("{}", redacted(&error.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let (api_key, locations) = match keys(&options) {
        Ok(keys) => keys,
        Err(refused) => {
            eprintln!("error: {refused}");
            return ExitCode::from(2);
        }
    };
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
    let named_key = api_key.is_some();
    if let Some(key) = api_key {
        builder = builder.api_key(key);
    }
    let named: Vec<LocationId> = locations.iter().map(|(n, _)| n.clone()).collect();
    let terminals = match options
        .terminal
        .iter()
        .map(|text| terminal(text, &named))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(terminals) => terminals,
        Err(refused) => {
            eprintln!("error: {refused}");
            return ExitCode::from(2);
        }
    };
    let names: Vec<String> = locations.iter().map(|(n, _)| n.to_string()).collect();
    for (name, key) in locations {
        builder = builder.location(name, key);
    }
    let mut added = Vec::new();
    for (terminal, line) in terminals {
        builder = builder.terminal(terminal);
        added.push(line);
    }
    let locations = names;
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
    let terminals = if added.is_empty() {
        String::new()
    } else {
        format!("  terminals: {} added\n", added.join(", "))
    };
    let version = if options.accept_any_version {
        format!("{API_VERSION} (any version accepted, answered as {API_VERSION})")
    } else {
        format!("{API_VERSION} (PCI host: {PCI_VERSION}); others are refused")
    };
    let banner = format!(
        "Dojo emulator\n  api host:  {api}\n  PCI host:  {}\n  API key:   {key}\n  \
         version:   {version}\n  \
         checkout:  {api}/checkout/<payment intent id>\n  control:   {api}/_emulator/…\n{terminals}Ctrl-C stops it.\n",
        emulator.pci_url()
    );
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soho() -> Vec<LocationId> {
        vec!["soho".parse().unwrap()]
    }

    #[test]
    fn a_terminal_is_read_with_its_location_and_mode() {
        let (_, line) = terminal("soho=tm_sandbox_till:auto", &soho()).unwrap();
        assert_eq!(line, "tm_sandbox_till (location soho, auto)");
        let (_, line) = terminal("tm_sandbox_bar", &[]).unwrap();
        assert_eq!(line, "tm_sandbox_bar (the default account, manual)");
        let (_, line) = terminal("tm_sandbox_back:offline", &[]).unwrap();
        assert_eq!(line, "tm_sandbox_back (the default account, offline)");
    }

    /// A refusal says which rule, and never quotes a key given by mistake.
    #[test]
    fn a_refused_terminal_never_echoes_a_key() {
        let key = "sk_sandbox_secret_0123456789abcdef";
        for text in [
            format!("soho={key}:auto"),
            format!("{key}=tm_sandbox_till"),
            key.to_owned(),
            format!("tm_sandbox_till:{key}"),
        ] {
            let refused = terminal(&text, &soho()).map(|_| ()).unwrap_err();
            assert!(!refused.contains("secret"), "{refused}");
            assert!(refused.starts_with("--terminal"), "{refused}");
        }
        let refused = terminal("camden=tm_sandbox_till", &soho())
            .map(|_| ())
            .unwrap_err();
        assert!(refused.contains("--location first"), "{refused}");
        let refused = terminal("tm_sandbox_till:fast", &soho())
            .map(|_| ())
            .unwrap_err();
        assert!(refused.contains("auto, manual or offline"), "{refused}");
    }
}
