//! `kill -9` at random moments: a child process runs the batch and is killed with SIGKILL, again
//! and again, then one last run finishes it. The sandbox (kept by this process, so it survives
//! the kills) must hold exactly one job per row.
//!
//! No test harness: this binary is both the parent (run by `cargo test`) and the child (itself,
//! re-run with `KLING_BATCH_CRASH_CHILD` set).

mod common;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::path::Path;
use std::time::Duration;

use kling_batch::{Ledger, Plan, Runner};
use kling_sandbox::{Faults, Sandbox, SandboxConfig};

const CHILD: &str = "KLING_BATCH_CRASH_CHILD";
const ROWS: usize = 36;
const KILLS: usize = 8;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    match std::env::var(CHILD) {
        Ok(spec) => runtime.block_on(child(&spec)),
        Err(_) => runtime.block_on(parent()),
    }
}

/// The child: runs the batch of the ledger until it is done (or killed).
async fn child(spec: &str) {
    let mut parts = spec.splitn(3, '\n');
    let (Some(base), Some(key), Some(ledger)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("the child needs base URL, key and ledger");
    };
    let mut ledger = Ledger::open(ledger).expect("ledger");
    let runner = Runner::new(common::client(base, key, 10), common::fast().concurrency(6));
    runner.run(&mut ledger, |_, _| {}).await.expect("run");
}

/// A random duration in `lo..hi` milliseconds (from the standard library's random hasher keys).
fn random_millis(lo: u64, hi: u64) -> Duration {
    let r = RandomState::new().hash_one(0u8);
    Duration::from_millis(lo + r % (hi - lo))
}

async fn run_child(sandbox: &Sandbox, ledger: &Path, kill_after: Option<Duration>) -> bool {
    let spec = format!(
        "{}\n{}\n{}",
        sandbox.base_url(),
        sandbox.api_key(),
        ledger.display()
    );
    let mut child = tokio::process::Command::new(std::env::current_exe().expect("exe"))
        .env(CHILD, spec)
        .kill_on_drop(true)
        .spawn()
        .expect("child");
    let limit = kill_after.unwrap_or(Duration::from_secs(300));
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => {
            assert!(status.expect("status").success(), "the child run failed");
            true
        }
        Err(_) if kill_after.is_some() => {
            child.kill().await.expect("SIGKILL");
            false
        }
        Err(_) => panic!("the last run did not finish in {limit:?}"),
    }
}

async fn parent() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: RandomState::new().hash_one(1u8),
        // Jobs of 2 to 4 minutes take about a second: kills land mid-run.
        speed: 200.0,
        completion_factor: (0.8, 1.3),
        faults: Faults {
            submit_unavailable: 0.1,
            read_error: 0.05,
            drop_connection: 0.05,
            ..Faults::default()
        },
        ..SandboxConfig::for_tests()
    })
    .await
    .expect("sandbox");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("crash.ledger");
    let text = common::jsonl(ROWS);
    Ledger::open(&path)
        .expect("ledger")
        .record_plan(&Plan::from_jsonl(&text).expect("plan"))
        .expect("recorded");

    let mut killed = 0;
    for _ in 0..KILLS {
        if !run_child(&sandbox, &path, Some(random_millis(50, 2500))).await {
            killed += 1;
        }
    }
    run_child(&sandbox, &path, None).await;

    let ledger = Ledger::open(&path).expect("ledger");
    let summary = ledger.summary().expect("summary");
    assert_eq!(summary.completed + summary.failed, ROWS, "{summary:?}");
    assert_eq!((summary.unknown, summary.pending), (0, 0), "{summary:?}");
    let jobs = common::one_job_per_row(&ledger, &sandbox);
    assert_eq!(jobs.len(), ROWS);
    println!(
        "crash: {ROWS} rows, {killed} kills, {} jobs created, {} submit requests; one job per row",
        sandbox.stats().jobs_created,
        sandbox.stats().submit_requests
    );
}
