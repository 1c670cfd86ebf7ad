//! Where things are printed: data on stdout (JSON with `--json`, lines
//! otherwise), narration and progress on stderr. Colour only on a terminal
//! and never with `NO_COLOR`.

use std::io::{IsTerminal, Write};

use serde_json::Value;

/// Whether this run prints `--json`: set by [`Output::new`], for
/// [`warn`], called where no `Output` is at hand (resolving the key).
static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How this run prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: data as JSON on stdout, one document per command.
    pub json: bool,
    /// Colour on stderr (a terminal, no `NO_COLOR`).
    pub color: bool,
    /// stderr is a terminal: progress may be shown.
    pub interactive: bool,
}

impl Output {
    /// From the flags and the environment.
    pub fn new(json: bool) -> Self {
        let stderr = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        JSON.store(json, std::sync::atomic::Ordering::Relaxed);
        Self {
            json,
            color: stderr && !no_color,
            interactive: stderr,
        }
    }

    /// Prints data: `value` as JSON with `--json`, else `human`.
    /// A closed stdout (`| head`) is not an error.
    pub fn data(&self, value: &Value, human: impl FnOnce() -> String) {
        let text = if self.json {
            serde_json::to_string_pretty(&scrub(value.clone())).unwrap_or_default()
        } else {
            human()
        };
        let text = text.trim_end_matches('\n');
        if text.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Prints data as [`Self::data`] does, but keeps the secret at each
    /// of `keep` (JSON pointers): one the user asked to be made and needs,
    /// printed this once (`webhooks create`'s signing secret).
    pub fn data_keeping(&self, value: &Value, keep: &[&str], human: impl FnOnce() -> String) {
        if !self.json {
            return self.data(value, human);
        }
        let mut shown = scrub(value.clone());
        for pointer in keep {
            if let (Some(secret), Some(slot)) = (value.pointer(pointer), shown.pointer_mut(pointer))
            {
                *slot = secret.clone();
            }
        }
        let text = serde_json::to_string_pretty(&shown).unwrap_or_default();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// One line of data, streamed (`listen`): JSON lines with `--json`.
    pub fn line(&self, value: &Value, human: impl FnOnce() -> String) {
        let text = if self.json {
            serde_json::to_string(&scrub(value.clone())).unwrap_or_default()
        } else {
            human()
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Narration on stderr.
    pub fn say(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    /// A line of progress on stderr, shown only on a terminal.
    pub fn progress(&self, text: &str) {
        if self.interactive {
            let (start, end) = if self.color {
                ("\x1b[2m", "\x1b[0m")
            } else {
                ("", "")
            };
            let _ = writeln!(std::io::stderr(), "{start}… {text}{end}");
        }
    }

    /// An error on stderr, red on a terminal.
    pub fn error(&self, text: &str) {
        if self.color {
            let _ = writeln!(std::io::stderr(), "\x1b[31m{text}\x1b[0m");
        } else {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }
}

/// A warning on stderr (narration, never data): one JSON line
/// `{"warning", "hint"}` with `--json`, like an error's.
pub fn warn(message: &str, hint: Option<&str>) {
    let text = if JSON.load(std::sync::atomic::Ordering::Relaxed) {
        serde_json::json!({ "warning": message, "hint": hint }).to_string()
    } else {
        match hint {
            Some(hint) => format!("warning: {message}\n  hint: {hint}"),
            None => format!("warning: {message}"),
        }
    };
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// An example amount in `currency`'s own decimals, for hints: 12.50 GBP,
/// 1250 JPY, 12.500 KWD (an amount with more decimals than the currency
/// has is refused, so the example must not have them).
pub fn example_amount(currency: dojo_payments_types::Currency) -> String {
    match currency.minor_units() {
        Some(0) => "1250".to_owned(),
        Some(1) => "12.5".to_owned(),
        Some(digits) => format!("12.5{}", "0".repeat(usize::from(digits) - 1)),
        None => "12.50".to_owned(),
    }
}

/// A JSON value's field as text for human output (`-` when absent).
pub fn field(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// An amount object (`{"value", "currencyCode"}`) as `12.50 GBP`.
pub fn amount(value: &Value, pointer: &str) -> String {
    let Some(minor) = value
        .pointer(&format!("{pointer}/value"))
        .and_then(Value::as_i64)
    else {
        return "-".to_owned();
    };
    let code = field(value, &format!("{pointer}/currencyCode"));
    match dojo_payments_types::Currency::from_code(&code) {
        Ok(currency) => dojo_payments_types::Money::new(minor, currency).to_string(),
        Err(_) => format!("{minor} (minor units) {code}"),
    }
}

/// Field names whose values are secrets: never printed.
const SECRET_FIELDS: [&str; 4] = ["clientSessionSecret", "customerSecret", "secret", "apiKey"];

/// `value` with every secret replaced by `"…"`: the fields of
/// `SECRET_FIELDS`, and each webhook secret's `value` (in `secrets`);
/// and every object's fields in alphabetical order, so that `--json` is
/// the same text whichever order serde_json keeps (its `preserve_order`
/// feature, which another crate of a build may turn on, keeps insertion
/// order).
pub fn scrub(mut value: Value) -> Value {
    scrub_in(&mut value, false);
    value
}

fn scrub_in(value: &mut Value, in_secrets: bool) {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            *map = fields.into_iter().collect();
            for (name, field) in map.iter_mut() {
                if SECRET_FIELDS.contains(&name.as_str()) || (in_secrets && name == "value") {
                    if !field.is_null() {
                        *field = Value::String("…".to_owned());
                    }
                } else {
                    scrub_in(field, name == "secrets");
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_in(item, in_secrets)),
        _ => {}
    }
}
