//! Dojo's webhook signature: `dojo-signature: sha256=4B-49-…-FD`, the
//! HMAC-SHA256 of the raw body under a webhook secret, written as upper-case
//! hex bytes joined by `-`.
//!
//! The one implementation in the workspace: the emulator signs with it and
//! `dojo_payments::webhook` verifies with it. Dojo signs no timestamp, so replay
//! protection has to come from the event id (see `dojo_payments::webhook`).
//!
//! Reading is as lenient as Dojo's own PHP helper
//! (`Dojo_PHP\WebHooksUtil::validatePayloadSignature`, which drops `sha256=`
//! and every `-`, lower-cases, and compares with the hex HMAC): upper- or
//! lower-case hex, with or without the dashes, with or without `sha256=`.
//! It also reads several signatures joined by commas (what the emulator sends
//! under its `EveryActiveSecret` option, which Dojo does not document).

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::WebhookSecret;

type HmacSha256 = Hmac<Sha256>;

const SCHEME: &str = "sha256=";

/// One signature: the 32 bytes of an HMAC-SHA256.
///
/// ```
/// use dojo_payments_types::{WebhookSecret, WebhookSignature};
/// // Dojo's documented example.
/// let body = br#"{"id":"evt_hnnHxIKR_Uy6bhZCusCltw","event":"payment_intent.created","accountId":"acc_test","createdAt":"2022-02-01T13:07:41.8667859Z","data":{"paymentIntentId":"pi_vpwd4ooAPEqyNAQe4z89WQ","paymentStatus":"Created","captureMode":"Auto"}}"#;
/// let secret = WebhookSecret::new("PDYkJQq6sESYHp_zJuTTBQ")?;
/// let header = "sha256=4B-49-F8-FE-25-A7-E6-7D-00-4F-A7-9C-F8-0B-63-00-C7-77-B4-F2-2D-E5-E1-22-84-FA-04-18-50-A1-76-FD";
/// assert_eq!(WebhookSignature::sign(&secret, body).to_string(), header);
/// assert!(WebhookSignature::verify(header, body, &[secret]).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct WebhookSignature([u8; 32]);

/// Why a `dojo-signature` header was not accepted. Never carries the
/// header's bytes, the body or a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No comma-separated part of the header is a signature: 64 hex digits
    /// (either case, any of them separated by `-`), after an optional
    /// `sha256=`.
    #[error("the dojo-signature header holds no well-formed sha256= signature")]
    Malformed,
    /// The header is well-formed, but no signature in it is the body's under
    /// any of the secrets: the body was changed, or signed with another
    /// secret.
    #[error("no signature in the dojo-signature header matches the body under any webhook secret")]
    NoMatch,
}

impl WebhookSignature {
    /// The signature of `body` under `secret`.
    pub fn sign(secret: &WebhookSecret, body: &[u8]) -> Self {
        Self(mac(secret, body))
    }

    /// Every well-formed signature of a header value: Dojo sends one; the
    /// emulator may send one per active secret, comma-separated.
    /// Parts in another scheme or malformed are skipped; none at all is
    /// [`SignatureError::Malformed`].
    pub fn parse_header(header: &str) -> Result<Vec<Self>, SignatureError> {
        let signatures: Vec<Self> = header.split(',').filter_map(Self::parse_one).collect();
        if signatures.is_empty() {
            return Err(SignatureError::Malformed);
        }
        Ok(signatures)
    }

    /// One signature, in any form Dojo's PHP helper accepts: an optional
    /// `sha256=` (in lower case, as Dojo writes it), then 64 hex digits in
    /// either case, with any number of `-` anywhere among them (Dojo's form
    /// puts one between each two bytes). Read byte by byte: the format is
    /// Dojo's own, and no crate reads it.
    fn parse_one(part: &str) -> Option<Self> {
        let part = part.trim();
        let hex = part.strip_prefix(SCHEME).unwrap_or(part);
        let mut bytes = [0u8; 32];
        let mut digits = 0usize;
        for c in hex.bytes().filter(|c| *c != b'-') {
            let value = nibble(c)?;
            let byte = bytes.get_mut(digits / 2)?;
            *byte = (*byte << 4) | value;
            digits += 1;
        }
        (digits == 64).then_some(Self(bytes))
    }

    /// Accepts `body` when any signature of `header` is its signature under
    /// any of `secrets`. Each comparison takes the same time whatever the
    /// bytes (no early exit that would leak how much of a guess was right).
    pub fn verify(
        header: &str,
        body: &[u8],
        secrets: &[WebhookSecret],
    ) -> Result<(), SignatureError> {
        let mut any = false;
        let mut matched = subtle::Choice::from(0);
        let expected: Vec<[u8; 32]> = secrets.iter().map(|secret| mac(secret, body)).collect();
        for candidate in header.split(',').filter_map(Self::parse_one) {
            any = true;
            for mac in &expected {
                matched |= mac.ct_eq(&candidate.0);
            }
        }
        if !any {
            return Err(SignatureError::Malformed);
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(SignatureError::NoMatch)
        }
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn mac(secret: &WebhookSecret, body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose().as_bytes()) else {
        unreachable!("HMAC-SHA256 takes keys of any length")
    };
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The header form, `sha256=4B-49-…`.
impl fmt::Display for WebhookSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SCHEME)?;
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for WebhookSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookSignature({self})")
    }
}
