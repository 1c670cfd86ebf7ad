//! Defences against card testing and password guessing, as Dojo's
//! best-practice guide asks of merchants ("Preventing Card Slamming and
//! Automated Abuse"): limits per IP and per account, counted in the
//! shop's database (so every instance counts alike), and a hook where a
//! bot check (a CAPTCHA) goes.
//!
//! | what is counted | by | at most | in |
//! | --- | --- | --- | --- |
//! | failed phone-order authorizations | IP, staff account | 5 | 15 minutes |
//! | checkout creations (a payment or setup intent made for a visitor) | IP, account | 10 | 10 minutes |
//! | failed sign-ins | IP, email | 5 | 15 minutes |
//!
//! The next attempt past a limit is answered 429 with a message saying
//! when to try again; nothing is sent to Dojo.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};

use crate::pages::{AppState, PageError};
use crate::store::Db;

/// A limit on attempts of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is counted (stored).
    pub kind: &'static str,
    /// How many in the window are allowed; the next one is refused.
    pub most: i64,
    /// The window, in minutes.
    pub minutes: i64,
    /// What was refused, in words.
    pub what: &'static str,
}

/// Failed phone-order authorizations.
pub const PHONE_FAILURES: Limit = Limit {
    kind: "phone_failure",
    most: 5,
    minutes: 15,
    what: "Too many declined cards",
};

/// Checkout creations.
pub const CHECKOUTS: Limit = Limit {
    kind: "checkout",
    most: 10,
    minutes: 10,
    what: "Too many checkouts started",
};

/// Failed sign-ins.
pub const SIGN_IN_FAILURES: Limit = Limit {
    kind: "signin_failure",
    most: 5,
    minutes: 15,
    what: "Too many failed sign-ins",
};

impl Limit {
    /// Refuses (429) when any of `subjects` is at the limit already.
    pub async fn check(&self, db: &Db, subjects: &[String]) -> Result<(), PageError> {
        let since = Utc::now() - Duration::minutes(self.minutes);
        if db.attempts_since(subjects, self.kind, since).await? >= self.most {
            return Err(PageError::TooMany(format!(
                "{} from here: try again in {} minutes.",
                self.what, self.minutes
            )));
        }
        Ok(())
    }

    /// Counts one attempt for each of `subjects`.
    pub async fn count(&self, db: &Db, subjects: &[String]) -> Result<(), sqlx::Error> {
        db.record_attempt(subjects, self.kind).await
    }
}

/// Where a request came from: the connection's peer, or, behind a proxy
/// the shop was told to trust (`SHOP_TRUST_PROXY`), the last address the
/// proxy added to `X-Forwarded-For` (the first ones are the client's word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The subject counted for it.
    pub fn subject(self) -> String {
        format!("ip:{}", self.0)
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if state.trust_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(Self(ip));
            }
        }
        match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => Ok(Self(peer.ip())),
            None => Err(PageError::Unexpected("no peer address".into()).into_response()),
        }
    }
}

/// A bot check: where a CAPTCHA (or any other test that a person is
/// there) decides whether a sign-up, a checkout, a booking or a phone
/// order goes ahead. `answer` is what the check's widget put in the form
/// (`bot_answer`); a real one sends it to its provider with `ip`.
///
/// The shop's default, [`NoBotCheck`], lets everything through: set your
/// own in [`crate::Options::bot_check`] before you deploy.
pub trait BotCheck: Send + Sync + 'static {
    /// Whether the request goes ahead.
    fn passes<'a>(
        &'a self,
        answer: Option<&'a str>,
        ip: IpAddr,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

/// No bot check: every request goes ahead (the default, and the tests').
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBotCheck;

impl BotCheck for NoBotCheck {
    fn passes<'a>(
        &'a self,
        _: Option<&'a str>,
        _: IpAddr,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(std::future::ready(true))
    }
}

/// Refuses (403) unless `state`'s bot check passes.
pub async fn bot_check(
    state: &AppState,
    answer: Option<&str>,
    ip: ClientIp,
) -> Result<(), PageError> {
    if state.bot_check.passes(answer, ip.0).await {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "the check that you are a person failed: try again",
        ))
    }
}
