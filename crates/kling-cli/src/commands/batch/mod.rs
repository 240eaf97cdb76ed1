//! `kling batch`: `run` (in [`run`]), and what reads or settles a ledger: `status`, `report`,
//! `adopt`, `release`. The work is `kling-batch`'s; this is the command line around it.

use std::path::Path;

use kling_batch::{Ledger, LedgerError, RowRecord, RowStatus};

use crate::cli::{BatchCommand, Cli, ReportFormat};
use crate::fail::Fail;
use crate::output::batch::{RowView, SummaryView};
use crate::output::{emit, print_json, print_json_line};
use crate::session::Session;

mod plan;
mod progress;
mod run;

/// Runs a `kling batch` command.
pub async fn command(cli: &Cli, command: &BatchCommand) -> Result<(), Fail> {
    match command {
        BatchCommand::Run(args) => run::run(cli, args).await,
        BatchCommand::Status { ledger } => status(&ledger.ledger, cli.json),
        BatchCommand::Report { ledger, format } => {
            let format = format.unwrap_or(if cli.json {
                ReportFormat::Json
            } else {
                ReportFormat::Csv
            });
            report(&ledger.ledger, format)
        }
        BatchCommand::Adopt {
            ledger,
            row,
            job_id,
        } => adopt(cli, &ledger.ledger, row, job_id).await,
        BatchCommand::Release { ledger, row } => release(&ledger.ledger, row, cli.json),
    }
}

/// A ledger that must exist already (opening creates a missing file, which a typo should not).
fn existing(path: &Path) -> Result<Ledger, Fail> {
    if !path.is_file() {
        return Err(Fail::usage(format!(
            "no ledger at {}: `kling batch run FILE --ledger {}` creates it",
            path.display(),
            path.display()
        ))
        .with_code("no_ledger"));
    }
    Ledger::open(path).map_err(ledger_fail)
}

/// A ledger's refusal as a failure: a mismatch or a step the row's status does not allow is the
/// user's to fix (2, nothing changed); a busy or broken ledger is 1.
pub(super) fn ledger_fail(e: LedgerError) -> Fail {
    let message = e.to_string();
    match e {
        LedgerError::Mismatch(_) => Fail::usage(message).with_code("ledger_mismatch"),
        LedgerError::NotALedger { .. } => Fail::usage(message).with_code("not_a_ledger"),
        LedgerError::NoSuchRow(_) => Fail::usage(message).with_code("no_such_row"),
        LedgerError::WrongStatus { .. } => Fail::usage(message).with_code("wrong_status"),
        LedgerError::JobClaimed { .. } => Fail::usage(message).with_code("job_claimed"),
        LedgerError::Invariant { .. } => Fail::usage(message).with_code("ledger_invariant"),
        LedgerError::Busy(_) => Fail::other("ledger_busy", message),
        _ => Fail::other("ledger", message),
    }
}

/// `kling batch status`: one line per row, then the summary (JSON lines with `--json`).
fn status(path: &Path, json_out: bool) -> Result<(), Fail> {
    let ledger = existing(path)?;
    let rows = ledger.rows().map_err(ledger_fail)?;
    let summary = SummaryView::from(&kling_batch::Summary::of(&rows));
    for row in &rows {
        if json_out {
            print_json_line(&RowView::from(row))?;
        } else {
            println!("{}", RowView::from(row));
        }
    }
    if json_out {
        print_json_line(&summary)
    } else {
        emit(&summary, false)
    }
}

/// `kling batch report`: every row, as CSV (a header, then one record per row) or a JSON array.
fn report(path: &Path, format: ReportFormat) -> Result<(), Fail> {
    let ledger = existing(path)?;
    let rows = ledger.rows().map_err(ledger_fail)?;
    let views: Vec<RowView<'_>> = rows.iter().map(RowView::from).collect();
    match format {
        ReportFormat::Json => print_json(&views),
        ReportFormat::Csv => {
            let unwritable = |e: csv::Error| Fail::other("io", format!("cannot write CSV: {e}"));
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            out.write_record(RowView::CSV_HEADER).map_err(unwritable)?;
            for view in &views {
                out.write_record(view.record()).map_err(unwritable)?;
            }
            out.flush()
                .map_err(|e| Fail::other("io", format!("cannot write CSV: {e}")))
        }
    }
}

/// `kling batch adopt`: the job is looked up first, so that a mistyped id or a job of another
/// model is refused before the ledger changes.
async fn adopt(cli: &Cli, path: &Path, row: &str, job_id: &str) -> Result<(), Fail> {
    let mut ledger = existing(path)?;
    let record = find(&ledger, row)?;
    if record.status != RowStatus::Unknown {
        // Said before asking the API; the ledger would refuse the same.
        return Err(ledger_fail(LedgerError::WrongStatus {
            row: row.to_string(),
            status: record.status,
            expected: RowStatus::Unknown.to_string(),
        }));
    }
    let s = Session::start(cli).await?;
    let job = s.client.job(job_id).await?;
    if let Some(model) = job.model.as_deref()
        && model != record.model
    {
        return Err(Fail::usage(format!(
            "job {job_id} is a job of {model}, but row `{row}` is for {}; nothing was changed",
            record.model
        ))
        .with_code("wrong_model"));
    }
    ledger.adopt(row, job_id).map_err(ledger_fail)?;
    let adopted = find(&ledger, row)?;
    settled(
        &adopted,
        &format!(
            "row `{row}` now has job {job_id} ({}); the next run follows it",
            job.status
        ),
        cli.json,
    )
}

/// `kling batch release`.
fn release(path: &Path, row: &str, json_out: bool) -> Result<(), Fail> {
    let mut ledger = existing(path)?;
    ledger.release(row).map_err(ledger_fail)?;
    let released = find(&ledger, row)?;
    settled(
        &released,
        &format!("row `{row}` is planned again; the next run submits it"),
        json_out,
    )
}

/// Prints a settled row: its view with `--json`, else `what`.
fn settled(row: &RowRecord, what: &str, json_out: bool) -> Result<(), Fail> {
    if json_out {
        return print_json(&RowView::from(row));
    }
    println!("{what}");
    Ok(())
}

fn find(ledger: &Ledger, row: &str) -> Result<RowRecord, Fail> {
    let rows = ledger.rows().map_err(ledger_fail)?;
    let found = rows.into_iter().find(|r| r.id == row);
    found.ok_or_else(|| ledger_fail(LedgerError::NoSuchRow(row.to_string())))
}
