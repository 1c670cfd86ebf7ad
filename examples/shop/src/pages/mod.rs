//! The shop's pages, one module per flow; every one uses the ergonomic
//! client (`dojo_payments::Dojo`) only. HTML comes from the templates in
//! `templates/` (askama: checked when the shop is compiled).

pub mod account;
pub mod admin;
pub mod booking;
pub mod cards;
pub mod phone;
pub mod shop;
pub mod till;
pub mod till_live;
pub mod till_refund;
pub mod till_session;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

use dojo_payments::Dojo;
use dojo_payments::journal::{Journal, JournalError};
use dojo_payments::types::InvalidValue;
use dojo_payments::webhook::Verifier;
use dojo_payments_sqlx::SqlJournal;

use crate::auth::{Account, Visitor};
use crate::defences::BotCheck;
use crate::store::{Db, Flash};

/// What every page handler is given.
#[derive(Clone)]
pub struct AppState {
    /// The Dojo client.
    pub dojo: Dojo,
    /// The shop's database.
    pub db: Db,
    /// The journal of captures and refunds, in the same database.
    pub journal: Arc<Journal<SqlJournal>>,
    /// The webhook subscription's secrets.
    pub verifier: Verifier,
    /// Where customers reach the shop: every URL Dojo sends them back to
    /// is built from it (never from the address the shop listens on).
    pub public_url: crate::PublicUrl,
    /// Whether the session cookie is `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Which proxies' `X-Forwarded-For` names the client.
    pub trust_proxy: crate::defences::TrustProxy,
    /// Where a CAPTCHA decides ([`crate::defences::BotCheck`]).
    pub bot_check: Arc<dyn BotCheck>,
    /// The till's handle on the card terminals; `None` against Dojo
    /// without `SHOP_SOFTWARE_HOUSE_ID` (the till page says so).
    pub counter: Option<dojo_payments::counter::Counter>,
    /// The till's sessions followed live now: one poller of Dojo each,
    /// however many pages follow it.
    pub live: till_live::Followers,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Verifier {
        state.verifier.clone()
    }
}

/// Every route of the shop: the pages behind sessions and CSRF checks,
/// the webhook (verified by its signature) beside them, the security
/// headers on everything.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(shop::home))
        .route("/signup", get(account::signup_form).post(account::signup))
        .route("/signin", get(account::signin_form).post(account::signin))
        .route("/signout", post(account::signout))
        .route("/signin/code", get(account::code_form).post(account::code))
        .route(
            "/account/second-factor",
            get(account::enrol_form).post(account::enrol),
        )
        .route("/buy/{product}", get(shop::product).post(shop::buy))
        .route("/orders/{id}", get(shop::order))
        .route("/cards", get(cards::list))
        .route("/cards/delete", post(cards::delete))
        .route("/book", get(booking::form).post(booking::book))
        .route("/bookings/{id}", get(booking::show))
        .route("/staff/phone", get(phone::form).post(phone::charge))
        .route("/staff/orders/{id}", get(phone::order))
        .route("/staff/till", get(till::index))
        .route("/staff/till/sale", post(till::sale))
        .route("/staff/till/refund", post(till_refund::unlinked))
        .route("/staff/till/sessions/{id}", get(till_session::show))
        .route("/staff/till/sessions/{id}/events", get(till_live::events))
        .route(
            "/staff/till/sessions/{id}/cancel",
            post(till_session::cancel),
        )
        .route(
            "/staff/till/sessions/{id}/signature",
            post(till_session::signature),
        )
        .route(
            "/staff/till/sessions/{id}/refund",
            post(till_refund::matched),
        )
        .route("/admin", get(admin::index))
        .route("/admin/orders/{id}", get(admin::order))
        .route("/admin/orders/{id}/capture", post(admin::capture))
        .route("/admin/orders/{id}/refund", post(admin::refund))
        .route("/admin/bookings/{id}", get(admin::booking))
        .route("/admin/bookings/{id}/charge", post(admin::charge_fee))
        .route("/admin/bookings/{id}/close", post(admin::close_booking))
        .layer(middleware::from_fn(crate::auth::csrf::layer))
        .layer(middleware::from_fn(error_pages))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::session::layer,
        ));
    let https = state.public_url.is_https();
    let router = pages
        .route("/shop.css", get(stylesheet))
        .route("/till.js", get(till_live::script))
        .route("/webhooks/dojo", post(crate::webhook::receive))
        .with_state(state);
    crate::headers::secured(router, https)
}

/// The one stylesheet: a file, since the policy allows no inline style.
async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../templates/shop.css"),
    )
        .into_response()
}

/// What every page's frame shows: who is signed in, and the session's CSRF
/// token for its forms (the sign-out form included).
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The account signed in.
    pub account: Option<Account>,
    /// The session's CSRF token (empty on a page with no form, for a
    /// visitor who has no session yet).
    pub csrf: String,
}

impl Chrome {
    /// The frame of a page with a form: a session is made if need be.
    pub async fn with_forms(visitor: &Visitor) -> Result<Self, PageError> {
        Ok(Self {
            account: visitor.account().await,
            csrf: visitor.csrf().await?,
        })
    }

    /// The frame of a page without forms (the sign-out form needs the
    /// session a signed-in visitor has).
    pub async fn plain(visitor: &Visitor) -> Self {
        Self {
            account: visitor.account().await,
            csrf: visitor.existing_csrf().await.unwrap_or_default(),
        }
    }

    /// Whether the account signed in is an admin's (the nav shows Admin).
    pub fn admin(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.role.may(crate::auth::Role::Admin))
    }

    /// Whether it is staff's (the nav shows Phone order).
    pub fn staff(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.role.may(crate::auth::Role::Staff))
    }
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Dojo refused, or could not be reached; its message says which and
    /// whether money may have moved.
    #[error("Dojo: {0}")]
    Dojo(#[from] dojo_payments::Error),
    /// The database failed.
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    /// The journal refused or failed.
    #[error("the journal: {0}")]
    Journal(#[from] JournalError),
    /// A form field broke a rule.
    #[error("{}: {}", .0.field(), .0.rule())]
    Invalid(#[from] InvalidValue),
    /// Nothing has this id (or nothing the visitor may see).
    #[error("no {0} with this id")]
    NotFound(&'static str),
    /// The visitor may not do this (a role, a form's token, a bot check).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Too many attempts (card testing, password guessing).
    #[error("{0}")]
    TooMany(crate::defences::Refused),
    /// A password could not be hashed.
    #[error(transparent)]
    Password(#[from] crate::auth::passwords::HashError),
    /// Dojo's answer was not what the flow expects.
    #[error("{0}")]
    Unexpected(String),
    /// A template failed to render.
    #[error("rendering the page: {0}")]
    Render(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            // A name the journal holds for another call: the request
            // conflicts with one made before (the till claims its forms'
            // names first, so this is a second line), nothing was sent.
            Self::Journal(JournalError::NameReused { .. }) => StatusCode::CONFLICT,
            // An amount no refund or capture can have, refused by the
            // journal before anything was written or sent.
            Self::Journal(JournalError::Refused(_)) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // What went wrong inside (the database, a template) is logged, not
        // shown; what Dojo said is shown, since it says whether money moved.
        let message = match &self {
            Self::Database(_) | Self::Render(_) | Self::Password(_) => {
                eprintln!("page error: {self}");
                "the shop could not do this just now: try again".to_owned()
            }
            _ => self.to_string(),
        };
        let chrome = Chrome {
            account: None,
            csrf: String::new(),
        };
        let body = ErrorPage {
            chrome,
            message: &message,
        }
        .render()
        .unwrap_or_else(|_| message.clone());
        // Drawn in the frame of a visitor not signed in; [`error_pages`],
        // which knows the visitor, draws it again with theirs.
        let mut response = (status, Html(body)).into_response();
        response.extensions_mut().insert(ErrorMessage(message));
        if let Self::TooMany(refused) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(refused.retry_after));
        }
        response
    }
}

/// What an error page says, carried on its response to [`error_pages`].
#[derive(Debug, Clone)]
struct ErrorMessage(String);

/// Middleware (inside the session layer): an error page is drawn with the
/// visitor's own frame, so a signed-in visitor keeps their menu (their
/// account, *My cards*, *Sign out*) on a 403, a 404 or a 429 too.
async fn error_pages(request: Request, next: Next) -> Response {
    let visitor = request.extensions().get::<Visitor>().cloned();
    let mut response = next.run(request).await;
    let Some(ErrorMessage(message)) = response.extensions_mut().remove::<ErrorMessage>() else {
        return response;
    };
    let Some(visitor) = visitor else {
        return response;
    };
    let page = ErrorPage {
        chrome: Chrome::plain(&visitor).await,
        message: &message,
    };
    if let Ok(body) = page.render() {
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::from(body);
    }
    response
}

/// The result of a page handler.
pub type Page = Result<Response, PageError>;

/// `template`, rendered.
pub fn render(template: &impl Template) -> Page {
    Ok(Html(template.render()?).into_response())
}

/// A 303 to `path`, a page of this shop (after a form: the browser follows
/// with a GET). Every redirect of the shop goes through here, so that none
/// can send a visitor to another site: a target that is not a path of the
/// shop ([`local_path`]) is the home page instead.
pub fn see_other(path: &str) -> Page {
    redirect(local_path(path).unwrap_or("/"))
}

/// A 303 to Dojo's checkout page `link` (the one redirect off the shop):
/// an absolute https URL (http only on loopback: the emulator).
pub fn to_checkout(link: &str) -> Page {
    let link = dojo_payments::types::HttpsUrl::new(link)
        .map_err(|_| PageError::Unexpected("Dojo's checkout link is not https".into()))?;
    redirect(link.as_str())
}

fn redirect(location: &str) -> Page {
    let location = HeaderValue::try_from(location)
        .map_err(|_| PageError::Unexpected("not a URL to redirect to".into()))?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// `target`, if it is a path of this shop and nothing a browser could take
/// for another site: it starts with one `/` (not `//`, not `/\`, which
/// browsers read as `//`), and has printable ASCII only (no tab, CR, LF or
/// other control character, which browsers strip: `/\t/evil.example` is
/// `//evil.example`; no space, no backslash, nothing non-ASCII); decoded,
/// as often as decoding changes it (`%2F`, `%5C`, `%09`, `%252F`…), it holds
/// the same rules; and resolved against the shop's origin it stays there.
/// For `next` at sign-in, and every other redirect ([`see_other`]).
pub fn local_path(target: &str) -> Option<&str> {
    fn safe(path: &[u8]) -> bool {
        path.first() == Some(&b'/')
            && !matches!(path.get(1), Some(b'/' | b'\\'))
            && !path.iter().any(|&b| b == b'\\' || b.is_ascii_control())
    }
    let printable = target.bytes().all(|b| b.is_ascii_graphic());
    if target.len() > 2000 || !printable || !safe(target.as_bytes()) {
        return None;
    }
    let mut text = target.as_bytes().to_vec();
    loop {
        let decoded = percent_decoded(&text);
        if decoded == text {
            break;
        }
        if !safe(&decoded) {
            return None;
        }
        text = decoded;
    }
    let origin = url::Url::parse("http://shop.invalid/").ok()?;
    let resolved = origin.join(target).ok()?;
    (resolved.origin() == origin.origin()).then_some(target)
}

/// `text` with each `%XX` decoded (a `%` not followed by two hex digits is
/// kept).
fn percent_decoded(text: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let pair = text
            .get(i + 1)
            .copied()
            .and_then(hex)
            .zip(text.get(i + 2).copied().and_then(hex));
        match (text[i], pair) {
            (b'%', Some((high, low))) => {
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// The key this visitor's session keeps its flashes under: the SHA-256 of
/// its CSRF token, a secret of that session alone.
async fn flash_key(visitor: &Visitor) -> Result<String, PageError> {
    use sha2::{Digest, Sha256};
    let csrf = visitor.csrf().await?;
    Ok(Sha256::digest(csrf.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A 303 to `path`, whose page says `flash`: the message is kept in the
/// database for this session, and the redirect carries its id (`?said=`),
/// never its text, so no link can make a page say what its author wrote.
pub async fn see_other_saying(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    flash: Flash,
) -> Page {
    let id = state
        .db
        .keep_flash(&flash_key(visitor).await?, &flash)
        .await?;
    see_other(&with_query(path, &[("said", &id)]))
}

/// The message `said` names, if it was kept for this visitor's session (a
/// link's `said` from anyone else shows nothing); shown once.
pub async fn flash(
    state: &AppState,
    visitor: &Visitor,
    said: Option<&str>,
) -> Result<Option<Flash>, PageError> {
    let Some(id) = said.filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    Ok(state.db.take_flash(id, &flash_key(visitor).await?).await?)
}

/// `path` with the query `pairs`, encoded.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    match serde_urlencoded::to_string(pairs) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    /// The journal refusing a name another call holds is a 409, not a 500:
    /// nothing was sent, and the page says why.
    #[test]
    fn a_reused_journal_name_is_a_conflict() {
        use axum::response::IntoResponse;
        let reused = dojo_payments::journal::JournalError::NameReused {
            name: "till/unlinked-refund/t".to_owned(),
            existing: "terminal unlinked refund",
            payment_intent: dojo_payments::types::PaymentIntentId::from_wire(""),
        };
        let answer = super::PageError::from(reused).into_response();
        assert_eq!(answer.status(), axum::http::StatusCode::CONFLICT);
    }

    #[test]
    fn only_paths_of_the_shop_are_redirect_targets() {
        for good in [
            "/",
            "/cards",
            "/orders/ord_1?canceled=true",
            "/signin?next=%2Fcards",
            "/a//b",
        ] {
            assert_eq!(local_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "cards",
            "//evil.example/x",
            "/\\evil.example/x",
            "\\/\\/evil.example/x",
            "/\t/evil.example/x",
            "/%09/evil.example/x",
            "/\r\n/evil.example/x",
            "/%0d%0aSet-Cookie:a=b",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%5c%5cevil.example",
            "/%252F%252Fevil.example",
            "/%25252F/evil.example",
            " //evil.example",
            "/ /evil.example",
            "https://evil.example",
            "https:evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "/\u{3000}/evil.example",
            "/\u{7f}/evil.example",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
