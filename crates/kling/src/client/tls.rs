//! The TLS stack behind the client, chosen by crate feature: `rustls` (default, aws-lc-rs),
//! `rustls-ring` or `native-tls` (see the crate's README for which builds where).

/// Whether this build can open https connections at all.
pub(super) const AVAILABLE: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// Readies the TLS stack before the client builds its `reqwest::Client`.
///
/// With `rustls-ring`, reqwest carries no crypto provider of its own and reads the process-wide
/// default (it panics when there is none), so ring is installed as that default. An application
/// that installed a provider first keeps it: `install_default` then fails, which is ignored.
pub(super) fn prepare() {
    #[cfg(feature = "rustls-ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(all(test, feature = "rustls-ring"))]
mod tests {
    use crate::client::Client;

    #[test]
    fn ring_builds_use_ring_without_help_from_the_application() {
        for _ in 0..2 {
            let client = Client::builder()
                .api_key("pb_test")
                .base_url("https://api.muvi.video/v1")
                .build();
            assert!(client.is_ok());
        }
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
