//! Which TLS stack the SDK's HTTP client speaks, chosen by Cargo feature.
//!
//! | feature | stack | build |
//! | --- | --- | --- |
//! | `rustls-ring` (default) | rustls with *ring*'s crypto, the platform's trust store | light: no C build system needed |
//! | `rustls-aws-lc` | rustls with aws-lc-rs's crypto (FIPS-capable, faster handshakes) | builds aws-lc's C library (cmake-free, ~30 s) |
//! | `native-tls` | the platform's TLS (OpenSSL, Schannel, Security.framework) | links the system library |
//! | none | plain HTTP only: an emulator, or a proxy that terminates TLS | lightest |
//!
//! When several are enabled the most specific wins: `native-tls`, then
//! `rustls-aws-lc`, then `rustls-ring` (the default, so that adding a
//! feature without `default-features = false` still picks it).
//!
//! The rustls stacks hand reqwest a finished [`rustls::ClientConfig`] that
//! names its crypto provider, so no call of the SDK's depends on a
//! process-wide provider being installed, and none can panic for the want
//! of one. (reqwest's own `rustls` feature would build aws-lc; its
//! `rustls-no-provider`, which these features use, panics in
//! `reqwest::Client::new()` unless such a provider is installed or the
//! config is preconfigured, as here.) A `reqwest::Client` of your own in
//! the same binary can start from [`http_client_builder`](crate::http_client_builder).
//!
//! ```
//! let client = dojo_payments_api::http_client()?;
//! # drop(client);
//! # Ok::<(), dojo_payments_api::HttpClientError>(())
//! ```

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpClientError {
    /// The TLS configuration could not be made (no usable trust store, no
    /// protocol version the provider supports).
    #[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc"))]
    #[error("the TLS configuration could not be made: {0}")]
    Tls(#[from] rustls::Error),
    /// reqwest refused the configuration.
    #[error("the HTTP client could not be built: {0}")]
    Http(#[from] reqwest::Error),
}

/// Sets the selected TLS stack on `builder`.
pub(crate) fn configure(
    builder: reqwest::ClientBuilder,
) -> Result<reqwest::ClientBuilder, HttpClientError> {
    #[cfg(feature = "native-tls")]
    return Ok(builder.tls_backend_native());
    #[cfg(all(
        not(feature = "native-tls"),
        any(feature = "rustls-ring", feature = "rustls-aws-lc")
    ))]
    return Ok(builder.tls_backend_preconfigured(rustls_config()?));
    #[cfg(not(any(
        feature = "native-tls",
        feature = "rustls-ring",
        feature = "rustls-aws-lc"
    )))]
    return Ok(builder);
}

/// The crypto provider the rustls features select, named explicitly.
#[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc"))]
pub(crate) fn crypto_provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "rustls-aws-lc")]
    return rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "rustls-aws-lc"))]
    return rustls::crypto::ring::default_provider();
}

/// rustls with the selected provider, the platform's trust store (as
/// reqwest's own rustls feature verifies), offering HTTP/2 by ALPN only
/// with the `http2` feature.
#[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc"))]
#[cfg_attr(
    feature = "native-tls",
    expect(dead_code, reason = "native-tls wins when both are enabled")
)]
fn rustls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;

    let mut config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(crypto_provider()))
            .with_safe_default_protocol_versions()?
            .with_platform_verifier()?
            .with_no_client_auth();
    // reqwest sets ALPN only on configs it builds itself.
    config.alpn_protocols = if cfg!(feature = "http2") {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(config)
}

#[cfg(all(test, any(feature = "rustls-ring", feature = "rustls-aws-lc")))]
mod tests {
    use super::*;

    #[test]
    fn the_config_names_its_provider_and_needs_no_global_one() {
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        let config = rustls_config().expect("a config");
        let suites = |p: &rustls::crypto::CryptoProvider| {
            p.cipher_suites
                .iter()
                .map(|s| s.suite())
                .collect::<Vec<_>>()
        };
        assert_eq!(suites(config.crypto_provider()), suites(&crypto_provider()));
        assert!(config.alpn_protocols.contains(&b"http/1.1".to_vec()));
        // Building the client did not install one either.
        crate::http_client().expect("a client");
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }
}
