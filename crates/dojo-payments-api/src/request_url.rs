//! Request URLs built on a base URL parsed once.
//!
//! progenitor formats each request's URL as text (`"{baseurl}/payment-intents/{id}"`)
//! and reqwest parses that text again on every call, host and all (the
//! host goes through IDNA processing): about 6,500 instructions a request,
//! a few percent of a whole call on loopback. `cargo xtask regen` points the
//! generated clients here instead (`xtask/src/tailor.rs`): the base is
//! parsed when the client is built, and each call only sets the path.

use reqwest::Url;

/// `text` as a base URL every request path can be joined to: http(s), with
/// a host, and neither query nor fragment; `None` otherwise. The one rule
/// for both the generated clients and `dojo-payments`'s builder, which refuses such a
/// URL before any call is made.
pub fn parse_base_url(text: &str) -> Option<Url> {
    Url::parse(text).ok().filter(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.has_host()
            && url.query().is_none()
            && url.fragment().is_none()
    })
}

/// A generated client's base URL (`https://api.dojo.tech`, or an emulator's,
/// possibly with a path stem such as `http://proxy/dojo`), parsed; `None`
/// when [`parse_base_url`] refuses it, so that each call says so.
#[derive(Clone, Debug)]
pub struct BaseUrl(Option<Url>);

impl BaseUrl {
    /// Parses `text` once, for every request the client will send.
    pub fn parse(text: &str) -> Self {
        Self(parse_base_url(text))
    }

    /// The URL of `path` (`/payment-intents/pi_…`, its segments already
    /// percent-encoded) under this base: what parsing the text `base + path`
    /// would give, without parsing the base again (and without doubling a
    /// `/` that ends the base).
    pub fn join(&self, path: &str) -> Result<Url, InvalidBaseUrl> {
        let base = self.0.as_ref().ok_or(InvalidBaseUrl)?;
        // What precedes every path: the base's own path, without its
        // trailing `/`.
        let stem = base.path().trim_end_matches('/');
        let mut url = base.clone();
        if stem.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&[stem, path].concat());
        }
        Ok(url)
    }
}

/// The client's base URL is not a URL a request can be sent to; nothing was
/// sent. It becomes [`crate::Error::InvalidRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBaseUrl;

impl<E> From<InvalidBaseUrl> for crate::Error<E> {
    fn from(_: InvalidBaseUrl) -> Self {
        Self::InvalidRequest("the client's base URL is not a valid absolute URL".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::BaseUrl;

    /// Joining agrees with parsing the concatenated text, which is what the
    /// generated code did before.
    #[test]
    fn join_is_parsing_base_and_path() {
        let bases = [
            "https://api.dojo.tech",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://proxy.example/dojo",
            "http://proxy.example/dojo/",
            "http://[::1]:9000/a/b",
        ];
        let paths = [
            "/payment-intents",
            "/payment-intents/pi_sandbox_RBMHTJ4fIkmSppDILZVCGw",
            "/payment-intents/a%2Fb/captures",
            "/customers/public/cust_1/payment-methods",
            "/webhooks/%20x",
            "/payment-intents/../captures",
            "/payment-intents/./%2e%2E/x",
            "/payment-intents/%3F%23",
        ];
        for base in bases {
            for path in paths {
                let joined = BaseUrl::parse(base).join(path).unwrap();
                let expected =
                    reqwest::Url::parse(&format!("{}{path}", base.trim_end_matches('/'))).unwrap();
                assert_eq!(joined, expected, "{base} + {path}");
            }
        }
    }

    proptest::proptest! {
        /// Any id, percent-encoded as the generated code encodes path
        /// segments, lands where parsing the whole text would put it.
        #[test]
        fn any_encoded_segment_joins_as_parsing_would(
            segment in proptest::prelude::any::<String>(),
            base in proptest::sample::select(vec![
                "https://api.dojo.tech",
                "http://127.0.0.1:8080",
                "http://proxy.example/dojo",
            ]),
        ) {
            let path = format!(
                "/payment-intents/{}/captures",
                progenitor_client::encode_path(&segment)
            );
            let expected = reqwest::Url::parse(&format!("{base}{path}")).unwrap();
            proptest::prop_assert_eq!(BaseUrl::parse(base).join(&path).unwrap(), expected);
        }
    }

    #[test]
    fn a_base_that_is_not_a_url_is_refused_at_the_call() {
        for base in [
            "",
            "api.dojo.tech",
            "not a url",
            "mailto:x@example.com",
            "ftp://x",
            "http://x/?q=1",
            "http://x/#f",
        ] {
            assert!(
                BaseUrl::parse(base).join("/payment-intents").is_err(),
                "{base:?}"
            );
        }
    }
}
