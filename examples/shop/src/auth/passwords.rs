//! Passwords: checked for length and against common and breached ones
//! (zxcvbn's frequency lists and guessing model: `password12` is refused,
//! for everyone), hashed with argon2id (a PHC string, its salt and
//! parameters inside), verified in the same time whether or not the
//! account exists.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use dojo_payments::types::InvalidValue;

/// The shortest password accepted.
pub const MIN_CHARS: usize = 10;
/// The longest (argon2 takes any, but a megabyte "password" is a way to
/// make the server work).
pub const MAX_CHARS: usize = 256;

/// `password`, if its length is acceptable and it is not easily guessed.
pub fn check(password: &str) -> Result<(), InvalidValue> {
    check_for(password, &[])
}

/// `password`, if its length is acceptable and it is not easily guessed,
/// also from `known` (what else is known of the account: its email).
pub fn check_for(password: &str, known: &[&str]) -> Result<(), InvalidValue> {
    let chars = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return Err(InvalidValue::new(
            "password",
            format!("must be {MIN_CHARS} to {MAX_CHARS} characters"),
        ));
    }
    // Score 3: more than 10^8 guesses, by zxcvbn's estimate (common
    // passwords, words, names, dates, keyboard patterns, and `known`).
    if u8::from(zxcvbn::zxcvbn(password, known).score()) < 3 {
        return Err(InvalidValue::new(
            "password",
            "is too easily guessed (a common password, or one like it): choose a longer, \
             less common one",
        ));
    }
    Ok(())
}

/// The argon2id hash of `password`, off the async threads (it takes tens
/// of milliseconds by design).
pub async fn hash(password: String) -> Result<String, HashError> {
    let hashed = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
    })
    .await;
    match hashed {
        Ok(Ok(hash)) => Ok(hash),
        _ => Err(HashError),
    }
}

/// Whether `password` is the one `hash` was made from. With `None` (no
/// such account) a dummy hash is checked, so that the answer takes as long
/// and tells nobody which emails have accounts.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        Argon2::default()
            .hash_password(b"not anybody's password")
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.clone());
    let verified = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await;
    known && verified.unwrap_or(false)
}

/// A password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("the password could not be hashed")]
pub struct HashError;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_only() {
        let hash = hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify("correct horse battery!".into(), Some(hash)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(check("short").is_err());
        assert!(check(&"x".repeat(MAX_CHARS + 1)).is_err());
        assert!(check("correct horse battery").is_ok());
    }

    #[test]
    fn common_and_breached_passwords_are_refused_whatever_their_length() {
        for common in [
            "password12",
            "password123",
            "qwertyuiop",
            "1234567890",
            "iloveyou12",
        ] {
            let refused = check(common).unwrap_err();
            assert!(
                refused.rule().contains("easily guessed"),
                "{common}: {refused}"
            );
        }
        // The account's own email is no password either.
        assert!(check_for("ada.lovelace@example.com", &["ada.lovelace@example.com"]).is_err());
        assert!(check("a long test password").is_ok());
        assert!(check("violet kettle under seven moons").is_ok());
    }
}
