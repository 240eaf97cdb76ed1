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

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::Stream;
use serde_json::{Value, json};
use tracing::Instrument;

use crate::api::JobStatus;
use crate::{AnyInput, MicroCents, Model, ModelId};

mod error;
mod http;
mod tls;
mod types;
mod wait;

pub use error::{ApiError, Error};
pub use types::{
    Cancelled, Charge, Estimate, Job, JobFilter, JobState, JobSummary, SubmitOptions, UploadedFile,
};
pub use wait::{Outcome, WaitOptions, WaitProgress};

#[doc(hidden)]
pub use http::decode_for_fuzzing;
use http::{Call, Retry};

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
    base_url: String,
    api_key: ApiKey,
    user_agent: String,
    request_timeout: Duration,
    operation_timeout: Duration,
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
            .field("base_url", &self.inner.base_url)
            .field("api_key", &self.inner.api_key)
            .field("retry", &self.inner.retry)
            .field("budget", &self.inner.budget)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    operation_timeout: Duration,
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
            retry: RetryPolicy::default(),
            user_agent: format!("kling-rs/{}", env!("CARGO_PKG_VERSION")),
            http: None,
            budget: None,
        }
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

/// Whether `url` may be used as a base URL: https anywhere, http only to loopback hosts.
fn check_base_url(url: &str) -> Result<String, Error> {
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
    Ok(url.trim_end_matches('/').to_string())
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

    /// Refuse to submit any job whose list price is above this.
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
                tls::prepare();
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
        &self.inner.base_url
    }

    /// Validates, prices and submits a typed input.
    pub async fn submit<M: Model>(&self, input: &M) -> Result<Job, Error> {
        self.submit_with(input, SubmitOptions::default()).await
    }

    /// [`Client::submit`] with a webhook URL or a budget.
    pub async fn submit_with<M: Model>(
        &self,
        input: &M,
        options: SubmitOptions,
    ) -> Result<Job, Error> {
        input.validate().map_err(Error::InvalidInput)?;
        let cost = input.cost();
        let json = serde_json::to_value(input)
            .map_err(|e| Error::Config(format!("the input does not serialize: {e}")))?;
        self.send_submit(M::SLUG, M::INFO.processing_time(), json, cost, options)
            .await
    }

    /// Decodes, validates, prices and submits a wire-format JSON input for a model given by slug.
    pub async fn submit_json(
        &self,
        model: ModelId,
        input: Value,
        options: SubmitOptions,
    ) -> Result<Job, Error> {
        let typed = model.decode_input(input).map_err(|e| {
            Error::InvalidInput(crate::Violations(vec![crate::Violation {
                path: e.path.clone(),
                code: crate::ViolationCode::WrongType,
                message: e.message,
            }]))
        })?;
        self.submit_any(&typed, options).await
    }

    /// Validates, prices and submits an input of any model.
    pub async fn submit_any(&self, input: &AnyInput, options: SubmitOptions) -> Result<Job, Error> {
        input.validate().map_err(Error::InvalidInput)?;
        let json = input
            .to_json()
            .map_err(|e| Error::Config(format!("the input does not serialize: {e}")))?;
        let model = input.model();
        self.send_submit(
            model.slug(),
            model.info().processing_time(),
            json,
            input.cost(),
            options,
        )
        .await
    }

    async fn send_submit(
        &self,
        slug: &str,
        processing_time: Duration,
        input: Value,
        cost: MicroCents,
        options: SubmitOptions,
    ) -> Result<Job, Error> {
        if let Some(budget) = options.budget.or(self.inner.budget)
            && cost > budget
        {
            return Err(Error::OverBudget { cost, budget });
        }
        let mut body = json!({"model": slug, "input": input});
        if let Some(url) = &options.webhook_url {
            check_webhook_url(url)?;
            body["webhookUrl"] = json!(url);
        }
        let span = tracing::info_span!(
            "pixelbyte.submit",
            model = slug,
            cost_micro_cents = cost.get()
        );
        let reply = self
            .call(Call {
                operation: "submit",
                method: reqwest::Method::POST,
                path: "/jobs/submit".into(),
                query: Vec::new(),
                body: Some((body.to_string().into_bytes(), "application/json")),
                retry: Retry::Submit,
                auth: true,
                submit: Some((slug.to_string(), cost)),
            })
            .instrument(span)
            .await?;
        let data = &reply.data;
        let Some(id) = data.get("jobId").and_then(Value::as_str) else {
            return Err(Error::SubmitOutcomeUnknown {
                model: slug.to_string(),
                estimated_cost: cost,
                reason: format!(
                    "the answer has no jobId: {}",
                    reply.raw.chars().take(300).collect::<String>()
                ),
                sent_at: SystemTime::now(),
            });
        };
        let charged = data
            .get("costMicroCents")
            .and_then(Value::as_u64)
            .map_or(cost, MicroCents::new);
        let job = Job {
            id: id.to_string(),
            request_id: reply.request_id.clone().or_else(|| {
                data.get("requestId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }),
            model: slug.to_string(),
            status: data
                .get("status")
                .and_then(Value::as_str)
                .map_or(JobStatus::Pending, JobStatus::from),
            estimated_completion: crate::api::parse_time(data.get("estimatedCompletionTime")),
            cost: charged,
            estimated_cost: cost,
            processing_time,
            submitted_at: SystemTime::now(),
        };
        match job.charge() {
            Charge::AboveEstimate { by } => {
                tracing::warn!(job_id = %job.id, charged = charged.get(), estimated = cost.get(), above = by.get(), "charged more than the list price");
            }
            Charge::Discounted { by } => {
                tracing::info!(job_id = %job.id, discount = by.get(), "charged less than the list price")
            }
            Charge::AsEstimated => {}
        }
        tracing::info!(job_id = %job.id, model = slug, "job submitted");
        Ok(job)
    }

    /// The current state of a job.
    pub async fn job(&self, id: &str) -> Result<JobState, Error> {
        let span = tracing::debug_span!("pixelbyte.job", job_id = id);
        let reply = self
            .get("job", format!("/jobs/{}", encode(id)), Vec::new())
            .instrument(span)
            .await?;
        JobState::from_value(reply.data).ok_or_else(|| Error::Decode {
            operation: "job",
            status: reply.status,
            message: "no jobId or status".into(),
            body: reply.raw,
        })
    }

    /// A JSON POST under the base URL, with the key.
    async fn post_json(
        &self,
        operation: &'static str,
        path: String,
        body: &Value,
        retry: Retry,
    ) -> Result<http::Reply, Error> {
        self.call(Call {
            operation,
            method: reqwest::Method::POST,
            path,
            query: Vec::new(),
            body: Some((body.to_string().into_bytes(), "application/json")),
            retry,
            auth: true,
            submit: None,
        })
        .await
    }

    async fn get(
        &self,
        operation: &'static str,
        path: String,
        query: Vec<(&'static str, String)>,
    ) -> Result<http::Reply, Error> {
        self.call(Call {
            operation,
            method: reqwest::Method::GET,
            path,
            query,
            body: None,
            retry: Retry::Safe,
            auth: true,
            submit: None,
        })
        .await
    }

    /// One page of jobs: the jobs, and the cursor of the next page.
    pub async fn jobs_page(
        &self,
        filter: &JobFilter,
        cursor: Option<&str>,
    ) -> Result<(Vec<JobSummary>, Option<String>), Error> {
        let mut query = Vec::new();
        if let Some(size) = filter.page_size {
            query.push(("limit", size.clamp(1, 100).to_string()));
        }
        if let Some(status) = &filter.status {
            query.push(("status", status.as_str().to_string()));
        }
        if let Some(model) = &filter.model {
            query.push(("modelId", model.clone()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_string()));
        }
        let reply = self.get("jobs", "/jobs".into(), query).await?;
        let Some(list) = reply.data.get("jobs").and_then(Value::as_array) else {
            return Err(Error::Decode {
                operation: "jobs",
                status: reply.status,
                message: "no `jobs` array".into(),
                body: reply.raw,
            });
        };
        let jobs = list.iter().filter_map(JobSummary::from_value).collect();
        let more = reply
            .data
            .get("hasMore")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let next = reply
            .data
            .get("nextCursor")
            .and_then(Value::as_str)
            .filter(|_| more)
            .map(str::to_owned);
        Ok((jobs, next))
    }

    /// Every job matching `filter`, newest first, fetched page by page as the stream is read.
    pub fn jobs(&self, filter: JobFilter) -> impl Stream<Item = Result<JobSummary, Error>> + '_ {
        use futures_util::StreamExt;
        // State: None = done; Some(cursor) = fetch next (the first fetch has no cursor).
        let pages = futures_util::stream::try_unfold(Some(None::<String>), move |state| {
            let filter = filter.clone();
            async move {
                let Some(cursor) = state else { return Ok(None) };
                let (jobs, next) = self.jobs_page(&filter, cursor.as_deref()).await?;
                let state = next.map(Some);
                Ok(Some((
                    futures_util::stream::iter(jobs.into_iter().map(Ok)),
                    state,
                )))
            }
        });
        pages
            .map(|page| match page {
                Ok(items) => items.left_stream(),
                Err(e) => futures_util::stream::iter(vec![Err(e)]).right_stream(),
            })
            .flatten()
    }

    /// Cancels a pending job; the cost is refunded.
    pub async fn cancel(&self, id: &str) -> Result<Cancelled, Error> {
        let reply = self
            .post_json(
                "cancel",
                format!("/jobs/{}/cancel", encode(id)),
                &json!({}),
                Retry::ConnectOnly,
            )
            .await?;
        Ok(Cancelled {
            id: reply
                .data
                .get("jobId")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string(),
            refunded: MicroCents::new(
                reply
                    .data
                    .get("refundedMicroCents")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            ),
        })
    }

    /// The server's price estimate for an input.
    pub async fn estimate<M: Model>(&self, input: &M) -> Result<Estimate, Error> {
        let json = serde_json::to_value(input)
            .map_err(|e| Error::Config(format!("the input does not serialize: {e}")))?;
        self.estimate_json(M::SLUG, json).await
    }

    /// The server's price estimate for a wire-format input of a model slug.
    pub async fn estimate_json(&self, slug: &str, input: Value) -> Result<Estimate, Error> {
        let body = json!({"model": slug, "input": input});
        let reply = self
            .post_json("estimate", "/jobs/estimate".into(), &body, Retry::Safe)
            .await?;
        let d = &reply.data;
        let estimated = d
            .get("estimatedCostMicroCents")
            .or_else(|| d.get("costMicroCents"))
            .or_else(|| d.get("totalMicroCents"))
            .and_then(Value::as_u64);
        let Some(estimated) = estimated else {
            return Err(Error::Decode {
                operation: "estimate",
                status: reply.status,
                message: "no estimated cost".into(),
                body: reply.raw,
            });
        };
        Ok(Estimate {
            base: d
                .get("baseCostMicroCents")
                .and_then(Value::as_u64)
                .map(MicroCents::new),
            estimated: MicroCents::new(estimated),
            discounted: d
                .get("hasDiscount")
                .or_else(|| d.get("discounted"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            raw: reply.data,
        })
    }

    /// Uploads bytes (presign, then PUT) and returns the URL to put in an input.
    pub async fn upload_bytes(
        &self,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<UploadedFile, Error> {
        let body = json!({"filename": filename, "contentType": content_type});
        let slot = self
            .post_json("presign", "/uploads/presign".into(), &body, Retry::Safe)
            .await?;
        let field = |name: &str| {
            slot.data
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let (Some(upload_url), Some(file_url)) = (field("uploadUrl"), field("fileUrl")) else {
            return Err(Error::Decode {
                operation: "presign",
                status: slot.status,
                message: "no uploadUrl or fileUrl".into(),
                body: slot.raw,
            });
        };
        if let Some(max) = slot.data.get("maxSize").and_then(Value::as_u64)
            && bytes.len() as u64 > max
        {
            return Err(Error::Config(format!(
                "{filename} is {} bytes, more than the {max} allowed for {content_type}",
                bytes.len()
            )));
        }
        self.call(Call {
            operation: "upload",
            method: reqwest::Method::PUT,
            path: upload_url,
            query: Vec::new(),
            body: Some((bytes, content_type)),
            retry: Retry::Safe,
            auth: false,
            submit: None,
        })
        .await?;
        Ok(UploadedFile {
            url: file_url,
            id: field("fileId"),
            expires_at: crate::api::parse_time(slot.data.get("expiresAt")),
        })
    }

    /// Uploads a file from disk; the content type comes from its extension.
    pub async fn upload_path(
        &self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<UploadedFile, Error> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let content_type = content_type_of(path).ok_or_else(|| {
            Error::Config(format!(
                "{shown}: unknown file type; use jpg, png, webp, gif, mp4, webm, mp3 or wav"
            ))
        })?;
        let bytes = tokio::task::spawn_blocking({
            let path = path.to_path_buf();
            move || std::fs::read(path)
        })
        .await
        .map_err(|e| Error::Io {
            path: shown.clone(),
            source: std::io::Error::other(e),
        })?
        .map_err(|source| Error::Io {
            path: shown.clone(),
            source,
        })?;
        let filename = path
            .file_name()
            .map_or_else(|| "upload".into(), |n| n.to_string_lossy().into_owned());
        self.upload_bytes(&filename, content_type, bytes).await
    }
}

/// The content type the API accepts for a file extension.
pub fn content_type_of(path: &std::path::Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" | "mpeg" => "audio/mpeg",
        "wav" => "audio/wav",
        _ => return None,
    })
}

fn check_webhook_url(url: &str) -> Result<(), Error> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("the webhook URL `{url}` is not a URL: {e}")))?;
    let loopback = is_loopback(&parsed);
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(Error::Config(format!(
            "the webhook URL `{url}` must be https (http only for loopback receivers)"
        ))),
    }
}

/// Percent-encodes a path segment (job ids are plain, but never trust input).
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_or_loopback() {
        let https = check_base_url("https://api.muvi.video/v1/");
        if tls::AVAILABLE {
            assert!(https.is_ok_and(|u| u == "https://api.muvi.video/v1"));
        } else {
            assert!(matches!(https, Err(Error::Config(m)) if m.contains("no TLS")));
        }
        for ok in [
            "http://127.0.0.1:8787/v1",
            "http://localhost:1/v1",
            "http://[::1]:9/v1",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.muvi.video/v1",
            "http://10.0.0.5/v1",
            "ftp://x",
            "not a url",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
        assert!(check_webhook_url("http://example.com/hook").is_err());
        assert!(check_webhook_url("https://example.com/hook").is_ok());
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
        assert_eq!(encode("job_1/../x"), "job_1%2F..%2Fx");
    }
}
