//! A local PixelByte-compatible jobs API for Kling models, driven by the model descriptors.
//!
//! The sandbox answers the routes of the real API on loopback: submit, get, list, cancel,
//! estimate, uploads and models, with bearer (or `x-api-key`) keys and scopes. The descriptors
//! decide what is valid and what it costs, interpreted at run time by `kling-descriptor` (the SDK
//! runs generated code, so the two implementations check each other). Jobs move from `pending`
//! to `processing` to `completed` or `failed` on a clock that can run faster than real time;
//! completed jobs get output files the sandbox serves itself, as a CDN would (a few MiB of
//! video, `Range` requests, validators); webhooks are signed and retried on the API's schedule.
//! Faults (503 on submit, 500 on reads, dropped connections, latency, failed generations,
//! downloads cut short) are injected at seeded rates. The foreground runner (`SandboxArgs`
//! and the `kling-sandbox` binary) needs the `cli` feature.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kling_sandbox::SandboxError> {
//! use kling_sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig::for_tests()).await?;
//! println!("{} with key {}", sandbox.base_url(), sandbox.api_key());
//! // … point a client at it …
//! assert_eq!(sandbox.stats().jobs_created, 0);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use kling_descriptor::{Descriptor, MicroCents, check, load};

#[cfg(feature = "cli")]
mod cli;
mod config;
mod extract;
pub mod gateway;
mod outputs;
mod response;
mod routes;
mod state;
mod webhook;

#[cfg(feature = "cli")]
pub use cli::SandboxArgs;
pub use config::{ApiKey, Envelope, Faults, SandboxConfig, Scope, random_seed};
pub use state::{Stats, WebhookAttempt};
pub use webhook::{RETRY_SCHEDULE_SECS, sign_webhook};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A configuration value is out of range.
    #[error("invalid sandbox configuration: {0}")]
    Config(String),
    /// The descriptors did not load or check.
    #[error("the model catalog has errors:\n{}", .0.join("\n"))]
    Catalog(Vec<String>),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] waits for it.
pub struct Sandbox {
    shared: Arc<state::Shared>,
    addr: SocketAddr,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

fn load_catalog(dir: Option<&Path>) -> Result<BTreeMap<String, Descriptor>, SandboxError> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    match dir {
        Some(dir) => {
            let catalog = load::load_dir(dir);
            errors.extend(
                catalog
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(ToString::to_string),
            );
            loaded = catalog.descriptors;
        }
        None => {
            for (rel, text) in embedded::EMBEDDED {
                match load::parse(Path::new(rel), text) {
                    Ok(descriptor) => loaded.push(load::Loaded {
                        relative_path: (*rel).to_string(),
                        file: Path::new(rel).to_path_buf(),
                        descriptor,
                    }),
                    Err(problems) => errors.extend(problems.iter().map(ToString::to_string)),
                }
            }
        }
    }
    errors.extend(
        check::check_catalog(&loaded)
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string),
    );
    if !errors.is_empty() {
        return Err(SandboxError::Catalog(errors));
    }
    if loaded.is_empty() {
        return Err(SandboxError::Catalog(vec![
            "no model descriptors found".into(),
        ]));
    }
    Ok(loaded
        .into_iter()
        .map(|l| (l.descriptor.slug.clone(), l.descriptor))
        .collect())
}

/// The catalog compiled into the sandbox, checked: every model by slug.
pub fn embedded_catalog() -> Result<BTreeMap<String, Descriptor>, SandboxError> {
    load_catalog(None)
}

impl Sandbox {
    /// Starts a sandbox on an ephemeral loopback port.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        Self::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a sandbox on `addr`.
    pub async fn bind(config: SandboxConfig, addr: SocketAddr) -> Result<Self, SandboxError> {
        config.validate().map_err(SandboxError::Config)?;
        let catalog = load_catalog(config.schemas_dir.as_deref())?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let shared = Arc::new(state::Shared::new(config, catalog));
        let _ = shared.base_url.set(format!("http://{addr}"));
        let app = routes::router(shared.clone());
        let mut stop = shared.shutdown.subscribe();
        let server = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.changed().await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        Ok(Self {
            shared,
            addr,
            server: Some(server),
        })
    }

    /// The API base URL, `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first configured API key.
    pub fn api_key(&self) -> &str {
        self.shared
            .config
            .api_keys
            .first()
            .map_or("", |k| k.key.as_str())
    }

    /// The webhook signing secret.
    pub fn webhook_secret(&self) -> &str {
        &self.shared.config.webhook_secret
    }

    /// The models the sandbox serves.
    pub fn models(&self) -> impl Iterator<Item = &Descriptor> {
        self.shared.catalog.values()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// The ids of every job created and still kept, oldest first.
    pub fn job_ids(&self) -> Vec<String> {
        self.shared.lock().order.iter().cloned().collect()
    }

    /// The bytes served at output URL `name` (`output_0.mp4`, `thumb_0.jpg`, `poster_0.jpg`) of
    /// a completed job, to compare a download with; `None` when the job is unknown, not
    /// completed, or has no such file. Each job's video is a few MiB, the same on every request.
    pub fn output_file(&self, job_id: &str, name: &str) -> Option<bytes::Bytes> {
        self.shared.completed_at(job_id)?;
        let file = outputs::OutputFile::new(job_id, name)?;
        Some(file.read(0..file.len()))
    }

    /// The input job `job_id` was submitted with, as the request carried it (to check what a
    /// client sent); `None` when there is no such job kept.
    pub fn job_input(&self, job_id: &str) -> Option<serde_json::Value> {
        self.shared
            .lock()
            .jobs
            .get(job_id)
            .map(|job| job.input.clone())
    }

    /// The bytes stored for upload `file_id` (the presign answer's `fileId`), as the last
    /// successful PUT sent them; `None` when there is no such upload or nothing was PUT yet.
    pub fn uploaded_file(&self, file_id: &str) -> Option<bytes::Bytes> {
        routes::uploaded_bytes(&self.shared, file_id)
    }

    /// The account balance (`None` when unlimited), refunds of finished jobs included.
    pub fn balance(&self) -> Option<MicroCents> {
        let mut inner = self.shared.lock();
        inner.settle(std::time::Instant::now());
        inner.balance
    }

    /// Every webhook delivery attempt so far.
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.shared.lock().webhook_log.clone()
    }

    /// Switches the envelope of successful responses.
    pub fn set_envelope(&self, envelope: Envelope) {
        self.shared
            .envelope
            .store(envelope as u8, Ordering::Relaxed);
    }

    /// Stops accepting connections, finishes the requests in flight and cancels pending webhook
    /// deliveries.
    pub async fn shutdown(mut self) {
        let _ = self.shared.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shared.shutdown.send(true);
    }
}
