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
    let verdict = if value["accepted"] == json!(true) {
        "accepted".to_owned()
    } else if let Some(status) = value["status"].as_u64() {
        format!("refused (HTTP {status})")
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

fn verdict(values: &[Value]) -> Result<(), CliError> {
    if values.iter().all(|v| v["accepted"] == json!(true)) {
        return Ok(());
    }
    let code = if values.iter().any(|v| v["status"].is_null()) {
        exit::UNAVAILABLE
    } else {
        exit::REFUSED
    };
    Err(CliError::new(code, "a key was not accepted")
        .hint("log in again with `dojo login --api-key KEY --profile NAME`"))
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
    let (_, config) = context::load_config()?;
    for name in config.profiles.keys() {
        choices.push(Choice {
            profile: Some(name.clone()),
            location: None,
        });
    }
    if choices.is_empty() {
        return Err(CliError::config("no key configured")
            .hint("set DOJO_API_KEY, or run `dojo login --api-key sk_sandbox_…`"));
    }
    let mut values = Vec::new();
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
