//! What the ledger says about each row and about the batch: the records behind `status` and
//! `report`, and the summary line.

use std::path::PathBuf;

use kling::MicroCents;
use serde::Serialize;

/// Where a row is. Rows move `planned → submitting → submitted → completed / failed /
/// cancelled`; a submit whose answer proves nothing goes to `unknown` until it is reconciled
/// (adopted: `submitted`; no job: back to `planned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    /// Validated and priced; not sent (or sent and proven refused).
    Planned,
    /// A submit is on its way; the ledger recorded that before sending.
    Submitting,
    /// A submit was sent and its outcome is not known: a job may exist.
    Unknown,
    /// A job exists (id, charge known); it is running.
    Submitted,
    /// The job completed.
    Completed,
    /// The job failed (refunded), or the API refused the row for good (nothing charged).
    Failed,
    /// The job was cancelled (refunded).
    Cancelled,
}

impl RowStatus {
    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Planned => "planned",
            RowStatus::Submitting => "submitting",
            RowStatus::Unknown => "unknown",
            RowStatus::Submitted => "submitted",
            RowStatus::Completed => "completed",
            RowStatus::Failed => "failed",
            RowStatus::Cancelled => "cancelled",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "planned" => RowStatus::Planned,
            "submitting" => RowStatus::Submitting,
            "unknown" => RowStatus::Unknown,
            "submitted" => RowStatus::Submitted,
            "completed" => RowStatus::Completed,
            "failed" => RowStatus::Failed,
            "cancelled" => RowStatus::Cancelled,
            _ => return None,
        })
    }

    /// Whether the row is finished (completed, failed or cancelled).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RowStatus::Completed | RowStatus::Failed | RowStatus::Cancelled
        )
    }
}

impl std::fmt::Display for RowStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row as the ledger records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RowRecord {
    /// The row's id.
    pub id: String,
    /// The 1-based input line it came from.
    pub line: usize,
    /// The model slug.
    pub model: String,
    /// Where it is.
    pub status: RowStatus,
    /// The job, once known.
    pub job_id: Option<String>,
    /// The input's list price.
    pub list_price_micro_cents: u64,
    /// What the job was charged (the list price when the job was adopted from a listing, which
    /// shows no charges); refunded when the row failed or was cancelled.
    pub charge_micro_cents: Option<u64>,
    /// Downloaded output files, when a downloader ran.
    pub files: Vec<PathBuf>,
    /// The error code of a failed row (or of the last refusal of a planned row).
    pub error_code: Option<String>,
    /// What went wrong, in words; for an unknown row, why its outcome is unknown.
    pub error_message: Option<String>,
    /// For an ambiguous unknown row: the jobs one of which is probably this row's.
    pub candidates: Vec<String>,
    /// Submits sent for this row.
    pub attempts: u32,
}

/// The batch in numbers: the last line of a run's `--json` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Rows in the batch.
    pub rows: usize,
    /// Rows completed.
    pub completed: usize,
    /// Rows failed.
    pub failed: usize,
    /// Rows cancelled.
    pub cancelled: usize,
    /// Rows whose submit outcome is unknown (`submitting` or `unknown`).
    pub unknown: usize,
    /// Rows not finished: planned or running (`submitted`).
    pub pending: usize,
    /// What the jobs that were not refunded were charged.
    pub spent_micro_cents: u64,
    /// Output files downloaded.
    pub files: usize,
}

/// How a batch stands, for an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every row completed.
    Completed,
    /// Every row is finished, and some failed or were cancelled.
    SomeFailed,
    /// Some rows are unknown or pending: run again (and adopt the ambiguous ones).
    Unfinished,
}

impl Summary {
    /// Counts a set of records.
    pub fn of(records: &[RowRecord]) -> Self {
        let mut s = Summary {
            rows: records.len(),
            ..Summary::default()
        };
        for r in records {
            match r.status {
                RowStatus::Completed => s.completed += 1,
                RowStatus::Failed => s.failed += 1,
                RowStatus::Cancelled => s.cancelled += 1,
                RowStatus::Submitting | RowStatus::Unknown => s.unknown += 1,
                RowStatus::Planned | RowStatus::Submitted => s.pending += 1,
            }
            if matches!(r.status, RowStatus::Submitted | RowStatus::Completed) {
                let charge = r.charge_micro_cents.unwrap_or(0);
                s.spent_micro_cents = s.spent_micro_cents.saturating_add(charge);
            }
            s.files += r.files.len();
        }
        s
    }

    /// What was spent.
    pub fn spent(&self) -> MicroCents {
        MicroCents::new(self.spent_micro_cents)
    }

    /// Whether the batch is done, and how.
    pub fn outcome(&self) -> BatchOutcome {
        if self.unknown > 0 || self.pending > 0 {
            BatchOutcome::Unfinished
        } else if self.failed > 0 || self.cancelled > 0 {
            BatchOutcome::SomeFailed
        } else {
            BatchOutcome::Completed
        }
    }
}
