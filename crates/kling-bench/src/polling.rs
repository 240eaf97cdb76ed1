//! How well waiting works: status requests per job, and how late the client notices a job's
//! end. Jobs of four models are submitted to a sandbox whose clock runs faster than real time,
//! then all waited on at once; the sandbox counts the status requests, and each job's own
//! record (`completedAt`) says when it really ended.

use std::time::{Duration, SystemTime};

use kling::client::{Client, Job, Outcome, WaitOptions};
use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::{Value, json};

use crate::workload::{job_input, round};

/// How many times faster than real time the sandbox runs (a 240 s job takes 2.4 s).
pub const SPEED: f64 = 100.0;

/// The jobs of one run: how long they really take and how many fail, and when.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Jobs submitted.
    pub jobs: usize,
    /// Actual durations are the ETA times a factor drawn from this range.
    pub completion_factor: (f64, f64),
    /// The share of jobs that fail.
    pub failing: f64,
    /// When failing jobs fail, as a fraction of their expected duration.
    pub fail_after: Option<(f64, f64)>,
    /// The sandbox's seed.
    pub seed: u64,
}

/// How the client waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiter {
    /// `Client::wait` with its default schedule (intervals scaled by [`SPEED`]) and this many
    /// early checks (the default is 1).
    Client {
        /// [`WaitOptions::early_checks`].
        early_checks: u32,
    },
    /// The quick-start's fixed 5 s poll (scaled the same way).
    Fixed5s,
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Jobs that completed.
    pub completed: usize,
    /// Jobs that failed.
    pub failed: usize,
    /// Status requests the sandbox received, per job.
    pub requests_per_job: f64,
    /// Status requests the waiters made per completed job (their own count).
    pub requests_per_completed_job: f64,
    /// 95th percentile of (noticed − ended) ÷ expected duration, over completed jobs.
    pub notice_delay_p95_completed: f64,
    /// The same over failed jobs (0 when none failed).
    pub notice_delay_p95_failed: f64,
}

/// How one wait ended, as the bench needs it.
struct Waited {
    completed: bool,
    polls: u32,
    /// (noticed − ended) ÷ expected duration.
    delay_fraction: f64,
}

/// The wait options of the bench: the defaults, with every absolute interval scaled by [`SPEED`].
pub fn scaled_options() -> WaitOptions {
    WaitOptions {
        min_interval: Duration::from_secs_f64(1.0 / SPEED),
        max_interval: Duration::from_secs_f64(60.0 / SPEED),
        ..WaitOptions::default()
    }
}

async fn wait_one(client: Client, job: Job, waiter: Waiter) -> Waited {
    let mut polls = 0u32;
    let state = match waiter {
        Waiter::Client { early_checks } => {
            let options = WaitOptions {
                early_checks,
                ..scaled_options()
            };
            let outcome = client
                .wait_with_progress(&job, options, |p| polls = p.polls)
                .await
                .expect("wait");
            match outcome {
                Outcome::Completed(state) => state,
                Outcome::Failed { job, .. } => job,
                other => panic!("the wait ended with {other:?}"),
            }
        }
        Waiter::Fixed5s => loop {
            tokio::time::sleep(Duration::from_secs_f64(5.0 / SPEED)).await;
            let state = client.job(&job.id).await.expect("status");
            polls += 1;
            if state.status.is_terminal() {
                break state;
            }
        },
    };
    let noticed = SystemTime::now();
    let ended = state.completed_at.expect("an ended job says when it ended");
    let delay = noticed.duration_since(ended).unwrap_or_default();
    Waited {
        completed: state.status == kling::api::JobStatus::Completed,
        polls,
        delay_fraction: delay.as_secs_f64() / job.expected_duration().as_secs_f64(),
    }
}

/// The nearest-rank 95th percentile (0 for no values).
fn p95(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = (values.len() as f64 * 0.95).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// Submits the scenario's jobs, waits for all of them at once, and measures.
pub async fn run(scenario: Scenario, waiter: Waiter) -> Figures {
    let config = SandboxConfig {
        speed: SPEED,
        completion_factor: scenario.completion_factor,
        seed: scenario.seed,
        faults: Faults {
            failed_generation: scenario.failing,
            fail_after: scenario.fail_after,
            ..Faults::default()
        },
        ..SandboxConfig::for_tests()
    };
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .build()
        .expect("client");
    let mut waits = Vec::new();
    for i in 0..scenario.jobs {
        let (id, input) = job_input(i);
        let job = client
            .submit_json(id, input, Default::default())
            .await
            .expect("submit");
        waits.push(tokio::spawn(wait_one(client.clone(), job, waiter)));
    }
    let (mut completed, mut failed) = (Vec::new(), Vec::new());
    let mut completed_polls = 0u64;
    for w in waits {
        let waited = w.await.expect("join");
        if waited.completed {
            completed_polls += u64::from(waited.polls);
            completed.push(waited.delay_fraction);
        } else {
            failed.push(waited.delay_fraction);
        }
    }
    let requests = sandbox.stats().status_requests;
    sandbox.shutdown().await;
    Figures {
        completed: completed.len(),
        failed: failed.len(),
        requests_per_job: requests as f64 / scenario.jobs as f64,
        requests_per_completed_job: completed_polls as f64 / completed.len().max(1) as f64,
        notice_delay_p95_completed: p95(completed),
        notice_delay_p95_failed: p95(failed),
    }
}

/// The figures of `cargo xtask bench`: 10% of jobs failing early (within the first tenth of
/// their expected duration), with actual durations spread from 0.8× to 1.3× of the ETA, then the
/// same jobs finishing exactly at their ETA; the first set again without the early check, and
/// with the fixed 5 s poll on (at most 200 of) its jobs.
pub async fn figures(quick: bool) -> Value {
    let spread = Scenario {
        jobs: if quick { 200 } else { 600 },
        completion_factor: (0.8, 1.3),
        failing: 0.1,
        fail_after: Some((0.02, 0.1)),
        seed: 42,
    };
    let on_time = Scenario {
        completion_factor: (1.0, 1.0),
        ..spread
    };
    let default = Waiter::Client {
        early_checks: WaitOptions::default().early_checks,
    };
    let a = run(spread, default).await;
    let b = run(on_time, default).await;
    let none = run(spread, Waiter::Client { early_checks: 0 }).await;
    // The baseline's 20 requests a second per job would load the machine at more jobs.
    let fixed = run(
        Scenario {
            jobs: spread.jobs.min(200),
            ..spread
        },
        Waiter::Fixed5s,
    )
    .await;
    json!({
        "status_requests_per_job": round(a.requests_per_job),
        "status_requests_per_completed_job": round(a.requests_per_completed_job),
        "notice_delay_p95_fraction_completed": round(a.notice_delay_p95_completed),
        "notice_delay_p95_fraction_failed": round(a.notice_delay_p95_failed),
        "status_requests_per_job_on_time": round(b.requests_per_job),
        "status_requests_per_completed_job_on_time": round(b.requests_per_completed_job),
        "notice_delay_p95_fraction_completed_on_time": round(b.notice_delay_p95_completed),
        "notice_delay_p95_fraction_failed_on_time": round(b.notice_delay_p95_failed),
        "status_requests_per_job_no_early_check": round(none.requests_per_job),
        "notice_delay_p95_fraction_failed_no_early_check": round(none.notice_delay_p95_failed),
        "status_requests_per_job_fixed_5s": round(fixed.requests_per_job),
        "wait_jobs": spread.jobs,
        "wait_jobs_failed": a.failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_the_nearest_rank() {
        assert_eq!(p95(vec![]), 0.0);
        assert_eq!(p95(vec![3.0]), 3.0);
        let hundred: Vec<f64> = (1..=100).map(f64::from).rev().collect();
        assert_eq!(p95(hundred), 95.0);
        assert_eq!(p95((1..=10).map(f64::from).collect()), 10.0);
    }
}
