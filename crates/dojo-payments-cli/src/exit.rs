//! Exit codes, and the error every command returns: a message and what to
//! do next. The codes are stable (README, "Command line"):
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | done |
//! | 1 | failed (anything not below) |
//! | 2 | usage: the command line was not understood, or asks for what cannot be sent; nothing was sent |
//! | 3 | configuration: no key, an unreadable config file (when needed), a bad key or api URL |
//! | 4 | refused: Dojo (or the emulator) answered that it will not do it (a 4xx but 429); nothing moved |
//! | 5 | unavailable: no connection, or no answer, a 5xx or a 429 to a call that changes nothing if sent again; safe to run again |
//! | 6 | outcome unknown: a call that moves money or is not idempotent may have taken effect; settle it before running it again |
//! | 7 | not verified: a webhook's signature did not match |

use std::fmt;

/// Done.
pub const OK: u8 = 0;
/// Failed, for a reason no other code names.
pub const FAILURE: u8 = 1;
/// The command line was not understood.
pub const USAGE: u8 = 2;
/// No key, an unreadable config file, a bad key or URL.
pub const CONFIG: u8 = 3;
/// Refused by Dojo: nothing was done.
pub const REFUSED: u8 = 4;
/// Unreachable or a server error, nothing moved: safe to run again.
pub const UNAVAILABLE: u8 = 5;
/// A money-moving call may have taken effect: settle it first.
pub const UNKNOWN_OUTCOME: u8 = 6;
/// A webhook signature did not match.
pub const UNVERIFIED: u8 = 7;

/// A command's failure: its exit code, what went wrong and what to do
/// next. Never carries a secret.
#[derive(Debug)]
pub struct CliError {
    /// The process's exit code.
    pub code: u8,
    /// What went wrong.
    pub message: String,
    /// What to do next, if anything.
    pub hint: Option<String>,
    /// The idempotency key the call was sent with (a refund's), printed
    /// so that it can be sent again with it.
    pub idempotency_key: Option<String>,
}

impl CliError {
    /// A failure with `code`.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
            idempotency_key: None,
        }
    }

    /// A general failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(FAILURE, message)
    }

    /// A configuration problem (exit code 3).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(CONFIG, message)
    }

    /// An argument the command cannot use (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    /// The same error, naming the idempotency key its call carried.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The same error, with what to do next.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

/// The code for an HTTP status answered by Dojo to a call that moves no
/// money: 4xx refused, 5xx (and 429, "too many requests": run it again
/// later) unavailable.
pub fn for_status(status: u16) -> u8 {
    for_answer(status, false)
}

/// The code for an HTTP status answered to a call; `may_act` when the
/// call moves money or is not idempotent. Dojo does not document that a
/// 5xx or a 429 means nothing was done (the SDK never sends such a call
/// again for that reason), so for a call that may act they are an unknown
/// outcome, never "nothing moved, safe to run again".
pub fn for_answer(status: u16, may_act: bool) -> u8 {
    match status {
        200..=299 => OK,
        429 | 500..=599 if may_act => UNKNOWN_OUTCOME,
        429 | 500..=599 => UNAVAILABLE,
        400..=499 => REFUSED,
        _ => FAILURE,
    }
}
