//! The second factor of staff and admins (PCI DSS 8.4: MFA for
//! administrative access to the cardholder-data environment): TOTP codes
//! (RFC 6238: HMAC-SHA-1, six digits, 30 seconds, one step either side for
//! clocks that drift), from any authenticator app, and ten recovery codes
//! for a lost phone.
//!
//! - A staff or admin account is enrolled when it is made, on the server
//!   (`dojo-shop create-admin EMAIL`, `create-staff EMAIL`: [`enrol`]),
//!   which prints the secret (base32, and as an `otpauth://` URI) and the
//!   recovery codes once, for the operator to hand over. No page enrols:
//!   an account without one (a database from before) gets one from the
//!   operator (`dojo-shop second-factor EMAIL`), never from whoever signs
//!   in first with its password. The recovery codes are stored as their
//!   SHA-256 only (each is 64 random bits, sixteen hex digits: no
//!   dictionary to try), and each
//!   is good once.
//! - After the password, the session is signed in without its second
//!   factor: the doors of the phone order and the admin pages
//!   ([`super::Staff`], [`super::Admin`]) send it to `/signin/code` first.
//! - A code is good once ([`crate::store::Db::use_step`]): one seen over
//!   a shoulder or a proxy's log cannot be replayed. Wrong codes are
//!   limited ([`crate::defences::SECOND_FACTOR_FAILURES`]).
//!
//! Nothing here is logged; the secret and the recovery codes are shown to
//! their owner on the enrolment page only, and never in `Debug`.

use sha2::{Digest, Sha256};
use totp_rs::{Secret, Totp};

use super::random_hex;

/// The name authenticator apps show for the shop's codes.
pub const ISSUER: &str = "Tea & Co.";

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;

/// A new secret: 160 random bits (RFC 4226's recommendation), base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    Secret::from(bytes.to_vec()).to_base32()
}

fn totp(secret: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    totp_rs::Builder::new().with_secret(secret).build().ok()
}

/// The time step `code` is good for at `unix_seconds`, if it is one of
/// `secret`'s codes (this step, or one either side).
pub fn check(secret: &str, code: &str, unix_seconds: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret)?.check(&code, unix_seconds)
}

/// `secret`'s code at `unix_seconds` (for tests, and nothing else).
pub fn code_at(secret: &str, unix_seconds: u64) -> Option<String> {
    Some(totp(secret)?.generate(unix_seconds).to_string())
}

/// Now, in seconds since the epoch.
pub fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// The `otpauth://` URI of `secret` for `email` (what a QR code carries;
/// authenticator apps also take the secret typed in).
pub fn otpauth_uri(secret: &str, email: &str) -> String {
    let issuer = encode(ISSUER);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        encode(email)
    )
}

/// Percent-encodes all but unreserved characters (and `@`).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A second factor just made for an account, for its owner's eyes once:
/// the secret, its `otpauth://` URI and the recovery codes (never in
/// `Debug`).
pub struct Enrolment {
    /// The TOTP secret, base32.
    pub secret: String,
    /// Its `otpauth://` URI (what a QR code carries).
    pub uri: String,
    /// The recovery codes, each good once.
    pub recovery: Vec<String>,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment").finish_non_exhaustive()
    }
}

/// Gives `account` a new second factor (replacing any it had), stored as
/// the TOTP secret and the recovery codes' hashes: what the operator's
/// commands do (`create-admin`, `create-staff`, `second-factor`). No page
/// enrols a second factor: whoever has an account's password alone must
/// not be able to choose its second factor.
pub async fn enrol(
    db: &crate::store::Db,
    account: &super::Account,
) -> Result<Enrolment, sqlx::Error> {
    let secret = new_secret();
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|(_, hash)| hash.clone()).collect();
    db.set_second_factor(&account.id, &secret, &hashes).await?;
    Ok(Enrolment {
        uri: otpauth_uri(&secret, &account.email),
        secret,
        recovery: codes.into_iter().map(|(code, _)| code).collect(),
    })
}

/// How many random bits a recovery code carries (hex digits: a quarter).
pub const RECOVERY_BITS: usize = 64;
// At least the 50 bits that make a dictionary of codes useless.
const _: () = assert!(RECOVERY_BITS >= 50);

/// New recovery codes (`xxxx-xxxx-xxxx-xxxx`, hex: [`RECOVERY_BITS`]
/// random bits each), each with its hash.
pub fn new_recovery_codes() -> Vec<(String, String)> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = random_hex(RECOVERY_BITS / 8);
            let code = format!(
                "{}-{}-{}-{}",
                &raw[..4],
                &raw[4..8],
                &raw[8..12],
                &raw[12..]
            );
            let hash = recovery_hash(&code);
            (code, hash)
        })
        .collect()
}

/// What a recovery code is stored as: the SHA-256 of its hex digits, so
/// it may be typed with or without the dash, in either case.
pub fn recovery_hash(code: &str) -> String {
    let digits: String = code
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Sha256::digest(format!("recovery:{digits}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `text` looks like a recovery code (sixteen hex digits, dashes
/// or not; or ten, as databases made before 64-bit codes hold), rather
/// than a six-digit code.
pub fn is_recovery_code(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_hexdigit).count();
    (digits == RECOVERY_BITS / 4 || digits == 10)
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-' || c == ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_good_for_its_step_and_one_either_side_only() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        let at = 1_800_000_000;
        let code = code_at(&secret, at).unwrap();
        assert_eq!(check(&secret, &code, at), Some(at / 30));
        assert!(check(&secret, &code, at + 30).is_some());
        assert!(check(&secret, &code, at + 90).is_none());
        assert!(check(&secret, "12345", at).is_none());
        assert!(check(&new_secret(), &code, at).is_none() || code == "000000");
    }

    #[test]
    fn recovery_codes_are_random_and_hashed_forgivingly() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let (code, hash) = &codes[0];
        assert!(is_recovery_code(code), "{code}");
        let digits = code.chars().filter(char::is_ascii_hexdigit).count();
        assert_eq!(digits * 4, RECOVERY_BITS, "{code}");
        assert_eq!(recovery_hash(&code.to_uppercase().replace('-', "")), *hash);
        assert_ne!(codes[0].1, codes[1].1);
        assert!(!is_recovery_code("123456"));
    }

    #[test]
    fn the_uri_names_the_shop_and_the_account() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "sam@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/Tea%20%26%20Co.:sam@example.com?secret=JBSWY3DPEHPK3PXP\
             &issuer=Tea%20%26%20Co.&algorithm=SHA1&digits=6&period=30"
        );
    }
}
