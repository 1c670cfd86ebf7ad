//! The webhook signature scheme against Dojo's documented vector, a second
//! vector computed independently (Python's `hmac` module), and arbitrary
//! headers.

use dojo_payments_types::{SignatureError, WebhookSecret, WebhookSignature};
use proptest::prelude::*;

const DOJO_BODY: &str = r#"{"id":"evt_hnnHxIKR_Uy6bhZCusCltw","event":"payment_intent.created","accountId":"acc_test","createdAt":"2022-02-01T13:07:41.8667859Z","data":{"paymentIntentId":"pi_vpwd4ooAPEqyNAQe4z89WQ","paymentStatus":"Created","captureMode":"Auto"}}"#;
const DOJO_SECRET: &str = "PDYkJQq6sESYHp_zJuTTBQ";
const DOJO_HEADER: &str = "sha256=4B-49-F8-FE-25-A7-E6-7D-00-4F-A7-9C-F8-0B-63-00-C7-77-B4-F2-2D-E5-E1-22-84-FA-04-18-50-A1-76-FD";

// python3 -c 'import hmac,hashlib; print("-".join("%02X"%b for b in
//   hmac.new(b"whsec_independent_vector", BODY, hashlib.sha256).digest()))'
const OTHER_BODY: &str = r#"{"id":"evt_x","event":"payment_intent.status_updated","data":{"paymentIntentId":"pi_sandbox_1","paymentStatus":"Captured"}}"#;
const OTHER_SECRET: &str = "whsec_independent_vector";
const OTHER_HEADER: &str = "sha256=4F-6E-47-1D-0A-BB-06-CD-57-C6-B3-D2-44-78-95-89-10-38-DC-AD-84-3A-B6-C5-89-4B-0E-CC-45-F0-67-EB";

fn secret(s: &str) -> WebhookSecret {
    WebhookSecret::new(s).unwrap()
}

#[test]
fn dojo_s_documented_vector_signs_and_verifies() {
    let key = secret(DOJO_SECRET);
    assert_eq!(
        WebhookSignature::sign(&key, DOJO_BODY.as_bytes()).to_string(),
        DOJO_HEADER
    );
    assert_eq!(
        WebhookSignature::verify(DOJO_HEADER, DOJO_BODY.as_bytes(), &[key]),
        Ok(())
    );
}

#[test]
fn an_independently_computed_vector_verifies() {
    let key = secret(OTHER_SECRET);
    assert_eq!(
        WebhookSignature::verify(
            OTHER_HEADER,
            OTHER_BODY.as_bytes(),
            std::slice::from_ref(&key)
        ),
        Ok(())
    );
    assert_eq!(
        WebhookSignature::sign(&key, OTHER_BODY.as_bytes()).to_string(),
        OTHER_HEADER
    );
}

#[test]
fn a_one_byte_change_to_the_body_or_the_header_fails() {
    let key = [secret(DOJO_SECRET)];
    let mut body = DOJO_BODY.as_bytes().to_vec();
    body[10] ^= 1;
    assert_eq!(
        WebhookSignature::verify(DOJO_HEADER, &body, &key),
        Err(SignatureError::NoMatch)
    );
    let header = DOJO_HEADER.replace("4B-49", "4B-48");
    assert_eq!(
        WebhookSignature::verify(&header, DOJO_BODY.as_bytes(), &key),
        Err(SignatureError::NoMatch)
    );
    assert_eq!(
        WebhookSignature::verify(DOJO_HEADER, DOJO_BODY.as_bytes(), &[secret("other")]),
        Err(SignatureError::NoMatch)
    );
}

#[test]
fn any_signature_under_any_secret_is_accepted_while_secrets_rotate() {
    let (old, new) = (secret("old-secret"), secret("new-secret"));
    let body = b"{}";
    let header = format!(
        "{}, {}",
        WebhookSignature::sign(&old, body),
        WebhookSignature::sign(&new, body)
    );
    assert!(WebhookSignature::verify(&header, body, std::slice::from_ref(&new)).is_ok());
    assert!(WebhookSignature::verify(&header, body, std::slice::from_ref(&old)).is_ok());
    let only_new = WebhookSignature::sign(&new, body).to_string();
    assert!(WebhookSignature::verify(&only_new, body, &[old, new]).is_ok());
}

#[test]
fn malformed_headers_are_named_as_such() {
    for header in [
        "",
        "sha256=",
        "md5=4B-49",
        "sha256=4B49F8",
        &DOJO_HEADER[..DOJO_HEADER.len() - 3],
        &format!("{DOJO_HEADER}-00"),
        "sha256=ZZ-49-F8-FE-25-A7-E6-7D-00-4F-A7-9C-F8-0B-63-00-C7-77-B4-F2-2D-E5-E1-22-84-FA-04-18-50-A1-76-FD",
    ] {
        assert_eq!(
            WebhookSignature::verify(header, DOJO_BODY.as_bytes(), &[secret(DOJO_SECRET)]),
            Err(SignatureError::Malformed),
            "{header:?}"
        );
    }
}

proptest! {
    #[test]
    fn arbitrary_headers_never_panic(header in ".{0,200}", body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = WebhookSignature::verify(&header, &body, &[secret("k")]);
    }

    #[test]
    fn every_signature_parses_back_and_verifies(key in "[ -~]{1,40}", body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let key = secret(&key);
        let header = WebhookSignature::sign(&key, &body).to_string();
        prop_assert_eq!(WebhookSignature::parse_header(&header).unwrap(), vec![WebhookSignature::sign(&key, &body)]);
        prop_assert!(WebhookSignature::verify(&header, &body, &[key]).is_ok());
    }
}
