//! The JSON shapes scripts read (every key, in order), the exit codes of a job's ends and the
//! error objects `--json` prints for them, against an in-process sandbox.

use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod support;

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
const SUBMITTED_KEYS: [&str; 8] = [
    "job_id",
    "model",
    "status",
    "cost_micro_cents",
    "estimated_cost_micro_cents",
    "request_id",
    "estimated_completion",
    "uploaded",
];
const ENDED_KEYS: [&str; 3] = ["outputs", "error", "completed_at"];

struct Out {
    code: i32,
    json: Value,
    stderr: String,
}

/// Runs `kling` against `sandbox`; stdout is parsed as JSON (null when empty).
async fn kling(sandbox: &Sandbox, args: &[&str]) -> Out {
    let (code, stdout, stderr) = support::kling(sandbox, args).await;
    Out {
        code,
        json: if stdout.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&stdout).unwrap()
        },
        stderr,
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
    let presigned = sb.stats().presign_requests;

    // A file that is not there is a usage error (exit 2), and nothing reaches the API.
    let missing = file.with_file_name("kling-outputs-no-such-file.png");
    let out = kling(&sb, &["upload", missing.to_str().unwrap(), "--json"]).await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    let error = error_object(&out.stderr);
    assert_eq!(error["code"], "file_unreadable");
    assert!(
        error["message"].as_str().unwrap().contains("no-such-file"),
        "{error}"
    );
    assert_eq!(sb.stats().presign_requests, presigned);
    sb.shutdown().await;
}

const IMAGE_MODEL: &str = "kling/kling-omni-o1/image-to-video";

/// A fresh directory of its own for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kling-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The bytes the sandbox stored for an uploaded URL (`…/files/uploads/<id>/<name>`).
fn stored(sb: &Sandbox, url: &Value) -> Vec<u8> {
    let id = url.as_str().unwrap().rsplit('/').nth(1).unwrap();
    sb.uploaded_file(id).unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_path_inputs_are_uploaded_after_the_checks_and_listed() {
    let sb = sandbox(500.0, 0.0).await;
    let dir = scratch("at-path");
    let cat = dir.join("cat.png");
    std::fs::write(&cat, b"\x89PNG\r\n\x1a\ncat").unwrap();
    let arg = format!("image_url=@{}", cat.display());

    // Refused before anything is sent: a missing file, an unknown type, an invalid input.
    let missing = format!("image_url=@{}", dir.join("gone.png").display());
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "x").unwrap();
    let text = format!("image_url=@{}", notes.display());
    let long = format!("prompt={}", "x".repeat(2501));
    for args in [
        ["prompt=x", missing.as_str()],
        ["prompt=x", text.as_str()],
        [long.as_str(), arg.as_str()],
    ] {
        let out = kling(
            &sb,
            &[&["submit", IMAGE_MODEL][..], &args, &["--json"]].concat(),
        )
        .await;
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("nothing was sent"), "{}", out.stderr);
    }
    let stats = sb.stats();
    assert_eq!((stats.presign_requests, stats.submit_requests), (0, 0));

    let out = kling(
        &sb,
        &["submit", IMAGE_MODEL, "prompt=@not a file", &arg, "--json"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(keys(&out.json), SUBMITTED_KEYS);
    let uploaded = &out.json["uploaded"];
    assert_eq!(keys(&uploaded[0]), ["field", "path", "url", "bytes"]);
    assert_eq!(uploaded[0]["field"], "image_url");
    assert_eq!(uploaded[0]["path"], cat.display().to_string());
    assert_eq!(uploaded[0]["bytes"], 11);
    assert_eq!(stored(&sb, &uploaded[0]["url"]), b"\x89PNG\r\n\x1a\ncat");

    // List items and an input file, one upload per file however often it is used.
    let dog = dir.join("dog.png");
    std::fs::write(&dog, b"dog").unwrap();
    let input = dir.join("input.json");
    let body = serde_json::json!({"prompt": "two pets", "video_url": "https://example.com/v.mp4", "images": [format!("@{}", dog.display())]});
    std::fs::write(&input, body.to_string()).unwrap();
    let items = format!("images=@{}", cat.display());
    let input_arg = input.display().to_string();
    let out = kling(
        &sb,
        &["submit", MODEL, "--input", &input_arg, &items, "--json"],
    )
    .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fields: Vec<&str> = out.json["uploaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["images/0", "images/1"]);
    assert_eq!(stored(&sb, &out.json["uploaded"][0]["url"]), b"dog");
    assert_eq!(sb.stats().presign_requests, 3);
    sb.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_are_downloaded_with_their_hashes_and_kept_when_complete() {
    let sb = Sandbox::start(SandboxConfig {
        speed: 500.0,
        seed: 3,
        faults: Faults {
            cut_download: 1.0, // every answer is cut, resumptions included
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = scratch("download");
    let out_dir = dir.display().to_string();
    let both = kling(
        &sb,
        &[
            "submit", MODEL, "prompt=x", "--wait", "-o", &out_dir, "--json",
        ],
    )
    .await;
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert_eq!(
        keys(&both.json),
        [&SUBMITTED_KEYS[..], &ENDED_KEYS, &["files"]].concat()
    );
    let id = both.json["job_id"].as_str().unwrap().to_string();
    let files = both.json["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for (file, name) in files
        .iter()
        .zip(["output_0.mp4", "thumb_0.jpg", "poster_0.jpg"])
    {
        assert_eq!(keys(file), ["path", "url", "bytes", "sha256"]);
        let want = sb.output_file(&id, name).unwrap();
        let path = dir.join(&id).join(name);
        assert_eq!(file["path"], path.display().to_string());
        assert_eq!(file["bytes"], want.len());
        assert_eq!(file["sha256"], sha256_hex(&want));
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }
    assert!(sb.stats().downloads_cut > 0, "the resume path ran");

    // Again, by id: the same files, each a complete copy that is kept, not fetched again.
    let video = dir.join(&id).join("output_0.mp4");
    let len = std::fs::metadata(&video).unwrap().len() as usize;
    std::fs::write(&video, vec![0u8; len]).unwrap();
    let again = kling(&sb, &["download", &id, "-o", &out_dir, "--json"]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(keys(&again.json), ["job_id", "files"]);
    assert_eq!(
        again.json["files"][0]["sha256"],
        sha256_hex(&vec![0u8; len])
    );
    assert_eq!(again.json["files"][1], both.json["files"][1]);

    let waited = kling(&sb, &["wait", &id, "-o", &out_dir, "--json"]).await;
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert_eq!(keys(&waited.json), [&JOB_KEYS[..], &["files"]].concat());
    assert_eq!(sb.stats().output_requests_with_credentials, 0);
    let leftovers: Vec<_> = std::fs::read_dir(dir.join(&id)).unwrap().collect();
    assert_eq!(leftovers.len(), 3, "no partial file is left behind");

    let missing = kling(&sb, &["download", "job_missing", "-o", &out_dir]).await;
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    sb.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}
