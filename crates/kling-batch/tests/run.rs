//! Batches against the sandbox over loopback, with a real SQLite ledger in a temporary directory.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use common::{fast, jsonl, ledger, one_job_per_row, run_logged, sandbox_client};
use kling::MicroCents;
use kling::client::JobState;
use kling_batch::{
    BatchOutcome, DownloadFuture, Downloader, Event, Ledger, LedgerError, Plan, PlanError,
    RowStatus, Runner,
};
use kling_sandbox::{Faults, Sandbox, SandboxConfig};

const ROWS: usize = 12;

fn config(balance: Option<u64>) -> SandboxConfig {
    SandboxConfig {
        balance: balance.map(MicroCents::new),
        ..SandboxConfig::for_tests()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_batch_runs_every_row_once_within_the_limit() {
    let initial = 1_000_000_000;
    let sandbox = Sandbox::start(config(Some(initial))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = jsonl(ROWS);
    let plan = Plan::from_jsonl(&text).unwrap();
    let mut ledger = ledger(&dir, &text);
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast().concurrency(3));
    let (summary, log) = run_logged(&runner, &mut ledger).await;

    assert_eq!(
        (summary.rows, summary.completed),
        (ROWS, ROWS),
        "{summary:?}"
    );
    assert_eq!(summary.outcome(), BatchOutcome::Completed);
    assert_eq!(one_job_per_row(&ledger, &sandbox).len(), ROWS);
    // Spent is what the sandbox took from the balance, and the plan's list price.
    let taken = initial - sandbox.balance().unwrap().get();
    assert_eq!(summary.spent_micro_cents, taken);
    assert_eq!(summary.spent(), plan.total());
    // Never more than 3 in flight, as the progress after every step shows.
    let most = log.0.iter().map(|(_, p)| p.running + p.unknown).max();
    assert_eq!(most, Some(3));
    assert_eq!(log.count(|e| matches!(e, Event::Submitted { .. })), ROWS);
    let (_, last) = log.0.last().unwrap();
    assert_eq!(
        (last.completed, last.eta),
        (ROWS, Some(std::time::Duration::ZERO))
    );
    // A run on a finished ledger sends nothing.
    let requests = sandbox.stats().submit_requests;
    let again = runner.run(&mut ledger, |_, _| {}).await.unwrap();
    assert_eq!(
        (again, sandbox.stats().submit_requests),
        (summary, requests)
    );
}

#[test]
fn invalid_rows_and_budgets_refuse_the_whole_run() {
    let mut text = jsonl(4);
    text.push_str(r#"{"id": "bad", "model": "kling-plus/kling-o3-standard/text-to-video", "input": {"prompt": "x", "duration": "16"}}"#);
    text.push('\n');
    let Err(PlanError::Invalid(problems)) = Plan::from_jsonl(&text) else {
        panic!("the invalid row refuses the plan");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].row.as_deref(), problems[0].field.as_str()),
        (Some("bad"), "/input/duration")
    );
    let plan = Plan::from_jsonl(&jsonl(4)).unwrap();
    let short = MicroCents::new(plan.total().get() - 1);
    let refused = plan.check_budget(short).unwrap_err();
    assert!(
        refused.to_string().contains("nothing was sent"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_total_never_goes_above_the_budget() {
    let sandbox = Sandbox::start(config(None)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = jsonl(6);
    let plan = Plan::from_jsonl(&text).unwrap();
    let mut ledger = ledger(&dir, &text);
    // Room for the first four rows only.
    let budget = plan.rows()[..4]
        .iter()
        .map(|r| r.list_price.get())
        .sum::<u64>();
    // One at a time, in input order: the first four rows are sent, then nothing fits.
    let options = fast().concurrency(1).budget(MicroCents::new(budget));
    let runner = Runner::new(sandbox_client(&sandbox, 5), options);
    let (summary, log) = run_logged(&runner, &mut ledger).await;
    assert_eq!((summary.completed, summary.pending), (4, 2), "{summary:?}");
    assert_eq!(summary.spent_micro_cents, budget);
    assert_eq!(summary.outcome(), BatchOutcome::Unfinished);
    assert_eq!(log.count(|e| matches!(e, Event::BudgetReached { .. })), 1);
    assert!(log.0.iter().all(|(_, p)| p.spent.get() <= budget));
    assert_eq!(sandbox.stats().jobs_created, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_resumes_from_the_ledger() {
    let sandbox = Sandbox::start(config(None)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = jsonl(ROWS);
    let mut ledger = ledger(&dir, &text);
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast().concurrency(4));
    let stop = runner.stop_handle();
    let first = runner
        .run(&mut ledger, |e, _| {
            if matches!(e, Event::Submitted { .. }) {
                stop.leave(false);
            }
        })
        .await
        .unwrap();
    assert!(first.pending > 0 && first.completed < ROWS, "{first:?}");
    drop(ledger);

    // A new process would open the ledger again, plan the same file, and run.
    let mut ledger = Ledger::open(dir.path().join("batch.ledger")).unwrap();
    let added = ledger
        .record_plan(&Plan::from_jsonl(&text).unwrap())
        .unwrap();
    assert_eq!(added, 0);
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast().concurrency(4));
    let summary = runner.run(&mut ledger, |_, _| {}).await.unwrap();
    assert_eq!(summary.completed, ROWS, "{summary:?}");
    assert_eq!(one_job_per_row(&ledger, &sandbox).len(), ROWS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_with_cancel_pending_cancels_and_refunds() {
    // A slow clock: jobs stay pending long enough to be cancelled.
    let initial = 1_000_000_000;
    let sandbox = Sandbox::start(SandboxConfig {
        speed: 1.0,
        ..config(Some(initial))
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = ledger(&dir, &jsonl(6));
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast().concurrency(3));
    let stop = runner.stop_handle();
    let submitted = Arc::new(Mutex::new(0));
    let summary = runner
        .run(&mut ledger, |e, _| {
            if matches!(e, Event::Submitted { .. }) {
                let mut n = submitted.lock().unwrap();
                *n += 1;
                if *n == 3 {
                    stop.drain(true);
                }
            }
        })
        .await
        .unwrap();
    assert_eq!((summary.cancelled, summary.pending), (3, 3), "{summary:?}");
    assert_eq!(summary.spent_micro_cents, 0);
    assert_eq!(sandbox.balance().unwrap().get(), initial, "refunded");
    one_job_per_row(&ledger, &sandbox);
}

#[tokio::test]
async fn a_changed_or_missing_row_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let text = jsonl(3);
    let mut ledger = ledger(&dir, &text);
    let changed = text.replace("make it snow", "make it rain");
    let err = ledger
        .record_plan(&Plan::from_jsonl(&changed).unwrap())
        .unwrap_err();
    let LedgerError::Mismatch(problems) = &err else {
        panic!("{err}");
    };
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("row `r0`") && problems[0].contains("input changed"));
    let fewer: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let err = ledger
        .record_plan(&Plan::from_jsonl(&fewer).unwrap())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("row `r0` is in the ledger but not in the input")
    );
    // One more row is fine: it is added.
    let more = format!("{text}{}", jsonl(4).lines().nth(3).unwrap());
    assert_eq!(ledger.record_plan(&Plan::from_jsonl(&more).unwrap()), Ok(1));
    assert_eq!(ledger.rows().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_are_reconciled_never_resent() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 11,
        faults: Faults {
            drop_connection: 0.3,
            ..Faults::default()
        },
        ..config(None)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows = 30;
    let mut ledger = ledger(&dir, &jsonl(rows));
    let runner = Runner::new(sandbox_client(&sandbox, 30), fast().concurrency(6));
    let (summary, log) = run_logged(&runner, &mut ledger).await;
    assert_eq!(summary.completed, rows, "{summary:?}");
    let unknown = log.count(|e| matches!(e, Event::OutcomeUnknown { .. }));
    let adopted = log.count(|e| matches!(e, Event::Adopted { .. }));
    assert!(unknown > 0, "a third of the answers are dropped");
    // Every dropped answer to a submit came after the job was created: each one is adopted.
    assert_eq!(adopted, unknown);
    assert_eq!(one_job_per_row(&ledger, &sandbox).len(), rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_lowers_the_limit_and_is_remembered() {
    let sandbox = Sandbox::start(SandboxConfig {
        max_concurrent: Some(2),
        ..config(None)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = ledger(&dir, &jsonl(8));
    // One attempt per submit: the 429 reaches the runner at once.
    let runner = Runner::new(sandbox_client(&sandbox, 1), fast().concurrency(6));
    let (summary, log) = run_logged(&runner, &mut ledger).await;
    assert_eq!(summary.completed, 8, "{summary:?}");
    assert!(log.count(|e| matches!(e, Event::ConcurrencyLowered { limit: 2 })) == 1);
    assert_eq!(ledger.learnt_concurrency().unwrap(), Some(2));
    one_job_per_row(&ledger, &sandbox);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_balance_halts_submits_and_loses_nothing() {
    let plan = Plan::from_jsonl(&jsonl(6)).unwrap();
    let two = plan.rows()[0].list_price.get() + plan.rows()[1].list_price.get();
    let sandbox = Sandbox::start(config(Some(two))).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = ledger(&dir, &jsonl(6));
    let runner = Runner::new(sandbox_client(&sandbox, 1), fast().concurrency(1));
    let (summary, log) = run_logged(&runner, &mut ledger).await;
    assert_eq!((summary.completed, summary.pending), (2, 4), "{summary:?}");
    let halted = log.0.iter().find_map(|(e, _)| match e {
        Event::Halted { reason } => Some(reason.clone()),
        _ => None,
    });
    assert!(halted.is_some_and(|r| r.contains("INSUFFICIENT_BALANCE")));
    let third = &ledger.rows().unwrap()[2];
    assert_eq!(third.status, RowStatus::Planned);
    one_job_per_row(&ledger, &sandbox);
}

#[tokio::test]
async fn a_refusal_for_good_fails_the_row_without_a_charge() {
    use kling_sandbox::gateway::{Answer, Gateway};
    let gateway = Gateway::start(Answer::api_error(400, "INVALID_INPUT"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = ledger(&dir, &jsonl(2));
    let client = common::client(&gateway.base_url(), "pb_test", 3);
    let summary = Runner::new(client, fast())
        .run(&mut ledger, |_, _| {})
        .await
        .unwrap();
    assert_eq!((summary.failed, summary.spent_micro_cents), (2, 0));
    assert_eq!(summary.outcome(), BatchOutcome::SomeFailed);
    let rows = ledger.rows().unwrap();
    assert_eq!(rows[0].error_code.as_deref(), Some("INVALID_INPUT"));
    assert_eq!(gateway.requests(), 2, "each row sent once");
    gateway.shutdown().await;
}

/// Writes each output's URL into `DIR/<row>/output_N.url`.
struct UrlFiles(PathBuf);

impl Downloader for UrlFiles {
    fn download<'a>(&'a self, row: &'a str, job: &'a JobState) -> DownloadFuture<'a> {
        Box::pin(async move {
            let dir = self.0.join(row);
            std::fs::create_dir_all(&dir)?;
            let mut files = Vec::new();
            for (n, output) in job.outputs.iter().enumerate() {
                let path = dir.join(format!("output_{n}.url"));
                std::fs::write(&path, &output.url)?;
                files.push(path);
            }
            Ok(files)
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_rows_are_downloaded_now_or_on_a_later_run() {
    let sandbox = Sandbox::start(config(None)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut ledger = ledger(&dir, &jsonl(4));
    // Without a downloader: completed, no files.
    let summary = Runner::new(sandbox_client(&sandbox, 5), fast())
        .run(&mut ledger, |_, _| {})
        .await
        .unwrap();
    assert_eq!((summary.completed, summary.files), (4, 0));
    // With one: the outputs of the rows completed earlier are stored now.
    let runner =
        Runner::new(sandbox_client(&sandbox, 5), fast()).with_downloader(UrlFiles(out.clone()));
    let summary = runner.run(&mut ledger, |_, _| {}).await.unwrap();
    assert!(summary.files >= 4, "{summary:?}");
    let rows = ledger.rows().unwrap();
    assert!(rows[0].files.iter().all(|f| f.starts_with(out.join("r0"))));
    let url = std::fs::read_to_string(&rows[0].files[0]).unwrap();
    assert!(url.contains(rows[0].job_id.as_deref().unwrap()), "{url}");
    assert_eq!(sandbox.stats().jobs_created, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ledger_is_driven_by_one_run_at_a_time() {
    let sandbox = Sandbox::start(config(None)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut first = ledger(&dir, &jsonl(3));
    let mut second = Ledger::open(dir.path().join("batch.ledger")).unwrap();
    let runner = Runner::new(sandbox_client(&sandbox, 5), fast());
    let (a, (b, adopted)) = tokio::join!(runner.run(&mut first, |_, _| {}), async {
        let b = runner.run(&mut second, |_, _| {}).await;
        (b, second.adopt("r0", "job_elsewhere"))
    });
    assert_eq!(a.unwrap().completed, 3);
    assert!(
        matches!(b, Err(kling_batch::RunError::Ledger(LedgerError::Busy(_)))),
        "{b:?}"
    );
    // Settling by hand waits for the run too.
    assert!(matches!(adopted, Err(LedgerError::Busy(_))), "{adopted:?}");
}
