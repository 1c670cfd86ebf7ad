//! The SDK's errors as the tool reports them: the exit code from what is
//! known of the money ([`Error::delivery`]), and what to do next from the
//! SDK's own advice ([`Error::retry_advice`]), never guessed from a status.

use std::time::Duration;

use dojo_payments::{Delivery, Error, ErrorKind, RetryAdvice};

use crate::exit::{self, CliError};

/// `error` from a call; `resend` is the command that sends it again (a
/// refund's, without its key), shown with the key when its outcome is
/// unknown; `settle` the command that reads what happened (a payment
/// intent's `get`), shown when the outcome of a call without a key is.
pub fn sdk(error: &Error, resend: Option<String>) -> CliError {
    sdk_settled_by(error, resend, None)
}

/// [`sdk`], naming the read that settles an unknown outcome.
pub fn sdk_settled_by(error: &Error, resend: Option<String>, settle: Option<String>) -> CliError {
    let text = error.to_string();
    let advice = error.retry_advice();
    let reported = match error.delivery() {
        Delivery::MaybeApplied => maybe_applied(error, &text, &advice, resend, settle),
        Delivery::Applied => {
            CliError::failure(format!("it was done, but answered otherwise: {text}"))
                .hint("do not send it again; read the resource to see its state")
        }
        Delivery::NotApplied => CliError::new(exit::UNAVAILABLE, format!("not done: {text}"))
            .hint(again("reads show it did not happen", &advice)),
        Delivery::Refused => {
            let refused = CliError::new(exit::REFUSED, format!("refused: {text}"));
            match refusal_hint(error) {
                Some(hint) => refused.hint(hint),
                None => refused,
            }
        }
        Delivery::NotSent if error.kind() == ErrorKind::Invalid => {
            CliError::new(exit::REFUSED, format!("not sent: {text}"))
                .hint("nothing was sent: the SDK refused it before sending, as Dojo would")
        }
        Delivery::NotSent => match error.status() {
            Some(401 | 403) => CliError::new(exit::REFUSED, text)
                .hint("the key was refused: check it with `dojo whoami`"),
            _ => CliError::new(exit::UNAVAILABLE, text).hint(again(
                "nothing was sent: check the URL (DOJO_API_URL) and your connection",
                &advice,
            )),
        },
    };
    match error.idempotency_key() {
        Some(key) => reported.with_idempotency_key(key.to_string()),
        None => reported,
    }
}

/// Money may have moved: exit 6, the key, and how to settle it.
fn maybe_applied(
    error: &Error,
    text: &str,
    advice: &RetryAdvice,
    resend: Option<String>,
    settle: Option<String>,
) -> CliError {
    let mut message = format!("the outcome is unknown, money may have moved: {text}");
    if let Some(key) = error.idempotency_key() {
        message.push_str(&format!(" (idempotency key {key})"));
    }
    let read = settle.unwrap_or_else(|| "dojo payment-intents get ID".to_owned());
    let hint = match (advice, resend) {
        (RetryAdvice::SameKey { key, after }, Some(command)) => format!(
            "{}send it again with the same key, and Dojo makes it once: {command} --idempotency-key {key}",
            after
                .map(|w| format!("in {} s, ", w.as_secs().max(1)))
                .unwrap_or_default()
        ),
        (RetryAdvice::SameKey { key, .. }, None) => {
            format!("send the same request again with idempotency key {key}, never with a new key")
        }
        _ => format!(
            "do not send it again yet: it may still be in flight. Read it in a few minutes \
             (`{read}`) and act on what it shows"
        ),
    };
    CliError::new(exit::UNKNOWN_OUTCOME, message).hint(hint)
}

/// "Run it again", with the SDK's wait when it advises one.
fn again(why: &str, advice: &RetryAdvice) -> String {
    match advice {
        RetryAdvice::After(wait) => format!("{why}: run it again in {}", seconds(*wait)),
        RetryAdvice::Never => why.to_owned(),
        _ => format!("{why}: run it again"),
    }
}

fn seconds(wait: Duration) -> String {
    format!("{} s", wait.as_secs().max(1))
}

fn refusal_hint(error: &Error) -> Option<String> {
    match error.kind() {
        ErrorKind::Unauthorized => Some("the key was refused: check it with `dojo whoami`".into()),
        ErrorKind::NotFound => {
            Some("check the id, and the location (`--location`) it belongs to".into())
        }
        ErrorKind::RateLimited | ErrorKind::Unavailable => {
            Some(again("nothing was done", &error.retry_advice()))
        }
        _ => None,
    }
}
