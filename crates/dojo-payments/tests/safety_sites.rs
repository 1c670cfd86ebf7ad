//! The live registry of locations never prints a key: not in its errors
//! (one key under two names, a key given to a second location, a handle
//! beyond its location), not in a refused call, not in `Debug` of the
//! client, a handle or the registry.

use dojo_payments::location::LocationsError;
use dojo_payments::types::{ApiKey, LocationId, PaymentIntentId};
use dojo_payments::{ConfigError, Dojo, Location, Locations, SiteError};

const SECRET: &str = "s3cr3t_b0dy_0f_th3_k3y";

fn key(name: &str) -> ApiKey {
    ApiKey::new(format!("sk_sandbox_{name}_{SECRET}")).unwrap()
}

fn id(name: &str) -> LocationId {
    name.parse().unwrap()
}

fn shown(what: &(impl std::fmt::Display + std::fmt::Debug)) -> [String; 2] {
    [what.to_string(), format!("{what:?}")]
}

fn assert_no_key(text: &str) {
    assert!(!text.contains(SECRET), "a key in {text}");
    assert!(!text.contains("sk_sandbox_soho_"), "a key in {text}");
}

#[tokio::test]
async fn no_error_of_the_registry_shows_a_key() {
    let loaded = Locations::parse(&format!(
        "soho = {}\ncamden = {}\n",
        key("soho").expose(),
        key("soho").expose()
    ))
    .unwrap_err();
    assert!(matches!(loaded, LocationsError::SameKey { .. }));
    let built = Dojo::builder(key("soho"))
        .location(Location::new(id("camden"), key("soho")))
        .build()
        .unwrap_err();
    assert!(matches!(built, ConfigError::Locations(_)));

    let dojo = Dojo::builder_for_sites()
        .location(Location::new(id("soho"), key("soho")))
        .build()
        .unwrap();
    let sites = dojo.sites().unwrap();
    let taken = sites
        .add(Location::new(id("camden"), key("soho")))
        .unwrap_err();
    assert!(matches!(taken, SiteError::SameKey { .. }));
    sites
        .add(Location::new(id("camden"), key("camden")))
        .unwrap();
    let rotated_onto = sites.rotate(&id("camden"), key("soho")).unwrap_err();
    let soho = dojo.location(&id("soho")).unwrap();
    let beyond = soho.location(&id("camden")).unwrap_err();
    let not_the_client = soho.sites().unwrap_err();
    sites.remove(&id("soho")).unwrap();
    let pi: PaymentIntentId = "pi_sandbox_1".parse().unwrap();
    let refused = soho.payment_intents().get(&pi).await.unwrap_err();
    let without_default = dojo.payment_intents().get(&pi).await.unwrap_err();

    let mut texts = Vec::new();
    texts.extend(shown(&loaded));
    texts.extend(shown(&built));
    for error in [taken, rotated_onto, beyond, not_the_client] {
        texts.extend(shown(&error));
    }
    texts.extend(shown(&refused));
    texts.extend(shown(&without_default));
    texts.push(format!("{dojo:?}"));
    texts.push(format!("{soho:?}"));
    texts.push(format!("{sites:?}"));
    for text in &texts {
        assert_no_key(text);
    }
}
