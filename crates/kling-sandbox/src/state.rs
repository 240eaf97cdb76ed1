//! The sandbox's state: catalog, jobs, uploads, balance, counters and the seeded generator.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use kling_descriptor::{Descriptor, MicroCents};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use crate::config::{Envelope, SandboxConfig};
use crate::outputs;

/// A job as the sandbox keeps it. Its status is a function of time, computed on demand.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub id: String,
    pub request_id: String,
    pub seq: u64,
    pub key: String,
    pub model: String,
    pub cost: MicroCents,
    pub created_wall: SystemTime,
    pub created: Instant,
    pub processing_at: Instant,
    pub done_at: Instant,
    pub fails: bool,
    pub cancelled_at: Option<Instant>,
    /// Whether the refund of a failed or cancelled job was made.
    pub settled: bool,
    pub webhook_url: Option<String>,
    /// The input as the submit carried it, for tests to check what a client sent.
    pub input: serde_json::Value,
}

/// The states of a job, as the API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pending,
    Processing,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Processing => "processing",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Status::Pending,
            Status::Processing,
            Status::Completed,
            Status::Failed,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_active(self) -> bool {
        matches!(self, Status::Pending | Status::Processing)
    }

    pub fn progress(self) -> u8 {
        match self {
            Status::Pending | Status::Cancelled => 0,
            Status::Processing | Status::Failed => 50,
            Status::Completed => 100,
        }
    }
}

impl Job {
    pub fn status(&self, now: Instant) -> Status {
        if self.cancelled_at.is_some() {
            Status::Cancelled
        } else if now < self.processing_at {
            Status::Pending
        } else if now < self.done_at {
            Status::Processing
        } else if self.fails {
            Status::Failed
        } else {
            Status::Completed
        }
    }

    pub fn wall(&self, at: Instant) -> SystemTime {
        self.created_wall + at.saturating_duration_since(self.created)
    }

    pub fn completed_wall(&self, now: Instant) -> Option<SystemTime> {
        match self.status(now) {
            Status::Completed | Status::Failed => Some(self.wall(self.done_at)),
            Status::Cancelled => self.cancelled_at.map(|at| self.wall(at)),
            _ => None,
        }
    }

    /// The job as `GET /jobs/{id}` shows it.
    pub fn view(&self, now: Instant, origin: &str) -> Value {
        let status = self.status(now);
        let (output, outputs) = if status == Status::Completed {
            let url = outputs::url(origin, &self.id, outputs::VIDEO);
            let outputs = json!([{
                "url": url,
                "type": "video",
                "thumbnail": outputs::url(origin, &self.id, outputs::THUMBNAIL),
                "posterImage": outputs::url(origin, &self.id, outputs::POSTER),
            }]);
            (json!(url), outputs)
        } else {
            (Value::Null, Value::Null)
        };
        let error = if status == Status::Failed {
            json!({"code": "GENERATION_FAILED", "message": "the model could not generate this video; the cost was refunded"})
        } else {
            Value::Null
        };
        json!({
            "jobId": self.id,
            "status": status.as_str(),
            "progress": status.progress(),
            "model": self.model,
            "output": output,
            "outputs": outputs,
            "error": error,
            "createdAt": timestamp(self.created_wall),
            "completedAt": self.completed_wall(now).map(timestamp),
        })
    }

    /// The job as `GET /jobs` lists it.
    pub fn summary(&self, now: Instant) -> Value {
        let status = self.status(now);
        json!({
            "jobId": self.id,
            "status": status.as_str(),
            "progress": status.progress(),
            "model": self.model,
            "createdAt": timestamp(self.created_wall),
            "completedAt": self.completed_wall(now).map(timestamp),
        })
    }
}

/// An upload slot and, once PUT, its bytes.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub id: String,
    pub key: String,
    pub filename: String,
    pub content_type: String,
    pub created_wall: SystemTime,
    pub put_deadline: Instant,
    pub expires: Instant,
    pub max_size: usize,
    pub bytes: Option<bytes::Bytes>,
}

/// RFC 3339 UTC with milliseconds.
pub(crate) fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Counters that tests read to prove what happened.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub jobs_created: AtomicU64,
    pub submit_requests: AtomicU64,
    pub submits_refused_unavailable: AtomicU64,
    pub status_requests: AtomicU64,
    pub list_requests: AtomicU64,
    pub read_errors_injected: AtomicU64,
    pub connections_dropped: AtomicU64,
    pub webhook_attempts: AtomicU64,
    pub webhooks_delivered: AtomicU64,
    pub output_requests: AtomicU64,
    pub output_requests_with_credentials: AtomicU64,
    pub downloads_cut: AtomicU64,
    pub presign_requests: AtomicU64,
    pub upload_puts: AtomicU64,
}

/// A snapshot of the sandbox's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Jobs created (each one is a paid job).
    pub jobs_created: u64,
    /// `POST /jobs/submit` requests received, whatever their outcome.
    pub submit_requests: u64,
    /// Submits refused with an injected 503 (no job created).
    pub submits_refused_unavailable: u64,
    /// `GET /jobs/{id}` requests received.
    pub status_requests: u64,
    /// `GET /jobs` requests received.
    pub list_requests: u64,
    /// Reads answered with an injected 500.
    pub read_errors_injected: u64,
    /// Responses whose connection was dropped on purpose.
    pub connections_dropped: u64,
    /// Webhook delivery attempts.
    pub webhook_attempts: u64,
    /// Webhooks answered with a 2xx.
    pub webhooks_delivered: u64,
    /// Requests for output files (video, thumbnail, poster), whatever their outcome.
    pub output_requests: u64,
    /// Output-file requests that carried an `Authorization` or `x-api-key` header: outputs are
    /// public files on another host, so a client should never send its key there.
    pub output_requests_with_credentials: u64,
    /// Output downloads cut short on purpose ([`Faults::cut_download`](crate::Faults::cut_download)).
    pub downloads_cut: u64,
    /// `POST /uploads/presign` requests received, whatever their outcome.
    pub presign_requests: u64,
    /// `PUT` requests to presigned upload URLs received, whatever their outcome.
    pub upload_puts: u64,
}

/// One webhook delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookAttempt {
    /// The job the webhook is about.
    pub job_id: String,
    /// The URL it was sent to.
    pub url: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The HTTP status, or `None` when the request failed.
    pub status: Option<u16>,
}

pub(crate) struct Inner {
    pub rng: StdRng,
    pub seq: u64,
    pub jobs: BTreeMap<String, Job>,
    /// Job ids in creation order, for eviction and listing.
    pub order: VecDeque<String>,
    pub uploads: BTreeMap<String, Upload>,
    pub upload_bytes: usize,
    pub balance: Option<MicroCents>,
    pub webhook_log: Vec<WebhookAttempt>,
    /// Jobs that will fail and have not been refunded yet (so settling is not a scan of every job).
    pub unsettled: Vec<String>,
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub catalog: BTreeMap<String, Descriptor>,
    pub envelope: AtomicU8,
    pub counters: Counters,
    pub inner: Mutex<Inner>,
    pub base_url: OnceLock<String>,
    pub http: reqwest::Client,
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub fn new(config: SandboxConfig, catalog: BTreeMap<String, Descriptor>) -> Self {
        let inner = Inner {
            rng: StdRng::seed_from_u64(config.seed),
            seq: 0,
            jobs: BTreeMap::new(),
            order: VecDeque::new(),
            uploads: BTreeMap::new(),
            upload_bytes: 0,
            balance: config.balance,
            webhook_log: Vec::new(),
            unsettled: Vec::new(),
        };
        // With `rustls` (ring), reqwest reads the process-wide rustls provider and panics when
        // there is none; one installed by the application first is kept (the call then fails).
        #[cfg(all(feature = "rustls", not(feature = "rustls-aws-lc")))]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            envelope: AtomicU8::new(config.envelope as u8),
            config,
            catalog,
            counters: Counters::default(),
            inner: Mutex::new(inner),
            base_url: OnceLock::new(),
            http,
            shutdown: tokio::sync::watch::channel(false).0,
        }
    }

    /// The state, even if a previous holder panicked (the data stays consistent between steps).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn envelope(&self) -> Envelope {
        if self.envelope.load(Ordering::Relaxed) == Envelope::Wrapped as u8 {
            Envelope::Wrapped
        } else {
            Envelope::Bare
        }
    }

    /// `http://127.0.0.1:PORT` (no `/v1`).
    pub fn origin(&self) -> &str {
        self.base_url
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1")
    }

    /// When job `id` completed, if it has: only completed jobs have output files.
    pub fn completed_at(&self, id: &str) -> Option<SystemTime> {
        let now = Instant::now();
        self.lock()
            .jobs
            .get(id)
            .filter(|j| j.status(now) == Status::Completed)
            .and_then(|j| j.completed_wall(now))
    }

    /// Whether an injected fault with this rate happens now.
    pub fn roll(&self, rate: f64) -> bool {
        rate > 0.0 && self.lock().rng.random::<f64>() < rate
    }

    /// A real duration for a model duration on the sandbox clock.
    pub fn scaled(&self, model: Duration) -> Duration {
        model.div_f64(self.config.speed)
    }

    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            jobs_created: get(&c.jobs_created),
            submit_requests: get(&c.submit_requests),
            submits_refused_unavailable: get(&c.submits_refused_unavailable),
            status_requests: get(&c.status_requests),
            list_requests: get(&c.list_requests),
            read_errors_injected: get(&c.read_errors_injected),
            connections_dropped: get(&c.connections_dropped),
            webhook_attempts: get(&c.webhook_attempts),
            webhooks_delivered: get(&c.webhooks_delivered),
            output_requests: get(&c.output_requests),
            output_requests_with_credentials: get(&c.output_requests_with_credentials),
            downloads_cut: get(&c.downloads_cut),
            presign_requests: get(&c.presign_requests),
            upload_puts: get(&c.upload_puts),
        }
    }
}

impl Inner {
    pub fn next_id(&mut self, prefix: &str) -> String {
        let bytes: [u8; 6] = self.rng.random();
        format!("{prefix}{}", hex::encode(bytes))
    }

    /// Refunds failed jobs whose end has come (cancelled ones are refunded when cancelled).
    pub fn settle(&mut self, now: Instant) {
        let jobs = &mut self.jobs;
        let balance = &mut self.balance;
        self.unsettled.retain(|id| {
            let Some(job) = jobs.get_mut(id) else {
                return false;
            };
            if job.settled {
                return false;
            }
            if now < job.done_at {
                return true;
            }
            job.settled = true;
            if let Some(b) = balance.as_mut() {
                *b = b.checked_add(job.cost).unwrap_or(*b);
            }
            false
        });
    }

    /// Jobs of any key still pending or processing.
    pub fn active(&self, now: Instant) -> impl Iterator<Item = &Job> {
        self.jobs
            .values()
            .filter(move |j| j.status(now).is_active())
    }

    /// Makes room for one more job by forgetting the oldest finished one; false when all are active.
    pub fn make_room(&mut self, max_jobs: usize, now: Instant) -> bool {
        if self.jobs.len() < max_jobs {
            return true;
        }
        let Some(pos) = self
            .order
            .iter()
            .position(|id| self.jobs.get(id).is_none_or(|j| !j.status(now).is_active()))
        else {
            return false;
        };
        if let Some(id) = self.order.remove(pos) {
            self.jobs.remove(&id);
        }
        true
    }
}
