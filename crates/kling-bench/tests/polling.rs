//! The waiting benchmark accounts for every job and reads each one's end from its own record.

use kling_bench::polling::{Scenario, Waiter, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_waited_job_is_counted_with_its_notice_delay() {
    let scenario = Scenario {
        jobs: 24,
        completion_factor: (0.9, 1.1),
        failing: 0.5,
        fail_after: Some((0.02, 0.1)),
        seed: 3,
    };
    let figures = run(scenario, Waiter::Client { early_checks: 1 }).await;
    assert_eq!(figures.completed + figures.failed, 24, "{figures:?}");
    assert!(figures.failed > 0 && figures.completed > 0, "{figures:?}");
    // Every job was looked at at least once, and every completed job at least once.
    assert!(figures.requests_per_job >= 1.0, "{figures:?}");
    assert!(figures.requests_per_completed_job >= 1.0, "{figures:?}");
    for delay in [
        figures.notice_delay_p95_completed,
        figures.notice_delay_p95_failed,
    ] {
        assert!(delay.is_finite() && delay >= 0.0, "{figures:?}");
    }
}
