//! Sign up (customers), sign in, sign out. Staff and admin accounts are
//! made with the shop's command (`dojo-shop create-admin EMAIL`), never
//! through a page and never with a default password.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::shop::checked_email;
use super::{AppState, Chrome, Page, PageError, render, see_other, with_query};
use crate::auth::{Role, SignedIn, Visitor, passwords, second_factor};
use crate::defences::{ClientIp, SECOND_FACTOR_FAILURES, SIGN_IN_FAILURES, SIGN_UPS, bot_check};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    chrome: Chrome,
    error: Option<String>,
    /// What a sign-up says (the same whether the email was new or not).
    notice: Option<String>,
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
        notice: None,
        email: String::new(),
        next: local(next.next.as_deref()),
    })
}

/// `POST /signin`: a new session for the account, or the form again. Five
/// failures from one address for one email in 15 minutes: 429 there; the
/// email from everywhere is slowed past ten ([`SIGN_IN_FAILURES`]), except
/// for a browser with the account's device cookie (it signed in fully
/// before), which whoever types the email cannot keep out. Each attempt holds its place while the
/// password is checked, so parallel guesses cannot all be checked.
pub async fn signin(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    axum::Form(form): axum::Form<Credentials>,
) -> Page {
    let email = form.email.trim().to_lowercase();
    // Never an account's: not counted under a subject anyone could make long.
    let email = if email.len() > 254 || email.chars().any(char::is_control) {
        String::new()
    } else {
        email
    };
    let found = state.db.account_by_email(&email).await?;
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    // A browser that signed in fully to this account before (its device
    // cookie) is not held to the email-alone rule, which anyone may keep
    // busy by typing the email.
    let known_device = match &account {
        Some(account) => visitor.known_device_of(&account.id).await?,
        None => false,
    };
    let attempt = SIGN_IN_FAILURES
        .take_from(&state.db, ip, Some(&format!("email:{email}")), known_device)
        .await?;
    let verified = passwords::verify(form.password.clone(), hash).await;
    match account.filter(|_| verified) {
        Some(account) => {
            drop(attempt);
            let staff = account.role.may(Role::Staff);
            let id = account.id.clone();
            visitor.sign_in(account).await?;
            let next = local(form.next.as_deref());
            if !staff {
                // Signed in fully: this browser is the account's device.
                visitor.remember_device(&id).await?;
                return see_other(&next);
            }
            // Staff and admins: the second factor next (enrolled at the
            // first sign-in).
            let page = if visitor.enrolled().await? {
                "/signin/code"
            } else {
                "/account/second-factor"
            };
            see_other(&with_query(page, &[("next", &next)]))
        }
        None => {
            attempt.keep();
            render(&SignInPage {
                chrome: Chrome::with_forms(&visitor).await?,
                error: Some("That email and password do not match an account.".into()),
                notice: None,
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

/// `POST /signup`: a customer account, then the sign-in form, saying the
/// same whether the email was new or had an account already (nobody
/// learns which emails have accounts here: both answers take an argon2
/// hash, and neither signs anyone in). Five sign-ups per address an hour
/// ([`SIGN_UPS`]); the password is checked against common ones.
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
    if let Err(invalid) = passwords::check_for(&form.password, &[&email]) {
        return refused(format!("{}: {}", invalid.field(), invalid.rule())).await;
    }
    SIGN_UPS.take(&state.db, ip, None).await?.keep();
    let hash = passwords::hash(form.password.clone()).await?;
    // Made, or not (the email has an account): the answer is the same.
    state
        .db
        .insert_account(&email, &hash, Role::Customer)
        .await?;
    render(&SignInPage {
        chrome: Chrome::with_forms(&visitor).await?,
        error: None,
        notice: Some(format!(
            "If {email} was new here, its account is ready: sign in with the password you \
             chose. If it had an account already, sign in with that account's password."
        )),
        email,
        next: "/".to_owned(),
    })
}

/// `POST /signout`.
pub async fn signout(visitor: Visitor) -> Page {
    visitor.sign_out().await?;
    see_other("/")
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct CodePage {
    chrome: Chrome,
    error: Option<String>,
    next: String,
}

/// The second-factor form: a code from the app, or a recovery code.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

impl Drop for CodeForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.code);
    }
}

impl std::fmt::Debug for CodeForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeForm").finish_non_exhaustive()
    }
}

/// `GET /signin/code`: the second factor of a staff or admin sign-in.
pub async fn code_form(SignedIn(_): SignedIn, visitor: Visitor, Query(next): Query<Next>) -> Page {
    let next = local(next.next.as_deref());
    if visitor.second_factor().await {
        return see_other(&next);
    }
    if !visitor.enrolled().await? {
        return see_other(&with_query("/account/second-factor", &[("next", &next)]));
    }
    render(&CodePage {
        chrome: Chrome::with_forms(&visitor).await?,
        error: None,
        next,
    })
}

/// `POST /signin/code`: a code from the app (good once), or a recovery
/// code (good once); wrong ones are limited ([`SECOND_FACTOR_FAILURES`]),
/// by address and account together, the account alone slowed.
pub async fn code(
    State(state): State<AppState>,
    SignedIn(account): SignedIn,
    visitor: Visitor,
    ip: ClientIp,
    axum::Form(form): axum::Form<CodeForm>,
) -> Page {
    let next = local(form.next.as_deref());
    let known_device = visitor.known_device_of(&account.id).await?;
    let attempt = SECOND_FACTOR_FAILURES
        .take_from(&state.db, ip, Some(&account.owner()), known_device)
        .await?;
    let factor = state.db.second_factor(&account.id).await?;
    let Some(secret) = factor.secret.as_deref() else {
        return see_other(&with_query("/account/second-factor", &[("next", &next)]));
    };
    let passed = if second_factor::is_recovery_code(&form.code) {
        let hash = second_factor::recovery_hash(&form.code);
        state.db.use_recovery_code(&account.id, &hash).await?
    } else {
        match second_factor::check(secret, &form.code, second_factor::now()) {
            Some(step) => state.db.use_step(&account.id, step_of(step)).await?,
            None => false,
        }
    };
    if passed {
        drop(attempt);
        visitor.pass_second_factor().await?;
        return see_other(&next);
    }
    attempt.keep();
    render(&CodePage {
        chrome: Chrome::with_forms(&visitor).await?,
        error: Some("That code is not right, or was used already: try the next one.".into()),
        next,
    })
}

fn step_of(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    chrome: Chrome,
    /// The account has no second factor yet (a database from before they
    /// were enrolled at creation): the operator gives it one.
    missing: bool,
    email: String,
    /// Recovery codes left (an enrolled account).
    left: i64,
    next: String,
}

impl std::fmt::Debug for EnrolPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolPage").finish_non_exhaustive()
    }
}

/// Staff and admins only: customers have no second factor here.
fn staff_only(account: &crate::auth::Account) -> Result<(), PageError> {
    if account.role.may(Role::Staff) {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            "a second factor is for staff and admin accounts",
        ))
    }
}

/// `GET /account/second-factor`: how many recovery codes are left, or,
/// for an account without a second factor, who gives it one. It writes
/// nothing: no page enrols a second factor (whoever has the password
/// alone would choose it; a prefetch or a second tab would replace one
/// being set up). The operator does, on the server: `dojo-shop
/// create-admin`/`create-staff` at creation, `dojo-shop second-factor
/// EMAIL` for an account made before, or a lost phone.
pub async fn enrol_form(
    State(state): State<AppState>,
    SignedIn(account): SignedIn,
    visitor: Visitor,
    Query(next): Query<Next>,
) -> Page {
    staff_only(&account)?;
    let next = local(next.next.as_deref());
    let missing = !visitor.enrolled().await?;
    render(&EnrolPage {
        chrome: Chrome::with_forms(&visitor).await?,
        missing,
        left: if missing {
            0
        } else {
            state.db.recovery_codes_left(&account.id).await?
        },
        email: account.email,
        next,
    })
}

/// `POST /account/second-factor`: enrols nothing (see [`enrol_form`]):
/// back to the page, whatever was posted.
pub async fn enrol(SignedIn(account): SignedIn, Query(next): Query<Next>) -> Page {
    staff_only(&account)?;
    let next = local(next.next.as_deref());
    see_other(&with_query("/account/second-factor", &[("next", &next)]))
}
