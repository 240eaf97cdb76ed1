//! What reads and settles a ledger: `status`, `report`, and `adopt` for an ambiguous row.

use std::path::Path;

use kling_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::Value;

use super::{BOAT, SNOW, SUMMARY_KEYS, batch_dir, keys, kling, rows, sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_report_show_every_row() {
    let sandbox = sandbox(Faults::default()).await;
    let (_dir, file, ledger) = batch_dir(&rows(2));
    let out = kling(&sandbox, &["batch", "run", &file, "--ledger", &ledger]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.ends_with(
            "2 rows: 2 completed, 0 failed, 0 cancelled, 0 unknown, 0 pending; spent $0.45; 0 files\n"
        ),
        "{}",
        out.stdout
    );
    let mut jobs = sandbox.job_ids();
    jobs.sort();

    let status = kling(&sandbox, &["batch", "status", "--ledger", &ledger]).await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    let text: Vec<&str> = status.stdout.lines().collect();
    assert_eq!(text.len(), 3, "{}", status.stdout);
    assert!(text[0].starts_with("r0  completed  job_"), "{}", text[0]);
    assert!(
        text[0].ends_with(&format!("  $0.42  {BOAT}")),
        "{}",
        text[0]
    );
    assert!(text[1].starts_with("r1  completed  job_"), "{}", text[1]);
    assert!(text[2].starts_with("2 rows: 2 completed"), "{}", text[2]);

    let status = kling(
        &sandbox,
        &["batch", "status", "--ledger", &ledger, "--json"],
    )
    .await;
    let lines = status.lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        keys(&lines[0]),
        [
            "id",
            "line",
            "model",
            "status",
            "job_id",
            "list_price_micro_cents",
            "charge_micro_cents",
            "files",
            "error_code",
            "error_message",
            "candidates",
            "attempts"
        ]
    );
    assert_eq!(lines[1]["id"], "r1");
    assert_eq!(lines[1]["model"], SNOW);
    assert_eq!(lines[1]["charge_micro_cents"], 30_000);
    let mut listed: Vec<&str> = lines[..2]
        .iter()
        .map(|l| l["job_id"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, jobs, "the sandbox's jobs");
    assert_eq!(keys(&lines[2]), SUMMARY_KEYS);

    let report = kling(&sandbox, &["batch", "report", "--ledger", &ledger]).await;
    assert_eq!(report.code, 0, "{}", report.stderr);
    let mut csv = csv::Reader::from_reader(report.stdout.as_bytes());
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, keys(&lines[0]));
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][0], "r0");
    assert_eq!(&records[0][3], "completed");
    assert_eq!(&records[0][4], lines[0]["job_id"].as_str().unwrap());
    assert_eq!(&records[0][6], "420000");

    let report = kling(
        &sandbox,
        &["batch", "report", "--ledger", &ledger, "--format", "json"],
    )
    .await;
    let all: Vec<Value> = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], lines[0]);

    let missing = kling(&sandbox, &["batch", "status", "--ledger", "no/such.ledger"]).await;
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(!Path::new("no/such.ledger").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_row_is_settled_with_adopt() {
    // Half the answers are cut after the request was handled; with this seed the batch's submit
    // is one of them.
    let sandbox = Sandbox::start(SandboxConfig {
        seed: AMBIGUOUS_SEED,
        faults: Faults {
            drop_connection: 0.5,
            ..Faults::default()
        },
        ..SandboxConfig::for_tests()
    })
    .await
    .unwrap();
    // Another program's job of the same model, just before the batch: a second candidate.
    let other = kling(&sandbox, &["submit", BOAT, "prompt=someone else's boat"]).await;
    assert_eq!(other.code, 0, "{}", other.stderr);
    let other = other.stdout.trim().to_string();
    let (_dir, file, ledger) = batch_dir(&rows(1));
    let run = ["batch", "run", &file, "--ledger", &ledger, "--json"];
    let out = kling(&sandbox, &run).await;
    assert_eq!(out.code, 6, "{}", out.stderr);
    let ambiguous = out
        .lines()
        .into_iter()
        .find(|l| l["event"] == "ambiguous")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let mine: Vec<String> = sandbox
        .job_ids()
        .into_iter()
        .filter(|j| *j != other)
        .collect();
    let [mine] = mine.as_slice() else {
        panic!("{mine:?}")
    };
    let mut candidates: Vec<&str> = ambiguous["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    candidates.sort_unstable();
    let mut expected = [mine.as_str(), other.as_str()];
    expected.sort_unstable();
    assert_eq!(candidates, expected);
    assert_eq!(out.summary()["unknown"], 1);

    let status = kling(&sandbox, &["batch", "status", "--ledger", &ledger]).await;
    assert!(status.stdout.contains("candidates: "), "{}", status.stdout);
    // A job of another model is refused, and nothing changes.
    let snow = kling(
        &sandbox,
        &[
            "submit",
            SNOW,
            "prompt=x",
            "video_url=https://example.com/v.mp4",
        ],
    )
    .await;
    assert_eq!(snow.code, 0, "{}", snow.stderr);
    let snow = snow.stdout.trim();
    let adopt = kling(
        &sandbox,
        &["batch", "adopt", "--ledger", &ledger, "r0", snow],
    )
    .await;
    assert_eq!(adopt.code, 2, "{}", adopt.stderr);
    assert!(adopt.stderr.contains("is a job of"), "{}", adopt.stderr);
    let adopt = kling(
        &sandbox,
        &["batch", "adopt", "--ledger", &ledger, "r0", mine],
    )
    .await;
    assert_eq!(adopt.code, 0, "{}", adopt.stderr);
    assert!(adopt.stdout.contains(mine.as_str()), "{}", adopt.stdout);

    let out = kling(&sandbox, &run).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.summary()["completed"], 1);
    assert_eq!(
        sandbox.job_ids().len(),
        3,
        "the adopted job, never a new one"
    );
    assert_eq!(out.lines()[1]["event"], "completed");
}

const AMBIGUOUS_SEED: u64 = 1;
