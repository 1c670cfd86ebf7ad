//! `dojo api METHOD PATH`: any call, like `gh api`: the body from `--data`
//! (JSON, `@FILE` for a file's, `@-` for stdin's, as curl and gh read it)
//! or from `-f field=value` pairs (dotted paths nest, values that are JSON
//! are taken as JSON), the answer's body on stdout.

use clap::Args;
use serde_json::{Map, Value};

use crate::context::{self, Choice};
use crate::exit::{self, CliError};
use crate::output::Output;

/// `dojo api`.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// GET, POST, PUT, PATCH or DELETE.
    pub method: String,
    /// The path on the api host: /payment-intents/pi_…
    pub path: String,
    /// The JSON body; `@FILE` reads it from a file, `@-` from stdin.
    #[arg(long, short = 'd', value_name = "JSON|@FILE", conflicts_with = "field")]
    pub data: Option<String>,
    /// A body field (repeat): amount.value=1000, reference=Order-42.
    #[arg(long, short = 'f', value_name = "FIELD=VALUE")]
    pub field: Vec<String>,
    /// A header (repeat): idempotencyKey:order-42-refund-1.
    #[arg(long, short = 'H', value_name = "NAME:VALUE")]
    pub header: Vec<String>,
}

/// Sets `path` (dotted) in `object` to `value`.
pub fn set_path(object: &mut Value, path: &str, value: Value) -> Result<(), CliError> {
    let mut here = object;
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(CliError::usage(format!("{path:?} is not a field path"))
            .hint("give name=value or a.b=value"));
    }
    for (i, part) in parts.iter().enumerate() {
        if !here.is_object() {
            *here = Value::Object(Map::new());
        }
        let Value::Object(map) = here else {
            return Err(CliError::usage(format!("{path:?} is not a field path")));
        };
        if i + 1 == parts.len() {
            map.insert((*part).to_owned(), value);
            return Ok(());
        }
        here = map
            .entry((*part).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

/// A `-f`/`--set` value: JSON when it parses as JSON, else a string.
pub fn value_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The text `--data` names: itself, or with `@` the contents of a file
/// (`@-`: stdin). An unreadable file is an error naming it.
pub fn data_text(data: &str) -> Result<(String, String), CliError> {
    let Some(file) = data.strip_prefix('@') else {
        return Ok((data.to_owned(), "--data".to_owned()));
    };
    if file == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
            CliError::usage(format!("--data @-: cannot read stdin: {e}"))
                .hint("pipe the JSON body in: `dojo api POST /path --data @- < body.json`")
        })?;
        return Ok((text, "--data @- (stdin)".to_owned()));
    }
    if file.is_empty() {
        return Err(CliError::usage("--data @: no file named after the @")
            .hint("give --data @body.json, or --data @- for stdin"));
    }
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError::usage(format!("--data @{file}: cannot read {file}: {e}"))
            .hint("check the file's path, or give the JSON itself: --data '{\"a\": 1}'")
    })?;
    Ok((text, format!("--data @{file}")))
}

/// The body `--data` or `-f` make.
pub fn body(data: Option<&str>, fields: &[String]) -> Result<Option<Value>, CliError> {
    if let Some(data) = data {
        let (text, source) = data_text(data)?;
        return serde_json::from_str(&text).map(Some).map_err(|e| {
            CliError::usage(format!("{source} is not JSON: {e}")).hint(if data.starts_with('@') {
                "the file must hold one JSON document"
            } else {
                "quote it: --data '{\"a\": 1}', or read it from a file: --data @body.json"
            })
        });
    }
    if fields.is_empty() {
        return Ok(None);
    }
    let mut object = Value::Object(Map::new());
    for field in fields {
        let (path, value) = field
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("{field:?}: give FIELD=VALUE")))?;
        set_path(&mut object, path, value_of(value))?;
    }
    Ok(Some(object))
}

/// Runs it.
pub async fn run(args: ApiArgs, choice: &Choice, output: Output) -> Result<(), CliError> {
    let body = body(args.data.as_deref(), &args.field)?;
    let headers = args
        .header
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| CliError::usage(format!("{h:?}: give NAME:VALUE")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
    {
        return Err(CliError::usage(
            "the Authorization header is the key's: choose it with --profile or DOJO_API_KEY",
        ));
    }
    let target = context::target(choice)?;
    let answer = context::call(&target, &args.method, &args.path, body.as_ref(), &headers).await?;
    let status = answer.status;
    output.data(&answer.body, || match &answer.body {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    });
    if (200..300).contains(&status) {
        return Ok(());
    }
    let method = args.method.to_uppercase();
    let acts = reqwest::Method::from_bytes(method.as_bytes())
        .map(|m| context::may_act(&m, &args.path))
        .unwrap_or(true);
    let code = exit::for_answer(status, acts);
    let error = CliError::new(code, format!("HTTP {status}"));
    Err(match code {
        exit::UNKNOWN_OUTCOME => {
            let keyed = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("idempotencyKey"))
                .map(|(_, v)| v.clone());
            let error = CliError::new(
                code,
                format!(
                    "HTTP {status} to {method} {}: the outcome is unknown, it may have taken effect",
                    args.path
                ),
            );
            match keyed {
                Some(key) => error
                    .hint(format!(
                        "send exactly the same request again with the same idempotencyKey \
                         header ({key}), never a new key, and Dojo makes it once; or read the \
                         resource first (`dojo api GET …`)"
                    ))
                    .with_idempotency_key(key),
                None => error.hint(
                    "do not send it again yet: read the resource (`dojo api GET …`) and act \
                     on what it shows",
                ),
            }
        }
        exit::UNAVAILABLE => {
            error.hint("sending it again changes nothing more: run it again later")
        }
        _ => error,
    })
}
