//! URLs a customer's browser, or a webhook, is sent to: `https://`, or
//! `http://` to this machine for development.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::{Host, Url};

use crate::InvalidValue;

/// The rule every refusal names, in one sentence.
const HTTPS_RULE: &str =
    "must use https (http only to a loopback host: localhost, 127.0.0.0/8 or [::1])";

/// An absolute `https://` URL, or an `http://` one whose host is this
/// machine (`localhost`, an address in 127.0.0.0/8, or `[::1]`), for
/// development: where Dojo's checkout sends the customer back
/// (`config.redirectUrl`, `config.cancelUrl`) and where webhooks are
/// delivered.
///
/// The host is decided on the parsed URL, never by prefix, so
/// `http://127.0.0.1.evil.example` and `http://localhost.evil.example` are
/// refused. A URL carrying a username or password is refused too: the
/// customer's browser would be handed it. Refusals ([`InvalidValue`]) name
/// the field and the rule and never the value, which may carry a secret in
/// its query; `Debug` leaves the query and fragment out. `Display` and
/// [`HttpsUrl::as_str`] are the whole URL, as it is sent.
///
/// ```
/// use dojo_payments_types::HttpsUrl;
///
/// let back = HttpsUrl::new("https://shop.example/orders/42?token=s3cret")?;
/// assert_eq!(back.as_str(), "https://shop.example/orders/42?token=s3cret");
/// assert_eq!(format!("{back:?}"), "HttpsUrl(https://shop.example/orders/42?…)");
///
/// assert!(HttpsUrl::new("http://127.0.0.1:3000/orders/42")?.is_loopback_http());
/// let refused = HttpsUrl::new("http://shop.example/orders/42").unwrap_err();
/// assert_eq!(refused.field(), "url");
/// assert!(HttpsUrl::new("javascript:alert(1)").is_err());
///
/// // Named by the field it is for, where it is given:
/// let refused = HttpsUrl::new("ftp://shop.example/").unwrap_err().in_field("config.redirectUrl");
/// assert!(refused.to_string().starts_with("config.redirectUrl must use https"));
/// # Ok::<(), dojo_payments_types::InvalidValue>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HttpsUrl(Url);

impl HttpsUrl {
    /// `text` as a checked URL, or an [`InvalidValue`] for the field `url`
    /// (rename it with [`InvalidValue::in_field`]) saying which rule it
    /// broke. Never panics, whatever the text.
    pub fn new(text: &str) -> Result<Self, InvalidValue> {
        let refuse = |rule: String| InvalidValue::new("url", rule);
        // The parser's reasons name a kind of mistake, never the text.
        let url = Url::parse(text)
            .map_err(|error| refuse(format!("must be an absolute URL ({error})")))?;
        match url.scheme() {
            "https" if url.host().is_some() => {}
            "https" => return Err(refuse("must name a host".to_owned())),
            "http" if is_loopback(url.host()) => {}
            "http" => {
                return Err(refuse(format!(
                    "{HTTPS_RULE}, got http to a host off loopback"
                )));
            }
            _ => return Err(refuse(format!("{HTTPS_RULE}, got another scheme"))),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("must not carry a username or password".to_owned()));
        }
        Ok(Self(url))
    }

    /// The URL, as it is sent (the parser's normal form: `HTTPS://Shop.Example`
    /// is `https://shop.example/`).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether this is plain `http://` to this machine (the development
    /// exception) rather than `https://`.
    pub fn is_loopback_http(&self) -> bool {
        self.0.scheme() == "http"
    }
}

/// The one decision of "this machine": `localhost` (any case: the parser
/// lowers it), an IPv4 address in 127.0.0.0/8 (in any form the parser
/// accepts, `127.1` included), or `[::1]`.
fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl fmt::Display for HttpsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for HttpsUrl {
    /// Scheme, host, port and path; a query or fragment (which may carry a
    /// token) shows as `?…` / `#…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.0;
        write!(f, "HttpsUrl({}", &url[..url::Position::AfterPath])?;
        if url.query().is_some() {
            f.write_str("?…")?;
        }
        if url.fragment().is_some() {
            f.write_str("#…")?;
        }
        f.write_str(")")
    }
}

impl AsRef<str> for HttpsUrl {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<HttpsUrl> for String {
    fn from(url: HttpsUrl) -> Self {
        url.0.into()
    }
}

impl FromStr for HttpsUrl {
    type Err = InvalidValue;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::new(text)
    }
}

impl TryFrom<&str> for HttpsUrl {
    type Error = InvalidValue;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::new(text)
    }
}

impl TryFrom<String> for HttpsUrl {
    type Error = InvalidValue;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::new(&text)
    }
}

impl TryFrom<&String> for HttpsUrl {
    type Error = InvalidValue;
    fn try_from(text: &String) -> Result<Self, Self::Error> {
        Self::new(text)
    }
}

/// So that a method taking `impl TryInto<HttpsUrl, Error: Into<InvalidValue>>`
/// takes an [`HttpsUrl`] itself (whose conversion cannot fail) as well as
/// text.
impl From<Infallible> for InvalidValue {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

impl Serialize for HttpsUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HttpsUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}
