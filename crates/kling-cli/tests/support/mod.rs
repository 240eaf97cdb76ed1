//! What several test files share: running `kling` against an in-process sandbox.

use std::process::Command;

use assert_cmd::prelude::*;
use kling_sandbox::Sandbox;

/// Runs `kling` with `sandbox`'s URL and key and a journal of this test binary's own; returns the
/// exit code, stdout and stderr. Runs on a blocking thread, so the sandbox keeps answering.
pub async fn kling(sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("kling").unwrap();
    cmd.env_remove("PIXELBYTE_API_KEY")
        .env(
            "KLING_JOURNAL",
            std::env::temp_dir().join(format!("kling-sandbox-test-{}.jsonl", std::process::id())),
        )
        .args(["--base-url", &sandbox.base_url()])
        .args(["--api-key", sandbox.api_key()])
        .args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
