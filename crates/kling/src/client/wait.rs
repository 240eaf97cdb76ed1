//! Waiting for a job: the first poll near the ETA, then jittered backoff, a deadline with one
//! last poll, progress events, and distinct outcomes.

use std::time::{Duration, SystemTime};

use rand::RngExt;
use tokio::time::Instant;

use super::{Client, Error, Job, JobState};
use crate::api::{JobError, JobStatus};

/// How to wait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitOptions {
    /// Give up after this long (one last poll happens at the deadline). Default 30 min.
    pub timeout: Duration,
    /// The longest pause between polls. Default 60 s.
    pub max_interval: Duration,
    /// The shortest pause between polls. Default 1 s.
    pub min_interval: Duration,
    /// Cancel the job (refunded) if it is still pending at the deadline.
    pub cancel_if_pending: bool,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30 * 60),
            max_interval: Duration::from_secs(60),
            min_interval: Duration::from_secs(1),
            cancel_if_pending: false,
        }
    }
}

/// What a waiter learns after each poll, for progress bars and logs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitProgress {
    /// The job.
    pub job_id: String,
    /// Its status at the last poll.
    pub status: JobStatus,
    /// 0, 50 or 100, when the server gives it.
    pub progress: Option<u8>,
    /// Time since waiting began.
    pub elapsed: Duration,
    /// Time left until the expected completion, when known (zero once it has passed).
    pub remaining: Option<Duration>,
    /// Status requests made so far.
    pub polls: u32,
}

/// How waiting ended (a transport or API failure is an `Err` instead).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// The job completed; its outputs are set.
    Completed(JobState),
    /// The job failed; its cost was refunded.
    Failed {
        /// The job's last state.
        job: JobState,
        /// Why it failed.
        error: JobError,
    },
    /// The job was cancelled (refunded).
    Cancelled(JobState),
    /// The deadline passed; the job goes on unless `cancelled` is true.
    TimedOut {
        /// The job, to check on later.
        job_id: String,
        /// Its state at the last poll.
        last: JobState,
        /// Whether it was cancelled at the deadline (`cancel_if_pending`).
        cancelled: bool,
    },
}

impl Outcome {
    /// The job id.
    pub fn job_id(&self) -> &str {
        match self {
            Outcome::Completed(j) | Outcome::Cancelled(j) | Outcome::Failed { job: j, .. } => &j.id,
            Outcome::TimedOut { job_id, .. } => job_id,
        }
    }
}

/// How long after the ETA the first poll comes: 2% of the expected duration, 20 ms to 2 s.
fn grace(expected: Duration) -> Duration {
    expected
        .mul_f64(0.02)
        .clamp(Duration::from_millis(20), Duration::from_secs(2))
}

/// The pause after `polls` unsuccessful polls past the ETA: grows by half each time from 15% of
/// the job's expected duration, within the bounds, with ±10% jitter so many waiters spread out.
fn backoff(processing_time: Duration, polls_after_eta: u32, options: &WaitOptions) -> Duration {
    let base = processing_time.mul_f64(0.15).max(options.min_interval);
    let grown = base.mul_f64(1.5f64.powi(polls_after_eta.min(30) as i32));
    let bounded = grown.clamp(
        options.min_interval,
        options.max_interval.max(options.min_interval),
    );
    bounded.mul_f64(rand::rng().random_range(0.9..=1.1))
}

impl Client {
    /// Waits for a submitted job, with its ETA from the submit answer.
    pub async fn wait(&self, job: &Job, options: WaitOptions) -> Result<Outcome, Error> {
        self.wait_with_progress(job, options, |_| {}).await
    }

    /// [`Client::wait`], calling `on_progress` after every poll.
    pub async fn wait_with_progress(
        &self,
        job: &Job,
        options: WaitOptions,
        on_progress: impl FnMut(&WaitProgress),
    ) -> Result<Outcome, Error> {
        let eta = job
            .estimated_completion
            .unwrap_or_else(|| SystemTime::now() + job.processing_time);
        self.wait_loop(
            &job.id,
            Some(eta),
            job.processing_time,
            options,
            on_progress,
        )
        .await
    }

    /// Waits for a job known only by id (its ETA is derived from its creation time and model).
    pub async fn wait_id(
        &self,
        id: &str,
        options: WaitOptions,
        on_progress: impl FnMut(&WaitProgress),
    ) -> Result<Outcome, Error> {
        self.wait_loop(id, None, Duration::ZERO, options, on_progress)
            .await
    }

    async fn wait_loop(
        &self,
        id: &str,
        eta: Option<SystemTime>,
        processing_time: Duration,
        options: WaitOptions,
        mut on_progress: impl FnMut(&WaitProgress),
    ) -> Result<Outcome, Error> {
        let started = Instant::now();
        let deadline = started + options.timeout;
        let mut polls = 0u32;
        let mut polls_after_eta = 0u32;
        let eta_from_server = eta.is_some();
        let mut eta = eta;
        let mut processing_time = processing_time;
        // Without an ETA, look once now to learn it.
        let mut next = if eta.is_some() { None } else { Some(started) };
        loop {
            let now = Instant::now();
            let until_eta = eta
                .and_then(|t| t.duration_since(SystemTime::now()).ok())
                .unwrap_or_default();
            let wake = match next {
                Some(at) => at,
                // A little past the ETA, so a job that is exactly on time is seen done.
                None if polls == 0 => now + until_eta + grace(processing_time),
                None => now + backoff(processing_time, polls_after_eta, &options),
            };
            let last = wake >= deadline;
            tokio::time::sleep_until(wake.min(deadline)).await;
            next = None;

            let state = self.job(id).await?;
            polls += 1;
            if eta.is_none() {
                // Learn the ETA from the creation time and the model's typical duration.
                let model_time = state
                    .model
                    .as_deref()
                    .and_then(|m| m.parse::<crate::ModelId>().ok())
                    .map(|m| m.info().processing_time());
                if let Some(t) = model_time {
                    processing_time = t;
                }
                eta = Some(state.created_at.unwrap_or_else(SystemTime::now) + processing_time);
            }
            let remaining = eta.map(|t| t.duration_since(SystemTime::now()).unwrap_or_default());
            if remaining == Some(Duration::ZERO) {
                polls_after_eta += 1;
            }
            on_progress(&WaitProgress {
                job_id: id.to_string(),
                status: state.status.clone(),
                progress: state.progress,
                elapsed: started.elapsed(),
                remaining,
                polls,
            });
            tracing::debug!(job_id = id, status = %state.status, polls, "polled");
            match state.status {
                JobStatus::Completed => return Ok(Outcome::Completed(state)),
                JobStatus::Failed => {
                    let error = state.error.clone().unwrap_or(JobError {
                        code: crate::api::ErrorCode::Unknown(String::new()),
                        message: "the job failed without an error".into(),
                    });
                    return Ok(Outcome::Failed { job: state, error });
                }
                JobStatus::Cancelled => return Ok(Outcome::Cancelled(state)),
                _ => {}
            }
            if last {
                let cancelled = options.cancel_if_pending
                    && state.status == JobStatus::Pending
                    && self.cancel(id).await.is_ok();
                return Ok(Outcome::TimedOut {
                    job_id: id.to_string(),
                    last: state,
                    cancelled,
                });
            }
            // Still early: come back at the ETA rather than backing off. An ETA the server gave
            // is trusted; one derived from the model's typical time is not.
            if let Some(remaining) = remaining.filter(|r| !r.is_zero()) {
                let pause = if eta_from_server {
                    remaining
                } else {
                    // No ETA from the server: look again soon, then less and less often.
                    let growing = options
                        .min_interval
                        .mul_f64(1.5f64.powi(polls.min(30) as i32 - 1));
                    remaining.min(growing).min(options.max_interval)
                };
                next = Some(Instant::now() + pause.max(options.min_interval));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_bounds() {
        let options = WaitOptions::default();
        let eta = Duration::from_secs(240);
        let first = backoff(eta, 0, &options);
        assert!(
            first >= Duration::from_secs_f64(36.0 * 0.9)
                && first <= Duration::from_secs_f64(36.0 * 1.1),
            "{first:?}"
        );
        let late = backoff(eta, 10, &options);
        assert!(late <= options.max_interval.mul_f64(1.1));
        let tiny = backoff(Duration::from_millis(10), 0, &options);
        assert!(tiny >= options.min_interval.mul_f64(0.9));
    }
}
