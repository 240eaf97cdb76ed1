//! `kling submit` and `kling wait`: upload the input's local files, send a job, follow it to its
//! end, say how it ended, and with `-o` save its files.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use kling::client::{
    Charge, Client, Error, Job, JobState, LocalFiles, Outcome, SubmitOptions, Uploaded, WaitOptions,
};

use super::download;
use crate::cli::{Cli, SubmitArgs};
use crate::fail::Fail;
use crate::input;
use crate::journal;
use crate::output::{JobView, SavedFileView, SubmittedView, WaitedView, print_json};
use crate::session::Session;
use crate::transfer_bar::TransferBars;

mod recover;

/// A submitted job: answered by the API, or found by listing after its answer was lost.
enum Sent {
    Answered { job: Job, uploaded: Vec<Uploaded> },
    Recovered(recover::Adopted),
}

impl Sent {
    fn id(&self) -> &str {
        match self {
            Sent::Answered { job, .. } => &job.id,
            Sent::Recovered(found) => &found.job.id,
        }
    }

    /// The submit's answer, which knows the job's ETA.
    fn job(&self) -> Option<&Job> {
        match self {
            Sent::Answered { job, .. } => Some(job),
            Sent::Recovered(_) => None,
        }
    }

    fn journal(&self, base_url: &str) -> Result<std::path::PathBuf, String> {
        match self {
            Sent::Answered { job, .. } => journal::record(job, base_url),
            Sent::Recovered(found) => journal::record_recovered(
                &found.job.id,
                &found.model,
                found.cost,
                found.sent_at,
                base_url,
            ),
        }
    }

    /// Says what was uploaded and submitted, on stderr.
    fn tell(&self, unchecked: bool) {
        let (job, uploaded) = match self {
            Sent::Answered { job, uploaded } => (job, uploaded),
            Sent::Recovered(found) => {
                eprintln!(
                    "Recovered {} from the listing (presumably charged the list price, {}).",
                    found.job.id, found.cost
                );
                return;
            }
        };
        for u in uploaded {
            eprintln!(
                "Uploaded {} ({} bytes) as {}",
                u.path.display(),
                u.bytes,
                u.file.url
            );
        }
        if unchecked {
            eprintln!("Price (the server's estimate): {}", job.estimated_cost);
        }
        eprintln!("Submitted {} (charged {}).", job.id, job.cost);
        if let Charge::AboveEstimate { by } = job.charge() {
            eprintln!("warning: charged {by} more than the list price");
        }
    }

    fn view<'a>(&'a self, slug: &'a str) -> SubmittedView<'a> {
        match self {
            Sent::Answered { job, uploaded } => SubmittedView::new(slug, job, uploaded),
            Sent::Recovered(found) => {
                SubmittedView::recovered(slug, &found.job, found.cost, found.list_price)
            }
        }
    }
}

/// The input as the command line gave it: checked (validated and priced here, its local files
/// uploaded once it is) or, with `--unchecked`, sent as given and priced by the server's estimate.
enum Prepared {
    Checked(Box<(kling_descriptor::Descriptor, kling::AnyInput, LocalFiles)>),
    Unchecked(serde_json::Value),
}

/// `kling submit`: validate, price, refuse above `--max-cost` (or the profile's `max_cost`),
/// upload local files, submit, journal, and with `--wait` wait for the end. With
/// `--unchecked`, the input goes as given and the server's estimate is the price.
pub async fn submit(cli: &Cli, args: &SubmitArgs) -> Result<(), Fail> {
    let json_out = cli.json;
    // The input is read (and checked) before anything starts, so a mistake sends nothing.
    let prepared = if args.unchecked {
        Prepared::Unchecked(input::unchecked(&args.input)?)
    } else {
        let checked = input::with_files(&args.input)?;
        checked.2.check().await.map_err(|e| {
            Fail::usage(format!("{e}; nothing was sent")).with_code("file_not_accepted")
        })?;
        Prepared::Checked(Box::new(checked))
    };
    let s = Session::start(cli).await?;
    let budget = match (args.max_cost, &s.max_cost) {
        (Some(max), _) => Some((max, format!("--max-cost {max}"))),
        (None, Some(max)) => Some((
            max.value,
            format!("max_cost {} of {}", max.value, max.source),
        )),
        (None, None) => None,
    };
    let options = SubmitOptions {
        webhook_url: args.webhook.clone(),
        budget: budget.as_ref().map(|(max, _)| *max),
    };
    let (slug, sent) = match prepared {
        Prepared::Unchecked(input) => {
            if !json_out {
                eprintln!(
                    "Unchecked: the input is sent as given; the server's estimate is the price."
                );
            }
            let sent = s.client.submit_raw(&args.input.slug, input, options).await;
            (args.input.slug.clone(), sent.map(|job| (job, Vec::new())))
        }
        Prepared::Checked(checked) => {
            let (d, typed, files) = *checked;
            let quote = typed.cost_breakdown();
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
            (
                d.slug,
                submit_with_bars(&s.client, &typed, files, options, json_out).await,
            )
        }
    };
    let sent = match sent {
        Ok((job, uploaded)) => {
            tracing::debug!(job_id = %job.id, request_id = job.request_id.as_deref().unwrap_or("none"), "submit answered");
            Sent::Answered { job, uploaded }
        }
        Err(e @ Error::SubmitOutcomeUnknown { .. }) => {
            Sent::Recovered(recover::recover(&s.client, &e, json_out).await?)
        }
        Err(e) => return Err(e.into()),
    };
    // Journal before waiting, so an interrupted wait never loses a paid job.
    if let Err(e) = sent.journal(s.client.base_url()) {
        eprintln!("warning: {e}");
    }
    if !json_out {
        sent.tell(args.unchecked);
    }
    let view = sent.view(&slug);
    let id = sent.id();
    if !args.wait {
        if json_out {
            return print_json(&view);
        }
        println!("{id}");
        return Ok(());
    }
    let outcome = wait_for(&s.client, sent.job(), id, args.timeout, json_out).await?;
    let last = last_state(&outcome)?;
    let saved = save_outputs(&s.client, &outcome, args.output_dir.as_deref(), json_out).await?;
    if json_out {
        print_json(&view.ended(last).saved(saved))?;
    }
    conclude(&outcome, json_out)
}

/// Uploads the input's local files (with a progress bar on a terminal) and submits.
async fn submit_with_bars(
    client: &Client,
    typed: &kling::AnyInput,
    files: LocalFiles,
    options: SubmitOptions,
    json_out: bool,
) -> Result<(Job, Vec<Uploaded>), Error> {
    let bars = TransferBars::new("Uploading", json_out);
    let files = files.on_progress({
        let bars = bars.clone();
        move |p| bars.update(p)
    });
    let submitted = client.submit_any_with_files(typed, &files, options).await;
    bars.finish();
    submitted
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

/// `kling wait`: follow a job by id to its end, and with `-o DIR` save its files.
pub async fn wait(cli: &Cli, id: &str, timeout: Duration, dir: Option<&Path>) -> Result<(), Fail> {
    let json_out = cli.json;
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
