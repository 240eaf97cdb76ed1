//! Submits whose answer proves nothing: a gateway in front of the API loses them (502), then the
//! batch runs against the API itself and settles them by listing.

mod common;

use std::time::Duration;

use common::{client, fast, jsonl, ledger, run_logged, sandbox_client};
use kling::client::ReconcileOptions;
use kling_batch::{BatchOutcome, Event, Ledger, RowStatus, Runner};
use kling_sandbox::gateway::{Answer, Gateway};
use kling_sandbox::{Sandbox, SandboxConfig};

/// Runs the batch once through a gateway that answers 502 to everything, one row at a time,
/// and leaves at the first unknown outcome: row `r0` is `unknown`, the rest planned.
async fn lose_the_first_submit(ledger: &mut Ledger) {
    let gateway = Gateway::start(Answer::html(502, "<html>Bad Gateway</html>"))
        .await
        .unwrap();
    let runner = Runner::new(
        client(&gateway.base_url(), "pb_test", 3),
        fast().concurrency(1),
    );
    let stop = runner.stop_handle();
    let summary = runner
        .run(ledger, |e, _| {
            if matches!(e, Event::OutcomeUnknown { .. }) {
                stop.leave(false);
            }
        })
        .await
        .unwrap();
    assert_eq!(summary.unknown, 1, "{summary:?}");
    assert_eq!(gateway.requests(), 1, "an unknown outcome is never resent");
    gateway.shutdown().await;
    let rows = ledger.rows().unwrap();
    assert_eq!(rows[0].status, RowStatus::Unknown);
    assert!(
        rows[0]
            .error_message
            .as_deref()
            .is_some_and(|m| m.contains("502"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_that_never_arrived_is_sent_again_once_the_window_has_passed() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = ledger(&dir, &jsonl(1));
    lose_the_first_submit(&mut ledger).await;

    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast());
    let (summary, log) = run_logged(&runner, &mut ledger).await;
    assert_eq!(summary.completed, 1, "{summary:?}");
    assert_eq!(log.count(|e| matches!(e, Event::NotCreated { .. })), 1);
    assert_eq!(sandbox.stats().jobs_created, 1);
    let row = &ledger.rows().unwrap()[0];
    assert_eq!(row.attempts, 2);
    common::one_job_per_row(&ledger, &sandbox);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_unclaimed_jobs_leave_the_row_unknown_until_a_person_adopts_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = jsonl(4); // r0 and r3 share a model
    let mut ledger = ledger(&dir, &text);
    lose_the_first_submit(&mut ledger).await;

    // Another program on the account submits the same model twice meanwhile.
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.unwrap();
    let other = sandbox_client(&sandbox, 5);
    let (slug, input) = common::MODELS[0];
    for _ in 0..2 {
        let input = serde_json::from_str(input).unwrap();
        other
            .submit_json(slug.parse().unwrap(), input, Default::default())
            .await
            .unwrap();
    }
    let options = fast().reconcile(ReconcileOptions::default().window(Duration::from_secs(600)));
    let runner = Runner::new(sandbox_client(&sandbox, 5), options);
    let (summary, log) = run_logged(&runner, &mut ledger).await;
    // r0 is ambiguous; r3 (same model) waits for it; the other models went ahead.
    assert_eq!(
        (summary.unknown, summary.pending, summary.completed),
        (1, 1, 2),
        "{summary:?}"
    );
    assert_eq!(summary.outcome(), BatchOutcome::Unfinished);
    let candidates = log
        .0
        .iter()
        .find_map(|(e, _)| match e {
            Event::Ambiguous { row, candidates } if row == "r0" => Some(candidates.clone()),
            _ => None,
        })
        .expect("ambiguous");
    assert_eq!(candidates.len(), 2);
    let rows = ledger.rows().unwrap();
    assert_eq!(
        (rows[0].candidates.clone(), rows[3].attempts),
        (candidates.clone(), 0)
    );

    // A run before anyone settles it changes nothing for the model.
    let again = runner.run(&mut ledger, |_, _| {}).await.unwrap();
    assert_eq!((again.unknown, again.pending), (1, 1));

    ledger.adopt("r0", &candidates[1]).unwrap();
    let summary = runner.run(&mut ledger, |_, _| {}).await.unwrap();
    assert_eq!(summary.completed, 4, "{summary:?}");
    let rows = ledger.rows().unwrap();
    assert_eq!(rows[0].job_id.as_deref(), Some(candidates[1].as_str()));
    // The sandbox holds our four jobs and the other program's unadopted one.
    assert_eq!(sandbox.stats().jobs_created, 5);
    let ours: Vec<String> = rows.iter().filter_map(|r| r.job_id.clone()).collect();
    let foreign: Vec<String> = sandbox
        .job_ids()
        .into_iter()
        .filter(|id| !ours.contains(id))
        .collect();
    assert_eq!(foreign, [candidates[0].clone()]);
}
