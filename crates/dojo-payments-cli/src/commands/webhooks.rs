//! `dojo webhooks …`: subscriptions, and deliveries signed or verified
//! locally (`send`, `verify`).

use clap::Subcommand;
use dojo_payments::webhook::Verifier;
use dojo_payments_types::{
    WebhookEventName, WebhookSecret, WebhookSignature, WebhookSubscriptionId,
};
use serde_json::{Value, json};

use crate::commands::api::{set_path, value_of};
use crate::context::{self, Choice, path_id};
use crate::errors;
use crate::exit::{self, CliError};
use crate::output::{self, Output};

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// The subscriptions.
    List,
    // The signing secret is what the receiver verifies deliveries with:
    // printed here only (`webhooks list` hides it), in both forms.
    /// Subscribe `--url` to events (default: every documented one), printing its signing secret.
    Create {
        /// Where deliveries go (https; http to this machine on the emulator).
        #[arg(long)]
        url: String,
        /// An event name (repeat).
        #[arg(long = "event", value_name = "EVENT")]
        events: Vec<String>,
    },
    /// Remove a subscription.
    Delete {
        /// The subscription id.
        id: String,
    },
    /// The event names Dojo sends.
    Events,
    /// Sign a fixture event locally and post it to `--to`.
    Send {
        /// The event: payment_intent.status_updated…
        event: String,
        /// Where to post it.
        #[arg(long)]
        to: String,
        /// The secret to sign with (else DOJO_WEBHOOK_SECRET).
        #[arg(long, env = "DOJO_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// Override a field of the fixture (repeat): data.paymentStatus=Authorized.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Check a captured delivery: its body (a file, `-` for stdin) and its
    /// dojo-signature header; exit code 7 when it does not match.
    Verify {
        /// The body, as received.
        #[arg(long, value_name = "FILE")]
        body: String,
        /// The dojo-signature header's value.
        #[arg(long)]
        signature: String,
        /// The secret (else DOJO_WEBHOOK_SECRET).
        #[arg(long, env = "DOJO_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
    },
}

/// A fixture event, as Dojo posts it.
pub fn fixture(event: &str) -> Value {
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    json!({
        "id": format!("evt_cli_{}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()),
        "event": event,
        "accountId": "acc_sandbox_cli",
        "createdAt": now,
        "data": {
            "paymentIntentId": "pi_sandbox_cli_fixture",
            "paymentStatus": "Captured",
            "captureMode": "Auto",
        },
    })
}

/// An event name, checked against the documented ones.
pub fn event_name(text: &str) -> Result<WebhookEventName, CliError> {
    WebhookEventName::DOCUMENTED
        .iter()
        .find(|e| e.as_str() == text)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = WebhookEventName::DOCUMENTED
                .iter()
                .map(WebhookEventName::as_str)
                .collect();
            CliError::usage(format!("{text:?} is not an event Dojo sends"))
                .hint(format!("one of: {}", names.join(", ")))
        })
}

fn secret(text: &str) -> Result<WebhookSecret, CliError> {
    WebhookSecret::new(text).map_err(|_| CliError::usage("--secret is empty"))
}

fn sub_line(value: &Value) -> String {
    format!(
        "{}  {}  {}",
        output::field(value, "/id"),
        output::field(value, "/url"),
        output::field(value, "/events")
    )
}

/// Runs it.
pub async fn run(
    command: WebhooksCommand,
    choice: &Choice,
    output: Output,
) -> Result<(), CliError> {
    match command {
        WebhooksCommand::Send {
            event,
            to,
            secret: text,
            set,
        } => {
            event_name(&event)?;
            // Checked before anything is sent: a URL reqwest cannot send
            // to is the command line's fault, not the receiver's.
            let usable = reqwest::Url::parse(&to).ok().filter(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty())
            });
            if usable.is_none() {
                return Err(CliError::usage(format!(
                    "--to {to:?} is not an http(s) URL: nothing was sent"
                ))
                .hint("give the receiver's URL: --to http://127.0.0.1:4242/webhooks"));
            }
            let mut body = fixture(&event);
            for item in &set {
                let (path, value) = item
                    .split_once('=')
                    .ok_or_else(|| CliError::usage(format!("--set {item:?}: give PATH=VALUE")))?;
                set_path(&mut body, path, value_of(value))?;
            }
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let signature = WebhookSignature::sign(&secret(&text)?, &bytes).to_string();
            // Never followed: a redirect would send the signature elsewhere.
            let response = crate::commands::listen::forwarding_http()?
                .post(&to)
                .header("content-type", "application/json")
                .header("dojo-signature", &signature)
                .body(bytes)
                .send()
                .await
                .map_err(|e| {
                    if e.is_builder() {
                        CliError::usage(format!("cannot post to {to}: nothing was sent"))
                    } else {
                        CliError::new(exit::UNAVAILABLE, format!("could not deliver to {to}"))
                            .hint("is the receiver running?")
                    }
                })?;
            let status = response.status().as_u16();
            let value = json!({ "event": event, "id": body["id"], "to": to, "status": status });
            output.data(&value, || {
                format!("{event} {} → {to}: {status}", output::field(&body, "/id"))
            });
            if (200..300).contains(&status) {
                Ok(())
            } else {
                Err(CliError::new(
                    exit::REFUSED,
                    format!("the receiver answered {status}"),
                ))
            }
        }
        WebhooksCommand::Verify {
            body,
            signature,
            secret: text,
        } => {
            let bytes = if body == "-" {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map(|_| bytes)
            } else {
                std::fs::read(&body)
            }
            .map_err(|e| CliError::usage(format!("cannot read {body}: {e}")))?;
            let verifier = Verifier::new([secret(&text)?]);
            match verifier.verify(Some(&signature), &bytes) {
                Ok(event) => {
                    let value = json!({ "verified": true, "event": event.kind.name(), "id": event.id.to_string() });
                    output.data(&value, || {
                        format!("verified: {} {}", event.kind.name(), event.id)
                    });
                    Ok(())
                }
                Err(error) => {
                    let value = json!({ "verified": false, "reason": error.to_string() });
                    output.data(&value, || format!("not verified: {error}"));
                    Err(
                        CliError::new(exit::UNVERIFIED, format!("not verified: {error}")).hint(
                            "check the secret, and that the body is byte for byte as received",
                        ),
                    )
                }
            }
        }
        WebhooksCommand::Events => {
            let value = json!(
                WebhookEventName::DOCUMENTED
                    .iter()
                    .map(WebhookEventName::as_str)
                    .collect::<Vec<_>>()
            );
            output.data(&value, || {
                WebhookEventName::DOCUMENTED
                    .iter()
                    .map(WebhookEventName::as_str)
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        WebhooksCommand::List => {
            let dojo = context::dojo(&context::target(choice)?)?;
            let subscriptions = dojo
                .webhooks()
                .list()
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = serde_json::to_value(&subscriptions).unwrap_or(Value::Null);
            output.data(&value, || {
                value
                    .as_array()
                    .map(|v| v.iter().map(sub_line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
            Ok(())
        }
        WebhooksCommand::Create { url, events } => {
            let dojo = context::dojo(&context::target(choice)?)?;
            let events: Vec<WebhookEventName> = if events.is_empty() {
                WebhookEventName::DOCUMENTED.to_vec()
            } else {
                events
                    .iter()
                    .map(|e| event_name(e))
                    .collect::<Result<_, _>>()?
            };
            // The SDK refuses, before sending, a URL Dojo would not take
            // (https only; http to this machine against the emulator).
            let subscription = dojo
                .webhooks()
                .subscribe(url.as_str(), events)
                .send()
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = serde_json::to_value(&subscription).unwrap_or(Value::Null);
            // The signing secret is what the receiver verifies deliveries
            // with, and the user asked for it to be made: printed this
            // once (the one exception to "secrets never print" besides
            // `listen`'s own), in both forms. `webhooks list` hides it.
            let count = value["secrets"].as_array().map_or(0, Vec::len);
            let keep: Vec<String> = (0..count).map(|i| format!("/secrets/{i}/value")).collect();
            let keep: Vec<&str> = keep.iter().map(String::as_str).collect();
            output.data_keeping(&value, &keep, || {
                let secrets: Vec<&str> = value["secrets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["value"].as_str())
                    .collect();
                let mut text = sub_line(&value);
                for secret in secrets {
                    text.push_str(&format!("\nsigning secret: {secret}"));
                }
                text
            });
            Ok(())
        }
        WebhooksCommand::Delete { id } => {
            let dojo = context::dojo(&context::target(choice)?)?;
            let subscription: WebhookSubscriptionId = path_id(&id)?.parse().map_err(|_| {
                CliError::usage(format!("{id:?} is not a subscription id"))
                    .hint("`dojo webhooks list` shows them")
            })?;
            dojo.webhooks()
                .delete(&subscription)
                .await
                .map_err(|e| errors::sdk(&e, None))?;
            let value = json!({ "id": id, "deleted": true });
            output.data(&value, || format!("removed {id}"));
            Ok(())
        }
    }
}
