//! The run's view of the rows: what the ledger says plus what only this run knows (pauses, tasks
//! at work), and the scheduling decisions made from it.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use kling::{AnyInput, MicroCents, ModelId};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::events::Progress;
use crate::ledger::{LedgerError, StoredRow};
use crate::report::RowStatus;

/// One row during a run.
#[derive(Debug)]
pub(crate) struct Slot {
    pub id: String,
    pub model: ModelId,
    /// The canonical input text.
    pub input: String,
    pub price: MicroCents,
    pub status: RowStatus,
    pub job_id: Option<String>,
    pub charge: Option<MicroCents>,
    pub sent_at: Option<SystemTime>,
    pub downloaded: bool,
    /// Refusals in this run, for the growing pause before the next send.
    pub refusals: u32,
    /// A planned row is not sent before this; an unknown row is reconciled again at this time.
    pub due: Option<Instant>,
    /// A task is working on the row.
    pub busy: bool,
    /// Reconciling found several candidates: only a person can settle the row.
    pub ambiguous: bool,
    /// When its job was submitted in this run (for the durations behind the ETA).
    pub started: Option<Instant>,
    /// The task waiting for its job.
    pub wait: Option<AbortHandle>,
    /// Its local files are being uploaded: it holds a place and its price as a job would.
    pub uploading: bool,
    /// The input with its local files' URLs in, uploaded in this run and not sent yet.
    pub resolved: Option<AnyInput>,
}

/// What to submit next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pick {
    /// This row.
    Row(usize),
    /// Nothing now; a paused row becomes due at this time.
    Later(Instant),
    /// The next row does not fit in the budget.
    OverBudget,
    /// Nothing to submit (or no room).
    Nothing,
}

pub(crate) struct Board {
    pub slots: Vec<Slot>,
    pub limit: usize,
    pub budget: Option<MicroCents>,
    /// Sum and count of the job durations seen in this run.
    seen: (Duration, u32),
}

impl Board {
    pub fn load(
        rows: Vec<StoredRow>,
        limit: usize,
        budget: Option<MicroCents>,
        ledger: &std::path::Path,
    ) -> Result<Self, LedgerError> {
        let mut slots = Vec::with_capacity(rows.len());
        for row in rows {
            let r = row.record;
            let model = r
                .model
                .parse::<ModelId>()
                .map_err(|e| LedgerError::Corrupt {
                    path: ledger.to_path_buf(),
                    row: r.id.clone(),
                    message: format!("{e} (the ledger was planned with another catalog)"),
                })?;
            slots.push(Slot {
                model,
                input: row.input,
                price: MicroCents::new(r.list_price_micro_cents),
                status: r.status,
                job_id: r.job_id,
                charge: r.charge_micro_cents.map(MicroCents::new),
                sent_at: row.sent_at,
                downloaded: row.downloaded,
                refusals: 0,
                due: None,
                busy: false,
                ambiguous: !r.candidates.is_empty(),
                started: None,
                wait: None,
                uploading: false,
                resolved: None,
                id: r.id,
            });
        }
        Ok(Self {
            slots,
            limit: limit.max(1),
            budget,
            seen: (Duration::ZERO, 0),
        })
    }

    fn count(&self, statuses: &[RowStatus]) -> usize {
        self.slots
            .iter()
            .filter(|s| statuses.contains(&s.status))
            .count()
    }

    /// Jobs that may be running on the server: submits on their way, unknown outcomes and
    /// submitted jobs (counted until their end is seen, so never fewer than the server's).
    pub fn in_flight(&self) -> usize {
        self.count(&[
            RowStatus::Submitting,
            RowStatus::Unknown,
            RowStatus::Submitted,
        ])
    }

    /// Rows whose files are being uploaded, each about to become a job.
    fn uploading(&self) -> usize {
        self.slots.iter().filter(|s| s.uploading).count()
    }

    /// Charges of jobs not refunded, plus the list prices reserved for unresolved submits and
    /// for rows whose files are being uploaded.
    pub fn committed(&self) -> MicroCents {
        let total: u64 = self
            .slots
            .iter()
            .map(|s| match s.status {
                RowStatus::Submitted | RowStatus::Completed => s.charge.unwrap_or(s.price).get(),
                RowStatus::Submitting | RowStatus::Unknown => s.price.get(),
                RowStatus::Planned if s.uploading => s.price.get(),
                _ => 0,
            })
            .fold(0u64, u64::saturating_add);
        MicroCents::new(total)
    }

    fn spent(&self) -> MicroCents {
        let total = self
            .slots
            .iter()
            .filter(|s| matches!(s.status, RowStatus::Submitted | RowStatus::Completed))
            .map(|s| s.charge.map_or(0, MicroCents::get))
            .fold(0u64, u64::saturating_add);
        MicroCents::new(total)
    }

    /// Every job id the ledger accounts for.
    pub fn claimed(&self) -> HashSet<String> {
        self.slots.iter().filter_map(|s| s.job_id.clone()).collect()
    }

    /// The first planned row that is due, whose model has no unresolved submit, and that fits
    /// in the budget, when there is room for one more job (a row uploading its files takes a
    /// place).
    pub fn pick(&self, now: Instant) -> Pick {
        if self.in_flight() + self.uploading() >= self.limit {
            return Pick::Nothing;
        }
        let unresolved: HashSet<ModelId> = self
            .slots
            .iter()
            .filter(|s| matches!(s.status, RowStatus::Submitting | RowStatus::Unknown))
            .map(|s| s.model)
            .collect();
        let committed = self.committed();
        let mut later: Option<Instant> = None;
        let mut over_budget = false;
        for (i, s) in self.slots.iter().enumerate() {
            if s.status != RowStatus::Planned || s.busy || unresolved.contains(&s.model) {
                continue;
            }
            if let Some(due) = s.due.filter(|&due| due > now) {
                later = Some(later.map_or(due, |l| l.min(due)));
                continue;
            }
            let fits = self.budget.is_none_or(|budget| {
                committed
                    .checked_add(s.price)
                    .is_some_and(|after| after <= budget)
            });
            if fits {
                return Pick::Row(i);
            }
            over_budget = true;
        }
        match later {
            Some(at) => Pick::Later(at),
            None if over_budget => Pick::OverBudget,
            None => Pick::Nothing,
        }
    }

    /// The earliest time an unknown row is due to be reconciled again.
    pub fn next_reconcile(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter(|s| s.status == RowStatus::Unknown && !s.busy && !s.ambiguous)
            .filter_map(|s| s.due)
            .min()
    }

    /// A job ran for this long (submit to completion seen).
    pub fn observe(&mut self, duration: Duration) {
        self.seen.0 += duration;
        self.seen.1 += 1;
    }

    fn typical(&self, model: ModelId) -> Duration {
        match self.seen {
            (total, n) if n > 0 => total / n,
            _ => model.info().processing_time(),
        }
    }

    pub fn progress(&self) -> Progress {
        let mut p = Progress {
            rows: self.slots.len(),
            spent: self.spent(),
            budget: self.budget,
            limit: self.limit,
            ..Progress::default()
        };
        let mut longest_running = Duration::ZERO;
        let mut queued_time = Duration::ZERO;
        let now = Instant::now();
        for s in &self.slots {
            let typical = self.typical(s.model);
            match s.status {
                RowStatus::Completed => p.completed += 1,
                RowStatus::Failed => p.failed += 1,
                RowStatus::Cancelled => p.cancelled += 1,
                RowStatus::Unknown => p.unknown += 1,
                RowStatus::Planned => {
                    p.planned += 1;
                    queued_time += typical;
                }
                RowStatus::Submitting | RowStatus::Submitted => {
                    p.running += 1;
                    let left = s.started.map_or(typical, |t| {
                        typical.saturating_sub(now.saturating_duration_since(t))
                    });
                    longest_running = longest_running.max(left);
                }
            }
        }
        // Queued rows run `limit` at a time after the running ones.
        let limit = u32::try_from(self.limit).unwrap_or(u32::MAX).max(1);
        p.eta = Some(longest_running + queued_time / limit);
        p
    }
}
