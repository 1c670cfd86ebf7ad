//! Sign up (customers), sign in, sign out. Staff and admin accounts are
//! made with the shop's command (`dojo-shop create-admin EMAIL`), never
//! through a page and never with a default password.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::shop::checked_email;
use super::{AppState, Chrome, Page, render, see_other};
use crate::auth::{Role, Visitor, passwords};
use crate::defences::{ClientIp, SIGN_IN_FAILURES, bot_check};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    error: Option<String>,
    email: String,
    next: String,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage {
    chrome: Chrome,
    error: Option<String>,
    email: String,
    min_chars: usize,
}

/// Where to go after signing in.
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// `next` if it is a path of this shop (never another site: an open
/// redirect would lend the shop's name to a phishing link).
fn local(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The sign-in and sign-up forms: a password is wiped when the request is
/// done with it.
#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
    next: Option<String>,
    bot_answer: Option<String>,
}

impl Drop for Credentials {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// `GET /signin`.
pub async fn signin_form(visitor: Visitor, Query(next): Query<Next>) -> Page {
    render(&SignInPage {
        chrome: Chrome::with_forms(&visitor).await?,
        error: None,
        email: String::new(),
        next: local(next.next.as_deref()),
    })
}

/// `POST /signin`: a new session for the account, or the form again. Five
/// failures from one address, or for one email, in 15 minutes: 429.
pub async fn signin(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    axum::Form(form): axum::Form<Credentials>,
) -> Page {
    let email = form.email.trim().to_lowercase();
    let subjects = [ip.subject(), format!("email:{email}")];
    SIGN_IN_FAILURES.check(&state.db, &subjects).await?;
    let found = state.db.account_by_email(&email).await?;
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    let verified = passwords::verify(form.password.clone(), hash).await;
    match account.filter(|_| verified) {
        Some(account) => {
            visitor.sign_in(account).await?;
            see_other(&local(form.next.as_deref()))
        }
        None => {
            SIGN_IN_FAILURES.count(&state.db, &subjects).await?;
            render(&SignInPage {
                chrome: Chrome::with_forms(&visitor).await?,
                error: Some("That email and password do not match an account.".into()),
                email,
                next: local(form.next.as_deref()),
            })
        }
    }
}

/// `GET /signup`.
pub async fn signup_form(visitor: Visitor) -> Page {
    render(&SignUpPage {
        chrome: Chrome::with_forms(&visitor).await?,
        error: None,
        email: String::new(),
        min_chars: passwords::MIN_CHARS,
    })
}

/// `POST /signup`: a customer account, signed in.
pub async fn signup(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    axum::Form(form): axum::Form<Credentials>,
) -> Page {
    bot_check(&state, form.bot_answer.as_deref(), ip).await?;
    let refused = |error: String| async {
        render(&SignUpPage {
            chrome: Chrome::with_forms(&visitor).await?,
            error: Some(error),
            email: form.email.trim().to_owned(),
            min_chars: passwords::MIN_CHARS,
        })
    };
    let email = match checked_email(&form.email) {
        Ok(email) => email.to_lowercase(),
        Err(invalid) => return refused(format!("{}: {}", invalid.field(), invalid.rule())).await,
    };
    if let Err(invalid) = passwords::check(&form.password) {
        return refused(format!("{}: {}", invalid.field(), invalid.rule())).await;
    }
    let hash = passwords::hash(form.password.clone()).await?;
    match state
        .db
        .insert_account(&email, &hash, Role::Customer)
        .await?
    {
        Some(account) => {
            visitor.sign_in(account).await?;
            see_other("/")
        }
        None => refused("An account with this email exists: sign in instead.".into()).await,
    }
}

/// `POST /signout`.
pub async fn signout(visitor: Visitor) -> Page {
    visitor.sign_out().await?;
    see_other("/")
}
