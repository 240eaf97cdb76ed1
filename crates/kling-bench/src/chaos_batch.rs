//! The batch chaos campaign: a batch run by `kling-batch` in a child process against the faulty
//! sandbox of [`crate::chaos`], killed with SIGKILL at random moments several times and run
//! again. The sandbox lives in this process, so it survives the kills, and its own records are
//! the proof: exactly one job per row, none lost, and the spend equal to the ledger's charges.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use kling::client::{Client, ReconcileOptions, WaitOptions};
use kling_batch::{Ledger, Plan, RunOptions, Runner, Summary};
use kling_sandbox::{Sandbox, SandboxConfig};
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use crate::chaos::{MODELS, RETRY, faulty};

/// The sandbox's starting balance: what it took is the campaign's spend.
const BALANCE: u64 = 1_000_000_000_000;

/// The campaign's result.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchReport {
    /// Rows in the batch.
    pub rows: usize,
    /// Rows completed.
    pub completed: usize,
    /// Rows failed (failed generations).
    pub failed: usize,
    /// Rows left unknown.
    pub unknown: usize,
    /// Rows left planned or running.
    pub pending: usize,
    /// Jobs the sandbox created that no row holds.
    pub duplicates: usize,
    /// Jobs rows hold that the sandbox never created.
    pub lost: usize,
    /// Finished rows without a job.
    pub without_job: usize,
    /// Runs killed with SIGKILL before they finished.
    pub kills: usize,
    /// Runs in all (the last one finishes the batch).
    pub runs: usize,
    /// The ledger's spend: charges of the jobs not refunded.
    pub spent_micro_cents: u64,
    /// What the sandbox took from the balance, refunds included.
    pub charged_micro_cents: u64,
    /// Submit requests the sandbox received.
    pub submit_requests: u64,
    /// The concurrency learnt from 429 answers.
    pub learnt_concurrency: Option<usize>,
    /// Wall time of the campaign.
    pub seconds: f64,
}

impl BatchReport {
    /// Whether the campaign proved what it must.
    pub fn ok(&self) -> bool {
        self.completed + self.failed == self.rows
            && self.unknown + self.pending + self.duplicates + self.lost + self.without_job == 0
            && self.spent_micro_cents == self.charged_micro_cents
    }

    /// The JSON line `cargo xtask chaos --batch --json` prints.
    pub fn to_json(&self) -> Value {
        json!({
            "rows": self.rows, "completed": self.completed, "failed": self.failed,
            "unknown": self.unknown, "pending": self.pending, "duplicates": self.duplicates,
            "lost": self.lost, "without_job": self.without_job, "kills": self.kills, "runs": self.runs,
            "spent_micro_cents": self.spent_micro_cents, "charged_micro_cents": self.charged_micro_cents,
            "submit_requests": self.submit_requests, "learnt_concurrency": self.learnt_concurrency,
            "seconds": (self.seconds * 100.0).round() / 100.0,
        })
    }
}

/// The batch: `rows` lines cycling through the campaign's models.
pub fn jsonl(rows: usize) -> String {
    (0..rows)
        .map(|i| {
            let (model, input) = MODELS[i % MODELS.len()];
            format!("{{\"id\": \"row-{i}\", \"model\": \"{model}\", \"input\": {input}}}\n")
        })
        .collect()
}

/// The child's side (`kling-bench batch-worker BASE KEY LEDGER`): runs the batch of the ledger
/// to its end, as `kling batch run` would, asking for more jobs in flight than the plan allows.
pub async fn worker(base_url: &str, key: &str, ledger: &Path) -> Result<Summary, String> {
    let client = Client::builder()
        .api_key(key)
        .base_url(base_url)
        .retry(RETRY)
        .build()
        .map_err(|e| e.to_string())?;
    let options = RunOptions::default()
        .concurrency(12)
        .wait(WaitOptions {
            min_interval: Duration::from_millis(20),
            max_interval: Duration::from_millis(500),
            ..WaitOptions::default()
        })
        .reconcile(
            ReconcileOptions::default()
                .clock_skew(Duration::from_millis(100))
                .window(Duration::from_secs(2)),
        )
        .retry_pause(Duration::from_millis(20), Duration::from_secs(1));
    let mut ledger = Ledger::open(ledger).map_err(|e| e.to_string())?;
    Runner::new(client, options)
        .run(&mut ledger, |_, _| {})
        .await
        .map_err(|e| e.to_string())
}

/// Runs the worker once; kills it with SIGKILL after `kill_after` if it is still running.
/// Returns whether it was killed.
async fn run_worker(
    exe: &Path,
    sandbox: &Sandbox,
    ledger: &Path,
    kill_after: Option<Duration>,
) -> Result<bool, String> {
    let mut child = tokio::process::Command::new(exe)
        .arg("batch-worker")
        .arg(sandbox.base_url())
        .arg(sandbox.api_key())
        .arg(ledger)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let limit = kill_after.unwrap_or(Duration::from_secs(30 * 60));
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(false),
        Ok(Ok(status)) => Err(format!("the batch worker failed: {status}")),
        Ok(Err(e)) => Err(format!("cannot wait for the batch worker: {e}")),
        Err(_) if kill_after.is_some() => {
            // tokio's kill is SIGKILL: no destructor, no flush, no goodbye.
            child.kill().await.map_err(|e| e.to_string())?;
            Ok(true)
        }
        Err(_) => Err(format!("the last run did not finish in {limit:?}")),
    }
}

/// Runs the campaign: `rows` rows, `kills` runs killed at random moments (seeded), then one run
/// to the end. `worker_exe` is the `kling-bench` binary.
pub async fn run(
    worker_exe: &Path,
    rows: usize,
    seed: u64,
    kills: usize,
) -> Result<BatchReport, String> {
    let started = Instant::now();
    let sandbox = Sandbox::start(SandboxConfig {
        balance: Some(kling::MicroCents::new(BALANCE)),
        ..faulty(seed)
    })
    .await
    .map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("chaos.ledger");
    let plan = Plan::from_jsonl(&jsonl(rows)).map_err(|e| e.to_string())?;
    Ledger::open(&path)
        .and_then(|mut l| l.record_plan(&plan))
        .map_err(|e| e.to_string())?;

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut killed = 0;
    for _ in 0..kills {
        let after = Duration::from_millis(rng.random_range(300..6000));
        killed += usize::from(run_worker(worker_exe, &sandbox, &path, Some(after)).await?);
    }
    run_worker(worker_exe, &sandbox, &path, None).await?;

    let ledger = Ledger::open(&path).map_err(|e| e.to_string())?;
    let records = ledger.rows().map_err(|e| e.to_string())?;
    let summary = Summary::of(&records);
    let held: BTreeSet<String> = records.iter().filter_map(|r| r.job_id.clone()).collect();
    let created: BTreeSet<String> = sandbox.job_ids().into_iter().collect();
    let stats = sandbox.stats();
    let report = BatchReport {
        rows,
        completed: summary.completed,
        failed: summary.failed,
        unknown: summary.unknown,
        pending: summary.pending,
        duplicates: created.difference(&held).count(),
        lost: held.difference(&created).count(),
        without_job: records
            .iter()
            .filter(|r| r.status.is_final() && r.job_id.is_none())
            .count(),
        kills: killed,
        runs: kills + 1,
        spent_micro_cents: summary.spent_micro_cents,
        charged_micro_cents: BALANCE - sandbox.balance().map_or(BALANCE, |b| b.get()),
        submit_requests: stats.submit_requests,
        learnt_concurrency: ledger.learnt_concurrency().map_err(|e| e.to_string())?,
        seconds: started.elapsed().as_secs_f64(),
    };
    sandbox.shutdown().await;
    Ok(report)
}
