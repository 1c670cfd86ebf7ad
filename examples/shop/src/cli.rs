//! The shop's commands beside serving: `create-admin EMAIL` and
//! `create-staff EMAIL` make the accounts no page makes. The password is
//! read from the terminal without echo, or from standard input when it is
//! not a terminal (a script, a test); there is never a default one.

use std::io::{BufRead, IsTerminal};

use crate::auth::{Role, passwords};
use crate::pages::shop::checked_email;
use crate::store::Db;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command line was not one the shop knows.
    #[error(
        "usage: dojo-shop [create-admin EMAIL | create-staff EMAIL] (with DATABASE_URL set to the shop's database)"
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
}

/// Runs the command `args` (the words after the program's name); `None`
/// when there is none (the shop is to be served).
pub async fn run(args: &[String]) -> Option<Result<String, CommandError>> {
    let (command, rest) = args.split_first()?;
    let role = match command.as_str() {
        "create-admin" => Role::Admin,
        "create-staff" => Role::Staff,
        _ => return Some(Err(CommandError::Usage)),
    };
    let [email] = rest else {
        return Some(Err(CommandError::Usage));
    };
    Some(create(role, email).await)
}

async fn create(role: Role, email: &str) -> Result<String, CommandError> {
    let email = checked_email(email)?.to_lowercase();
    let url = std::env::var("DATABASE_URL").map_err(|_| CommandError::NoDatabase)?;
    let password = read_password()?;
    passwords::check(&password)?;
    let db = Db::connect(&url).await?;
    let hash = passwords::hash(password).await?;
    match db.insert_account(&email, &hash, role).await? {
        Some(account) => Ok(format!(
            "{} {} can sign in now",
            role.as_str(),
            account.email
        )),
        None => Err(CommandError::Exists(email)),
    }
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
