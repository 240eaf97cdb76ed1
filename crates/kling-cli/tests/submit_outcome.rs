//! `kling submit` behind a gateway: an answer that proves nothing exits 6 with a hint and a
//! `maybe` journal entry; the API's own refusals exit 3.

use std::path::PathBuf;
use std::process::Command;

use assert_cmd::prelude::*;
use kling_sandbox::gateway::{Answer, Gateway};
use serde_json::Value;

const MODEL: &str = "kling-plus/kling-o3-standard/text-to-video";

struct Run {
    code: i32,
    stderr: String,
    journal: Vec<Value>,
}

/// Runs `kling submit` (and `extra` arguments) against a gateway giving `answer`, with a
/// journal of its own.
async fn submit_behind(answer: Answer, name: &str, extra: &[&'static str]) -> (Run, u64) {
    let gateway = Gateway::start(answer).await.unwrap();
    let journal: PathBuf =
        std::env::temp_dir().join(format!("kling-outcome-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    let base = gateway.base_url();
    let path = journal.clone();
    let extra = extra.to_vec();
    let out = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("kling")
            .unwrap()
            .env_remove("PIXELBYTE_API_KEY")
            .env("KLING_JOURNAL", &path)
            .args(["--base-url", &base, "--api-key", "pb_test"])
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
    let requests = gateway.requests();
    gateway.shutdown().await;
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        journal,
    };
    (run, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_on_submit_exit_6_with_a_hint_and_a_maybe_entry() {
    let envelope = r#"{"success":false,"error":{"code":"INTERNAL_ERROR","message":"boom"},"requestId":"req_1"}"#;
    for (name, answer, status) in [
        ("502", Answer::html(502, "<html>Bad Gateway</html>"), "502"),
        ("504", Answer::html(504, ""), "504"),
        ("500", Answer::json(500, envelope), "500"),
    ] {
        let (run, requests) = submit_behind(answer, name, &[]).await;
        assert_eq!(run.code, 6, "{name}: {}", run.stderr);
        assert_eq!(requests, 1, "{name}: never resent");
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
        let (run, requests) = submit_behind(Answer::api_error(status, code), code, &[]).await;
        assert_eq!(run.code, 3, "{code}: {}", run.stderr);
        assert_eq!(requests, 1);
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
