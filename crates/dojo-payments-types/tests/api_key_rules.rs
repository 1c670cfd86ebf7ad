//! What an API key must be (`ApiKey::new`): a known prefix, a body after
//! it, at most `ApiKey::MAX_CHARS` characters, no spaces or control
//! characters; and a refusal never holds any of the key.

use dojo_payments_types::{ApiKey, Environment};

#[test]
fn a_prefix_alone_is_no_key() {
    for prefix in ["sk_sandbox_", "sk_prod_"] {
        let error = ApiKey::new(prefix).unwrap_err();
        assert_eq!(error.field(), "api_key");
        assert!(error.rule().contains("after"), "{error}");
    }
    // One character of body is a key (the workspace's tests use such).
    assert_eq!(
        ApiKey::new("sk_sandbox_x").unwrap().environment(),
        Environment::Sandbox
    );
    assert_eq!(
        ApiKey::new("sk_prod_x").unwrap().environment(),
        Environment::Production
    );
}

#[test]
fn a_key_longer_than_the_cap_is_refused_without_echoing_it() {
    let at_cap = format!("sk_sandbox_{}", "a".repeat(ApiKey::MAX_CHARS - 11));
    assert_eq!(at_cap.chars().count(), ApiKey::MAX_CHARS);
    assert!(ApiKey::new(at_cap.clone()).is_ok());
    // Counted in characters, not bytes: 256 two-byte characters pass.
    let wide = format!("sk_prod_{}", "é".repeat(ApiKey::MAX_CHARS - 8));
    assert!(wide.len() > ApiKey::MAX_CHARS);
    assert!(ApiKey::new(wide).is_ok());

    for long in [
        at_cap + "b",
        format!("sk_prod_SECRETBODY{}", "z".repeat(1_500_000)),
    ] {
        let error = ApiKey::new(long).unwrap_err();
        assert_eq!(error.field(), "api_key");
        assert!(error.rule().contains("256"), "{error}");
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("SECRETBODY") && !shown.contains("aaaa"),
            "{shown}"
        );
    }
}

#[test]
fn refusals_hold_no_part_of_the_key() {
    for bad in [
        "sk_sandbox_SECRETBODY with space",
        "sk_prod_SECRETBODY\n",
        "pk_SECRETBODY",
        "SECRETBODY",
    ] {
        let error = ApiKey::new(bad).unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("SECRETBODY"), "{shown}");
    }
}
