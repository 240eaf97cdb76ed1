//! What the load benchmarks share: the jobs they submit, how they wait, and how a worker
//! process measures itself.

use std::path::Path;
use std::time::Duration;

use kling::ModelId;
use kling::client::WaitOptions;
use kling_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

const MODELS: [&str; 4] = [
    "kling-plus/kling-o3-standard/text-to-video",
    "kling-plus/kling-o3-standard/video-edit",
    "kling/kling-text2video-v3/text-to-video",
    "kling-plus/kling-o1-pro/video-edit-fast",
];

/// The `i`th job: four models of 120 to 240 s, in turn.
pub fn job_input(i: usize) -> (ModelId, Value) {
    let slug = MODELS[i % MODELS.len()];
    let input = if slug.contains("video-edit") {
        json!({"prompt": "make it rain", "video_url": "https://example.com/v.mp4"})
    } else {
        json!({"prompt": "a kite over the sea"})
    };
    (slug.parse().expect("slug"), input)
}

/// How the 1,000-job workers wait (on a sandbox clock 40× faster).
pub fn worker_wait() -> WaitOptions {
    WaitOptions {
        min_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(600),
        ..WaitOptions::default()
    }
}

/// Rounded to three decimals, for the JSON figures.
pub fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn proc_status(field: &str) -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// This process's peak resident set (`VmHWM`), in MB.
pub fn peak_rss_mb() -> Option<f64> {
    proc_status("VmHWM:").map(|kb| round(kb / 1024.0))
}

/// User + system CPU seconds of this process (Linux clock ticks, 100 per second).
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(round((utime + stime) / 100.0))
}

/// Starts a sandbox for the load benchmarks (a clock 40× faster, durations 0.8 to 1.3× their
/// ETA) and runs `exe COMMAND BASE_URL KEY ARGS…` against it in its own process, so that its
/// memory and CPU are its own. Returns the worker's last line, as JSON (null if it printed none).
pub async fn in_own_process(exe: &Path, command: &str, args: &[String]) -> Value {
    let config = SandboxConfig {
        speed: 40.0,
        max_jobs: 100_000,
        completion_factor: (0.8, 1.3),
        ..SandboxConfig::for_tests()
    };
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let out = tokio::process::Command::new(exe)
        .arg(command)
        .arg(sandbox.base_url())
        .arg(sandbox.api_key())
        .args(args)
        .output()
        .await
        .expect("worker");
    sandbox.shutdown().await;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null)
}
