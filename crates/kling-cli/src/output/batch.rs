//! What `kling batch` prints: one view per event of a run, the rows of `status` and `report`,
//! and the summary that ends a run's `--json` output.

use std::fmt;
use std::path::PathBuf;

use kling::MicroCents;
use kling_batch::{Event, Progress, RowRecord, Summary};
use serde::Serialize;

use super::jobs::UploadedInputView;

/// One step of a run: a JSON line with `--json`, else a line of text.
#[derive(Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventView<'a> {
    /// The run began.
    Started {
        rows: usize,
        limit: usize,
        /// Submits of an earlier run without a recorded answer, now reconciled.
        recovered: usize,
    },
    /// The row's local files were uploaded; its submit comes next.
    Uploaded {
        row: &'a str,
        uploaded: Vec<UploadedInputView>,
    },
    /// A job was created for the row.
    Submitted {
        row: &'a str,
        job_id: &'a str,
        charge_micro_cents: u64,
    },
    /// Refused in a way that proves no job exists; sent again later.
    Requeued {
        row: &'a str,
        code: &'a str,
        message: &'a str,
    },
    /// The submit's answer proves nothing; the row is reconciled, never resent blindly.
    OutcomeUnknown { row: &'a str, reason: &'a str },
    /// Reconciling found the row's job.
    Adopted { row: &'a str, job_id: &'a str },
    /// Reconciling found several candidates: `kling batch adopt` settles the row.
    Ambiguous {
        row: &'a str,
        candidates: &'a [String],
    },
    /// Reconciling proved no job was created; the row is sent again.
    NotCreated { row: &'a str },
    /// The row's job completed.
    Completed {
        row: &'a str,
        job_id: &'a str,
        files: &'a [PathBuf],
    },
    /// The row failed (refunded, or refused for good).
    Failed {
        row: &'a str,
        code: &'a str,
        message: &'a str,
    },
    /// The row's job was cancelled (refunded).
    Cancelled { row: &'a str, job_id: &'a str },
    /// Storing the row's files failed; the next run tries again.
    DownloadFailed { row: &'a str, message: &'a str },
    /// The API's cap on jobs in flight.
    ConcurrencyLowered { limit: usize },
    /// The next row does not fit in the budget; it is left for a later run.
    BudgetReached {
        committed_micro_cents: u64,
        budget_micro_cents: u64,
    },
    /// No more submits (the account cannot submit); running jobs are still waited for.
    Halted { reason: &'a str },
    /// A stop was asked for (Ctrl-C).
    Stopping { cancel_pending: bool, leave: bool },
}

impl<'a> EventView<'a> {
    /// The view of `event`; `None` for an event this version does not show.
    pub fn of(event: &'a Event, progress: &Progress) -> Option<Self> {
        Some(match event {
            Event::Started { recovered, limit } => EventView::Started {
                rows: progress.rows,
                limit: *limit,
                recovered: *recovered,
            },
            Event::Uploaded { row, files } => EventView::Uploaded {
                row,
                uploaded: files.iter().flat_map(UploadedInputView::of).collect(),
            },
            Event::Submitted {
                row,
                job_id,
                charge,
            } => EventView::Submitted {
                row,
                job_id,
                charge_micro_cents: charge.get(),
            },
            Event::Requeued { row, code, message } => EventView::Requeued { row, code, message },
            Event::OutcomeUnknown { row, reason } => EventView::OutcomeUnknown { row, reason },
            Event::Adopted { row, job_id } => EventView::Adopted { row, job_id },
            Event::Ambiguous { row, candidates } => EventView::Ambiguous { row, candidates },
            Event::NotCreated { row } => EventView::NotCreated { row },
            Event::Completed { row, job_id, files } => EventView::Completed { row, job_id, files },
            Event::Failed { row, code, message } => EventView::Failed { row, code, message },
            Event::Cancelled { row, job_id } => EventView::Cancelled { row, job_id },
            Event::DownloadFailed { row, message } => EventView::DownloadFailed { row, message },
            Event::ConcurrencyLowered { limit } => EventView::ConcurrencyLowered { limit: *limit },
            Event::BudgetReached { committed, budget } => EventView::BudgetReached {
                committed_micro_cents: committed.get(),
                budget_micro_cents: budget.get(),
            },
            Event::Halted { reason } => EventView::Halted { reason },
            Event::Stopping {
                cancel_pending,
                leave,
            } => EventView::Stopping {
                cancel_pending: *cancel_pending,
                leave: *leave,
            },
            _ => return None,
        })
    }
}

impl fmt::Display for EventView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventView::Started {
                rows,
                limit,
                recovered,
            } => {
                write!(f, "{rows} rows, at most {limit} jobs in flight")?;
                if *recovered > 0 {
                    write!(
                        f,
                        "; {recovered} submit(s) of an earlier run had no answer and are reconciled first"
                    )?;
                }
                Ok(())
            }
            EventView::Submitted {
                row,
                job_id,
                charge_micro_cents,
            } => write!(
                f,
                "{row}: submitted {job_id} (charged {})",
                MicroCents::new(*charge_micro_cents)
            ),
            EventView::Uploaded { row, uploaded } => {
                write!(f, "{row}: uploaded {}", UploadedInputView::list(uploaded))
            }
            EventView::Requeued { row, code, message } => {
                write!(
                    f,
                    "{row}: refused for now ({code}: {message}); sent again later"
                )
            }
            EventView::OutcomeUnknown { row, reason } => write!(
                f,
                "{row}: the submit's outcome is unknown ({reason}); looking for its job before anything else of its model is sent"
            ),
            EventView::Adopted { row, job_id } => {
                write!(f, "{row}: its job {job_id} was found by listing")
            }
            EventView::Ambiguous { row, candidates } => write!(
                f,
                "{row}: one of {} is probably its job; settle it with `kling batch adopt` (or `release`)",
                candidates.join(", ")
            ),
            EventView::NotCreated { row } => {
                write!(f, "{row}: no job was created; it will be sent again")
            }
            EventView::Completed { row, job_id, files } => {
                write!(f, "{row}: completed {job_id}")?;
                for file in *files {
                    write!(f, " {}", file.display())?;
                }
                Ok(())
            }
            EventView::Failed { row, code, message } => {
                write!(f, "{row}: failed: {code} {message}")
            }
            EventView::Cancelled { row, job_id } => {
                write!(f, "{row}: cancelled {job_id} (refunded)")
            }
            EventView::DownloadFailed { row, message } => write!(
                f,
                "{row}: its files were not stored ({message}); the next run with -o tries again"
            ),
            EventView::ConcurrencyLowered { limit } => write!(
                f,
                "the API refused a job for its concurrency cap: at most {limit} in flight from now on"
            ),
            EventView::BudgetReached {
                committed_micro_cents,
                budget_micro_cents,
            } => write!(
                f,
                "budget reached: {} committed of {}; the rows left wait for a later run",
                MicroCents::new(*committed_micro_cents),
                MicroCents::new(*budget_micro_cents)
            ),
            EventView::Halted { reason } => write!(
                f,
                "no more submits: {reason}; the running jobs are still waited for"
            ),
            EventView::Stopping {
                cancel_pending,
                leave,
            } => {
                f.write_str("stopping: no more submits")?;
                if *cancel_pending {
                    f.write_str("; cancelling the pending jobs")?;
                }
                if *leave {
                    f.write_str("; the running jobs are left for the next run")
                } else {
                    f.write_str("; waiting for the running jobs (Ctrl-C again to leave them for the next run)")
                }
            }
        }
    }
}

/// The batch in numbers: the last line of `kling batch run --json` and `status --json`.
#[derive(Serialize)]
pub struct SummaryView {
    rows: usize,
    completed: usize,
    failed: usize,
    cancelled: usize,
    unknown: usize,
    pending: usize,
    spent_micro_cents: u64,
    files: usize,
}

impl From<&Summary> for SummaryView {
    fn from(s: &Summary) -> Self {
        SummaryView {
            rows: s.rows,
            completed: s.completed,
            failed: s.failed,
            cancelled: s.cancelled,
            unknown: s.unknown,
            pending: s.pending,
            spent_micro_cents: s.spent_micro_cents,
            files: s.files,
        }
    }
}

impl fmt::Display for SummaryView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows: {} completed, {} failed, {} cancelled, {} unknown, {} pending; spent {}; {} files",
            self.rows,
            self.completed,
            self.failed,
            self.cancelled,
            self.unknown,
            self.pending,
            MicroCents::new(self.spent_micro_cents),
            self.files
        )
    }
}

/// One row of the ledger: a line of `kling batch status`, an element of `report --format json`.
#[derive(Serialize)]
pub struct RowView<'a> {
    id: &'a str,
    line: usize,
    model: &'a str,
    status: &'static str,
    job_id: Option<&'a str>,
    list_price_micro_cents: u64,
    /// The charge of a job that exists; refunded when the row failed or was cancelled.
    charge_micro_cents: Option<u64>,
    files: &'a [PathBuf],
    error_code: Option<&'a str>,
    error_message: Option<&'a str>,
    /// For an ambiguous unknown row: the jobs one of which is probably its own.
    candidates: &'a [String],
    attempts: u32,
}

impl<'a> From<&'a RowRecord> for RowView<'a> {
    fn from(r: &'a RowRecord) -> Self {
        RowView {
            id: &r.id,
            line: r.line,
            model: &r.model,
            status: r.status.as_str(),
            job_id: r.job_id.as_deref(),
            list_price_micro_cents: r.list_price_micro_cents,
            charge_micro_cents: r.charge_micro_cents,
            files: &r.files,
            error_code: r.error_code.as_deref(),
            error_message: r.error_message.as_deref(),
            candidates: &r.candidates,
            attempts: r.attempts,
        }
    }
}

impl RowView<'_> {
    /// The CSV header of [`RowView::record`].
    pub const CSV_HEADER: [&'static str; 12] = [
        "id",
        "line",
        "model",
        "status",
        "job_id",
        "list_price_micro_cents",
        "charge_micro_cents",
        "files",
        "error_code",
        "error_message",
        "candidates",
        "attempts",
    ];

    /// The row as one CSV record: lists (files, candidates) joined by `;`, absent values empty.
    pub fn record(&self) -> [String; 12] {
        let join = |items: Vec<String>| items.join(";");
        [
            self.id.to_string(),
            self.line.to_string(),
            self.model.to_string(),
            self.status.to_string(),
            self.job_id.unwrap_or_default().to_string(),
            self.list_price_micro_cents.to_string(),
            self.charge_micro_cents
                .map(|c| c.to_string())
                .unwrap_or_default(),
            join(self.files.iter().map(|p| p.display().to_string()).collect()),
            self.error_code.unwrap_or_default().to_string(),
            self.error_message.unwrap_or_default().to_string(),
            join(self.candidates.to_vec()),
            self.attempts.to_string(),
        ]
    }
}

impl fmt::Display for RowView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let charge = self
            .charge_micro_cents
            .map_or_else(|| "-".to_string(), |c| MicroCents::new(c).to_string());
        write!(
            f,
            "{}  {}  {}  {}  {}",
            self.id,
            self.status,
            self.job_id.unwrap_or("-"),
            charge,
            self.model
        )?;
        if let Some(code) = self.error_code {
            write!(f, "  {code}")?;
        }
        if !self.candidates.is_empty() {
            write!(f, "  candidates: {}", self.candidates.join(", "))?;
        }
        for file in self.files {
            write!(f, "  {}", file.display())?;
        }
        Ok(())
    }
}
