//! The SDK's errors as the tool reports them: the exit code from what is
//! known of the money (`Error::delivery`), and what to do next.

use dojo_payments::{Delivery, Error};

use crate::exit::{self, CliError};

/// `error` from a call; `resend` is the command that sends it again (a
/// refund's, with its key), shown when its outcome is unknown.
pub fn sdk(error: &Error, resend: Option<String>) -> CliError {
    let text = error.to_string();
    match error.delivery() {
        Delivery::MaybeApplied => {
            let mut message = format!("the outcome is unknown, money may have moved: {text}");
            if let Some(key) = error.idempotency_key() {
                message.push_str(&format!(" (idempotency key {key})"));
            }
            let hint = match (error.idempotency_key(), resend) {
                (Some(key), Some(command)) => format!(
                    "send it again with the same key, and Dojo makes it once: {command} --idempotency-key {key}"
                ),
                _ => "read the payment intent (`dojo payment-intents get ID`) before sending it again"
                    .to_owned(),
            };
            CliError::new(exit::UNKNOWN_OUTCOME, message).hint(hint)
        }
        Delivery::Applied => {
            CliError::failure(format!("it was done, but answered otherwise: {text}"))
                .hint("do not send it again; read the resource to see its state")
        }
        Delivery::NotApplied => CliError::new(exit::UNAVAILABLE, format!("not done: {text}"))
            .hint("reads show it did not happen: run it again"),
        Delivery::Refused => {
            let refused = CliError::new(exit::REFUSED, format!("refused: {text}"));
            match error_status(error.status()) {
                Some(hint) => refused.hint(hint),
                None => refused,
            }
        }
        _ => match error.status() {
            Some(status) if status >= 500 || status == 429 => {
                CliError::new(exit::UNAVAILABLE, text)
                    .hint("nothing was done; run it again in a moment")
            }
            Some(status) if status == 401 || status == 403 => CliError::new(exit::REFUSED, text)
                .hint("the key was refused: check it with `dojo whoami`"),
            Some(_) => CliError::new(exit::REFUSED, text),
            None if matches!(error, Error::InvalidRequest { .. }) => {
                CliError::new(exit::REFUSED, text)
                    .hint("nothing was sent: fix the argument the message names")
            }
            None => CliError::new(exit::UNAVAILABLE, text)
                .hint("nothing was sent: check the URL (DOJO_API_URL) and your connection"),
        },
    }
}

fn error_status(status: Option<u16>) -> Option<&'static str> {
    match status? {
        401 | 403 => Some("the key was refused: check it with `dojo whoami`"),
        404 => Some("check the id, and the location (`--location`) it belongs to"),
        _ => None,
    }
}
