//! What the batch tests share: inputs, a client and fast options for the sandbox's clock.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::time::Duration;

use kling::client::{Client, ReconcileOptions, RetryPolicy, WaitOptions};
use kling_batch::{Event, Ledger, Plan, Progress, RowStatus, RunOptions, Runner, Summary};
use kling_sandbox::Sandbox;

/// Three models with small valid inputs.
pub const MODELS: [(&str, &str); 3] = [
    (
        "kling-plus/kling-o3-standard/video-edit",
        r#"{"prompt": "make it snow", "video_url": "https://example.com/v.mp4"}"#,
    ),
    (
        "kling-plus/kling-o1-pro/video-edit-fast",
        r#"{"prompt": "add fog", "video_url": "https://example.com/v.mp4"}"#,
    ),
    (
        "kling-plus/kling-o3-standard/text-to-video",
        r#"{"prompt": "a paper boat", "duration": "5"}"#,
    ),
];

/// `rows` JSONL lines cycling through the models, ids `r0`, `r1`, …
pub fn jsonl(rows: usize) -> String {
    (0..rows)
        .map(|i| {
            let (model, input) = MODELS[i % MODELS.len()];
            format!("{{\"id\": \"r{i}\", \"model\": \"{model}\", \"input\": {input}}}\n")
        })
        .collect()
}

pub fn client(base_url: &str, key: &str, attempts: u32) -> Client {
    Client::builder()
        .api_key(key)
        .base_url(base_url)
        .request_timeout(Duration::from_secs(10))
        .retry(RetryPolicy {
            max_attempts: attempts,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
            max_retry_after: Duration::from_millis(50),
        })
        .build()
        .expect("client")
}

pub fn sandbox_client(sandbox: &Sandbox, attempts: u32) -> Client {
    client(&sandbox.base_url(), sandbox.api_key(), attempts)
}

/// Polling and pauses scaled for a sandbox clock 1,000× faster; a reconcile window of 2 s
/// (requests on loopback create their job, if at all, well within it).
pub fn fast() -> RunOptions {
    RunOptions::default()
        .wait(WaitOptions {
            min_interval: Duration::from_millis(10),
            max_interval: Duration::from_millis(100),
            ..WaitOptions::default()
        })
        .reconcile(
            ReconcileOptions::default()
                .clock_skew(Duration::from_millis(50))
                .window(Duration::from_secs(2)),
        )
        .retry_pause(Duration::from_millis(10), Duration::from_millis(200))
}

/// A ledger in `dir` holding the plan of `text`.
pub fn ledger(dir: &tempfile::TempDir, text: &str) -> Ledger {
    let mut ledger = Ledger::open(dir.path().join("batch.ledger")).expect("ledger");
    ledger
        .record_plan(&Plan::from_jsonl(text).expect("plan"))
        .expect("recorded");
    ledger
}

/// Every event of a run, with the progress after it.
#[derive(Default)]
pub struct Log(pub Vec<(Event, Progress)>);

impl Log {
    pub fn push(&mut self, event: &Event, progress: &Progress) {
        self.0.push((event.clone(), *progress));
    }

    pub fn count(&self, matches: impl Fn(&Event) -> bool) -> usize {
        self.0.iter().filter(|(e, _)| matches(e)).count()
    }
}

/// Runs the batch to its end, keeping every event.
pub async fn run_logged(runner: &Runner, ledger: &mut Ledger) -> (Summary, Log) {
    let mut log = Log::default();
    let summary = runner
        .run(ledger, |e, p| log.push(e, p))
        .await
        .expect("run");
    (summary, log)
}

/// The ledger's job ids, checked against the sandbox's own records: every row of `statuses`
/// has a job, no job belongs to two rows, and the sandbox created exactly these jobs.
pub fn one_job_per_row(ledger: &Ledger, sandbox: &Sandbox) -> BTreeSet<String> {
    let rows = ledger.rows().expect("rows");
    let jobs: BTreeSet<String> = rows.iter().filter_map(|r| r.job_id.clone()).collect();
    let with_job = rows
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                RowStatus::Submitted | RowStatus::Completed | RowStatus::Cancelled
            ) || r.job_id.is_some()
        })
        .count();
    assert_eq!(jobs.len(), with_job, "a job id recorded for two rows");
    let created: BTreeSet<String> = sandbox.job_ids().into_iter().collect();
    assert_eq!(
        jobs, created,
        "the sandbox created exactly the ledger's jobs"
    );
    jobs
}
