//! The shop's commands beside serving: `create-admin EMAIL` and
//! `create-staff EMAIL` make the accounts no page makes, with their second
//! factor enrolled (printed once: the `otpauth://` URI, the secret and the
//! recovery codes, for the operator to hand to the account's owner), so
//! that no staff or admin account exists without one; `second-factor
//! EMAIL` gives a staff or admin account a new one (a lost phone, or an
//! account made before they were enrolled at creation). The password is
//! read from the terminal without echo, or from standard input when it is
//! not a terminal (a script, a test); there is never a default one.

use std::io::{BufRead, IsTerminal};

use crate::auth::{Role, passwords, second_factor};
use crate::pages::shop::checked_email;
use crate::store::Db;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command line was not one the shop knows.
    #[error(
        "usage: dojo-shop [create-admin EMAIL | create-staff EMAIL | second-factor EMAIL] (with DATABASE_URL set to the shop's database)"
    )]
    Usage,
    /// `DATABASE_URL` is not set.
    #[error("set DATABASE_URL to the shop's database (the shop prints it at start-up)")]
    NoDatabase,
    /// A value broke a rule.
    #[error("{0}")]
    Invalid(#[from] dojo_payments::types::InvalidValue),
    /// The password could not be read.
    #[error("reading the password: {0}")]
    Read(#[from] std::io::Error),
    /// The database failed.
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    /// The password could not be hashed.
    #[error(transparent)]
    Hash(#[from] passwords::HashError),
    /// The email has an account already.
    #[error("{0} has an account already")]
    Exists(String),
    /// No staff or admin account has the email.
    #[error("{0} is not a staff or admin account")]
    NoStaff(String),
}

/// Runs the command `args` (the words after the program's name); `None`
/// when there is none (the shop is to be served).
pub async fn run(args: &[String]) -> Option<Result<String, CommandError>> {
    let (command, rest) = args.split_first()?;
    let [email] = rest else {
        return Some(Err(CommandError::Usage));
    };
    let role = match command.as_str() {
        "create-admin" => Role::Admin,
        "create-staff" => Role::Staff,
        "second-factor" => return Some(second_factor(email).await),
        _ => return Some(Err(CommandError::Usage)),
    };
    Some(create(role, email).await)
}

/// What the operator hands to the account's owner, once.
fn enrolment_said(enrolment: &second_factor::Enrolment) -> String {
    let mut said = format!(
        "its second factor (add it to an authenticator app; shown once):\n  \
         otpauth URI: {}\n  key: {}\n\
         recovery codes (each signs in once without the app; keep them offline):\n",
        enrolment.uri, enrolment.secret
    );
    for code in &enrolment.recovery {
        said.push_str("  ");
        said.push_str(code);
        said.push('\n');
    }
    said.trim_end().to_owned()
}

/// `second-factor EMAIL`: a new second factor for a staff or admin
/// account (the old one, and its recovery codes, stop working).
async fn second_factor(email: &str) -> Result<String, CommandError> {
    let email = checked_email(email)?.to_lowercase();
    let url = std::env::var("DATABASE_URL").map_err(|_| CommandError::NoDatabase)?;
    let db = Db::connect(&url).await?;
    let account = match db.account_by_email(&email).await? {
        Some((account, _)) if account.role.may(Role::Staff) => account,
        _ => return Err(CommandError::NoStaff(email)),
    };
    let enrolment = second_factor::enrol(&db, &account).await?;
    Ok(format!(
        "{} {} has a new second factor; the old one is gone.\n{}",
        account.role.as_str(),
        account.email,
        enrolment_said(&enrolment)
    ))
}

async fn create(role: Role, email: &str) -> Result<String, CommandError> {
    let email = checked_email(email)?.to_lowercase();
    let url = std::env::var("DATABASE_URL").map_err(|_| CommandError::NoDatabase)?;
    let password = read_password()?;
    passwords::check(&password)?;
    let db = Db::connect(&url).await?;
    let hash = passwords::hash(password).await?;
    let Some(account) = db.insert_account(&email, &hash, role).await? else {
        return Err(CommandError::Exists(email));
    };
    // Enrolled at once: no staff or admin account without a second factor
    // (whoever signed in first with the password would choose it).
    let enrolment = second_factor::enrol(&db, &account).await?;
    Ok(format!(
        "{} {} can sign in now, with\n{}",
        role.as_str(),
        account.email,
        enrolment_said(&enrolment)
    ))
}

/// The password: typed without echo at a terminal, else the first line of
/// standard input.
fn read_password() -> Result<String, std::io::Error> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password (at least 10 characters): ");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
