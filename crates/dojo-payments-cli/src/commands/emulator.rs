//! `dojo emulator`: starts the embedded emulator (the flags of the
//! `dojo-payments-emulator` binary, on fixed ports 3000/3001 by default),
//! or drives a running one's control API (`pay`, `authorize`, `clock`,
//! `fault`, `requests`, `state`) over HTTP.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use dojo_payments_emulator::{API_KEY, Emulator, NewTerminal, WebhookSignatures};
use dojo_payments_types::{ApiKey, Environment, LocationId, TerminalId};
use serde_json::{Value, json};

use crate::context::{self, Choice, path_id};
use crate::exit::{self, CliError};
use crate::output::Output;

/// `dojo emulator [FLAGS] | dojo emulator COMMAND`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EmulatorArgs {
    /// Drive a running emulator; without one, start it.
    #[command(subcommand)]
    pub command: Option<ControlCommand>,
    /// How to start it.
    #[command(flatten)]
    pub start: StartArgs,
}

/// The emulator's flags (as `dojo-payments-emulator --help`).
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Port of the api host; 0 picks a free one.
    #[arg(long, env = "DOJO_EMULATOR_API_PORT", default_value_t = 3000)]
    pub api_port: u16,
    /// Port of the PCI host; 0 picks a free one.
    #[arg(long, env = "DOJO_EMULATOR_PCI_PORT", default_value_t = 3001)]
    pub pci_port: u16,
    /// The default key (sk_sandbox_…); without it, any sk_sandbox_ key is
    /// accepted, each its own account. Never printed.
    #[arg(
        long,
        env = "DOJO_EMULATOR_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Start the clock at this instant (RFC 3339) and move it only when told.
    #[arg(long, value_name = "RFC3339")]
    pub clock_start: Option<DateTime<Utc>>,
    /// Seed of the ids it makes.
    #[arg(long)]
    pub seed: Option<u64>,
    /// A location account NAME with its sandbox KEY (repeat).
    #[arg(long = "emulate-location", value_name = "NAME=KEY")]
    pub locations: Vec<String>,
    /// A card terminal to add at start, `[LOCATION=]ID[:auto|manual|offline]`
    /// (a location named by --emulate-location first); repeat for several.
    #[arg(long = "terminal", value_name = "[LOCATION=]ID[:MODE]")]
    pub terminals: Vec<String>,
    /// Answer any `version` that is a date.
    #[arg(long, env = "DOJO_EMULATOR_ACCEPT_ANY_VERSION")]
    pub accept_any_version: bool,
    /// Sign each delivery with every active secret of its subscription.
    #[arg(long, env = "DOJO_EMULATOR_SIGN_WITH_EVERY_ACTIVE_SECRET")]
    pub sign_with_every_active_secret: bool,
}

/// The control API's commands.
#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// The customer pays a payment intent at checkout.
    Pay {
        /// pi_…
        id: String,
        /// The card number (4000000000000002 declines).
        #[arg(long, default_value = "4456530000001005")]
        card: String,
        /// Save the card for the intent's customer.
        #[arg(long)]
        save_card: bool,
    },
    /// The customer adds a card to a setup intent at checkout (it becomes
    /// Authorized, to charge later).
    Authorize {
        /// si_…
        id: String,
        /// The card number (4000000000000002 declines).
        #[arg(long, default_value = "4456530000001005")]
        card: String,
    },
    /// The emulator's clock; `--advance SECONDS` moves it.
    Clock {
        /// Seconds to move it forward.
        #[arg(long)]
        advance: Option<u64>,
    },
    /// Arm a fault on a route ("POST /payment-intents/{paymentIntentId}/refunds"),
    /// or `--clear` them all.
    Fault {
        /// The route: method and the document's path template.
        #[arg(long, required_unless_present = "clear")]
        route: Option<String>,
        /// Answer this status.
        #[arg(long)]
        status: Option<u16>,
        /// undecodable, empty-object, cut-off, stall, hang-up.
        #[arg(long)]
        answer: Option<String>,
        /// Make the change before the bad answer.
        #[arg(long)]
        acted: bool,
        /// A delay instead.
        #[arg(long)]
        latency_ms: Option<u64>,
        /// For the next N calls.
        #[arg(long)]
        times: Option<u64>,
        /// Any other field of the fault (repeat): retryAfter=1.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// Disarm every fault.
        #[arg(long, conflicts_with = "route")]
        clear: bool,
    },
    /// The calls received, oldest first.
    Requests,
    /// The state digest (changes exactly when a stored resource does).
    State,
}

/// Where a running emulator is: DOJO_EMULATOR_URL, else the api URL in use
/// (DOJO_API_URL or the profile's), else http://127.0.0.1:3000.
pub fn control_url(choice: &Choice) -> String {
    std::env::var("DOJO_EMULATOR_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| context::target(choice).ok().map(|t| t.api_url))
        .or_else(|| std::env::var("DOJO_API_URL").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// One control call: its JSON answer (a 4xx/5xx is an error naming it).
pub async fn control(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, CliError> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut request = context::http()?.request(method, format!("{base}/_emulator{path}"));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.map_err(|_| {
        CliError::new(exit::UNAVAILABLE, format!("no emulator answers at {base}"))
            .hint("start one with `dojo emulator`, or point DOJO_EMULATOR_URL at it")
    })?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(CliError::new(
            exit::for_status(status),
            format!("the emulator answered {status}: {}", problem(&value)),
        ))
    }
}

/// A problem document (RFC 7807) as one line: each field's errors, else
/// its detail or title; never its trace id, which differs on every call.
fn problem(value: &Value) -> String {
    let errors: Vec<String> = value
        .get("errors")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(field, messages)| {
            let messages: Vec<String> = match messages {
                Value::Array(items) => items
                    .iter()
                    .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                    .collect(),
                other => vec![other.to_string()],
            };
            messages.into_iter().map(move |m| format!("{field}: {m}"))
        })
        .collect();
    if !errors.is_empty() {
        return errors.join("; ");
    }
    ["detail", "title"]
        .iter()
        .find_map(|k| value.get(k).and_then(Value::as_str))
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn sandbox_key(text: &str, flag: &str) -> Result<ApiKey, CliError> {
    let key =
        ApiKey::new(text).map_err(|e| CliError::usage(format!("{flag}: the key {}", e.rule())))?;
    match key.environment() {
        Environment::Sandbox => Ok(key),
        _ => Err(CliError::usage(format!(
            "{flag}: the emulator is a sandbox: give an sk_sandbox_ key"
        ))),
    }
}

/// `[LOCATION=]ID[:MODE]`, as the emulator binary reads it; its errors
/// never quote the value (a key typed there by mistake stays unprinted).
fn terminal(text: &str, locations: &[LocationId]) -> Result<NewTerminal, CliError> {
    let (location, rest) = match text.split_once('=') {
        Some((location, rest)) => (Some(location), rest),
        None => (None, text),
    };
    let (id, mode) = rest.rsplit_once(':').unwrap_or((rest, "manual"));
    if text.contains("sk_") {
        return Err(CliError::usage(
            "--terminal: give a terminal's id (tm_…), not a key",
        ));
    }
    let id = TerminalId::new(id)
        .map_err(|e| CliError::usage(format!("--terminal: the terminal's id {}", e.rule())))?;
    let mut added = NewTerminal::new(id.as_str());
    if let Some(name) = location {
        let name: LocationId = name
            .parse()
            .map_err(|e| CliError::usage(format!("--terminal: {e}")))?;
        if !locations.contains(&name) {
            return Err(CliError::usage(format!(
                "--terminal {name}=…: name location {name} with --emulate-location first"
            )));
        }
        added = added.at(name);
    }
    match mode {
        "auto" => Ok(added.auto()),
        "manual" => Ok(added),
        "offline" => Ok(added.offline()),
        _ => Err(CliError::usage(
            "--terminal: the mode is auto, manual or offline",
        )),
    }
}

async fn start(args: StartArgs, output: Output) -> Result<(), CliError> {
    // Listened for before anything is printed: a Ctrl-C right after the
    // banner stops it cleanly instead of killing the process.
    let interrupt = crate::commands::listen::Interrupt::new()?;
    let mut builder = Emulator::builder().ports(args.api_port, args.pci_port);
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if let Some(at) = args.clock_start {
        builder = builder.manual_clock(at);
    }
    if args.accept_any_version {
        builder = builder.accept_any_version();
    }
    if args.sign_with_every_active_secret {
        builder = builder.webhook_signatures(WebhookSignatures::EveryActiveSecret);
    }
    let named = args.api_key.is_some();
    if let Some(text) = &args.api_key {
        builder = builder.api_key(sandbox_key(text, "--api-key")?);
    }
    let mut names = Vec::new();
    for text in &args.locations {
        let (name, key) = text
            .split_once('=')
            .ok_or_else(|| CliError::usage("--emulate-location: give NAME=KEY"))?;
        let name: LocationId = name
            .parse()
            .map_err(|e| CliError::usage(format!("--emulate-location: {e}")))?;
        let key = sandbox_key(key, &format!("--emulate-location {name}=…"))?;
        names.push(name.to_string());
        builder = builder.location(name, key);
    }
    let located: Vec<LocationId> = names.iter().filter_map(|n| n.parse().ok()).collect();
    for text in &args.terminals {
        builder = builder.terminal(terminal(text, &located)?);
    }
    output.progress("starting the emulator");
    let emulator = builder.start().await.map_err(|e| {
        CliError::failure(format!("could not start the emulator: {e}"))
            .hint("is a port taken? choose others with --api-port and --pci-port (0: any free one)")
    })?;
    let key = if named { Value::Null } else { json!(API_KEY) };
    let value = json!({
        "apiUrl": emulator.api_url(),
        "pciUrl": emulator.pci_url(),
        "checkoutUrl": emulator.checkout_url(),
        "apiKey": key,
        "locations": names,
    });
    output.data(&value, || {
        let key = if named { "the one given (--api-key)".to_owned() } else { API_KEY.to_owned() };
        format!(
            "Dojo emulator\n  api host:  {}\n  PCI host:  {}\n  API key:   {key}\n  control:   {}/_emulator/…\n\n\
             In another shell:\n  export DOJO_API_URL={} DOJO_PCI_URL={} DOJO_API_KEY={}",
            emulator.api_url(),
            emulator.pci_url(),
            emulator.api_url(),
            emulator.api_url(),
            emulator.pci_url(),
            if named { "<your key>" } else { API_KEY },
        )
    });
    output.say("Ctrl-C stops it.");
    interrupt.wait().await;
    Ok(())
}

/// Runs it.
pub async fn run(args: EmulatorArgs, choice: &Choice, output: Output) -> Result<(), CliError> {
    let Some(command) = args.command else {
        return start(args.start, output).await;
    };
    let base = control_url(choice);
    let value = match command {
        ControlCommand::Pay {
            id,
            card,
            save_card,
        } => {
            let body = json!({ "cardNumber": card, "saveCard": save_card });
            control(
                &base,
                "POST",
                &format!("/payment-intents/{}/pay", path_id(&id)?),
                Some(&body),
            )
            .await?
        }
        ControlCommand::Authorize { id, card } => {
            control(
                &base,
                "POST",
                &format!("/setup-intents/{}/authorize", path_id(&id)?),
                Some(&json!({ "cardNumber": card })),
            )
            .await?
        }
        ControlCommand::Clock {
            advance: Some(seconds),
        } => {
            control(
                &base,
                "POST",
                "/clock/advance",
                Some(&json!({ "seconds": seconds })),
            )
            .await?;
            control(&base, "GET", "/clock", None).await?
        }
        ControlCommand::Clock { advance: None } => control(&base, "GET", "/clock", None).await?,
        ControlCommand::Fault { clear: true, .. } => {
            control(&base, "DELETE", "/faults", None).await?;
            json!({ "cleared": true })
        }
        ControlCommand::Fault {
            route,
            status,
            answer,
            acted,
            latency_ms,
            times,
            set,
            ..
        } => {
            let mut body = json!({ "route": route });
            for (field, value) in [
                ("status", status.map(|s| json!(s))),
                ("answer", answer.map(|s| json!(s))),
                ("acted", acted.then_some(json!(true))),
                ("latencyMs", latency_ms.map(|s| json!(s))),
                ("times", times.map(|s| json!(s))),
            ] {
                if let Some(value) = value {
                    body[field] = value;
                }
            }
            for item in &set {
                let (path, value) = item
                    .split_once('=')
                    .ok_or_else(|| CliError::usage(format!("--set {item:?}: give FIELD=VALUE")))?;
                crate::commands::api::set_path(
                    &mut body,
                    path,
                    crate::commands::api::value_of(value),
                )?;
            }
            let answer = control(&base, "POST", "/faults", Some(&body)).await?;
            if answer.is_null() {
                json!({ "armed": body })
            } else {
                answer
            }
        }
        ControlCommand::Requests => control(&base, "GET", "/requests", None).await?,
        ControlCommand::State => control(&base, "GET", "/state", None).await?,
    };
    output.data(&value, || match &value {
        Value::Object(map) if map.len() == 1 => map
            .values()
            .next()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join("\n"),
                other => other.to_string(),
            })
            .unwrap_or_default(),
        // Fields in name order, whatever order the map keeps (serde_json's
        // `preserve_order`, which another crate of a build may turn on).
        other => {
            let mut sorted = other.clone();
            sorted.sort_all_objects();
            sorted.to_string()
        }
    });
    Ok(())
}
