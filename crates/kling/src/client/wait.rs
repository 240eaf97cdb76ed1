//! Waiting for a job: a few early checks, a poll just after the ETA, then jittered backoff; a
//! deadline with one last poll, progress events, and distinct outcomes. The schedule is
//! documented on [`WaitOptions`].

use std::ops::ControlFlow::{self, Break, Continue};
use std::time::{Duration, SystemTime};

use rand::RngExt;
use tokio::time::Instant;

use super::{Client, Error, Job, JobState};
use crate::api::{JobError, JobStatus};

/// How to wait.
///
/// # The schedule
///
/// Times are fractions of the job's *expected duration* `D`: from its submission to the ETA the
/// server gave (the model's typical processing time when the answer had none).
///
/// 1. **Early checks** ([`WaitOptions::early_checks`], default 1): at 10% of `D`, then 20%, 40%
///    and 80%, the first `early_checks` of them (at most 4); those already past are skipped. A job
///    that fails in its first tenth is noticed at 10% of `D` instead of at its ETA, for one
///    request more per job.
/// 2. **Just after the ETA**: 2% of `D` past it (20 ms to 2 s), so a job on time is seen done.
///    A job that ends on time therefore costs `1 + early_checks` status requests.
/// 3. **Past the ETA**: pauses from 15% of `D`, growing by half each time, within
///    [`min_interval`](WaitOptions::min_interval)`..=`[`max_interval`](WaitOptions::max_interval),
///    with ±10% jitter so that many waiters spread out.
/// 4. **At the deadline** ([`WaitOptions::timeout`]): one last poll, and with
///    `cancel_if_pending` a job still pending is cancelled (refunded).
///
/// A job known only by id ([`Client::wait_id`]) is looked at at once to learn its model and
/// creation time; the ETA derived from them is not trusted, so it is looked at again after
/// `min_interval`, then less and less often (×1.5) until that ETA, then as in step 3.
/// No pause between two polls is shorter than `min_interval` (the deadline's poll excepted).
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
    /// Status checks before the ETA, so that a job failing early is noticed early: at 10%, 20%,
    /// 40% and 80% of the expected duration, the first `early_checks` of them (at most 4; see
    /// [the schedule](WaitOptions#the-schedule)). Default 1; 0 waits for the ETA.
    pub early_checks: u32,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30 * 60),
            max_interval: Duration::from_secs(60),
            min_interval: Duration::from_secs(1),
            cancel_if_pending: false,
            early_checks: 1,
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

/// The first early check, as a fraction of the expected duration; each next one doubles it.
const FIRST_EARLY_CHECK: f64 = 0.1;

/// Early checks that can fall before the ETA (10%, 20%, 40%, 80%).
const MAX_EARLY_CHECKS: u32 = 4;

/// How long after the ETA its poll comes: 2% of the expected duration, 20 ms to 2 s.
fn grace(expected: Duration) -> Duration {
    expected
        .mul_f64(0.02)
        .clamp(Duration::from_millis(20), Duration::from_secs(2))
}

/// The pause after `steps` polls past the ETA: grows by half each time from 15% of the job's
/// expected duration (from `min_interval` when that is shorter), ±10% jitter, within the bounds.
fn backoff(expected: Duration, steps: u32, options: &WaitOptions) -> Duration {
    let (min, max) = (
        options.min_interval,
        options.max_interval.max(options.min_interval),
    );
    let grown = expected
        .mul_f64(0.15)
        .max(min)
        .mul_f64(1.5f64.powi(steps.min(30) as i32));
    grown
        .mul_f64(rand::rng().random_range(0.9..=1.1))
        .clamp(min, max)
}

/// When to look at a job next, from what is known of it (the schedule in [`WaitOptions`]' docs).
#[derive(Debug, Clone)]
struct Plan {
    /// When the job was submitted (or created, for a job known by id).
    start: SystemTime,
    /// Its expected duration.
    expected: Duration,
    /// When it should be done; unknown until a job known only by id is first looked at.
    eta: Option<SystemTime>,
    /// Whether the ETA came from the server (one derived from the model is not trusted).
    trusted: bool,
    /// Early checks scheduled or skipped so far.
    early: u32,
    /// Whether the poll at the ETA has been scheduled.
    eta_polled: bool,
    /// Pauses taken past the ETA.
    late: u32,
}

impl Plan {
    /// A submitted job: its ETA is the server's, or the model's typical time after submission.
    fn submitted(job: &Job) -> Self {
        Self {
            start: job.submitted_at,
            expected: job.expected_duration(),
            eta: Some(
                job.estimated_completion
                    .unwrap_or(job.submitted_at + job.processing_time),
            ),
            trusted: true,
            early: 0,
            eta_polled: false,
            late: 0,
        }
    }

    /// A job known only by id: looked at once before anything else.
    fn by_id() -> Self {
        Self {
            start: SystemTime::now(),
            expected: Duration::ZERO,
            eta: None,
            trusted: false,
            early: 0,
            eta_polled: false,
            late: 0,
        }
    }

    /// Learns the ETA of a job known only by id from its first state: its creation time plus its
    /// model's typical processing time.
    fn learn(&mut self, state: &JobState) {
        if self.eta.is_some() {
            return;
        }
        if let Some(model) = state
            .model
            .as_deref()
            .and_then(|m| m.parse::<crate::ModelId>().ok())
        {
            self.expected = model.info().processing_time();
        }
        self.start = state.created_at.unwrap_or(self.start);
        self.eta = Some(self.start + self.expected);
    }

    /// Time left until the ETA (zero once it has passed), when known.
    fn remaining(&self, now: SystemTime) -> Option<Duration> {
        self.eta.map(|t| t.duration_since(now).unwrap_or_default())
    }

    /// The pause before the next poll, `polls` polls having been made.
    fn pause(&mut self, now: SystemTime, polls: u32, options: &WaitOptions) -> Duration {
        let Some(eta) = self.eta else {
            return Duration::ZERO;
        };
        let until = |t: SystemTime| t.duration_since(now).unwrap_or_default();
        let floor = |pause: Duration| {
            if polls == 0 {
                pause
            } else {
                pause.max(options.min_interval)
            }
        };
        let early_checks = if self.trusted {
            options.early_checks.min(MAX_EARLY_CHECKS)
        } else {
            0
        };
        while self.early < early_checks {
            let fraction = FIRST_EARLY_CHECK * f64::from(1u32 << self.early);
            let at = self.start + self.expected.mul_f64(fraction);
            self.early += 1;
            if at > now && at < eta {
                return floor(until(at));
            }
        }
        if !self.eta_polled {
            let to_eta = until(eta + grace(self.expected));
            if !self.trusted {
                // Look again soon, then less and less often, until the derived ETA.
                let growing = options
                    .min_interval
                    .mul_f64(1.5f64.powi(polls.saturating_sub(1).min(30) as i32))
                    .min(options.max_interval);
                if growing < to_eta {
                    return floor(growing);
                }
            }
            self.eta_polled = true;
            return floor(to_eta);
        }
        let pause = backoff(self.expected, self.late, options);
        self.late += 1;
        pause
    }
}

/// The outcome a state ends the wait with, or the state back when the job goes on.
fn ended(state: JobState) -> ControlFlow<Outcome, JobState> {
    match state.status {
        JobStatus::Completed => Break(Outcome::Completed(state)),
        JobStatus::Failed => {
            let error = state.error.clone().unwrap_or(JobError {
                code: crate::api::ErrorCode::Unknown(String::new()),
                message: "the job failed without an error".into(),
            });
            Break(Outcome::Failed { job: state, error })
        }
        JobStatus::Cancelled => Break(Outcome::Cancelled(state)),
        _ => Continue(state),
    }
}

impl Client {
    /// Waits for a submitted job, with its ETA from the submit answer (the schedule is in
    /// [`WaitOptions`]' docs).
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
        self.wait_loop(&job.id, Plan::submitted(job), options, on_progress)
            .await
    }

    /// Waits for a job known only by id (its ETA is derived from its creation time and model).
    pub async fn wait_id(
        &self,
        id: &str,
        options: WaitOptions,
        on_progress: impl FnMut(&WaitProgress),
    ) -> Result<Outcome, Error> {
        self.wait_loop(id, Plan::by_id(), options, on_progress)
            .await
    }

    async fn wait_loop(
        &self,
        id: &str,
        mut plan: Plan,
        options: WaitOptions,
        mut on_progress: impl FnMut(&WaitProgress),
    ) -> Result<Outcome, Error> {
        let started = Instant::now();
        let deadline = started + options.timeout;
        let mut polls = 0u32;
        loop {
            let wake = Instant::now() + plan.pause(SystemTime::now(), polls, &options);
            let last = wake >= deadline;
            tokio::time::sleep_until(wake.min(deadline)).await;

            let state = self.job(id).await?;
            polls += 1;
            plan.learn(&state);
            on_progress(&WaitProgress {
                job_id: id.to_string(),
                status: state.status.clone(),
                progress: state.progress,
                elapsed: started.elapsed(),
                remaining: plan.remaining(SystemTime::now()),
                polls,
            });
            tracing::debug!(job_id = id, status = %state.status, polls, "polled");
            let state = match ended(state) {
                Break(outcome) => return Ok(outcome),
                Continue(state) => state,
            };
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: SystemTime = SystemTime::UNIX_EPOCH;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// A job submitted at `T0` with an ETA `expected` seconds later.
    fn plan(expected: f64) -> Plan {
        Plan {
            start: T0,
            expected: secs(expected),
            eta: Some(T0 + secs(expected)),
            trusted: true,
            early: 0,
            eta_polled: false,
            late: 0,
        }
    }

    /// The pauses of a plan whose every poll happens right when it was due.
    fn pauses(mut plan: Plan, from: f64, options: &WaitOptions, n: usize) -> Vec<Duration> {
        let mut now = T0 + secs(from);
        (0..n)
            .map(|polls| {
                let pause = plan.pause(now, polls as u32, options);
                now += pause;
                pause
            })
            .collect()
    }

    #[test]
    fn backoff_grows_within_bounds() {
        let options = WaitOptions::default();
        let eta = Duration::from_secs(240);
        let first = backoff(eta, 0, &options);
        assert!(
            first >= secs(36.0 * 0.9) && first <= secs(36.0 * 1.1),
            "{first:?}"
        );
        assert_eq!(backoff(eta, 10, &options), options.max_interval);
        // A job of unknown length (no ETA, unknown model) backs off from `min_interval`.
        let tiny = backoff(Duration::ZERO, 0, &options);
        assert!(
            tiny >= options.min_interval && tiny <= secs(1.1),
            "{tiny:?}"
        );
        let grown = backoff(Duration::ZERO, 2, &options);
        assert!(
            grown >= secs(2.25 * 0.9) && grown <= secs(2.25 * 1.1),
            "{grown:?}"
        );
    }

    #[test]
    fn one_early_check_then_the_eta_then_backoff() {
        let options = WaitOptions::default();
        let p = pauses(plan(100.0), 0.0, &options, 4);
        // 10% of 100 s, then the ETA plus 2 s of grace, then 15 s and 22.5 s (±10%).
        assert_eq!(&p[..2], [secs(10.0), secs(92.0)]);
        assert!(p[2] >= secs(13.5) && p[2] <= secs(16.5), "{p:?}");
        assert!(p[3] >= secs(20.25) && p[3] <= secs(24.75), "{p:?}");
    }

    #[test]
    fn early_checks_double_are_bounded_and_skip_the_past() {
        let options = |n| WaitOptions {
            early_checks: n,
            ..WaitOptions::default()
        };
        let p = pauses(plan(100.0), 0.0, &options(9), 5);
        assert_eq!(p, [10.0, 10.0, 20.0, 40.0, 22.0].map(secs), "at most four");
        let p = pauses(plan(100.0), 15.0, &options(3), 3);
        assert_eq!(p, [5.0, 20.0, 62.0].map(secs), "10% had passed");
        let p = pauses(plan(100.0), 0.0, &options(0), 1);
        assert_eq!(p, [secs(102.0)], "none: straight to the ETA");
        // A short job: no pause between polls is under `min_interval`, the first excepted.
        let p = pauses(plan(5.0), 0.0, &options(2), 3);
        assert_eq!(p, [0.5, 1.0, 3.6].map(secs));
    }

    #[test]
    fn a_job_known_by_id_is_looked_at_then_polled_more_and_more_rarely() {
        let options = WaitOptions::default();
        let mut plan = Plan::by_id();
        assert_eq!(plan.pause(SystemTime::now(), 0, &options), Duration::ZERO);
        let created = SystemTime::now() - secs(5.0);
        plan.learn(&JobState {
            id: "job_1".into(),
            status: JobStatus::Processing,
            progress: Some(50),
            model: Some("kling-plus/kling-o3-standard/text-to-video".into()),
            outputs: Vec::new(),
            error: None,
            created_at: Some(created),
            completed_at: None,
            raw: serde_json::Value::Null,
        });
        let typical = "kling-plus/kling-o3-standard/text-to-video"
            .parse::<crate::ModelId>()
            .unwrap()
            .info()
            .processing_time();
        assert_eq!(plan.eta, Some(created + typical));
        let now = created + secs(5.0);
        let p: Vec<_> = (1..5)
            .map(|polls| plan.pause(now, polls, &options))
            .collect();
        assert_eq!(
            p,
            [1.0, 1.5, 2.25, 3.375].map(secs),
            "no early checks: growing polls"
        );
    }
}
