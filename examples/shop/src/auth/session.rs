//! Sessions: a random token in an `HttpOnly`, `SameSite=Lax` cookie
//! (`Secure` when the shop's public URL is https), stored only as its
//! SHA-256; made only when someone signs in or a submitted form needs one
//! (a guest's checkout), a new one at every sign-in (no fixation), deleted
//! at sign-out. Until then a visitor's forms carry a CSRF token bound to a
//! cookie of their own (a random token in `shop_form`, never stored): a
//! page read by a crawler or a bot writes nothing to the database.
//!
//! A staff or admin session records whether its sign-in passed the
//! second factor ([`Visitor::second_factor`]): their doors need it.

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

/// The cookie a visitor without a session has its forms' CSRF token bound
/// to (a `__Host-` one over https).
fn form_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-shop_form"
    } else {
        "shop_form"
    }
}
/// The device cookie: a browser that signed in fully to an account
/// (OWASP's "device cookies"), whose sign-ins to it skip the email-alone
/// limit ([`crate::defences::SIGN_IN_FAILURES`]); `__Host-` over https.
fn device_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-shop_device"
    } else {
        "shop_device"
    }
}

/// How long a device cookie is good for.
pub const DEVICE_LIFETIME: chrono::Duration = chrono::Duration::days(90);

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
    /// The form cookie's token of a visitor without a session.
    form_token: Option<String>,
    /// Whether the response must set it (it was made now).
    set_form_cookie: bool,
    /// The device cookie's token the request carried.
    device: Option<String>,
    /// A device cookie made for this response.
    new_device: Option<String>,
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
    /// The visitor whose cookies carry `token` (the session's) and
    /// `form_token`.
    async fn load(
        db: Db,
        secure: bool,
        token: Option<&str>,
        form_token: Option<String>,
        device: Option<String>,
    ) -> Result<Self, sqlx::Error> {
        let mut current = Current {
            form_token,
            device,
            ..Current::default()
        };
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

    /// The CSRF token this visitor's forms carry: their session's, or,
    /// with no session yet, one bound to their form cookie (made now if
    /// need be: a cookie, no session).
    pub async fn csrf(&self) -> Result<String, sqlx::Error> {
        let mut current = self.0.current.lock().await;
        if let Some(session) = &current.session {
            return Ok(session.csrf.clone());
        }
        if current.form_token.is_none() {
            current.form_token = Some(random_hex(32));
            current.set_form_cookie = true;
        }
        Ok(current
            .form_token
            .as_deref()
            .map(form_csrf)
            .unwrap_or_default())
    }

    /// The CSRF token a form sent back is checked against: the session's,
    /// or the one bound to the form cookie the request carried (a form is
    /// never checked against a token made for the check).
    pub async fn existing_csrf(&self) -> Option<String> {
        let current = self.0.current.lock().await;
        match &current.session {
            Some(session) => Some(session.csrf.clone()),
            None if !current.set_form_cookie => current.form_token.as_deref().map(form_csrf),
            None => None,
        }
    }

    /// Whether this session's sign-in passed the second factor.
    pub async fn second_factor(&self) -> bool {
        let current = self.0.current.lock().await;
        current.session.as_ref().is_some_and(|s| s.second_factor)
    }

    /// Whether the account signed in has a second factor to pass.
    pub async fn enrolled(&self) -> Result<bool, sqlx::Error> {
        match self.account().await {
            Some(account) => self.0.db.has_second_factor(&account.id).await,
            None => Ok(false),
        }
    }

    /// Records that this session's sign-in passed the second factor (a
    /// full sign-in: the browser gets its device cookie).
    pub async fn pass_second_factor(&self) -> Result<(), sqlx::Error> {
        let account = {
            let mut current = self.0.current.lock().await;
            if let Some(session) = current.session.as_mut() {
                self.0.db.pass_second_factor(&session.token_hash).await?;
                session.second_factor = true;
            }
            current.account.clone()
        };
        if let Some(account) = account {
            self.remember_device(&account.id).await?;
        }
        Ok(())
    }

    /// Whether the request carried a device cookie of account `id` (a
    /// browser that signed in fully to it before).
    pub async fn known_device_of(&self, id: &str) -> Result<bool, sqlx::Error> {
        let device = self.0.current.lock().await.device.clone();
        let Some(token) = device else {
            return Ok(false);
        };
        Ok(self.0.db.device_account(&hash_of(&token)).await?.as_deref() == Some(id))
    }

    /// Gives this browser a device cookie of account `id` (after a full
    /// sign-in: the password, and the second factor of staff and admins).
    /// One a browser has for the account already is kept.
    pub async fn remember_device(&self, id: &str) -> Result<(), sqlx::Error> {
        if self.known_device_of(id).await? {
            return Ok(());
        }
        let token = random_hex(32);
        (self.0.db)
            .insert_device(&hash_of(&token), id, Utc::now() + DEVICE_LIFETIME)
            .await?;
        self.0.current.lock().await.new_device = Some(token);
        Ok(())
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
    /// may have been handed by someone else, ends). What this browser
    /// ordered or booked as a guest with the account's email becomes the
    /// account's: the guest who signs up keeps their orders (both the
    /// guest's session and the email are needed, so nobody claims
    /// another's by typing their email).
    pub async fn sign_in(&self, account: Account) -> Result<(), sqlx::Error> {
        let mut current = self.0.current.lock().await;
        if let Some(old) = current.session.take() {
            let guest = format!("guest:{}", old.token_hash);
            (self.0.db)
                .claim_guest_orders(&guest, &account.email, &account.owner())
                .await?;
            self.0.db.delete_session(&old.token_hash).await?;
        }
        let (token, session) = new_session(Some(account.id.clone()), None);
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
        // The forms the visitor was shown stay good in their new session.
        let csrf = current.form_token.as_deref().map(form_csrf);
        let (token, session) = new_session(None, csrf);
        self.0
            .db
            .insert_session(&session, Utc::now() + LIFETIME)
            .await?;
        current.session = Some(session.clone());
        current.cookie = Some(Change::Set(token));
        Ok(session)
    }

    /// The `Set-Cookie` of a form cookie made for this response.
    async fn set_form_cookie(&self) -> Option<HeaderValue> {
        let current = self.0.current.lock().await;
        if !current.set_form_cookie || current.session.is_some() {
            return None;
        }
        let token = current.form_token.clone()?;
        let cookie = Cookie::build((form_cookie_name(self.0.secure), token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.0.secure)
            .build();
        HeaderValue::from_str(&cookie.to_string()).ok()
    }

    /// The `Set-Cookie` of a device cookie made for this response.
    async fn set_device_cookie(&self) -> Option<HeaderValue> {
        let token = self.0.current.lock().await.new_device.clone()?;
        let cookie = Cookie::build((device_cookie_name(self.0.secure), token))
            .max_age(cookie::time::Duration::seconds(
                DEVICE_LIFETIME.num_seconds(),
            ))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.0.secure)
            .build();
        HeaderValue::from_str(&cookie.to_string()).ok()
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

/// A new session's cookie token and its row (its CSRF token `csrf`, or a
/// new one).
fn new_session(account_id: Option<String>, csrf: Option<String>) -> (String, SessionRow) {
    let token = random_hex(32);
    let row = SessionRow {
        token_hash: hash_of(&token),
        account_id,
        csrf: csrf.unwrap_or_else(|| random_hex(32)),
        second_factor: false,
    };
    (token, row)
}

/// The CSRF token of the forms of a visitor whose form cookie is `token`:
/// derived, so that only the cookie's holder (whose pages show it) has it.
fn form_csrf(token: &str) -> String {
    hash_of(&format!("csrf:{token}"))
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
    let form_token = token_in(request.headers(), form_cookie_name(state.secure_cookies));
    let device = token_in(request.headers(), device_cookie_name(state.secure_cookies));
    let loaded = Visitor::load(
        state.db.clone(),
        state.secure_cookies,
        token.as_deref(),
        form_token,
        device,
    )
    .await;
    let visitor = match loaded {
        Ok(visitor) => visitor,
        Err(error) => return PageError::Database(error).into_response(),
    };
    request.extensions_mut().insert(visitor.clone());
    let mut response = next.run(request).await;
    if let Some(cookie) = visitor.set_cookie().await {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    if let Some(cookie) = visitor.set_form_cookie().await {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    if let Some(cookie) = visitor.set_device_cookie().await {
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
