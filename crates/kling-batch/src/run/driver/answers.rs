//! What the tasks report, recorded: each answer written to the ledger, then to the run's view,
//! then told to the caller.

use std::time::SystemTime;

use kling::client::Reconciled;
use tokio::task::JoinError;
use tokio::time::Instant;

use super::Driver;
use crate::events::{Event, Progress};
use crate::report::RowStatus;
use crate::run::RunError;
use crate::run::tasks::{self, Done, Refusal, Verdict, WaitEnd};

impl<F: FnMut(&Event, &Progress) + Send> Driver<'_, F> {
    pub(super) fn joined(&mut self, joined: Result<Done, JoinError>) -> Result<(), RunError> {
        let done = match joined {
            Ok(done) => done,
            // Dropped on purpose when leaving: the ledger already says where the row is.
            Err(e) if e.is_cancelled() => return Ok(()),
            Err(e) => return Err(RunError::Task(e.to_string())),
        };
        match done {
            Done::Upload { row, result } => self.uploaded(row, result),
            Done::Submit { row, result } => self.submitted(row, result),
            Done::Reconcile { row, result } => self.reconciled(row, result),
            Done::Wait { row, end } => self.ended(row, end),
            Done::Cancel { row, cancelled } => self.cancelled(row, cancelled),
            Done::Download { row, result } => self.downloaded(row, result),
        }
    }

    fn uploaded(
        &mut self,
        i: usize,
        result: Result<(kling::AnyInput, Vec<kling::client::Uploaded>), kling::Error>,
    ) -> Result<(), RunError> {
        let slot = &mut self.board.slots[i];
        slot.busy = false;
        slot.uploading = false;
        let id = slot.id.clone();
        let error = match result {
            Ok((resolved, files)) => {
                // Planned again, now with URLs: sent when it is picked (room, budget, model).
                slot.resolved = Some(resolved);
                self.emit(Event::Uploaded { row: id, files });
                return Ok(());
            }
            Err(error) => error,
        };
        self.not_sent(i, tasks::classify_upload(&error))
    }

    fn submitted(
        &mut self,
        i: usize,
        result: Result<kling::client::Job, kling::Error>,
    ) -> Result<(), RunError> {
        self.board.slots[i].busy = false;
        let id = self.board.slots[i].id.clone();
        let error = match result {
            Ok(job) => {
                self.ledger.submitted(&id, &job.id, job.cost)?;
                let slot = &mut self.board.slots[i];
                slot.status = RowStatus::Submitted;
                slot.job_id = Some(job.id.clone());
                slot.charge = Some(job.cost);
                slot.started = Some(Instant::now());
                self.emit(Event::Submitted {
                    row: id,
                    job_id: job.id.clone(),
                    charge: job.cost,
                });
                if self.stop.cancel_pending {
                    // Sent before the stop: cancelled like the others.
                    let cancel = tasks::cancel(self.runner.client.clone(), i, job.id.clone());
                    self.sends.spawn(cancel);
                }
                if !self.stop.leave {
                    self.spawn_wait(i, Some(job));
                }
                return Ok(());
            }
            Err(error) => error,
        };
        match tasks::classify(&error) {
            Verdict::Unknown(reason) => {
                self.ledger.unknown(&id, &reason, &[])?;
                let slot = &mut self.board.slots[i];
                slot.status = RowStatus::Unknown;
                slot.due = Some(Instant::now());
                self.emit(Event::OutcomeUnknown { row: id, reason });
                Ok(())
            }
            Verdict::Refused(refusal) => self.not_sent(i, refusal),
        }
    }

    /// The row was not sent, or was refused in a way that proves no job: it goes back to
    /// `planned` (after a pause, or for the next run) or fails.
    fn not_sent(&mut self, i: usize, refusal: Refusal) -> Result<(), RunError> {
        let id = self.board.slots[i].id.clone();
        match refusal {
            Refusal::Requeue {
                code,
                message,
                after,
                busy,
                cap,
            } => {
                self.ledger.requeue(&id, &code, &message)?;
                let refusals = self.board.slots[i].refusals + 1;
                // The server's `retryAfter` is honoured up to the longest pause.
                let max = self.runner.options.max_retry_pause;
                let pause = self.pause(refusals).max(after.unwrap_or_default().min(max));
                self.requeued(i, Some(super::after(pause)));
                self.board.slots[i].refusals = refusals;
                self.emit(Event::Requeued {
                    row: id,
                    code,
                    message,
                });
                if busy {
                    self.lower_limit(cap)?;
                }
            }
            Refusal::Halt(reason) => {
                self.ledger.requeue(&id, "HALTED", &reason)?;
                self.requeued(i, None);
                if !self.halted {
                    self.halted = true;
                    self.emit(Event::Halted { reason });
                }
            }
            Refusal::Fail { code, message } => self.fail(i, code, message)?,
        }
        Ok(())
    }

    /// The row failed for good: refused by the API, its job failed, or it cannot be sent.
    pub(super) fn fail(&mut self, i: usize, code: String, message: String) -> Result<(), RunError> {
        let id = self.board.slots[i].id.clone();
        self.ledger.fail(&id, &code, &message)?;
        self.board.slots[i].status = RowStatus::Failed;
        self.emit(Event::Failed {
            row: id,
            code,
            message,
        });
        Ok(())
    }

    fn requeued(&mut self, i: usize, due: Option<Instant>) {
        let slot = &mut self.board.slots[i];
        slot.status = RowStatus::Planned;
        slot.sent_at = None;
        slot.due = due;
    }

    /// A 429: the plan's cap is what the answer says, or at most what was in flight.
    fn lower_limit(&mut self, cap: Option<usize>) -> Result<(), RunError> {
        let in_flight = self.board.in_flight().min(self.board.limit);
        let learnt = cap.unwrap_or(in_flight).max(1);
        self.ledger.set_learnt_concurrency(learnt)?;
        if learnt < self.board.limit {
            self.board.limit = learnt;
            self.emit(Event::ConcurrencyLowered { limit: learnt });
        }
        Ok(())
    }

    fn reconciled(
        &mut self,
        i: usize,
        result: Result<Reconciled, kling::Error>,
    ) -> Result<(), RunError> {
        self.board.slots[i].busy = false;
        let id = self.board.slots[i].id.clone();
        let retry = super::after(self.pause(1));
        match result {
            Ok(Reconciled::Adopted {
                job,
                assumed_charge,
            }) => {
                let charge = assumed_charge.unwrap_or(self.board.slots[i].price);
                self.ledger.submitted(&id, &job.id, charge)?;
                let slot = &mut self.board.slots[i];
                slot.status = RowStatus::Submitted;
                slot.job_id = Some(job.id.clone());
                slot.charge = Some(charge);
                self.emit(Event::Adopted {
                    row: id,
                    job_id: job.id,
                });
                self.spawn_wait(i, None);
            }
            Ok(Reconciled::Ambiguous { candidates }) => {
                let ids: Vec<String> = candidates.into_iter().map(|j| j.id).collect();
                let reason = "several jobs nobody accounts for were created when this row was sent; adopt the right one";
                self.ledger.unknown(&id, reason, &ids)?;
                self.board.slots[i].ambiguous = true;
                self.emit(Event::Ambiguous {
                    row: id,
                    candidates: ids,
                });
            }
            Ok(Reconciled::NoneYet { window_ends }) => {
                let left = window_ends
                    .duration_since(SystemTime::now())
                    .unwrap_or_default();
                self.board.slots[i].due = Some(super::after(left));
            }
            Ok(Reconciled::NotCreated) => {
                let message = "the listing after the window shows no job for the unknown submit";
                self.ledger.requeue(&id, "NOT_CREATED", message)?;
                self.requeued(i, None);
                self.emit(Event::NotCreated { row: id });
            }
            Ok(_) | Err(_) => self.board.slots[i].due = Some(retry),
        }
        Ok(())
    }

    fn ended(&mut self, i: usize, end: WaitEnd) -> Result<(), RunError> {
        let slot = &mut self.board.slots[i];
        slot.busy = false;
        slot.wait = None;
        // Already cancelled by a stop request.
        if slot.status != RowStatus::Submitted {
            return Ok(());
        }
        let id = slot.id.clone();
        let job_id = slot.job_id.clone().unwrap_or_default();
        match end {
            WaitEnd::Completed {
                files,
                download_error,
            } => {
                self.ledger.complete(&id, files.as_deref())?;
                let slot = &mut self.board.slots[i];
                slot.status = RowStatus::Completed;
                slot.downloaded = files.is_some();
                if let Some(started) = slot.started {
                    self.board.observe(started.elapsed());
                }
                let files = files.unwrap_or_default();
                self.emit(Event::Completed {
                    row: id.clone(),
                    job_id,
                    files,
                });
                if let Some(message) = download_error {
                    self.emit(Event::DownloadFailed { row: id, message });
                }
            }
            WaitEnd::Failed { code, message } => self.fail(i, code, message)?,
            WaitEnd::Cancelled => {
                self.ledger.cancel(&id)?;
                self.board.slots[i].status = RowStatus::Cancelled;
                self.emit(Event::Cancelled { row: id, job_id });
            }
        }
        Ok(())
    }

    fn cancelled(&mut self, i: usize, cancelled: bool) -> Result<(), RunError> {
        let slot = &mut self.board.slots[i];
        if !cancelled || slot.status != RowStatus::Submitted {
            // Not pending any more (processing or finished): its wait goes on.
            return Ok(());
        }
        if let Some(wait) = slot.wait.take() {
            wait.abort();
        }
        slot.busy = false;
        let id = slot.id.clone();
        let job_id = slot.job_id.clone().unwrap_or_default();
        self.ledger.cancel(&id)?;
        self.board.slots[i].status = RowStatus::Cancelled;
        self.emit(Event::Cancelled { row: id, job_id });
        Ok(())
    }

    fn downloaded(
        &mut self,
        i: usize,
        result: Result<Vec<std::path::PathBuf>, String>,
    ) -> Result<(), RunError> {
        self.board.slots[i].busy = false;
        let id = self.board.slots[i].id.clone();
        match result {
            Ok(files) => {
                self.ledger.set_files(&id, &files)?;
                self.board.slots[i].downloaded = true;
            }
            Err(message) => self.emit(Event::DownloadFailed { row: id, message }),
        }
        Ok(())
    }
}
