//! The JSON shapes scripts read (every key, in order), the exit codes of a job's ends and the
//! error objects `--json` prints for them, against an in-process sandbox.

use std::process::Command;

use assert_cmd::prelude::*;
use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::Value;

const MODEL: &str = "kling-plus/kling-o3-standard/reference-to-video";

const JOB_KEYS: [&str; 8] = [
    "job_id",
    "status",
    "progress",
    "model",
    "outputs",
    "error",
    "created_at",
    "completed_at",
];
const SUBMITTED_KEYS: [&str; 7] = [
    "job_id",
    "model",
    "status",
    "cost_micro_cents",
    "estimated_cost_micro_cents",
    "request_id",
    "estimated_completion",
];
const ENDED_KEYS: [&str; 3] = ["outputs", "error", "completed_at"];

struct Out {
    code: i32,
    json: Value,
    stderr: String,
}

/// Runs `kling` against `sandbox`; stdout is parsed as JSON (null when empty).
async fn kling(sandbox: &Sandbox, args: &[&str]) -> Out {
    let mut cmd = Command::cargo_bin("kling").unwrap();
    cmd.env_remove("PIXELBYTE_API_KEY")
        .env(
            "KLING_JOURNAL",
            std::env::temp_dir().join(format!("kling-outputs-{}.jsonl", std::process::id())),
        )
        .args(["--base-url", &sandbox.base_url()])
        .args(["--api-key", sandbox.api_key()])
        .args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    Out {
        code: out.status.code().unwrap_or(-1),
        json: if stdout.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&stdout).unwrap()
        },
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The `error` member of the one JSON object `--json` prints on stderr when a command fails.
fn error_object(stderr: &str) -> Value {
    let object: Value = serde_json::from_str(stderr)
        .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}): {stderr}"));
    assert_eq!(keys(&object), ["error"]);
    object["error"].clone()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

async fn sandbox(speed: f64, failed_generation: f64) -> Sandbox {
    Sandbox::start(SandboxConfig {
        speed,
        seed: 7,
        faults: Faults {
            failed_generation,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_job_in_every_json_form() {
    let sb = sandbox(500.0, 0.0).await;
    let submitted = kling(&sb, &["submit", MODEL, "prompt=x", "--json"]).await;
    assert_eq!(submitted.code, 0, "{}", submitted.stderr);
    assert_eq!(keys(&submitted.json), SUBMITTED_KEYS);
    let id = submitted.json["job_id"].as_str().unwrap().to_string();

    let waited = kling(&sb, &["wait", &id, "--json"]).await;
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert_eq!(keys(&waited.json), JOB_KEYS);
    assert_eq!(
        keys(&waited.json["outputs"][0]),
        ["url", "type", "thumbnail", "poster_image"]
    );
    let status = kling(&sb, &["status", &id, "--json"]).await;
    assert_eq!(status.json, waited.json, "status and wait print one view");

    let jobs = kling(&sb, &["jobs", "--json"]).await;
    assert_eq!(
        keys(&jobs.json[0]),
        ["job_id", "status", "progress", "model", "created_at"]
    );
    assert_eq!(jobs.json[0]["job_id"], id.as_str());

    let both = kling(&sb, &["submit", MODEL, "prompt=x", "--wait", "--json"]).await;
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert_eq!(
        keys(&both.json),
        [&SUBMITTED_KEYS[..], &ENDED_KEYS].concat()
    );
    assert_eq!(
        both.json["status"], "completed",
        "the status is the last one"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_exits_5_and_prints_its_error() {
    let sb = sandbox(500.0, 1.0).await;
    let out = kling(&sb, &["submit", MODEL, "prompt=x", "--wait", "--json"]).await;
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert_eq!(out.json["status"], "failed");
    assert_eq!(keys(&out.json["error"]), ["code", "message"]);
    // The error object on stderr carries the job's own error code.
    let error = error_object(&out.stderr);
    assert_eq!(error["code"], out.json["error"]["code"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("(the cost was refunded)"),
        "{error}"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_job_times_out_with_4_and_cancels_with_a_refund() {
    // At real speed a job stays pending for far longer than this test runs.
    let sb = sandbox(1.0, 0.0).await;
    let out = kling(
        &sb,
        &[
            "submit",
            MODEL,
            "prompt=x",
            "--wait",
            "--timeout",
            "1ms",
            "--json",
        ],
    )
    .await;
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(out.json["status"], "pending");
    let id = out.json["job_id"].as_str().unwrap().to_string();
    let error = error_object(&out.stderr);
    assert_eq!(error["code"], "timed_out");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&format!("Check later with `kling wait {id}`")),
        "{error}"
    );

    let cancelled = kling(&sb, &["cancel", &id, "--json"]).await;
    assert_eq!(cancelled.code, 0, "{}", cancelled.stderr);
    assert_eq!(
        keys(&cancelled.json),
        ["job_id", "status", "refunded_micro_cents"]
    );
    assert_eq!(cancelled.json["refunded_micro_cents"], 420_000);
    let waited = kling(&sb, &["wait", &id, "--json"]).await;
    assert_eq!(waited.code, 5, "a cancelled job did not produce its video");
    assert_eq!(waited.json["status"], "cancelled");
    assert_eq!(error_object(&waited.stderr)["code"], "job_cancelled");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_prints_its_url_and_id() {
    let sb = sandbox(500.0, 0.0).await;
    let file = std::env::temp_dir().join(format!("kling-outputs-{}.png", std::process::id()));
    std::fs::write(&file, b"\x89PNG\r\n\x1a\n0000").unwrap();
    let out = kling(&sb, &["upload", file.to_str().unwrap(), "--json"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(keys(&out.json), ["url", "file_id"]);
    assert!(out.json["url"].as_str().unwrap().ends_with(".png"));
    sb.shutdown().await;
}
