//! A short batch chaos run: the `kling-bench` binary runs a batch under every fault, is killed
//! with SIGKILL at random moments, and resumes; every row ends with exactly one job.

use std::path::Path;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_batch_resumes_with_one_job_per_row() {
    let worker = Path::new(env!("CARGO_BIN_EXE_kling-bench"));
    let report = kling_bench::chaos_batch::run(worker, 40, 5, 3)
        .await
        .expect("campaign");
    assert_eq!(report.completed + report.failed, report.rows, "{report:?}");
    assert_eq!((report.unknown, report.pending), (0, 0), "{report:?}");
    assert_eq!(
        (report.duplicates, report.lost, report.without_job),
        (0, 0, 0),
        "{report:?}"
    );
    assert_eq!(
        report.spent_micro_cents, report.charged_micro_cents,
        "{report:?}"
    );
    assert!(report.ok());
    // 20% of submits are refused with 503 and retried: more requests than rows.
    assert!(report.submit_requests > report.rows as u64, "{report:?}");
}
