//! A small chaos run: under 503s, 500s, dropped connections, latency, failed generations and a
//! concurrency cap, every job is accounted for and no job is duplicated or lost.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_is_accounted_for_under_faults() {
    let report = kling_bench::chaos::run(40, 7).await;
    assert_eq!(
        report.completed + report.failed + report.unknown,
        report.jobs,
        "{report:?}"
    );
    assert_eq!(report.duplicates, 0, "{report:?}");
    assert_eq!(report.lost, 0, "{report:?}");
    assert!(
        report.retries > 0,
        "faults were injected and retried: {report:?}"
    );
    assert!(report.completed > report.jobs / 2, "{report:?}");
}
