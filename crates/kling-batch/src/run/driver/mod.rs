//! The coordinator of a run: the only writer of the ledger. It decides what to send, starts
//! tasks, and records what they report, each step in the ledger before the run's memory.

use std::time::{Duration, SystemTime};

use kling::client::LocalFiles;
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

mod answers;

use super::board::{Board, Pick};
use super::tasks::{self, Done, ReconcileTask, WaitTask};
use super::{RunError, Runner, StopRequest};
use crate::events::{Event, Progress};
use crate::ledger::Ledger;
use crate::report::RowStatus;

/// Jobs allowed in flight when neither the options nor the ledger say.
const DEFAULT_CONCURRENCY: usize = 4;

/// `d` from now, or a day from now when `d` is longer (a window or pause that long is asked
/// about again then).
fn after(d: Duration) -> Instant {
    Instant::now() + d.min(Duration::from_secs(24 * 3600))
}

pub(super) struct Driver<'a, F> {
    runner: &'a Runner,
    ledger: &'a mut Ledger,
    board: Board,
    /// Submits and cancels: awaited even when leaving, so their answers are recorded.
    sends: JoinSet<Done>,
    /// Uploads, waits, reconciles and downloads: dropped when leaving.
    reads: JoinSet<Done>,
    on_event: F,
    stop: StopRequest,
    halted: bool,
    budget_told: bool,
    cancels_sent: bool,
}

enum Woke {
    Joined(Result<Done, JoinError>),
    Other,
}

impl<'a, F: FnMut(&Event, &Progress) + Send> Driver<'a, F> {
    pub fn start(
        runner: &'a Runner,
        ledger: &'a mut Ledger,
        on_event: F,
    ) -> Result<Self, RunError> {
        let recovered = ledger.recover()?;
        let limit = match runner.options.concurrency {
            Some(n) => n,
            None => ledger.learnt_concurrency()?.unwrap_or(DEFAULT_CONCURRENCY),
        };
        let board = Board::load(
            ledger.stored_rows()?,
            limit,
            runner.options.budget,
            ledger.path(),
        )?;
        let mut driver = Self {
            runner,
            ledger,
            board,
            sends: JoinSet::new(),
            reads: JoinSet::new(),
            on_event,
            stop: StopRequest::default(),
            halted: false,
            budget_told: false,
            cancels_sent: false,
        };
        driver.emit(Event::Started {
            recovered,
            limit: driver.board.limit,
        });
        driver.resume();
        Ok(driver)
    }

    fn emit(&mut self, event: Event) {
        let progress = self.board.progress();
        (self.on_event)(&event, &progress);
    }

    /// Picks up what earlier runs left: unknown outcomes to reconcile, jobs to wait for,
    /// outputs to download.
    fn resume(&mut self) {
        let now = Instant::now();
        for i in 0..self.board.slots.len() {
            let slot = &mut self.board.slots[i];
            match slot.status {
                RowStatus::Unknown if !slot.ambiguous => slot.due = Some(now),
                RowStatus::Submitted => self.spawn_wait(i, None),
                RowStatus::Completed if !slot.downloaded => {
                    let (Some(d), Some(job_id)) = (&self.runner.downloader, &slot.job_id) else {
                        continue;
                    };
                    slot.busy = true;
                    let task = tasks::download(
                        self.runner.client.clone(),
                        i,
                        slot.id.clone(),
                        job_id.clone(),
                        d.clone(),
                    );
                    self.reads.spawn(task);
                }
                _ => {}
            }
        }
    }

    pub async fn drive(mut self) -> Result<(), RunError> {
        let mut stop_rx = self.runner.stop.subscribe();
        loop {
            let stop = *stop_rx.borrow_and_update();
            self.apply_stop(stop);
            if !self.stop.leave {
                self.start_reconciles();
            }
            let send_at = if self.stop.stop || self.halted {
                None
            } else {
                self.fill()?
            };
            let reconcile_at = (!self.stop.leave)
                .then(|| self.board.next_reconcile())
                .flatten();
            let wake = match (send_at, reconcile_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if self.sends.is_empty() && self.reads.is_empty() && wake.is_none() {
                return Ok(());
            }
            let sleep_until = wake.unwrap_or_else(|| after(Duration::from_secs(3600)));
            let woke = tokio::select! {
                Some(joined) = self.sends.join_next() => Woke::Joined(joined),
                Some(joined) = self.reads.join_next() => Woke::Joined(joined),
                () = tokio::time::sleep_until(sleep_until), if wake.is_some() => Woke::Other,
                Ok(()) = stop_rx.changed() => Woke::Other,
                else => Woke::Other,
            };
            if let Woke::Joined(joined) = woke {
                self.joined(joined)?;
            }
        }
    }

    fn apply_stop(&mut self, stop: StopRequest) {
        if stop == self.stop {
            return;
        }
        self.stop = stop;
        self.emit(Event::Stopping {
            cancel_pending: stop.cancel_pending,
            leave: stop.leave,
        });
        if stop.cancel_pending && !self.cancels_sent {
            self.cancels_sent = true;
            for (i, slot) in self.board.slots.iter().enumerate() {
                if let (RowStatus::Submitted, Some(job_id)) = (slot.status, &slot.job_id) {
                    self.sends
                        .spawn(tasks::cancel(self.runner.client.clone(), i, job_id.clone()));
                }
            }
        }
        if stop.leave {
            self.reads.abort_all();
        }
    }

    /// Sends every row there is room and budget for; returns when a paused row becomes due.
    fn fill(&mut self) -> Result<Option<Instant>, RunError> {
        loop {
            match self.board.pick(Instant::now()) {
                Pick::Row(i) => self.send(i)?,
                Pick::Later(at) => return Ok(Some(at)),
                Pick::OverBudget => {
                    if !self.budget_told
                        && let Some(budget) = self.board.budget
                    {
                        self.budget_told = true;
                        let committed = self.board.committed();
                        self.emit(Event::BudgetReached { committed, budget });
                    }
                    return Ok(None);
                }
                Pick::Nothing => return Ok(None),
            }
        }
    }

    fn send(&mut self, i: usize) -> Result<(), RunError> {
        let typed = match self.board.slots[i].resolved.take() {
            Some(resolved) => resolved,
            None => match self.prepare(i)? {
                Some(typed) => typed,
                None => return Ok(()),
            },
        };
        let sent_at = SystemTime::now();
        // On disk before the request leaves: a crash from here on is reconciled, never resent.
        self.ledger.begin_submit(&self.board.slots[i].id, sent_at)?;
        let slot = &mut self.board.slots[i];
        slot.status = RowStatus::Submitting;
        slot.sent_at = Some(sent_at);
        slot.busy = true;
        self.sends
            .spawn(tasks::submit(self.runner.client.clone(), i, typed));
        Ok(())
    }

    /// The stored input, typed, when it can be sent as it is. A row with local files has them
    /// uploaded first (the row comes back with its input resolved); a row that cannot be sent
    /// fails.
    fn prepare(&mut self, i: usize) -> Result<Option<kling::AnyInput>, RunError> {
        let slot = &self.board.slots[i];
        let json: serde_json::Value = match serde_json::from_str(&slot.input) {
            Ok(json) => json,
            Err(e) => {
                return self
                    .fail(i, "INVALID_INPUT".into(), e.to_string())
                    .map(|()| None);
            }
        };
        let placeholder = LocalFiles::placeholder_in(&json);
        let typed = match slot.model.decode_input(json) {
            Ok(typed) => typed,
            // The stored input no longer fits this version's model: refused before sending.
            Err(e) => {
                return self
                    .fail(i, "INVALID_INPUT".into(), e.to_string())
                    .map(|()| None);
            }
        };
        let Some(at) = placeholder else {
            return Ok(Some(typed));
        };
        let Some(files) = self.runner.local_files.get(&slot.id) else {
            let message = format!(
                "the input holds a local-file placeholder at {at} but the run was given no files for this row; run it with the row's files (`kling batch run` with the same JSONL file)"
            );
            return self
                .fail(i, "LOCAL_FILE_MISSING".into(), message)
                .map(|()| None);
        };
        // Nothing in the ledger yet: the submit is recorded once the files are up, so its
        // time is the request's and a stop or crash meanwhile leaves the row planned.
        let task = tasks::upload(self.runner.client.clone(), i, files.clone(), typed);
        let slot = &mut self.board.slots[i];
        slot.busy = true;
        slot.uploading = true;
        self.reads.spawn(task);
        Ok(None)
    }

    fn start_reconciles(&mut self) {
        let now = Instant::now();
        for i in 0..self.board.slots.len() {
            let slot = &self.board.slots[i];
            let due = slot.due.is_some_and(|d| d <= now);
            if slot.status != RowStatus::Unknown || slot.busy || slot.ambiguous || !due {
                continue;
            }
            let task = ReconcileTask {
                row: i,
                model: slot.model.slug().to_string(),
                sent_at: slot.sent_at.unwrap_or(SystemTime::UNIX_EPOCH),
                price: slot.price,
                claimed: self.board.claimed(),
                options: self.runner.options.reconcile,
            };
            self.board.slots[i].busy = true;
            self.reads
                .spawn(tasks::reconcile(self.runner.client.clone(), task));
        }
    }

    fn spawn_wait(&mut self, i: usize, job: Option<kling::client::Job>) {
        let slot = &mut self.board.slots[i];
        let Some(job_id) = slot.job_id.clone() else {
            return;
        };
        let task = WaitTask {
            row: i,
            row_id: slot.id.clone(),
            job_id,
            job,
            options: self.runner.options.wait,
            pause: self.runner.options.retry_pause,
            downloader: self.runner.downloader.clone(),
        };
        slot.busy = true;
        slot.wait = Some(
            self.reads
                .spawn(tasks::wait(self.runner.client.clone(), task)),
        );
    }

    /// The pause before the `n`th retry.
    fn pause(&self, n: u32) -> Duration {
        let o = &self.runner.options;
        o.retry_pause
            .saturating_mul(1u32 << n.saturating_sub(1).min(16))
            .min(o.max_retry_pause)
    }
}
