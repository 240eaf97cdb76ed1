//! Runs: to the end and again, refused before anything is sent, failed rows, downloads into
//! row folders, and Ctrl-C then the same command.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use assert_cmd::prelude::*;
use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::Value;

use super::{BOAT, SUMMARY_KEYS, batch_dir, keys, kling, rows, sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_runs_to_the_end_and_a_second_run_sends_nothing_again() {
    let sandbox = sandbox(Faults::default()).await;
    let (_dir, file, ledger) = batch_dir(&rows(4));
    let run = ["batch", "run", &file, "--ledger", &ledger, "--json"];
    let out = kling(&sandbox, &run).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines[0]["event"], "started");
    assert_eq!(lines[0]["rows"], 4);
    assert_eq!(lines[0]["limit"], 4, "the default concurrency");
    let submitted = lines.iter().filter(|l| l["event"] == "submitted").count();
    let completed = lines.iter().filter(|l| l["event"] == "completed").count();
    assert_eq!((submitted, completed), (4, 4));
    let summary = out.summary();
    assert_eq!(summary["rows"], 4);
    assert_eq!(summary["completed"], 4);
    assert_eq!(summary["files"], 0);
    // Two rows of each model: 420,000 and 30,000 micro-cents.
    assert_eq!(summary["spent_micro_cents"], 900_000);
    assert_eq!(sandbox.job_ids().len(), 4);

    let again = kling(&sandbox, &run).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.summary(), summary);
    assert_eq!(sandbox.job_ids().len(), 4, "no row paid twice");
    assert_eq!(sandbox.stats().submit_requests, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_rows_stop_the_run_before_anything_is_sent() {
    let sandbox = sandbox(Faults::default()).await;
    let text = format!(
        "{}{}\n{}\nnot json\n",
        rows(1),
        format_args!(
            r#"{{"id": "long", "model": "{BOAT}", "input": {{"prompt": "boat", "duration": "16"}}}}"#
        ),
        r#"{"id": "cat", "model": "kling/kling-omni-o1/image-to-video", "input": {"prompt": "a cat", "image_url": "@./cat.png"}}"#,
    );
    let (_dir, file, ledger) = batch_dir(&text);
    let out = kling(
        &sandbox,
        &["batch", "run", &file, "--ledger", &ledger, "--json"],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let error: Value = serde_json::from_str(&out.stderr).unwrap();
    let error = &error["error"];
    assert_eq!(error["code"], "invalid_batch");
    let problems: Vec<(u64, &str, &str)> = error["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["row"].as_str().unwrap_or("-"),
                p["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (2, "long", "/input/duration"),
            (3, "cat", "/input/image_url"),
            (4, "-", "")
        ]
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("`@./cat.png`: local file ./cat.png:"),
        "{error}"
    );
    assert_eq!(sandbox.stats().submit_requests, 0);
    assert!(!Path::new(&ledger).exists(), "no ledger for a refused plan");

    // In text, each problem on a line of its own.
    let out = kling(&sandbox, &["batch", "run", &file, "--ledger", &ledger]).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("\n  line 2 (row `long`) /input/duration: "),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_priced_above_max_total_is_refused_whole() {
    let sandbox = sandbox(Faults::default()).await;
    let (_dir, file, ledger) = batch_dir(&rows(4));
    let out = kling(
        &sandbox,
        &[
            "batch",
            "run",
            &file,
            "--ledger",
            &ledger,
            "--max-total",
            "0.89",
            "--json",
        ],
    )
    .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error: Value = serde_json::from_str(&out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "over_budget");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("$0.90"),
        "{error}"
    );
    assert_eq!(sandbox.stats().submit_requests, 0);

    let out = kling(
        &sandbox,
        &[
            "batch",
            "run",
            &file,
            "--ledger",
            &ledger,
            "--max-total",
            "0.90",
            "--json",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "exactly the budget: {}", out.stderr);
    assert_eq!(out.summary()["spent_micro_cents"], 900_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_jobs_exit_5_and_are_refunded() {
    let sandbox = sandbox(Faults {
        failed_generation: 1.0,
        ..Faults::default()
    })
    .await;
    let (_dir, file, ledger) = batch_dir(&rows(3));
    let out = kling(
        &sandbox,
        &["batch", "run", &file, "--ledger", &ledger, "--json"],
    )
    .await;
    assert_eq!(out.code, 5, "{}", out.stderr);
    let summary = out.summary();
    assert_eq!(
        (summary["failed"].as_u64(), summary["completed"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(summary["spent_micro_cents"], 0, "failed jobs are refunded");
    let error: Value = serde_json::from_str(&out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "batch_rows_failed");
    let failed = out
        .lines()
        .into_iter()
        .filter(|l| l["event"] == "failed")
        .count();
    assert_eq!(failed, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_are_downloaded_into_a_folder_per_row() {
    let sandbox = sandbox(Faults::default()).await;
    let (dir, file, ledger) = batch_dir(&rows(2));
    let into = dir.path().join("out");
    let into_arg = into.display().to_string();
    let out = kling(
        &sandbox,
        &[
            "batch", "run", &file, "--ledger", &ledger, "-o", &into_arg, "--json",
        ],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let completed: Vec<Value> = out
        .lines()
        .into_iter()
        .filter(|l| l["event"] == "completed")
        .collect();
    assert_eq!(completed.len(), 2);
    let mut files = 0;
    for event in &completed {
        let row = event["row"].as_str().unwrap();
        let job = event["job_id"].as_str().unwrap();
        let video = into.join(row).join("output_0.mp4");
        let listed: Vec<&str> = event["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert!(
            listed.contains(&video.display().to_string().as_str()),
            "{listed:?}"
        );
        let expected = sandbox.output_file(job, "output_0.mp4").unwrap();
        assert_eq!(std::fs::read(&video).unwrap(), expected.as_ref(), "{row}");
        files += listed.len();
    }
    assert_eq!(out.summary()["files"].as_u64(), Some(files as u64));
}

/// Runs a batch and presses Ctrl-C twice once its first job is submitted: it stops submitting,
/// then leaves the running job to the next run. Returns the exit code and stdout's lines.
fn interrupted(sandbox_url: &str, key: &str, file: &str, ledger: &str) -> (i32, Vec<Value>) {
    let mut child = Command::cargo_bin("kling")
        .unwrap()
        .env_remove("PIXELBYTE_API_KEY")
        .args(["--base-url", sandbox_url, "--api-key", key])
        .args(["batch", "run", file, "--ledger", ledger, "--json"])
        .args(["--concurrency", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let interrupt = || {
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
    };
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line: Value = serde_json::from_str(&line.unwrap()).unwrap();
        match line["event"].as_str() {
            Some("submitted") => interrupt(),
            Some("stopping") if line["leave"] == false => interrupt(),
            _ => {}
        }
        lines.push(line);
    }
    (child.wait().unwrap().code().unwrap_or(-1), lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_a_run_and_the_same_command_continues_it() {
    // Jobs take seconds here, so the first is still running when Ctrl-C comes.
    let sandbox = Sandbox::start(SandboxConfig {
        speed: 100.0,
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap();
    let (_dir, file, ledger) = batch_dir(&rows(3));
    let (url, key) = (sandbox.base_url(), sandbox.api_key().to_string());
    let (f, l) = (file.clone(), ledger.clone());
    let (code, lines) = tokio::task::spawn_blocking(move || interrupted(&url, &key, &f, &l))
        .await
        .unwrap();
    assert_eq!(code, 6, "{lines:?}");
    let stops: Vec<&Value> = lines.iter().filter(|l| l["event"] == "stopping").collect();
    assert_eq!(stops.len(), 2, "{lines:?}");
    assert_eq!(stops[1]["leave"], true);
    let summary = lines.last().unwrap();
    assert_eq!(keys(summary), SUMMARY_KEYS);
    assert_eq!(summary["pending"], 3, "{summary}");
    assert_eq!(sandbox.job_ids().len(), 1, "one row was sent");

    let out = kling(
        &sandbox,
        &["batch", "run", &file, "--ledger", &ledger, "--json"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.summary()["completed"], 3);
    assert_eq!(sandbox.job_ids().len(), 3, "each row paid for once");
    assert_eq!(sandbox.stats().submit_requests, 3);
}
