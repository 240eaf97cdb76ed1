//! Building a [`Client`]: the key, the base URL (https, or http to this machine only), timeouts,
//! retries and a budget.

use std::sync::Arc;
use std::time::Duration;

use super::{
    ApiKey, Client, DEFAULT_BASE_URL, Error, Inner, RetryPolicy, TransferTimeout, is_loopback, tls,
};
use crate::MicroCents;

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    operation_timeout: Duration,
    transfer_timeout: TransferTimeout,
    retry: RetryPolicy,
    user_agent: String,
    http: Option<reqwest::Client>,
    budget: Option<MicroCents>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_string(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            operation_timeout: Duration::from_secs(300),
            transfer_timeout: TransferTimeout::default(),
            retry: RetryPolicy::default(),
            user_agent: format!("kling-rs/{}", env!("CARGO_PKG_VERSION")),
            http: None,
            budget: None,
        }
    }
}

/// Whether a URL's host is this machine (`localhost`, 127.0.0.0/8, `::1`): the only hosts plain
/// Whether `url` may be used as a base URL: https anywhere, http only to loopback hosts, and
/// nothing after the path (requests add their own).
fn check_base_url(url: &str) -> Result<reqwest::Url, Error> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("the base URL `{url}` is not a URL: {e}")))?;
    let loopback = is_loopback(&parsed);
    match parsed.scheme() {
        "https" if !tls::AVAILABLE => {
            return Err(Error::Config(format!(
                "cannot reach `{url}`: this build of kling has no TLS; enable its `rustls`, `rustls-aws-lc` or `native-tls` feature"
            )));
        }
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::Config(format!(
                "refusing the plain-http base URL `{url}`: the API key would travel unencrypted; use https (http is allowed for loopback hosts only)"
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "the base URL must be https, not `{other}:`"
            )));
        }
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "the base URL `{url}` has a query or fragment; give the API's root only"
        )));
    }
    Ok(parsed)
}

impl ClientBuilder {
    /// The API key (required).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// The base URL (default [`DEFAULT_BASE_URL`]); https, or http to a loopback host.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time to establish a connection (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time for one HTTP attempt (default 60 s).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Time for one operation, all its retries included (default 5 min).
    #[must_use]
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// How long one upload or download attempt may take, by its size (default 60 s plus the
    /// size at 256 KiB/s). It replaces the per-request and per-operation timeouts for the bytes
    /// of a file, which would cut off a large video on an ordinary link.
    #[must_use]
    pub fn transfer_timeout(mut self, timeout: TransferTimeout) -> Self {
        self.transfer_timeout = timeout;
        self
    }

    /// The retry policy.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` header.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Your own reqwest client (its timeouts and proxies apply; `connect_timeout` is ignored).
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Refuse to submit any job whose list price (for [`Client::submit_raw`], the server's
    /// estimate) is above this.
    #[must_use]
    pub fn budget(mut self, budget: MicroCents) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let api_key = self.api_key.ok_or_else(|| {
            Error::Config("an API key is required (set PIXELBYTE_API_KEY)".into())
        })?;
        if api_key.expose().trim().is_empty() {
            return Err(Error::Config("the API key is empty".into()));
        }
        let base_url = check_base_url(&self.base_url)?;
        let http = match self.http {
            Some(http) => http,
            None => {
                tls::prepare_tls();
                reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                api_key,
                user_agent: self.user_agent,
                request_timeout: self.request_timeout,
                operation_timeout: self.operation_timeout,
                transfer_timeout: self.transfer_timeout,
                retry: self.retry,
                budget: self.budget,
            }),
        })
    }
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from `PIXELBYTE_API_KEY` and, when set, `PIXELBYTE_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        let key = std::env::var("PIXELBYTE_API_KEY")
            .map_err(|_| Error::Config("PIXELBYTE_API_KEY is not set".into()))?;
        let mut builder = Self::builder().api_key(key);
        if let Ok(url) = std::env::var("PIXELBYTE_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str().trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_or_loopback() {
        let client = |url: &str| Client::builder().api_key("pb_x").base_url(url).build();
        let https = client("https://api.muvi.video/v1/");
        if tls::AVAILABLE {
            assert_eq!(https.unwrap().base_url(), "https://api.muvi.video/v1");
        } else {
            assert!(matches!(https, Err(Error::Config(m)) if m.contains("no TLS")));
        }
        for ok in [
            "http://127.0.0.1:8787/v1",
            "http://localhost:1/v1",
            "http://[::1]:9/v1",
            "http://127.0.0.1:8787",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.muvi.video/v1",
            "http://10.0.0.5/v1",
            "ftp://x",
            "not a url",
            "https://api.muvi.video/v1?debug=1",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_key_never_shows() {
        let client = Client::builder()
            .api_key("pb_super_secret")
            .base_url("http://127.0.0.1:1/v1")
            .build()
            .unwrap();
        assert!(!format!("{client:?}").contains("pb_super_secret"));
        assert!(format!("{:?}", ApiKey::new("pb_x")).contains("redacted"));
        assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
        assert!(matches!(
            Client::builder().api_key(" ").build(),
            Err(Error::Config(_))
        ));
    }
}
