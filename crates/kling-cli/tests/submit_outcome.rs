//! `kling submit` when a submit's answer proves nothing: the job is looked for in the listing
//! (adopted when found, and the run goes on); behind a gateway where it cannot be found the
//! command exits 6 with a hint and a `maybe` journal entry. The API's own refusals exit 3.

use std::path::PathBuf;
use std::process::Command;

use assert_cmd::prelude::*;
use kling_sandbox::gateway::{Answer, Gateway};
use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::Value;

const MODEL: &str = "kling-plus/kling-o3-standard/text-to-video";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    journal: Vec<Value>,
}

/// Runs `kling submit` (and `extra` arguments) against `base_url` with `key`, with a journal
/// of its own named after `name`.
async fn submit_to(base_url: String, key: &str, name: &str, extra: &[&'static str]) -> Run {
    let journal: PathBuf =
        std::env::temp_dir().join(format!("kling-outcome-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    let path = journal.clone();
    let key = key.to_string();
    let extra = extra.to_vec();
    let out = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("kling")
            .unwrap()
            .env_remove("PIXELBYTE_API_KEY")
            .env("KLING_JOURNAL", &path)
            .args(["--base-url", &base_url, "--api-key", &key])
            .args(["submit", MODEL, "prompt=a paper boat", "duration=5"])
            .args(extra)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let journal = std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        journal,
    }
}

/// [`submit_to`] a gateway giving `answer`; also returns how many POSTs (submits) it received.
async fn submit_behind(answer: Answer, name: &str, extra: &[&'static str]) -> (Run, u64) {
    let gateway = Gateway::start(answer).await.unwrap();
    let run = submit_to(gateway.base_url(), "pb_test", name, extra).await;
    let posts = gateway.posts();
    gateway.shutdown().await;
    (run, posts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_on_submit_exit_6_with_a_hint_and_a_maybe_entry() {
    let envelope = r#"{"success":false,"error":{"code":"INTERNAL_ERROR","message":"boom"},"requestId":"req_1"}"#;
    for (name, answer, status) in [
        ("502", Answer::html(502, "<html>Bad Gateway</html>"), "502"),
        ("504", Answer::html(504, ""), "504"),
        ("500", Answer::json(500, envelope), "500"),
    ] {
        let (run, submits) = submit_behind(answer, name, &[]).await;
        assert_eq!(run.code, 6, "{name}: {}", run.stderr);
        assert_eq!(submits, 1, "{name}: never resent");
        // The listing goes through the same gateway: it cannot settle anything.
        assert!(
            run.stderr
                .contains("Looked for the job: listing the model's jobs"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("HTTP {status}")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("may exist"), "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("kling jobs --model {MODEL}")),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("the API refused"), "{}", run.stderr);
        let [entry] = run.journal.as_slice() else {
            panic!("{name}: one journal entry, not {:?}", run.journal)
        };
        assert_eq!(entry["status"], "maybe");
        assert_eq!(entry["model"], MODEL);
        assert_eq!(entry["cost_micro_cents"], 420_000);
        assert!(entry["job_id"].is_null());
        let since = entry["submitted_at"].as_str().unwrap();
        assert!(
            run.stderr.contains(since),
            "the hint gives the time: {}",
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apis_refusals_exit_3_and_journal_nothing() {
    for (status, code) in [(400, "INVALID_INPUT"), (402, "INSUFFICIENT_BALANCE")] {
        let (run, submits) = submit_behind(Answer::api_error(status, code), code, &[]).await;
        assert_eq!(run.code, 3, "{code}: {}", run.stderr);
        assert_eq!(submits, 1);
        assert!(!run.stderr.contains("Looked for the job"), "{}", run.stderr);
        assert!(run.stderr.contains(code), "{}", run.stderr);
        assert!(run.journal.is_empty(), "{:?}", run.journal);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_json_the_same_exits_come_with_an_error_object() {
    let answer = Answer::html(502, "<html>Bad Gateway</html>");
    let (run, _) = submit_behind(answer, "502-json", &["--json"]).await;
    assert_eq!(run.code, 6, "{}", run.stderr);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["error"]["code"], "submit_outcome_unknown");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("kling jobs --model {MODEL}")),
        "{error}"
    );

    let answer = Answer::api_error(402, "INSUFFICIENT_BALANCE");
    let (run, _) = submit_behind(answer, "402-json", &["--json"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let error: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["error"]["code"], "INSUFFICIENT_BALANCE");
    assert_eq!(error["error"]["request_id"], "req_gateway");
}

/// A sandbox that cuts half of its answers after handling the request; with this seed the first
/// one, the submit's, is cut: the job exists but its answer never arrives.
async fn lossy_sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed: LOSSY_SEED,
        faults: Faults {
            drop_connection: 0.5,
            ..Faults::default()
        },
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap()
}

const LOSSY_SEED: u64 = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_recovered_from_the_listing_and_the_job_followed() {
    let sandbox = lossy_sandbox().await;
    let run = submit_to(
        sandbox.base_url(),
        sandbox.api_key(),
        "recovered",
        &["--wait", "--json"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let created = sandbox.job_ids();
    assert_eq!(created.len(), 1, "one job, never resent");
    assert_eq!(sandbox.stats().submit_requests, 1);
    assert!(sandbox.stats().connections_dropped >= 1);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["job_id"], created[0].as_str());
    assert_eq!(out["recovered"], true);
    assert_eq!(out["status"], "completed");
    assert_eq!(out["cost_micro_cents"], 420_000, "the list price");
    let [entry] = run.journal.as_slice() else {
        panic!("one journal entry, not {:?}", run.journal)
    };
    assert_eq!(entry["status"], "submitted");
    assert_eq!(entry["job_id"], created[0].as_str());
    assert_eq!(entry["recovered"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovered_job_is_said_so_in_text() {
    let sandbox = lossy_sandbox().await;
    let run = submit_to(sandbox.base_url(), sandbox.api_key(), "recovered-text", &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let created = sandbox.job_ids();
    assert_eq!(run.stdout.trim(), created[0]);
    assert!(
        run.stderr
            .contains(&format!("Recovered {} from the listing", created[0])),
        "{}",
        run.stderr
    );
}
