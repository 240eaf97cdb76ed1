//! `kling submit` and `kling wait`: send a job, follow it to its end, and say how it ended.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use kling::client::{Charge, Client, Error, Job, JobState, Outcome, SubmitOptions, WaitOptions};

use crate::cli::{Cli, SubmitArgs};
use crate::fail::Fail;
use crate::input;
use crate::journal;
use crate::output::{JobView, SubmittedView, print_json, timestamp};
use crate::session::Session;

/// `kling submit`: validate, price, refuse above `--max-cost` (or the profile's `max_cost`),
/// submit, journal, and with `--wait` wait for the end.
pub async fn submit(cli: &Cli, args: &SubmitArgs) -> Result<(), Fail> {
    let json_out = cli.json;
    let (d, typed) = input::typed(&args.input)?;
    let quote = typed.cost_breakdown();
    let s = Session::start(cli).await?;
    let budget = match (args.max_cost, &s.max_cost) {
        (Some(max), _) => Some((max, format!("--max-cost {max}"))),
        (None, Some(max)) => Some((
            max.value,
            format!("max_cost {} of {}", max.value, max.source),
        )),
        (None, None) => None,
    };
    if let Some((max, what)) = &budget
        && quote.total > *max
    {
        return Err(Fail::usage(format!(
            "the job costs {} ({quote}), above {what}; nothing was sent",
            quote.total
        ))
        .with_code("over_budget"));
    }
    if !json_out {
        eprintln!("Price: {quote}");
    }
    let options = SubmitOptions {
        webhook_url: args.webhook.clone(),
        budget: budget.map(|(max, _)| max),
    };
    let job = match s.client.submit_any(&typed, options).await {
        Ok(job) => job,
        Err(e @ Error::SubmitOutcomeUnknown { .. }) => {
            return Err(maybe_submitted(&e, s.client.base_url()));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::debug!(job_id = %job.id, request_id = job.request_id.as_deref().unwrap_or("none"), "submit answered");
    // Journal before waiting, so an interrupted wait never loses a paid job.
    if let Err(e) = journal::record(&job, s.client.base_url()) {
        eprintln!("warning: {e}");
    }
    if !json_out {
        eprintln!("Submitted {} (charged {}).", job.id, job.cost);
        if let Charge::AboveEstimate { by } = job.charge() {
            eprintln!("warning: charged {by} more than the list price");
        }
    }
    let view = SubmittedView::new(&d.slug, &job);
    if !args.wait {
        if json_out {
            return print_json(&view);
        }
        println!("{}", job.id);
        return Ok(());
    }
    let outcome = wait_for(&s.client, Some(&job), &job.id, args.timeout, json_out).await?;
    let last = last_state(&outcome)?;
    if json_out {
        print_json(&view.ended(last))?;
    }
    conclude(&outcome, json_out)
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
        return Fail::other("internal", e.to_string());
    };
    let since = timestamp(*sent_at);
    let journal = match journal::record_maybe(model, *estimated_cost, *sent_at, base_url, reason) {
        Ok(path) => format!("recorded as `maybe` in {}", path.display()),
        Err(e) => format!("not recorded in the journal: {e}"),
    };
    Fail::maybe_submitted(format!(
        "{e}\nThe job may exist. Check with `kling jobs --model {model}` before submitting again: \
         a job created at or after {since} is this one ({journal})."
    ))
}

/// `kling wait`: follow a job by id to its end.
pub async fn wait(cli: &Cli, id: &str, timeout: Duration) -> Result<(), Fail> {
    let json_out = cli.json;
    let s = Session::start(cli).await?;
    let outcome = wait_for(&s.client, None, id, timeout, json_out).await?;
    let last = last_state(&outcome)?;
    if json_out {
        print_json(&JobView::from(last))?;
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
    Fail::other("internal", "the wait ended in an unexpected way")
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
        Outcome::Failed { job, error } => {
            // The job's own error code, when it has one.
            let code = match error.code.as_str() {
                "" => "job_failed".to_string(),
                code => code.to_string(),
            };
            Err(Fail::job_failed(
                code,
                format!(
                    "job {} failed: {} {} (the cost was refunded)",
                    job.id, error.code, error.message
                ),
            ))
        }
        Outcome::Cancelled(state) => Err(Fail::job_failed(
            "job_cancelled",
            format!("job {} was cancelled (refunded)", state.id),
        )),
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
            Err(Fail::timed_out(format!(
                "gave up waiting for {job_id} (last status {}); {what}. Check later with `kling wait {job_id}`",
                last.status
            )))
        }
        _ => Err(unexpected()),
    }
}
