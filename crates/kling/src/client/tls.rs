//! The TLS stack behind the client, chosen by crate feature: `rustls` (default, ring),
//! `rustls-aws-lc` or `native-tls` (see the crate's README for which builds where).

/// Whether this build can open https connections at all.
pub(super) const AVAILABLE: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-aws-lc",
    feature = "native-tls"
));

/// Readies the TLS stack for a `reqwest::Client` built outside [`Client`](super::Client), which
/// does this itself.
///
/// Only the `rustls` feature (ring) needs it: reqwest then carries no crypto provider of its own
/// and panics when it builds a client while none is installed process-wide, so this installs ring
/// as that default. A provider the application installed first is kept (`install_default` then
/// fails, which is ignored). With `rustls-aws-lc`, `native-tls` or no TLS it does nothing.
pub fn prepare_tls() {
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
