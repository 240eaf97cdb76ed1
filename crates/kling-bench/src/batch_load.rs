//! 1,000 rows through `kling-batch`, all in flight at once, in their own process: the same jobs
//! as the 1,000-job waiter, plus the plan, the ledger and the runner's bookkeeping.

use kling::client::Client;
use kling_batch::{Ledger, Plan, RunOptions, Runner};
use serde_json::{Value, json};

use crate::workload::{cpu_seconds, job_input, peak_rss_mb, worker_wait};

/// The worker (`kling-bench batch-load-worker BASE_URL KEY ROWS`): plans `rows` rows, records
/// them in a ledger in a temporary directory and runs them to the end. Prints its figures.
pub async fn worker(base_url: &str, key: &str, rows: usize) -> Value {
    let text: String = (0..rows)
        .map(|i| {
            let (model, input) = job_input(i);
            format!(
                "{}\n",
                json!({"id": format!("row-{i}"), "model": model.slug(), "input": input})
            )
        })
        .collect();
    let plan = Plan::from_jsonl(&text).expect("plan");
    let dir = tempfile::tempdir().expect("dir");
    let mut ledger = Ledger::open(dir.path().join("load.ledger")).expect("ledger");
    ledger.record_plan(&plan).expect("recorded");
    let client = Client::builder()
        .api_key(key)
        .base_url(base_url)
        .build()
        .expect("client");
    let options = RunOptions::default().concurrency(rows).wait(worker_wait());
    let summary = Runner::new(client, options)
        .run(&mut ledger, |_, _| {})
        .await
        .expect("run");
    json!({
        "completed": summary.completed,
        "peak_rss_mb": peak_rss_mb(),
        "cpu_s": cpu_seconds(),
    })
}
