//! The `kling` command: help texts, tables, JSON shapes, error messages and exit codes, and
//! end-to-end runs against an embedded and a standalone sandbox.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::prelude::*;
use serde_json::Value;

const SEED_MODEL: &str = "kling-plus/kling-o3-standard/reference-to-video";

/// The command with none of the user's settings: no key, secret, profile or log filter, and an
/// empty config file of its own.
fn kling() -> Command {
    let config = std::env::temp_dir().join(format!("kling-cli-test-{}.toml", std::process::id()));
    std::fs::write(&config, "").unwrap();
    let mut cmd = Command::cargo_bin("kling").expect("the kling binary");
    for var in [
        "PIXELBYTE_API_KEY",
        "PIXELBYTE_BASE_URL",
        "PIXELBYTE_WEBHOOK_SECRET",
        "KLING_PROFILE",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("COLUMNS", "100").env("KLING_CONFIG", config).env(
        "KLING_JOURNAL",
        std::env::temp_dir().join(format!("kling-cli-test-{}.jsonl", std::process::id())),
    );
    cmd
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = kling().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_of_every_command() {
    let commands: &[&[&str]] = &[
        &[],
        &["models"],
        &["show"],
        &["price"],
        &["schema"],
        &["submit"],
        &["status"],
        &["wait"],
        &["download"],
        &["cancel"],
        &["jobs"],
        &["upload"],
        &["batch"],
        &["batch", "run"],
        &["batch", "status"],
        &["batch", "report"],
        &["batch", "adopt"],
        &["batch", "release"],
        &["webhook"],
        &["webhook", "verify"],
        &["webhook", "listen"],
        &["config"],
        &["config", "show"],
        &["sandbox"],
        &["completions"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let (code, stdout, _) = run(&args);
        assert_eq!(code, 0, "{args:?}");
        let name = if command.is_empty() {
            "help".to_string()
        } else {
            format!("help-{}", command.join("-"))
        };
        insta::assert_snapshot!(name, stdout);
    }
}

#[test]
fn models_as_a_table_and_as_json() {
    let (code, table, _) = run(&["models"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("models-table", table);
    let (_, json, _) = run(&["models", "--json"]);
    let list: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(list.len(), 66);
    for key in [
        "slug",
        "provider",
        "model",
        "capability",
        "base_cost_micro_cents",
    ] {
        assert!(list.iter().all(|m| m.get(key).is_some()), "{key}");
    }
}

#[test]
fn show_schema_and_price() {
    let (code, text, _) = run(&["show", SEED_MODEL]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("show-seed", text);
    let (_, json, _) = run(&["show", SEED_MODEL, "--json"]);
    let d: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(d["slug"], SEED_MODEL);
    let (_, schema, _) = run(&["schema", SEED_MODEL]);
    let schema: Value = serde_json::from_str(&schema).unwrap();
    assert!(schema["properties"]["duration"].is_object());

    let (code, text, _) = run(&["price", SEED_MODEL, "duration=10", "has_sound=true"]);
    assert_eq!(code, 0);
    assert_eq!(
        text.trim(),
        "84,000 × 10 (duration=10) × 1.5 (has_sound=true) = 1,260,000 micro-cents ($1.26)"
    );
    let (_, json, _) = run(&[
        "price",
        SEED_MODEL,
        "duration=10",
        "has_sound=true",
        "--json",
    ]);
    insta::assert_snapshot!("price-json", json);

    let dir = std::env::temp_dir().join(format!("kling-cli-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("input.json");
    std::fs::write(&file, r#"{"prompt": "a kite", "duration": "4"}"#).unwrap();
    let (_, text, _) = run(&[
        "price",
        SEED_MODEL,
        "--input",
        file.to_str().unwrap(),
        "has_sound=true",
    ]);
    assert!(text.contains("= 504,000 micro-cents"), "{text}");
    let out = assert_cmd::Command::from_std(kling())
        .args(["price", SEED_MODEL, "--input", "-"])
        .write_stdin(r#"{"duration": "3"}"#)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("= 252,000 micro-cents"));
}

#[test]
fn invalid_input_exits_2_before_anything_is_sent() {
    // Nothing listens on this port: a send would fail with exit 1, so exit 2 proves nothing was sent.
    let base = [
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--api-key",
        "pb_x",
        "submit",
        SEED_MODEL,
    ];
    let (code, _, stderr) = run(&[&base[..], &["duration=2"]].concat());
    assert_eq!(code, 2);
    insta::assert_snapshot!("error-invalid-value", stderr);
    let (code, _, stderr) = run(&[&base[..], &["durtion=5"]].concat());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown field `durtion`; did you mean `duration`?"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["price", "kling-plus/kling-o3-standard/text-to-vide"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean `kling-plus/kling-o3-standard/text-to-video`?"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        &base[..],
        &["duration=15", "has_sound=true", "--max-cost", "1"],
    ]
    .concat());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("above --max-cost $1.00; nothing was sent"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["status", "job_1"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--sandbox"),
        "says what to do next: {stderr}"
    );
    let (code, _, _) = run(&["submit"]);
    assert_eq!(code, 2, "clap usage errors exit 2 too");
}

#[test]
fn sandbox_submit_and_wait_end_to_end() {
    let (code, stdout, stderr) = run(&[
        "--sandbox",
        "submit",
        SEED_MODEL,
        "prompt=a paper boat",
        "duration=5",
        "--wait",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Using an embedded sandbox"), "{stderr}");
    assert!(
        stderr.contains(
            "Price: 84,000 × 5 (duration=5) × 1 (has_sound=false) = 420,000 micro-cents ($0.42)"
        ),
        "{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("job_") && lines[0].ends_with(" completed"),
        "{stdout}"
    );
    assert!(lines[1].ends_with("/output_0.mp4"), "{stdout}");

    let (code, json, _) = run(&[
        "--sandbox",
        "submit",
        SEED_MODEL,
        "prompt=x",
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0);
    let out: Value = serde_json::from_str(&json).unwrap();
    for key in [
        "job_id",
        "status",
        "cost_micro_cents",
        "estimated_cost_micro_cents",
    ] {
        assert!(out.get(key).is_some(), "{key}");
    }
    assert_eq!(out["status"], "completed");
    assert_eq!(out["outputs"][0]["type"], "video");
    let (_, local, _) = run(&["jobs", "--local", "--json"]);
    let local: Vec<Value> = serde_json::from_str(&local).unwrap();
    assert!(
        local.iter().any(|j| j["job_id"] == out["job_id"]),
        "the journal kept the job"
    );
}

struct Standalone(Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn standalone(extra: &[&str]) -> (Standalone, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = kling()
        .args([
            "sandbox",
            "--port",
            &port.to_string(),
            "--api-key",
            "pb_cli_test",
            "--speed",
            "500",
            "--seed",
            "1",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/v1");
    let sandbox = Standalone(child); // killed and reaped on drop, whatever happens next
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (sandbox, base);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the sandbox did not start");
}

#[test]
fn a_standalone_sandbox_through_base_url() {
    let (_sandbox, base) = standalone(&[]);
    let api = ["--base-url", base.as_str(), "--api-key", "pb_cli_test"];
    let (code, json, stderr) =
        run(&[&api[..], &["submit", SEED_MODEL, "prompt=x", "--json"]].concat());
    assert_eq!(code, 0, "{stderr}");
    let job: Value = serde_json::from_str(&json).unwrap();
    let id = job["job_id"].as_str().unwrap();
    let (code, json, _) = run(&[&api[..], &["wait", id, "--json"]].concat());
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&json).unwrap()["status"],
        "completed"
    );
    let (code, text, _) = run(&[&api[..], &["status", id]].concat());
    assert_eq!(code, 0);
    assert!(
        text.starts_with(&format!("{id} completed (100%)")),
        "{text}"
    );
    let (_, json, _) = run(&[&api[..], &["jobs", "--json"]].concat());
    assert_eq!(serde_json::from_str::<Vec<Value>>(&json).unwrap().len(), 1);
    let (code, _, stderr) = run(&[&api[..], &["cancel", id]].concat());
    assert_eq!(code, 3);
    assert!(stderr.contains("JOB_CANNOT_BE_CANCELLED"), "{stderr}");
    let (code, _, stderr) = run(&[&api[..], &["cancel", id, "--json"]].concat());
    assert_eq!(code, 3);
    let error: Value = serde_json::from_str(&stderr).expect("one JSON object");
    assert_eq!(error["error"]["code"], "JOB_CANNOT_BE_CANCELLED");
    assert!(
        error["error"]["request_id"]
            .as_str()
            .is_some_and(|r| r.starts_with("req_")),
        "{error}"
    );

    let (code, _, stderr) = run(&[
        "--base-url",
        base.as_str(),
        "--api-key",
        "pb_wrong",
        "status",
        id,
    ]);
    assert_eq!(code, 3);
    assert!(stderr.contains("401 INVALID_API_KEY"), "{stderr}");
    assert!(stderr.contains("check --api-key"), "{stderr}");
    assert!(!stderr.contains("pb_wrong"), "the key is never printed");
}

#[test]
fn completions_offer_slugs_and_fields() {
    for shell in ["bash", "zsh"] {
        let (code, script, _) = run(&["completions", shell]);
        assert_eq!(code, 0);
        for word in [SEED_MODEL, "duration=", "has_sound=true"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
    let (_, bash, _) = run(&["completions", "bash"]);
    assert!(bash.contains("aspect_ratio=16:9"), "options of a field");
    let (_, fish, _) = run(&["completions", "fish"]);
    assert!(fish.contains(SEED_MODEL), "fish completes --model");
}

/// Runs with `--json` expecting a failure: the exit code and stderr, which must be one JSON
/// object, with nothing on stdout.
fn json_error(args: &[&str]) -> (i32, Value) {
    let (code, stdout, stderr) = run(&[args, &["--json"]].concat());
    assert_eq!(stdout, "", "{args:?}");
    let error: Value = serde_json::from_str(&stderr)
        .unwrap_or_else(|e| panic!("{args:?}: stderr is not one JSON object ({e}): {stderr}"));
    (code, error)
}

#[test]
fn errors_become_json_objects_with_the_same_exit_codes() {
    let (code, e) = json_error(&["submit"]);
    assert_eq!((code, &e["error"]["code"]), (2, &Value::from("usage")));
    assert!(
        e["error"]["message"].as_str().unwrap().contains("<SLUG>"),
        "{e}"
    );
    let (code, e) = json_error(&["price", "kling-plus/kling-o3-standard/text-to-vide"]);
    assert_eq!(
        (code, &e["error"]["code"]),
        (2, &Value::from("unknown_model"))
    );
    let (code, e) = json_error(&["price", SEED_MODEL, "duration=2"]);
    assert_eq!(code, 2);
    assert_eq!(
        e,
        serde_json::json!({"error": {
            "code": "invalid_input",
            "message": "invalid input for kling-plus/kling-o3-standard/reference-to-video; nothing was sent:\n  duration: `2` is not one of 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15",
            "field": "duration",
        }})
    );
    let (code, e) = json_error(&["status", "job_1"]);
    assert_eq!((code, &e["error"]["code"]), (2, &Value::from("no_api_key")));
    let nowhere = ["--base-url", "http://127.0.0.1:9/v1", "--api-key", "pb_x"];
    let (code, e) =
        json_error(&[&nowhere[..], &["submit", SEED_MODEL, "--max-cost", "0.01"]].concat());
    assert_eq!(
        (code, &e["error"]["code"]),
        (2, &Value::from("over_budget"))
    );
    assert_eq!(
        e["error"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["code", "message"]
    );
}

#[test]
fn verbose_logs_show_requests_retries_and_waits_but_never_the_key() {
    // With seed 1 and 40% of reads failing, the seeded sandbox fails the first poll once.
    let (faulty, base) = standalone(&["--fail-read", "0.4"]);
    let api = ["--base-url", base.as_str(), "--api-key", "pb_cli_test"];
    let (code, _, stderr) = run(&[
        &api[..],
        &["-v", "submit", SEED_MODEL, "prompt=x", "--wait"],
    ]
    .concat());
    assert_eq!(code, 0, "{stderr}");
    for expected in ["job submitted", "request_id=\"req_", "polled", "retrying"] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert!(
        !stderr.contains("pb_cli_test"),
        "the key is never logged: {stderr}"
    );
    drop(faulty);

    let (_sandbox, base) = standalone(&[]);
    let api = ["--base-url", base.as_str(), "--api-key", "pb_cli_test"];
    let (code, stdout, stderr) =
        run(&[&api[..], &["-vv", "submit", SEED_MODEL, "prompt=x"]].concat());
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("job submitted"), "{stderr}");
    assert!(!stderr.contains("pb_cli_test"), "{stderr}");
    let id = stdout.trim();
    let wait_with = |filter: &str| {
        let out = kling()
            .env("RUST_LOG", filter)
            .args(api)
            .args(["wait", id])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("pb_cli_test"), "{stderr}");
        stderr
    };
    let stderr = wait_with("kling=debug");
    assert!(
        stderr.contains("polled"),
        "RUST_LOG turns logs on: {stderr}"
    );
    let stderr = wait_with("");
    assert!(!stderr.contains("polled"), "no logs unless asked: {stderr}");
    let stderr = wait_with("kling=loud");
    assert!(
        stderr.starts_with("warning: RUST_LOG `kling=loud` is not a log filter"),
        "{stderr}"
    );
}
