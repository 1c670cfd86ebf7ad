//! `dojo whoami` and `dojo check`: one cheap read (`GET /webhooks`, whose
//! subscriptions name the account) per key.

use serde_json::{Value, json};

use crate::context::{self, Choice, Target};
use crate::exit::{self, CliError};
use crate::output::Output;

/// The fields both commands print for a key.
async fn probe(target: &Target) -> Value {
    let environment = format!("{:?}", target.key.environment()).to_lowercase();
    let (status, account, problem) =
        match context::call(target, "GET", "/webhooks", None, &[]).await {
            Ok(answer) => {
                let account = answer.body.as_array().and_then(|subs| {
                    subs.iter()
                        .find_map(|s| s.get("accountId")?.as_str().map(str::to_owned))
                });
                (Some(answer.status), account, None)
            }
            Err(error) => (None, None, Some(error.message)),
        };
    // Only 401 and 403 say the key was refused; a 5xx or a 429 is Dojo
    // not answering, the key not judged.
    let problem = problem.or_else(|| match status {
        Some(200..=299) | None => None,
        Some(refused @ (401 | 403)) => Some(format!("the key was refused (HTTP {refused})")),
        Some(busy @ (429 | 500..=599)) => {
            Some(format!("unavailable (HTTP {busy}): the key was not judged"))
        }
        Some(other) => Some(format!("unexpected answer (HTTP {other})")),
    });
    json!({
        "source": target.source,
        "environment": environment,
        "apiUrl": target.api_url,
        "status": status,
        "accepted": status.is_some_and(|s| (200..300).contains(&s)),
        "account": account,
        "problem": problem,
    })
}

fn line(value: &Value) -> String {
    // A key that could not be resolved (or the config file) reached no host.
    if value["apiUrl"].is_null() {
        return format!(
            "{}: {}",
            value["source"].as_str().unwrap_or("?"),
            value["problem"].as_str().unwrap_or("?")
        );
    }
    let verdict = if value["accepted"] == json!(true) {
        "accepted".to_owned()
    } else if let Some(status @ (401 | 403)) = value["status"].as_u64() {
        format!("refused (HTTP {status})")
    } else if let Some(status @ (429 | 500..=599)) = value["status"].as_u64() {
        format!("unavailable (HTTP {status}): the key was not judged")
    } else if let Some(status) = value["status"].as_u64() {
        format!("answered HTTP {status}")
    } else {
        format!("unreachable ({})", value["problem"].as_str().unwrap_or("?"))
    };
    let account = value["account"]
        .as_str()
        .map(|a| format!(", account {a}"))
        .unwrap_or_default();
    format!(
        "{}: a {} key, {} at {}{account}",
        value["source"].as_str().unwrap_or("?"),
        value["environment"].as_str().unwrap_or("?"),
        verdict,
        value["apiUrl"].as_str().unwrap_or("?"),
    )
}

/// The code for one key's probe.
fn code_of(value: &Value) -> u8 {
    if value["accepted"] == json!(true) {
        return exit::OK;
    }
    match value["status"].as_u64() {
        Some(401 | 403) => exit::REFUSED,
        Some(429 | 500..=599) => exit::UNAVAILABLE,
        Some(_) => exit::FAILURE,
        // No key to ask with: `check`'s entries that could not be
        // resolved name no api URL.
        None if value["apiUrl"].is_null() => exit::CONFIG,
        None => exit::UNAVAILABLE,
    }
}

/// The exit code and advice for the keys probed: a refused key first (the
/// one thing logging in again fixes), then a key that could not be
/// resolved, then Dojo or the network not answering.
fn verdict(values: &[Value]) -> Result<(), CliError> {
    let codes: Vec<u8> = values.iter().map(code_of).collect();
    if codes.contains(&exit::REFUSED) {
        return Err(CliError::new(exit::REFUSED, "a key was not accepted")
            .hint("log in again with `dojo login --api-key KEY --profile NAME`"));
    }
    if codes.contains(&exit::CONFIG) {
        return Err(CliError::config("a key could not be read").hint(
            "see each key's problem above; `dojo login --api-key KEY --profile NAME` writes one",
        ));
    }
    if codes.contains(&exit::UNAVAILABLE) {
        return Err(CliError::new(exit::UNAVAILABLE, "Dojo did not answer for a key: it was not judged")
            .hint("check the URL (DOJO_API_URL) and your connection, then run it again; nothing is wrong with the key as far as is known"));
    }
    if codes.contains(&exit::FAILURE) {
        return Err(CliError::failure("an answer was not the one expected")
            .hint("check the api URL (DOJO_API_URL): it may not be Dojo's"));
    }
    Ok(())
}

/// `dojo whoami`.
pub async fn whoami(choice: &Choice, output: Output) -> Result<(), CliError> {
    let target = context::target(choice)?;
    output.progress(&format!("asking {}", target.api_url));
    let value = probe(&target).await;
    output.data(&value, || line(&value));
    verdict(&[value])
}

/// `dojo check`: `DOJO_API_KEY`, every `DOJO_LOCATION_<NAME>`, every profile.
pub async fn check(output: Output) -> Result<(), CliError> {
    let mut choices: Vec<Choice> = Vec::new();
    if std::env::var("DOJO_API_KEY").is_ok_and(|k| !k.is_empty()) {
        choices.push(Choice::default());
    }
    let mut names: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| k.strip_prefix("DOJO_LOCATION_").map(|n| n.to_lowercase()))
        .collect();
    names.sort();
    for name in names {
        choices.push(Choice {
            profile: None,
            location: Some(name),
        });
    }
    // A config file that cannot be read does not stop the environment's
    // keys from being checked; it is reported among them, as a key
    // source that could not be read (exit 3).
    let (config, broken) = match context::load_config() {
        Ok((_, config)) => (config, None),
        Err(error) => (Default::default(), Some(error)),
    };
    for name in config.profiles.keys() {
        choices.push(Choice {
            profile: Some(name.clone()),
            location: None,
        });
    }
    let mut values = Vec::new();
    match broken {
        Some(error) if choices.is_empty() => return Err(error),
        Some(error) => values.push(json!({ "source": "the config file", "accepted": false, "status": null, "problem": error.message })),
        None if choices.is_empty() => {
            return Err(CliError::config("no key configured")
                .hint("set DOJO_API_KEY, or run `dojo login --api-key sk_sandbox_…`"));
        }
        None => {}
    }
    for choice in &choices {
        output.progress("checking a key");
        match context::target(choice) {
            Ok(target) => values.push(probe(&target).await),
            Err(error) => values.push(json!({ "source": choice.location.clone().or(choice.profile.clone()), "accepted": false, "status": null, "problem": error.message })),
        }
    }
    let value = json!({ "keys": values });
    output.data(&value, || {
        values.iter().map(line).collect::<Vec<_>>().join("\n")
    });
    verdict(&values)
}
