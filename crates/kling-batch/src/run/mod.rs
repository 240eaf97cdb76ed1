//! Running a batch: submits with at most N jobs in flight, exactly once per row, within a budget,
//! waiting for every job, and stopping on request.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kling::MicroCents;
use kling::client::{Client, LocalFiles, ReconcileOptions, WaitOptions};
use tokio::sync::watch;

use crate::download::Downloader;
use crate::events::{Event, Progress};
use crate::ledger::{Ledger, LedgerError};
use crate::report::Summary;

mod board;
mod driver;
mod tasks;

/// How a run behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RunOptions {
    /// Most jobs in flight. Default: what earlier runs of the ledger learnt from the API's 429
    /// answers, else 4. Lowered during the run when a 429 `CONCURRENT_JOBS_EXCEEDED` arrives.
    pub concurrency: Option<usize>,
    /// The most the batch may cost: the charges of jobs not refunded plus the list prices
    /// reserved for submits on their way never go above it.
    pub budget: Option<MicroCents>,
    /// How each job is waited for (the client's ETA-aware schedule).
    pub wait: WaitOptions,
    /// How unknown submit outcomes are reconciled.
    pub reconcile: ReconcileOptions,
    /// The first pause before a refused row is sent again, or a failed read is retried;
    /// doubles each time up to `max_retry_pause`. Default 2 s.
    pub retry_pause: Duration,
    /// The longest such pause. Default 60 s.
    pub max_retry_pause: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            concurrency: None,
            budget: None,
            wait: WaitOptions::default(),
            reconcile: ReconcileOptions::default(),
            retry_pause: Duration::from_secs(2),
            max_retry_pause: Duration::from_secs(60),
        }
    }
}

impl RunOptions {
    /// At most `n` jobs in flight (at least 1).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n.max(1));
        self
    }

    /// Never commit more than `budget`.
    #[must_use]
    pub fn budget(mut self, budget: MicroCents) -> Self {
        self.budget = Some(budget);
        self
    }

    /// How jobs are waited for.
    #[must_use]
    pub fn wait(mut self, wait: WaitOptions) -> Self {
        self.wait = wait;
        self
    }

    /// How unknown outcomes are reconciled.
    #[must_use]
    pub fn reconcile(mut self, reconcile: ReconcileOptions) -> Self {
        self.reconcile = reconcile;
        self
    }

    /// The pauses before sending a refused row again (first, longest).
    #[must_use]
    pub fn retry_pause(mut self, first: Duration, longest: Duration) -> Self {
        self.retry_pause = first;
        self.max_retry_pause = longest.max(first);
        self
    }
}

/// A stop request, as [`StopHandle`] sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct StopRequest {
    stop: bool,
    leave: bool,
    cancel_pending: bool,
}

/// Asks a run to stop, from anywhere (a Ctrl-C handler, another task). Cheap to clone.
///
/// Stopping never loses anything: rows not sent stay `planned`, running jobs stay `submitted`
/// and unknown outcomes stay `unknown`, for the next run.
#[derive(Debug, Clone)]
pub struct StopHandle(Arc<watch::Sender<StopRequest>>);

impl Default for StopHandle {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(StopRequest::default())))
    }
}

impl StopHandle {
    /// Stop submitting; wait for the jobs already running (and settle unknown outcomes), then
    /// return. With `cancel_pending`, jobs still pending are cancelled (and refunded) first.
    pub fn drain(&self, cancel_pending: bool) {
        self.0.send_modify(|r| {
            r.stop = true;
            r.cancel_pending |= cancel_pending;
        });
    }

    /// Stop submitting and return as soon as the submits already sent have their answers,
    /// leaving running jobs and unknown outcomes to the next run. With `cancel_pending`,
    /// pending jobs are cancelled first.
    pub fn leave(&self, cancel_pending: bool) {
        self.0.send_modify(|r| {
            r.stop = true;
            r.leave = true;
            r.cancel_pending |= cancel_pending;
        });
    }

    /// Whether a stop was requested.
    pub fn is_stopping(&self) -> bool {
        self.0.borrow().stop
    }

    fn subscribe(&self) -> watch::Receiver<StopRequest> {
        self.0.subscribe()
    }
}

/// Why a run ended early. The ledger is consistent whatever happened: run again to continue.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The ledger could not be read or written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A task of the run ended abnormally.
    #[error("a task of the batch run failed: {0}")]
    Task(String),
}

/// Runs batches recorded in a [`Ledger`] with a [`Client`].
///
/// Exactly once, without idempotency keys: each submit is recorded (`submitting`, with the
/// time) before it is sent, and its answer after. A submit whose answer proves nothing becomes
/// `unknown` and is never sent again while unknown; while it is unresolved no other submit of
/// its model is sent, so [`Client::reconcile`] can adopt the one job nobody accounts for. Only
/// when the listing shows no such job after the window is the row sent again. A run killed at
/// any point resumes from the ledger: submits without a recorded answer are reconciled first.
#[derive(Clone)]
pub struct Runner {
    client: Client,
    options: RunOptions,
    downloader: Option<Arc<dyn Downloader>>,
    /// Each row's local files, by row id.
    local_files: Arc<HashMap<String, LocalFiles>>,
    stop: StopHandle,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("client", &self.client)
            .field("options", &self.options)
            .field("downloader", &self.downloader.is_some())
            .field("local_files", &self.local_files.len())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner with these options.
    pub fn new(client: Client, options: RunOptions) -> Self {
        Self {
            client,
            options,
            downloader: None,
            local_files: Arc::default(),
            stop: StopHandle::default(),
        }
    }

    /// Stores each completed row's outputs with `downloader` (and, on a run, the outputs of
    /// rows completed earlier without one).
    #[must_use]
    pub fn with_downloader(mut self, downloader: impl Downloader + 'static) -> Self {
        self.downloader = Some(Arc::new(downloader));
        self
    }

    /// The local files of rows whose stored inputs hold their placeholders ([`LocalFiles::path`]),
    /// by row id. Give each row the set its placeholders were made with; for inputs that must
    /// be recognised again on the next run, [`LocalFiles::keyed`] makes the same placeholders
    /// each time.
    ///
    /// A row's files are uploaded just before its submit, holding a place among the jobs in
    /// flight and its list price in the budget while they go; the ledger records nothing until
    /// the submit itself, so an upload that fails, or a run that stops during one, leaves the
    /// row `planned` and proves no job. A file that cannot be uploaded (missing, unreadable,
    /// of a refused type or size) fails the row with the code `LOCAL_FILE`; a passing failure
    /// (the connection, a server error) sends it again later. A resumed run uploads again the
    /// files of rows not submitted yet. A row whose input holds a placeholder but has no set
    /// here is never sent: it fails with the code `LOCAL_FILE_MISSING`.
    #[must_use]
    pub fn with_local_files(
        mut self,
        files: impl IntoIterator<Item = (String, LocalFiles)>,
    ) -> Self {
        self.local_files = Arc::new(files.into_iter().collect());
        self
    }

    /// The handle that stops this runner's runs.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Runs the batch recorded in `ledger` until every row is finished, unknown and ambiguous,
    /// left for later (budget, halt), or a stop is requested; calls `on_event` after every step.
    /// Returns the ledger's summary. Only one run may use a ledger at a time.
    pub async fn run(
        &self,
        ledger: &mut Ledger,
        on_event: impl FnMut(&Event, &Progress) + Send,
    ) -> Result<Summary, RunError> {
        let _lock = ledger.lock_for_run()?;
        driver::Driver::start(self, ledger, on_event)?
            .drive()
            .await?;
        Ok(ledger.summary()?)
    }
}
