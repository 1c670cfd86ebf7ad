//! Where customers and Dojo reach the shop (`SHOP_PUBLIC_URL`, or the
//! address it listens on): every URL a customer is sent to is built from it.

use dojo_payments::types::{HttpsUrl, InvalidValue};

/// The shop's public origin: `https://shop.example.com`, or `http://` on
/// this machine for a local run ([`HttpsUrl`]'s rule), with no path, query
/// or fragment (the shop's pages are at the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// The origin, without a trailing `/`.
    origin: String,
    loopback: bool,
    https: bool,
}

impl PublicUrl {
    /// `text` as the shop's public origin, or why not (never echoing it).
    pub fn new(text: &str) -> Result<Self, InvalidValue> {
        let checked = HttpsUrl::new(text)?;
        let url = url::Url::parse(checked.as_str())
            .map_err(|_| InvalidValue::new("url", "must be an absolute URL"))?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(InvalidValue::new(
                "url",
                "must be an origin (https://shop.example.com), without a path or query",
            ));
        }
        let loopback = match url.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        Ok(Self {
            origin: url.as_str().trim_end_matches('/').to_owned(),
            loopback,
            https: url.scheme() == "https",
        })
    }

    /// `https://shop.example.com` (no trailing `/`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether the host is this machine (`localhost`, 127.0.0.0/8, `[::1]`).
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// Whether it is https (the cookie is then `Secure` and `__Host-`, and
    /// every answer carries HSTS).
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The page at `path` (`/orders/ord_…`), absolute: where Dojo's checkout
    /// sends the customer.
    pub fn page(&self, path: &str) -> Result<HttpsUrl, InvalidValue> {
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(InvalidValue::new("path", "must be a path of the shop"));
        }
        HttpsUrl::new(&format!("{}{path}", self.origin))
    }
}

#[cfg(test)]
mod tests {
    use super::PublicUrl;

    #[test]
    fn an_origin_https_or_http_on_this_machine() {
        let public = PublicUrl::new("https://Shop.Example.com").unwrap();
        assert_eq!(public.origin(), "https://shop.example.com");
        assert!(public.is_https() && !public.is_loopback());
        assert_eq!(
            public.page("/orders/ord_1?canceled=true").unwrap().as_str(),
            "https://shop.example.com/orders/ord_1?canceled=true"
        );
        let local = PublicUrl::new("http://127.0.0.1:3000/").unwrap();
        assert_eq!(local.origin(), "http://127.0.0.1:3000");
        assert!(local.is_loopback() && !local.is_https());
        assert!(
            PublicUrl::new("https://localhost:8443")
                .unwrap()
                .is_loopback()
        );
        for refused in [
            "http://shop.example.com",
            "http://0.0.0.0:3000",
            "https://shop.example.com/shop",
            "https://shop.example.com/?a=b",
            "https://user:pw@shop.example.com",
            "shop.example.com",
        ] {
            assert!(PublicUrl::new(refused).is_err(), "{refused}");
        }
        assert!(public.page("//evil.example").is_err());
    }
}
