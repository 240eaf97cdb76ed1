//! The TLS stack behind the client, chosen by crate feature: `rustls` (default, ring),
//! `rustls-aws-lc` or `native-tls` (see the crate's README for which builds where).

/// Whether this build can open https connections at all.
pub(super) const AVAILABLE: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-aws-lc",
    feature = "native-tls"
));

/// Readies the TLS stack before the client builds its `reqwest::Client`.
///
/// With `rustls` (and not `rustls-aws-lc`, which brings reqwest's own provider), reqwest carries
/// no crypto provider and reads the process-wide default, panicking when there is none; so ring
/// is installed as that default. An application that installed a provider first keeps it:
/// `install_default` then fails, which is ignored.
pub(super) fn prepare() {
    #[cfg(all(feature = "rustls", not(feature = "rustls-aws-lc")))]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(all(test, feature = "rustls", not(feature = "rustls-aws-lc")))]
mod tests {
    use crate::client::Client;

    #[test]
    fn ring_is_installed_without_help_from_the_application() {
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
