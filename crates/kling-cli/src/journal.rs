//! The local journal: every submitted job id, appended before waiting, so an interrupted wait
//! never loses a paid job; and every submit whose outcome is unknown, as a `maybe` entry, so a
//! job that may exist is not forgotten either.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::output::timestamp;

/// One line of the journal, in the order its members are written.
#[derive(Serialize)]
struct Entry<'a> {
    /// `submitted`, or `maybe` when the outcome is unknown.
    status: &'static str,
    /// Null for a `maybe` entry.
    job_id: Option<&'a str>,
    model: &'a str,
    cost_micro_cents: u64,
    submitted_at: String,
    base_url: &'a str,
    /// Why the outcome is unknown; only on `maybe` entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    /// The submit's answer was lost and its job was found by listing; only on such entries.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    recovered: bool,
}

/// Where the journal lives: `$KLING_JOURNAL`, else `<data dir>/kling/jobs.jsonl`.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KLING_JOURNAL") {
        return Some(PathBuf::from(p));
    }
    dirs::data_dir().map(|d| d.join("kling").join("jobs.jsonl"))
}

/// Appends one submitted job.
pub fn record(job: &kling::client::Job, base_url: &str) -> Result<PathBuf, String> {
    append(&Entry {
        status: "submitted",
        job_id: Some(&job.id),
        model: &job.model,
        cost_micro_cents: job.cost.get(),
        submitted_at: timestamp(job.submitted_at),
        base_url,
        reason: None,
        recovered: false,
    })
}

/// Appends a submitted job whose submit answer was lost and that a listing found: `job_id` of
/// `model`, presumably charged `cost`, sent at `sent_at`.
pub fn record_recovered(
    job_id: &str,
    model: &str,
    cost: kling::MicroCents,
    sent_at: std::time::SystemTime,
    base_url: &str,
) -> Result<PathBuf, String> {
    append(&Entry {
        status: "submitted",
        job_id: Some(job_id),
        model,
        cost_micro_cents: cost.get(),
        submitted_at: timestamp(sent_at),
        base_url,
        reason: None,
        recovered: true,
    })
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
    append(&Entry {
        status: "maybe",
        job_id: None,
        model,
        cost_micro_cents: cost.get(),
        submitted_at: timestamp(sent_at),
        base_url,
        reason: Some(reason),
        recovered: false,
    })
}

fn append(entry: &Entry<'_>) -> Result<PathBuf, String> {
    let line =
        serde_json::to_string(entry).map_err(|e| format!("cannot write a journal entry: {e}"))?;
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

/// The ids of every job in the journal.
pub fn job_ids() -> HashSet<String> {
    read()
        .iter()
        .filter_map(|entry| entry["job_id"].as_str().map(str::to_owned))
        .collect()
}

/// Every recorded job, newest first; unreadable lines are skipped. Lines stay JSON values, not
/// [`Entry`]s, so `kling jobs --local --json` shows each as written, whichever version wrote it.
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
