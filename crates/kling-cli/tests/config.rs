//! Profiles of the config file against an in-process sandbox: a flag beats the environment,
//! which beats the profile; `config show` says which won, with the key masked; a bad config
//! file is exit 2 naming the file and the key.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use kling_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

const MODEL: &str = "kling-plus/kling-o3-standard/reference-to-video";
const KEY: &str = "pb_test_key_from_a_file";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// A directory of its own holding `config.toml` and a key file.
fn config_dir(name: &str, config: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kling-cli-config-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), config).unwrap();
    std::fs::write(dir.join("key"), format!("{KEY}\n")).unwrap();
    dir
}

/// Runs `kling` with `dir`'s config file, the given environment and nothing of the user's.
async fn kling(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Out {
    let mut cmd = Command::cargo_bin("kling").unwrap();
    for var in [
        "PIXELBYTE_API_KEY",
        "PIXELBYTE_BASE_URL",
        "KLING_PROFILE",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("KLING_CONFIG", dir.join("config.toml"))
        .env("KLING_JOURNAL", dir.join("jobs.jsonl"))
        .envs(env.iter().copied())
        .args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_beat_environment_beat_profile() {
    let mut config = SandboxConfig::for_tests();
    config.api_keys = vec![kling_sandbox::ApiKey::new(KEY)];
    let sb = Sandbox::start(config).await.unwrap();
    let dir = config_dir(
        "precedence",
        &format!(
            "[profiles.default]\nbase_url = \"{}\"\napi_key_file = \"key\"\nmax_cost = \"0.50\"\n\n\
             [profiles.other]\nbase_url = \"http://127.0.0.1:9/v1\"\napi_key_env = \"OTHER_KEY\"\n",
            sb.base_url()
        ),
    );

    // The profile alone reaches the sandbox, and its max_cost guards submits.
    let shown = kling(&dir, &[], &["config", "show", "--json"]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let s = shown.json();
    assert_eq!(s["profile"]["value"], "default");
    assert_eq!(s["base_url"]["source"], "profile default");
    assert_eq!(s["api_key"]["value"], "****file", "masked: {s}");
    assert!(!shown.stdout.contains(KEY));
    assert_eq!(s["max_cost"]["value"], "$0.50");
    let listed = kling(&dir, &[], &["jobs", "--json"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let refused = kling(&dir, &[], &["submit", MODEL, "prompt=x", "duration=10"]).await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("above max_cost $0.50 of profile default; nothing was sent"),
        "{}",
        refused.stderr
    );
    let allowed = kling(
        &dir,
        &[],
        &[
            "submit",
            MODEL,
            "prompt=x",
            "duration=10",
            "--max-cost",
            "1",
        ],
    )
    .await;
    assert_eq!(
        allowed.code, 0,
        "the flag beats the profile: {}",
        allowed.stderr
    );

    // The environment beats the profile: a wrong key there is refused by the API.
    let wrong = [("PIXELBYTE_API_KEY", "pb_wrong")];
    let refused = kling(&dir, &wrong, &["jobs"]).await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("INVALID_API_KEY"),
        "{}",
        refused.stderr
    );
    let shown = kling(&dir, &wrong, &["config", "show", "--json"])
        .await
        .json();
    assert_eq!(shown["api_key"]["source"], "PIXELBYTE_API_KEY");

    // And the flag beats the environment.
    let listed = kling(&dir, &wrong, &["--api-key", KEY, "jobs", "--json"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let base = [("PIXELBYTE_BASE_URL", "http://127.0.0.1:8/v1")];
    let shown = kling(
        &dir,
        &base,
        &[
            "--base-url",
            "http://127.0.0.1:7/v1",
            "config",
            "show",
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(shown["base_url"]["value"], "http://127.0.0.1:7/v1");
    assert_eq!(shown["base_url"]["source"], "--base-url");
    let shown = kling(&dir, &base, &["config", "show", "--json"])
        .await
        .json();
    assert_eq!(shown["base_url"]["source"], "PIXELBYTE_BASE_URL");

    // The profile comes from --profile, else KLING_PROFILE.
    let env = [
        ("KLING_PROFILE", "other"),
        ("OTHER_KEY", "pb_other_key_0123"),
    ];
    let shown = kling(&dir, &env, &["config", "show"]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.contains("profile      other  (KLING_PROFILE)"),
        "{}",
        shown.stdout
    );
    assert!(
        shown
            .stdout
            .contains("api_key      ****0123  (profile other: api_key_env OTHER_KEY)"),
        "{}",
        shown.stdout
    );
    let shown = kling(
        &dir,
        &env,
        &["--profile", "default", "config", "show", "--json"],
    )
    .await
    .json();
    assert_eq!(shown["profile"]["source"], "--profile");
    assert_eq!(shown["base_url"]["value"], sb.base_url());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_exits_2_naming_the_file_and_the_key() {
    let dir = config_dir(
        "unknown-key",
        "[profiles.default]\nbase_url = \"https://x/v1\"\napi_token = \"pb_inline\"\n",
    );
    let file = dir.join("config.toml").display().to_string();
    let out = kling(&dir, &[], &["status", "job_1"]).await;
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("{file}:3")), "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown field `api_token`"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("pb_inline"),
        "the line is not quoted: {}",
        out.stderr
    );

    let out = kling(
        &dir,
        &[],
        &["--profile", "staging", "--json", "config", "show"],
    )
    .await;
    assert_eq!(out.code, 2);
    let error: Value = serde_json::from_str(&out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "config");

    let dir = config_dir(
        "missing-key-file",
        "[profiles.work]\napi_key_file = \"/nonexistent/key\"\n",
    );
    let out = kling(&dir, &[("KLING_PROFILE", "work")], &["status", "job_1"]).await;
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("[profiles.work] api_key_file: cannot read /nonexistent/key"),
        "{}",
        out.stderr
    );
    let ok = kling(&dir, &[("KLING_PROFILE", "work")], &["--sandbox", "models"]).await;
    assert_eq!(
        ok.code, 0,
        "commands that need no key ignore the profile: {}",
        ok.stderr
    );
}
