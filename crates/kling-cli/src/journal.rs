//! The local journal: every submitted job id, appended before waiting, so an interrupted wait
//! never loses a paid job; and every submit whose outcome is unknown, as a `maybe` entry, so a
//! job that may exist is not forgotten either.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{Value, json};

/// Where the journal lives: `$KLING_JOURNAL`, else `<data dir>/kling/jobs.jsonl`.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KLING_JOURNAL") {
        return Some(PathBuf::from(p));
    }
    dirs::data_dir().map(|d| d.join("kling").join("jobs.jsonl"))
}

/// Appends one submitted job.
pub fn record(job: &kling::client::Job, base_url: &str) -> Result<PathBuf, String> {
    append(&json!({
        "status": "submitted",
        "job_id": job.id,
        "model": job.model,
        "cost_micro_cents": job.cost.get(),
        "submitted_at": humantime::format_rfc3339_seconds(job.submitted_at).to_string(),
        "base_url": base_url,
    }))
}

/// Appends a submit whose outcome is unknown: a job of `model` may exist, created at or after
/// `sent_at`, at the list price `cost`.
pub fn record_maybe(
    model: &str,
    cost: kling::MicroCents,
    sent_at: std::time::SystemTime,
    base_url: &str,
    reason: &str,
) -> Result<PathBuf, String> {
    append(&json!({
        "status": "maybe",
        "job_id": null,
        "model": model,
        "cost_micro_cents": cost.get(),
        "submitted_at": humantime::format_rfc3339_seconds(sent_at).to_string(),
        "base_url": base_url,
        "reason": reason,
    }))
}

fn append(line: &Value) -> Result<PathBuf, String> {
    let path = path().ok_or("no data directory for the job journal; set KLING_JOURNAL")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    writeln!(file, "{line}").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Every recorded job, newest first; unreadable lines are skipped.
pub fn read() -> Vec<Value> {
    let Some(path) = path() else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut jobs: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    jobs.reverse();
    jobs
}
