//! `kling submit` and `kling wait`: upload the input's local files, send a job, follow it to its
//! end, say how it ended, and with `-o` save its files.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use kling::client::{Charge, Client, Error, Job, JobState, Outcome, SubmitOptions, WaitOptions};

use super::download;
use crate::cli::{Cli, SubmitArgs};
use crate::fail::Fail;
use crate::input;
use crate::journal;
use crate::output::{JobView, SavedFileView, SubmittedView, WaitedView, print_json, timestamp};
use crate::session::Session;
use crate::transfer_bar::TransferBars;

/// `kling submit`: validate, price, refuse above `--max-cost`, submit, journal, and with
/// `--wait` wait for the end.
pub async fn submit(cli: &Cli, args: &SubmitArgs) -> Result<(), Fail> {
    let json_out = args.input.json.json;
    let (d, typed, files) = input::with_files(&args.input)?;
    let quote = typed.cost_breakdown();
    if let Some(max) = args.max_cost
        && quote.total > max
    {
        return Err(Fail::Usage(format!(
            "the job costs {} ({quote}), above --max-cost {max}; nothing was sent",
            quote.total
        )));
    }
    files
        .check()
        .await
        .map_err(|e| Fail::Usage(format!("{e}; nothing was sent")))?;
    let s = Session::start(cli).await?;
    if !json_out {
        eprintln!("Price: {quote}");
    }
    let options = SubmitOptions {
        webhook_url: args.webhook.clone(),
        budget: args.max_cost,
    };
    let bars = TransferBars::new("Uploading", json_out);
    let files = files.on_progress({
        let bars = bars.clone();
        move |p| bars.update(p)
    });
    let submitted = s
        .client
        .submit_any_with_files(&typed, &files, options)
        .await;
    bars.finish();
    let (job, uploaded) = match submitted {
        Ok(submitted) => submitted,
        Err(e @ Error::SubmitOutcomeUnknown { .. }) => {
            return Err(maybe_submitted(&e, s.client.base_url()));
        }
        Err(e) => return Err(e.into()),
    };
    // Journal before waiting, so an interrupted wait never loses a paid job.
    if let Err(e) = journal::record(&job, s.client.base_url()) {
        eprintln!("warning: {e}");
    }
    if !json_out {
        for u in &uploaded {
            eprintln!(
                "Uploaded {} ({} bytes) as {}",
                u.path.display(),
                u.bytes,
                u.file.url
            );
        }
        eprintln!("Submitted {} (charged {}).", job.id, job.cost);
        if let Charge::AboveEstimate { by } = job.charge() {
            eprintln!("warning: charged {by} more than the list price");
        }
    }
    let view = SubmittedView::new(&d.slug, &job, &uploaded);
    if !args.wait {
        if json_out {
            return print_json(&view);
        }
        println!("{}", job.id);
        return Ok(());
    }
    let outcome = wait_for(&s.client, Some(&job), &job.id, args.timeout, json_out).await?;
    let last = last_state(&outcome)?;
    let saved = save_outputs(&s.client, &outcome, args.output_dir.as_deref(), json_out).await?;
    if json_out {
        print_json(&view.ended(last).saved(saved))?;
    }
    conclude(&outcome, json_out)
}

/// With `-o DIR`, the files of a completed job, written into `DIR/<job id>/`.
async fn save_outputs(
    client: &Client,
    outcome: &Outcome,
    dir: Option<&Path>,
    json_out: bool,
) -> Result<Option<Vec<SavedFileView>>, Fail> {
    let (Outcome::Completed(state), Some(dir)) = (outcome, dir) else {
        return Ok(None);
    };
    let saved = download::save(client, state, dir, json_out).await?;
    if !json_out {
        for file in &saved {
            eprintln!("Saved {file}");
        }
    }
    Ok(Some(saved))
}

/// An unknown submit outcome: journalled as `maybe`, with how to find out whether the job exists.
fn maybe_submitted(e: &Error, base_url: &str) -> Fail {
    let Error::SubmitOutcomeUnknown {
        model,
        estimated_cost,
        sent_at,
        reason,
        ..
    } = e
    else {
        return Fail::Other(e.to_string());
    };
    let since = timestamp(*sent_at);
    let journal = match journal::record_maybe(model, *estimated_cost, *sent_at, base_url, reason) {
        Ok(path) => format!("recorded as `maybe` in {}", path.display()),
        Err(e) => format!("not recorded in the journal: {e}"),
    };
    Fail::MaybeSubmitted(format!(
        "{e}\nThe job may exist. Check with `kling jobs --model {model}` before submitting again: \
         a job created at or after {since} is this one ({journal})."
    ))
}

/// `kling wait`: follow a job by id to its end.
pub async fn wait(
    cli: &Cli,
    id: &str,
    timeout: Duration,
    dir: Option<&Path>,
    json_out: bool,
) -> Result<(), Fail> {
    let s = Session::start(cli).await?;
    let outcome = wait_for(&s.client, None, id, timeout, json_out).await?;
    let last = last_state(&outcome)?;
    let saved = save_outputs(&s.client, &outcome, dir, json_out).await?;
    if json_out {
        match &saved {
            Some(files) => print_json(&WaitedView::new(last, files))?,
            None => print_json(&JobView::from(last))?,
        }
    }
    conclude(&outcome, json_out)
}

/// Waits with a progress bar (when stdout is a terminal and not --json).
async fn wait_for(
    client: &Client,
    job: Option<&Job>,
    id: &str,
    timeout: Duration,
    json_out: bool,
) -> Result<Outcome, Fail> {
    let bar = if !json_out && std::io::stdout().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(format!("{id}: waiting"));
    let options = WaitOptions {
        timeout,
        ..WaitOptions::default()
    };
    let on_progress = |p: &kling::client::WaitProgress| {
        let eta = p
            .remaining
            .map(|r| format!(", about {} s left", r.as_secs()))
            .unwrap_or_default();
        bar.set_message(format!("{id}: {}{eta}", p.status));
    };
    let outcome = match job {
        Some(job) => client.wait_with_progress(job, options, on_progress).await,
        None => client.wait_id(id, options, on_progress).await,
    };
    bar.finish_and_clear();
    Ok(outcome?)
}

/// The job's state when the wait ended.
fn last_state(outcome: &Outcome) -> Result<&JobState, Fail> {
    match outcome {
        Outcome::Completed(state) | Outcome::Cancelled(state) => Ok(state),
        Outcome::Failed { job, .. } => Ok(job),
        Outcome::TimedOut { last, .. } => Ok(last),
        _ => Err(unexpected()),
    }
}

fn unexpected() -> Fail {
    Fail::Other("the wait ended in an unexpected way".into())
}

/// Says how the wait ended (in text, unless JSON was printed) and maps it to an exit code.
fn conclude(outcome: &Outcome, json_out: bool) -> Result<(), Fail> {
    match outcome {
        Outcome::Completed(state) => {
            if !json_out {
                println!("{} completed", state.id);
                for o in &state.outputs {
                    println!("{}", o.url);
                }
            }
            Ok(())
        }
        Outcome::Failed { job, error } => Err(Fail::JobFailed(format!(
            "job {} failed: {} {} (the cost was refunded)",
            job.id, error.code, error.message
        ))),
        Outcome::Cancelled(state) => Err(Fail::JobFailed(format!(
            "job {} was cancelled (refunded)",
            state.id
        ))),
        Outcome::TimedOut {
            job_id,
            last,
            cancelled,
        } => {
            let what = if *cancelled {
                "it was cancelled"
            } else {
                "it is still running"
            };
            Err(Fail::TimedOut(format!(
                "gave up waiting for {job_id} (last status {}); {what}. Check later with `kling wait {job_id}`",
                last.status
            )))
        }
        _ => Err(unexpected()),
    }
}
