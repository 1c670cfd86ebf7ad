//! `HttpsUrl` takes text from outside (a config, a form): any string is
//! answered without a panic; https is taken, http only to this machine,
//! nothing else; a refusal names the field and the rule and never shows
//! the value, and `Debug` never shows a query.

use dojo_payments_types::HttpsUrl;
use proptest::prelude::*;

/// A domain that is not `localhost`.
fn domain() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,15}(\\.[a-z][a-z0-9-]{0,10}){0,2}\\.[a-z]{2,6}"
}

/// A path, query and fragment, any of them absent.
fn rest() -> impl Strategy<Value = String> {
    "(/[A-Za-z0-9._~-]{0,12}){0,3}(\\?[a-z]{1,6}=[A-Za-z0-9]{0,12})?(#[a-z0-9]{0,8})?"
}

fn port() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), (1u16..).prop_map(|p| format!(":{p}"))]
}

/// A host on this machine, in the forms a developer writes.
fn loopback() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("localhost".to_owned()),
        Just("LocalHost".to_owned()),
        Just("[::1]".to_owned()),
        Just("[0:0:0:0:0:0:0:1]".to_owned()),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| format!("127.{a}.{b}.{c}")),
    ]
}

/// A host that is not this machine, including the look-alikes.
fn off_loopback() -> impl Strategy<Value = String> {
    prop_oneof![
        domain(),
        domain().prop_map(|d| format!("localhost.{d}")),
        domain().prop_map(|d| format!("127.0.0.1.{d}")),
        (
            any::<u8>().prop_filter("not 127", |a| *a != 127),
            any::<[u8; 3]>()
        )
            .prop_map(|(a, [b, c, d])| format!("{a}.{b}.{c}.{d}")),
        Just("[::2]".to_owned()),
        Just("[::ffff:8.8.8.8]".to_owned()),
    ]
}

proptest! {
    #[test]
    fn any_text_is_answered_without_a_panic(text in "\\PC{0,80}") {
        let _ = HttpsUrl::new(&text);
    }

    #[test]
    fn any_url_shaped_text_is_answered_without_a_panic(
        text in "[a-zA-Z+.-]{0,8}:(//)?[\\PC@:\\[\\]%/?#.]{0,40}",
    ) {
        let _ = HttpsUrl::new(&text);
    }

    #[test]
    fn https_is_taken(host in off_loopback(), port in port(), rest in rest()) {
        let text = format!("https://{host}{port}{rest}");
        let url = HttpsUrl::new(&text);
        prop_assert!(url.is_ok(), "{text}: {url:?}");
        let url = url.unwrap();
        prop_assert!(!url.is_loopback_http());
        // What is sent is what was given, in the parser's normal form.
        prop_assert_eq!(HttpsUrl::new(url.as_str()).unwrap(), url);
    }

    #[test]
    fn http_to_this_machine_is_taken(host in loopback(), port in port(), rest in rest()) {
        let text = format!("http://{host}{port}{rest}");
        let url = HttpsUrl::new(&text);
        prop_assert!(url.is_ok(), "{text}: {url:?}");
        prop_assert!(url.unwrap().is_loopback_http());
    }

    #[test]
    fn http_off_loopback_is_refused(host in off_loopback(), port in port(), rest in rest()) {
        let text = format!("http://{host}{port}{rest}");
        let refused = HttpsUrl::new(&text);
        prop_assert!(refused.is_err(), "{text}");
        let refused = refused.unwrap_err();
        prop_assert_eq!(refused.field(), "url");
        prop_assert!(refused.rule().starts_with("must use https"), "{}", refused);
        prop_assert!(!refused.to_string().contains(&host), "{}", refused);
    }

    #[test]
    fn other_schemes_are_refused(
        scheme in "[a-z][a-z0-9+.-]{0,10}".prop_filter("not http(s)", |s| s != "http" && s != "https"),
        host in prop_oneof![domain(), loopback()],
        rest in rest(),
    ) {
        for text in [format!("{scheme}://{host}{rest}"), format!("{scheme}:{host}{rest}")] {
            prop_assert!(HttpsUrl::new(&text).is_err(), "{}", text);
        }
    }

    #[test]
    fn credentials_are_refused_and_never_shown(
        user in "[a-z]{1,8}",
        password in "[A-Za-z0-9]{8,16}",
        host in prop_oneof![domain(), loopback()],
    ) {
        for scheme in ["https", "http"] {
            let text = format!("{scheme}://{user}:{password}@{host}/");
            let refused = HttpsUrl::new(&text).unwrap_err();
            let shown = format!("{refused} {refused:?}");
            prop_assert!(!shown.contains(&password), "{}", shown);
        }
    }

    #[test]
    fn debug_never_shows_a_query_or_fragment(
        host in domain(),
        token in "[A-Za-z0-9]{12,20}",
        fragment in "[a-z]{6,10}",
    ) {
        let url = HttpsUrl::new(&format!("https://{host}/back?token={token}#{fragment}")).unwrap();
        let shown = format!("{url:?}");
        prop_assert!(!shown.contains(&token), "{}", shown);
        prop_assert!(!shown.contains(&fragment), "{}", shown);
        prop_assert!(url.to_string().contains(&token), "Display is the URL as sent");
    }
}

#[test]
fn look_alikes_and_odd_forms() {
    for taken in [
        "https://shop.example",
        "https://shop.example:8443/orders/42?x=1#top",
        "HTTPS://Shop.Example/Orders",
        "http://localhost:3000/orders/1",
        "http://127.0.0.1/",
        "http://127.1/",
        "http://[::1]:8080/",
        // The URL standard's reading, as a browser's: `https://orders/`.
        "https:///orders",
    ] {
        assert!(HttpsUrl::new(taken).is_ok(), "{taken}");
    }
    for refused in [
        "",
        "   ",
        "/orders/42",
        "shop.example/orders",
        "https://",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "http://localhostile.example/",
        "http://0.0.0.0:3000/",
        "http://[::]/",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://shop.example/",
        "ws://localhost/",
        "https://user@shop.example/",
    ] {
        assert!(HttpsUrl::new(refused).is_err(), "{refused:?}");
    }
}

#[test]
fn it_travels_as_text_and_is_checked_when_decoded() {
    let url = HttpsUrl::new("https://shop.example/back").unwrap();
    assert_eq!(
        serde_json::to_string(&url).unwrap(),
        r#""https://shop.example/back""#
    );
    let back: HttpsUrl = serde_json::from_str(r#""https://shop.example/back""#).unwrap();
    assert_eq!(back, url);
    assert!(serde_json::from_str::<HttpsUrl>(r#""javascript:alert(1)""#).is_err());
}

#[test]
fn it_converts_from_text_and_from_itself() {
    fn take(url: impl TryInto<HttpsUrl, Error: Into<dojo_payments_types::InvalidValue>>) -> bool {
        url.try_into().map_err(Into::into).is_ok()
    }
    let owned = String::from("https://shop.example/");
    assert!(take("https://shop.example/"));
    assert!(take(&owned));
    assert!(take(owned));
    assert!(take(HttpsUrl::new("https://shop.example/").unwrap()));
    assert!(!take("http://shop.example/"));
}
