//! The security headers of every answer: a Content-Security-Policy that
//! allows no script (but the till's own file, on its session page) and no
//! inline style, no framing (clickjacking), no
//! referrer beyond the shop, no MIME sniffing; and, when the shop is
//! served over https, HSTS (browsers then never try it over plain http).
//! Set with tower-http.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy: everything from the shop itself, no scripts at all, no
/// plugins, no `<base>`, and no page may frame it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'none'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'";

/// The policy of the till's session page, the one page that runs a
/// script: the same, but scripts from the shop itself (`/till.js`; never
/// inline, never another origin). Its events come from the shop too
/// (`connect-src` falls back to `default-src 'self'`).
pub const TILL_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'";

/// HSTS, when the public URL is https: for a year, this host only (not
/// `includeSubDomains`, which would bind the merchant's other sites too,
/// nor `preload`, a decision of the domain's owner).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// `router`, every answer of which carries the security headers, and HSTS
/// when `https` (the shop's public URL is https: the TLS proxy in front
/// passes the header on; a browser ignores it over plain http).
pub fn secured<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let router = if https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        ))
    } else {
        router
    };
    let headers: [(HeaderName, &'static str); 5] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}
