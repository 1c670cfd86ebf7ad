//! Sessions: a random token in an `HttpOnly`, `SameSite=Lax` cookie
//! (`Secure` when the shop's public URL is https), stored only as its
//! SHA-256; made when a page first needs one (a form's CSRF token), a new
//! one at every sign-in (no fixation), deleted at sign-out.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::{Account, random_hex};
use crate::pages::{AppState, PageError};
use crate::store::{Db, SessionRow};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "shop_session";
/// Its name over https: a `__Host-` cookie, which browsers accept only
/// `Secure`, from an https page, with `Path=/` and no `Domain`, so that
/// no other host of the domain (nor a page over plain http) can set or
/// shadow it.
pub const HTTPS_COOKIE_NAME: &str = "__Host-shop_session";

/// The cookie's name for a shop whose public URL is https or not.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HTTPS_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}
/// How long a session lasts.
pub const LIFETIME: chrono::Duration = chrono::Duration::hours(12);

/// Who is asking: their session (if they have one yet) and account (if
/// signed in). Cheap to clone; pages take it as an extractor.
#[derive(Clone)]
pub struct Visitor(Arc<Inner>);

struct Inner {
    db: Db,
    secure: bool,
    current: Mutex<Current>,
}

#[derive(Default)]
struct Current {
    session: Option<SessionRow>,
    account: Option<Account>,
    /// What the response must tell the browser.
    cookie: Option<Change>,
}

enum Change {
    Set(String),
    Clear,
}

impl std::fmt::Debug for Visitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session's tokens are left out.
        f.debug_struct("Visitor").finish_non_exhaustive()
    }
}

impl Visitor {
    /// The visitor whose cookie carries `token`.
    async fn load(db: Db, secure: bool, token: Option<&str>) -> Result<Self, sqlx::Error> {
        let mut current = Current::default();
        if let Some(token) = token {
            current.session = db.session(&hash_of(token)).await?;
            if let Some(id) = current.session.as_ref().and_then(|s| s.account_id.clone()) {
                current.account = db.account(&id).await?;
            }
        }
        Ok(Self(Arc::new(Inner {
            db,
            secure,
            current: Mutex::new(current),
        })))
    }

    /// The account signed in, if any.
    pub async fn account(&self) -> Option<Account> {
        self.0.current.lock().await.account.clone()
    }

    /// The CSRF token of this visitor's session (a session is made if
    /// there is none yet).
    pub async fn csrf(&self) -> Result<String, sqlx::Error> {
        Ok(self.session().await?.csrf)
    }

    /// The CSRF token, if the visitor has a session: what a form sent
    /// back is checked against (a form is never checked against a token
    /// made for the check).
    pub async fn existing_csrf(&self) -> Option<String> {
        let current = self.0.current.lock().await;
        current.session.as_ref().map(|s| s.csrf.clone())
    }

    /// Whose the orders and bookings this visitor makes are: their
    /// account's, or (a guest) this session's.
    pub async fn owner(&self) -> Result<String, sqlx::Error> {
        if let Some(account) = self.account().await {
            return Ok(account.owner());
        }
        Ok(format!("guest:{}", self.session().await?.token_hash))
    }

    /// A token for a form of `purpose` shown now, recorded for this
    /// session.
    pub async fn issue_form_token(&self, purpose: &str) -> Result<String, sqlx::Error> {
        let session = self.session().await?;
        let token = random_hex(16);
        self.0
            .db
            .issue_form_token(&token, &session.token_hash, purpose)
            .await?;
        Ok(token)
    }

    /// Whether `token` was put into a form of `purpose` shown to this
    /// session.
    pub async fn form_token_issued(&self, token: &str, purpose: &str) -> Result<bool, sqlx::Error> {
        let hash = {
            let current = self.0.current.lock().await;
            let Some(session) = &current.session else {
                return Ok(false);
            };
            session.token_hash.clone()
        };
        self.0.db.form_token_issued(token, &hash, purpose).await
    }

    /// Signs `account` in, in a new session (the old one, which a visitor
    /// may have been handed by someone else, ends).
    pub async fn sign_in(&self, account: Account) -> Result<(), sqlx::Error> {
        let mut current = self.0.current.lock().await;
        if let Some(old) = current.session.take() {
            self.0.db.delete_session(&old.token_hash).await?;
        }
        let (token, session) = new_session(Some(account.id.clone()));
        self.0
            .db
            .insert_session(&session, Utc::now() + LIFETIME)
            .await?;
        current.session = Some(session);
        current.account = Some(account);
        current.cookie = Some(Change::Set(token));
        Ok(())
    }

    /// Signs out: the session ends, and the cookie is cleared.
    pub async fn sign_out(&self) -> Result<(), sqlx::Error> {
        let mut current = self.0.current.lock().await;
        if let Some(old) = current.session.take() {
            self.0.db.delete_session(&old.token_hash).await?;
        }
        current.account = None;
        current.cookie = Some(Change::Clear);
        Ok(())
    }

    /// This visitor's session, made now if there is none.
    async fn session(&self) -> Result<SessionRow, sqlx::Error> {
        let mut current = self.0.current.lock().await;
        if let Some(session) = &current.session {
            return Ok(session.clone());
        }
        let (token, session) = new_session(None);
        self.0
            .db
            .insert_session(&session, Utc::now() + LIFETIME)
            .await?;
        current.session = Some(session.clone());
        current.cookie = Some(Change::Set(token));
        Ok(session)
    }

    /// The `Set-Cookie` the response carries, if the session changed.
    async fn set_cookie(&self) -> Option<HeaderValue> {
        let current = self.0.current.lock().await;
        let cookie = match current.cookie.as_ref()? {
            Change::Set(token) => Cookie::build((cookie_name(self.0.secure), token.clone()))
                .max_age(cookie::time::Duration::seconds(LIFETIME.num_seconds())),
            Change::Clear => Cookie::build((cookie_name(self.0.secure), ""))
                .max_age(cookie::time::Duration::ZERO),
        };
        let cookie = cookie
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.0.secure)
            .build();
        HeaderValue::from_str(&cookie.to_string()).ok()
    }
}

/// A new session's cookie token and its row.
fn new_session(account_id: Option<String>) -> (String, SessionRow) {
    let token = random_hex(32);
    let row = SessionRow {
        token_hash: hash_of(&token),
        account_id,
        csrf: random_hex(32),
    };
    (token, row)
}

/// The SHA-256 of a session token, hex: what the database keeps.
fn hash_of(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The session token a request's cookies carry (in the cookie `name`).
fn token_in(parts: &axum::http::HeaderMap, name: &str) -> Option<String> {
    parts
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Middleware: the request's [`Visitor`] for the page, and the session's
/// cookie on the response when it changed.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let token = token_in(request.headers(), cookie_name(state.secure_cookies));
    let visitor =
        match Visitor::load(state.db.clone(), state.secure_cookies, token.as_deref()).await {
            Ok(visitor) => visitor,
            Err(error) => return PageError::Database(error).into_response(),
        };
    request.extensions_mut().insert(visitor.clone());
    let mut response = next.run(request).await;
    if let Some(cookie) = visitor.set_cookie().await {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(|| (StatusCode::INTERNAL_SERVER_ERROR, "no session layer").into_response())
    }
}
