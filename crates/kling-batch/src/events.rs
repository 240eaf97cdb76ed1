//! What a run tells its caller as it goes: one [`Event`] per step, each with a fresh
//! [`Progress`], for a progress display or a log.

use std::path::PathBuf;
use std::time::Duration;

use kling::MicroCents;

/// One step of a run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The run began. `recovered` submits of an earlier run had no recorded answer and are
    /// now `unknown`, to be reconciled.
    Started {
        /// Submits recovered as unknown.
        recovered: usize,
        /// Jobs allowed in flight.
        limit: usize,
    },
    /// The row's local files were uploaded, just before its submit (see
    /// [`crate::Runner::with_local_files`]).
    Uploaded {
        /// The row.
        row: String,
        /// Each file, with where its URL went in the input.
        files: Vec<kling::client::Uploaded>,
    },
    /// A submit was accepted: the job exists.
    Submitted {
        /// The row.
        row: String,
        /// The job.
        job_id: String,
        /// What it was charged.
        charge: MicroCents,
    },
    /// The API refused the submit in a way that proves no job exists; the row will be sent
    /// again (after a pause).
    Requeued {
        /// The row.
        row: String,
        /// The API's code (or the transport failure).
        code: String,
        /// What was said.
        message: String,
    },
    /// The answer to a submit proves nothing: a job may exist. The row will be reconciled.
    OutcomeUnknown {
        /// The row.
        row: String,
        /// What happened.
        reason: String,
    },
    /// Reconciling found the unknown submit's job.
    Adopted {
        /// The row.
        row: String,
        /// The job.
        job_id: String,
    },
    /// Reconciling found several jobs that could be the row's: it stays `unknown` for a person
    /// to settle ([`crate::Ledger::adopt`]); no other row of its model is sent in this run.
    Ambiguous {
        /// The row.
        row: String,
        /// The candidate jobs.
        candidates: Vec<String>,
    },
    /// Reconciling proved that the unknown submit created no job; the row will be sent again.
    NotCreated {
        /// The row.
        row: String,
    },
    /// The row's job completed.
    Completed {
        /// The row.
        row: String,
        /// The job.
        job_id: String,
        /// The files a downloader stored.
        files: Vec<PathBuf>,
    },
    /// The row failed: its job failed (refunded), or the API refused the row for good.
    Failed {
        /// The row.
        row: String,
        /// The error code.
        code: String,
        /// What was said.
        message: String,
    },
    /// The row's job was cancelled (refunded).
    Cancelled {
        /// The row.
        row: String,
        /// The job.
        job_id: String,
    },
    /// The downloader failed for a completed row; a later run tries again.
    DownloadFailed {
        /// The row.
        row: String,
        /// What went wrong.
        message: String,
    },
    /// A 429 `CONCURRENT_JOBS_EXCEEDED` showed the plan's cap: fewer jobs in flight from now on
    /// (and in later runs of this ledger).
    ConcurrencyLowered {
        /// The new limit.
        limit: usize,
    },
    /// The next row does not fit in what is left of the budget; it is left for later.
    BudgetReached {
        /// Spent and reserved so far.
        committed: MicroCents,
        /// The budget.
        budget: MicroCents,
    },
    /// No more submits in this run: the account cannot submit (401, 402, 403) or the client
    /// is misconfigured. Running jobs are still waited for.
    Halted {
        /// Why.
        reason: String,
    },
    /// A stop was requested: no more submits.
    Stopping {
        /// Whether pending jobs are being cancelled.
        cancel_pending: bool,
        /// Whether the run leaves running jobs to the next run instead of waiting.
        leave: bool,
    },
}

/// Where the batch stands, after every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Rows in the batch.
    pub rows: usize,
    /// Rows completed.
    pub completed: usize,
    /// Rows failed.
    pub failed: usize,
    /// Rows cancelled.
    pub cancelled: usize,
    /// Rows whose submit outcome is unknown.
    pub unknown: usize,
    /// Rows being submitted or whose job is running.
    pub running: usize,
    /// Rows not sent yet.
    pub planned: usize,
    /// Charged for jobs that were not refunded.
    pub spent: MicroCents,
    /// The budget, when one is set.
    pub budget: Option<MicroCents>,
    /// Jobs allowed in flight.
    pub limit: usize,
    /// A rough estimate of the time left, from the models' typical times (or the durations
    /// seen so far in this run) and the concurrency.
    pub eta: Option<Duration>,
}
