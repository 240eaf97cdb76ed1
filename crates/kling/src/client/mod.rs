//! The async client for the PixelByte jobs API (feature `client`, on by default).
//!
//! ```no_run
//! use kling::prelude::*;
//! use kling::client::{Client, WaitOptions, Outcome};
//! use kling::models::kling_plus::kling_o3_standard::text_to_video::{Duration, Input};
//!
//! # async fn demo() -> Result<(), kling::client::Error> {
//! let client = Client::from_env()?; // PIXELBYTE_API_KEY, optional PIXELBYTE_BASE_URL
//! let input = Input::new("a paper boat drifts down a rainy street").duration(Duration::Seconds5);
//! let job = client.submit(&input).await?; // validated and priced before anything is sent
//! match client.wait(&job, WaitOptions::default()).await? {
//!     Outcome::Completed(done) => println!("{}", done.outputs[0].url),
//!     other => eprintln!("{other:?}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # What an answer to a submit proves
//!
//! The API has no idempotency key, so a submit is only ever sent again when the answer proves
//! that no job was created. Every answer falls in one row of this table:
//!
//! | answer | proves | the client |
//! |---|---|---|
//! | 2xx whose body has a readable `jobId` (a string), whatever else it holds | a job exists | returns the [`Job`]; any other member of the wrong type is logged as a warning (with its value) and left out: the status is then `pending`, the charge the list price, the ETA the model's typical time |
//! | 4xx in the API's error envelope (`{"error": {"code", …}}`: 400, 401, 402, 403, 404, …) | no job | returns [`Error::Api`]; never retried |
//! | 429 `CONCURRENT_JOBS_EXCEEDED` in the envelope | no job | retries after `details.retryAfter` (capped), then [`Error::Api`] |
//! | 503 `PUBSUB_PUBLISH_FAILED` in the envelope ("could not be queued") | no job | retries with backoff, then [`Error::Api`] |
//! | connection refused, nothing sent | no job | retries with backoff, then [`Error::Transport`] |
//! | 500 `INTERNAL_ERROR` / `CONFIG_ERROR`, 502, 504, any other 5xx, any 5xx without the envelope | nothing | [`Error::SubmitOutcomeUnknown`] (status and first bytes of the body in its reason); never retried |
//! | a 4xx that is not the API's envelope (a proxy's 408 or 413 page), a 1xx or 3xx | nothing | [`Error::SubmitOutcomeUnknown`]; never retried |
//! | a 2xx without a readable `jobId` (not JSON, empty, no `jobId`, or one that is not a string) | nothing | [`Error::SubmitOutcomeUnknown`]; never retried |
//! | a timeout, reset or cut-off answer after the request was sent | nothing | [`Error::SubmitOutcomeUnknown`]; never retried |
//!
//! Reads (`job`, `jobs`, `wait`, `estimate`, presigning) retry 429, 5xx, timeouts and dropped
//! connections with jittered backoff; when the retries run out on a server error they end in
//! [`Error::ServerFailed`], which says that nothing was charged by reading.

use std::sync::Arc;
use std::time::Duration;

use crate::MicroCents;

mod answers;
mod builder;
mod downloads;
mod error;
mod http;
mod jobs;
mod local_files;
mod partial;
mod reconcile;
mod tls;
mod transfer;
mod types;
mod uploads;
mod wait;
mod wire;

pub use builder::ClientBuilder;
pub use downloads::{Downloaded, OutputFile};
pub use error::{ApiError, Error};
pub use local_files::{LocalFiles, Uploaded};
pub use reconcile::{ReconcileOptions, Reconciled, UnknownSubmit};
pub use tls::prepare_tls;
pub use transfer::{TransferProgress, TransferTimeout};
pub use types::{
    Cancelled, Charge, Estimate, Job, JobFilter, JobState, JobSummary, SubmitOptions, UploadedFile,
};
pub use uploads::content_type_of;
pub use wait::{Outcome, WaitOptions, WaitProgress};

#[doc(hidden)]
pub use wire::decode_for_fuzzing;

/// The API's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.muvi.video/v1";

/// An API key that never shows itself in `Debug` or `Display`.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// When to retry and how long to wait between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff step; each next one doubles, with jitter.
    pub initial_backoff: Duration,
    /// The largest backoff step.
    pub max_backoff: Duration,
    /// The most a server's `retryAfter` is honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, backoff from 1 s doubling to at most 60 s, `retryAfter` honoured up to 60 s
    /// (the API's own advice for 503).
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

struct Inner {
    http: reqwest::Client,
    base_url: reqwest::Url,
    api_key: ApiKey,
    user_agent: String,
    request_timeout: Duration,
    operation_timeout: Duration,
    transfer_timeout: TransferTimeout,
    retry: RetryPolicy,
    budget: Option<MicroCents>,
}

/// The client. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("api_key", &self.inner.api_key)
            .field("retry", &self.inner.retry)
            .field("budget", &self.inner.budget)
            .finish_non_exhaustive()
    }
}

/// Whether a URL's host is this machine (`localhost`, 127.0.0.0/8, `::1`): the only hosts plain
/// http is allowed for.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
