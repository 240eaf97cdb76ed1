//! The chaos campaign: many jobs through `kling::Client` against a sandbox that injects every
//! fault at once. Every job must end accounted for, and the sandbox's own records prove that no
//! job was created twice and no created job was lost.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use kling::client::{Client, Error, JobFilter, Outcome, RetryPolicy, WaitOptions};
use kling::prelude::*;
use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// How one logical job ended.
#[derive(Debug, Clone)]
pub enum Fate {
    /// Completed with outputs.
    Completed(String),
    /// Failed: the job's error code, or the submit's final API error (no job created).
    Failed {
        /// The job, when one was created.
        job_id: Option<String>,
        /// The error code.
        code: String,
    },
    /// The submit's outcome is unknown: the context needed to reconcile.
    Unknown {
        /// The model slug.
        model: String,
        /// When the submit was sent.
        sent_at: SystemTime,
        /// What happened after sending.
        reason: String,
    },
}

/// The campaign's result.
#[derive(Debug, Clone)]
pub struct Report {
    /// Logical jobs driven.
    pub jobs: usize,
    /// Jobs that completed.
    pub completed: usize,
    /// Jobs that failed (generation failures, or submits refused for good).
    pub failed: usize,
    /// Submits whose outcome stayed unknown.
    pub unknown: usize,
    /// Created jobs that no logical job accounts for, even after reconciling the unknowns.
    pub duplicates: usize,
    /// Jobs the client knows of that the sandbox never created.
    pub lost: usize,
    /// Unknown outcomes matched to a created job by listing (reconciliation).
    pub reconciled: usize,
    /// Submit requests beyond the first of each job.
    pub retries: u64,
    /// Wall time of the campaign.
    pub seconds: f64,
}

impl Report {
    /// The JSON line `cargo xtask chaos --json` prints.
    pub fn to_json(&self) -> Value {
        json!({
            "jobs": self.jobs, "completed": self.completed, "failed": self.failed, "unknown": self.unknown,
            "duplicates": self.duplicates, "lost": self.lost, "reconciled": self.reconciled,
            "retries": self.retries, "seconds": (self.seconds * 100.0).round() / 100.0,
        })
    }
}

/// The models and inputs of the campaigns: cheap, quick jobs of three different models.
pub(crate) const MODELS: [(&str, &str); 3] = [
    (
        "kling-plus/kling-o3-standard/video-edit",
        r#"{"prompt": "make it snow", "video_url": "https://example.com/v.mp4"}"#,
    ),
    (
        "kling-plus/kling-o1-pro/video-edit-fast",
        r#"{"prompt": "add fog", "video_url": "https://example.com/v.mp4"}"#,
    ),
    (
        "kling-plus/kling-2.6-pro/motion-control",
        r#"{"image": "https://example.com/i.png", "video": "https://example.com/m.mp4", "character_orientation": "image"}"#,
    ),
];

async fn one_job(client: Client, i: usize) -> Fate {
    let (slug, input) = MODELS[i % MODELS.len()];
    let id: ModelId = slug.parse().expect("known slug");
    let input: Value = serde_json::from_str(input).expect("json");
    let job = match client.submit_json(id, input, Default::default()).await {
        Ok(job) => job,
        Err(Error::SubmitOutcomeUnknown {
            model,
            sent_at,
            reason,
            ..
        }) => {
            return Fate::Unknown {
                model,
                sent_at,
                reason,
            };
        }
        Err(e) => {
            return Fate::Failed {
                job_id: None,
                code: e.code().map_or_else(|| e.to_string(), ToString::to_string),
            };
        }
    };
    let options = WaitOptions {
        min_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(500),
        timeout: Duration::from_secs(120),
        ..WaitOptions::default()
    };
    // A wait that fails on transport is resumed: the job id is never dropped.
    for _ in 0..20 {
        match client.wait(&job, options).await {
            Ok(Outcome::Completed(state)) => return Fate::Completed(state.id),
            Ok(Outcome::Failed { job, error }) => {
                return Fate::Failed {
                    job_id: Some(job.id),
                    code: error.code.to_string(),
                };
            }
            Ok(other) => {
                return Fate::Failed {
                    job_id: Some(job.id.clone()),
                    code: format!("{other:?}"),
                };
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    Fate::Failed {
        job_id: Some(job.id),
        code: "WAIT_GAVE_UP".into(),
    }
}

/// The faulty sandbox of the campaigns: 20% of submits refused with 503, 10% of reads answered
/// 500, 5% of connections dropped after the request was handled, 2 ms latency, 5% of jobs
/// failing, at most 8 jobs running, on a clock 400× faster.
pub(crate) fn faulty(seed: u64) -> SandboxConfig {
    SandboxConfig {
        seed,
        speed: 400.0,
        completion_factor: (0.8, 1.3),
        max_concurrent: Some(8),
        max_jobs: 1_000_000,
        faults: Faults {
            submit_unavailable: 0.2,
            read_error: 0.1,
            drop_connection: 0.05,
            latency: Duration::from_millis(2),
            failed_generation: 0.05,
            ..Faults::default()
        },
        ..SandboxConfig::for_tests()
    }
}

/// The client's retries in the campaigns: many quick attempts, as the faults are frequent.
pub(crate) const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 12,
    initial_backoff: Duration::from_millis(20),
    max_backoff: Duration::from_millis(500),
    max_retry_after: Duration::from_millis(500),
};

/// Runs `jobs` jobs against a faulty sandbox with this seed, a dozen in flight at a time (as an
/// application that respects its plan's concurrency would).
pub async fn run(jobs: usize, seed: u64) -> Report {
    let started = Instant::now();
    let sandbox = Sandbox::start(faulty(seed)).await.expect("sandbox");
    let client = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .retry(RETRY)
        .build()
        .expect("client");
    // A dozen in flight at a time, as an application that respects its plan's cap would.
    let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(12));
    let handles: Vec<_> = (0..jobs)
        .map(|i| {
            let (client, in_flight) = (client.clone(), in_flight.clone());
            tokio::spawn(async move {
                let _permit = in_flight.acquire_owned().await.expect("semaphore");
                one_job(client, i).await
            })
        })
        .collect();
    let mut fates = Vec::with_capacity(jobs);
    for h in handles {
        fates.push(h.await.expect("join"));
    }

    // What the client knows, and what the sandbox created.
    let known: BTreeSet<String> = fates
        .iter()
        .filter_map(|f| match f {
            Fate::Completed(id) => Some(id.clone()),
            Fate::Failed { job_id, .. } => job_id.clone(),
            Fate::Unknown { .. } => None,
        })
        .collect();
    let created: BTreeSet<String> = sandbox.job_ids().into_iter().collect();
    let lost = known.difference(&created).count();
    // Reconcile the unknowns as a user would.
    let candidates = unclaimed_jobs(&sandbox, &known).await;
    let claimed = claim(&fates, &candidates);
    let reconciled = claimed.len();
    let unexplained = created
        .iter()
        .filter(|id| !known.contains(*id) && !claimed.contains(*id))
        .count();
    let stats = sandbox.stats();
    let report = Report {
        jobs,
        completed: fates
            .iter()
            .filter(|f| matches!(f, Fate::Completed(_)))
            .count(),
        failed: fates
            .iter()
            .filter(|f| matches!(f, Fate::Failed { .. }))
            .count(),
        unknown: fates
            .iter()
            .filter(|f| matches!(f, Fate::Unknown { .. }))
            .count(),
        duplicates: unexplained,
        lost,
        reconciled,
        // Requests beyond one submit and the status polls a fault-free run would need.
        retries: stats.submit_requests.saturating_sub(jobs as u64),
        seconds: started.elapsed().as_secs_f64(),
    };
    sandbox.shutdown().await;
    report
}

/// A job the sandbox lists: its id, model and creation time.
type Listed = (String, Option<String>, Option<SystemTime>);

/// Every listed job the client does not know of, read with a patient client (the sandbox still
/// injects faults).
async fn unclaimed_jobs(sandbox: &Sandbox, known: &BTreeSet<String>) -> Vec<Listed> {
    let reader = Client::builder()
        .api_key(sandbox.api_key())
        .base_url(sandbox.base_url())
        .retry(RetryPolicy {
            max_attempts: 30,
            ..RETRY
        })
        .build()
        .expect("client");
    let mut candidates = Vec::new();
    let filter = JobFilter {
        page_size: Some(100),
        ..JobFilter::default()
    };
    let mut cursor = None;
    loop {
        let Ok((page, next)) = reader.jobs_page(&filter, cursor.as_deref()).await else {
            break;
        };
        candidates.extend(
            page.into_iter()
                .filter(|j| !known.contains(&j.id))
                .map(|j| (j.id, j.model, j.created_at)),
        );
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    candidates
}

/// Gives each unknown submit, oldest first, the unclaimed job of its model created closest to
/// when it was sent (within 5 s); returns the jobs claimed.
fn claim(fates: &[Fate], candidates: &[Listed]) -> BTreeSet<String> {
    let mut unknowns: Vec<(&String, SystemTime)> = fates
        .iter()
        .filter_map(|f| match f {
            Fate::Unknown { model, sent_at, .. } => Some((model, *sent_at)),
            _ => None,
        })
        .collect();
    unknowns.sort_by_key(|(_, t)| *t);
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    for (model, sent_at) in unknowns {
        let gap = |t: &Option<SystemTime>| {
            t.map_or(Duration::MAX, |t| {
                t.duration_since(sent_at).unwrap_or_else(|e| e.duration())
            })
        };
        let best = candidates
            .iter()
            .filter(|(id, m, t)| {
                m.as_deref() == Some(model.as_str())
                    && !claimed.contains(id)
                    && gap(t) <= Duration::from_secs(5)
            })
            .min_by_key(|(_, _, t)| gap(t));
        if let Some((id, _, _)) = best {
            claimed.insert(id.clone());
        }
    }
    claimed
}
