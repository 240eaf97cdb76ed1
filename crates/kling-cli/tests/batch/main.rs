//! `kling batch` against an in-process sandbox: a run end to end, rows with local files, what
//! stops a run before anything is sent, a run stopped by Ctrl-C and continued, failed rows,
//! downloads into row folders, the ledger's status and report, and adopting an unknown row by
//! hand. The sandbox's own records
//! (jobs created, submit requests, output bytes) judge each run.

use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::Value;

#[path = "../support/mod.rs"]
mod support;

mod files;
mod ledger;
mod run;

const BOAT: &str = "kling-plus/kling-o3-standard/text-to-video";
const SNOW: &str = "kling-plus/kling-o3-standard/video-edit";
const SUMMARY_KEYS: [&str; 8] = [
    "rows",
    "completed",
    "failed",
    "cancelled",
    "unknown",
    "pending",
    "spent_micro_cents",
    "files",
];

/// `n` rows, alternating two models, ids `r0`, `r1`, …
fn rows(n: usize) -> String {
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                format!(
                    r#"{{"id": "r{i}", "model": "{BOAT}", "input": {{"prompt": "boat {i}", "duration": "5"}}}}"#
                )
            } else {
                format!(
                    r#"{{"id": "r{i}", "model": "{SNOW}", "input": {{"prompt": "snow {i}", "video_url": "https://example.com/v.mp4"}}}}"#
                )
            }
        })
        .map(|line| line + "\n")
        .collect()
}

/// A directory with `text` as `rows.jsonl`; the ledger goes beside it.
fn batch_dir(text: &str) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rows.jsonl");
    std::fs::write(&file, text).unwrap();
    let ledger = dir.path().join("batch.ledger");
    (
        dir,
        file.display().to_string(),
        ledger.display().to_string(),
    )
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    /// Every stdout line as JSON.
    fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The last stdout line: the summary.
    fn summary(&self) -> Value {
        let last = self.lines().pop().expect("a summary line");
        assert_eq!(keys(&last), SUMMARY_KEYS, "{last}");
        last
    }
}

async fn kling(sandbox: &Sandbox, args: &[&str]) -> Out {
    let (code, stdout, stderr) = support::kling(sandbox, args).await;
    Out {
        code,
        stdout,
        stderr,
    }
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

async fn sandbox(faults: Faults) -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed: 11,
        faults,
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap()
}
