//! `kling batch run`: the plan and its local files checked (nothing sent on any problem), the
//! ledger written, then `kling_batch::Runner` drives the rows (uploading each row's files just
//! before its submit), with Ctrl-C wired to its `StopHandle` and `-o` to a [`Downloader`] made
//! of `kling download`'s code.

use std::path::PathBuf;

use kling::client::{Client, JobState};
use kling_batch::{
    BatchOutcome, DownloadFuture, Downloader, Ledger, RunOptions, Runner, StopHandle,
};

use super::progress::Display;
use super::{ledger_fail, plan};
use crate::cli::{BatchRunArgs, Cli};
use crate::commands::download;
use crate::fail::Fail;
use crate::output::batch::SummaryView;
use crate::output::{emit, print_json_line};
use crate::session::Session;
use crate::transfer_bar::TransferBars;

/// `kling batch run`.
pub async fn run(cli: &Cli, args: &BatchRunArgs) -> Result<(), Fail> {
    let json_out = cli.json;
    // Everything is checked, and the ledger written, before a client exists: a mistake sends
    // nothing.
    let checked = plan::read(&args.file, args.max_total).await?;
    let mut ledger = Ledger::open(&args.ledger).map_err(ledger_fail)?;
    ledger.record_plan(&checked.plan).map_err(ledger_fail)?;
    let s = Session::start(cli).await?;
    let mut options = RunOptions::default();
    if let Some(n) = args.concurrency {
        options = options.concurrency(n as usize);
    }
    if let Some(budget) = args.max_total {
        options = options.budget(budget);
    }
    let mut runner = Runner::new(s.client.clone(), options).with_local_files(checked.files);
    if let Some(dir) = &args.output_dir {
        runner = runner.with_downloader(RowFolders {
            client: s.client.clone(),
            dir: dir.clone(),
        });
    }
    let interrupts = tokio::spawn(on_ctrl_c(runner.stop_handle(), args.cancel_pending));
    let display = Display::new(json_out);
    let ran = runner
        .run(&mut ledger, |event, progress| display.show(event, progress))
        .await;
    display.finish();
    interrupts.abort();
    let summary = ran.map_err(|e| match e {
        kling_batch::RunError::Ledger(e) => ledger_fail(e),
        other => Fail::other("internal", other.to_string()),
    })?;
    let view = SummaryView::from(&summary);
    if json_out {
        print_json_line(&view)?;
    } else {
        emit(&view, false)?;
    }
    let ledger_path = args.ledger.display();
    match summary.outcome() {
        BatchOutcome::Completed => Ok(()),
        BatchOutcome::SomeFailed => {
            let mut what = format!("{} row(s) failed", summary.failed);
            if summary.cancelled > 0 {
                what.push_str(&format!(" and {} were cancelled", summary.cancelled));
            }
            Err(Fail::job_failed(
                "batch_rows_failed",
                format!("{what}; `kling batch status --ledger {ledger_path}` lists them"),
            ))
        }
        BatchOutcome::Unfinished => {
            let mut parts = Vec::new();
            if summary.unknown > 0 {
                parts.push(format!("{} unknown", summary.unknown));
            }
            if summary.pending > 0 {
                parts.push(format!("{} pending", summary.pending));
            }
            let mut what = format!(
                "{} row(s) not finished ({}): run the same command again to continue",
                summary.unknown + summary.pending,
                parts.join(", ")
            );
            if summary.unknown > 0 {
                what.push_str(&format!(
                    "; a row whose job could not be told apart from others waits for `kling batch adopt --ledger {ledger_path} ROW JOB_ID` (`kling batch status` lists its candidates)"
                ));
            }
            Err(Fail::unfinished(what))
        }
    }
}

/// Ctrl-C: the first stops submitting and waits for the running jobs (cancelling the pending
/// ones with `--cancel-pending`); the second leaves them to the next run; the third exits at
/// once with 6 (the ledger is consistent at any instant).
async fn on_ctrl_c(stop: StopHandle, cancel_pending: bool) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    stop.drain(cancel_pending);
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    stop.leave(cancel_pending);
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("interrupted; run the same command again to continue");
        std::process::exit(6);
    }
}

/// Stores each completed row's files in `dir/<row id>/` with `kling download`'s code (resumed
/// downloads, complete copies kept, SHA-256 of each file).
struct RowFolders {
    client: Client,
    dir: PathBuf,
}

impl Downloader for RowFolders {
    fn download<'a>(&'a self, row: &'a str, job: &'a JobState) -> DownloadFuture<'a> {
        Box::pin(async move {
            // Row ids are path-safe: the plan refuses any other.
            let into = self.dir.join(row);
            let saved = download::save_into(
                &self.client,
                job,
                &into,
                &TransferBars::hidden(),
                "the next run of the batch with -o tries again",
            )
            .await
            .map_err(|fail| fail.message().to_string())?;
            Ok(saved.iter().map(|f| PathBuf::from(f.path())).collect())
        })
    }
}
