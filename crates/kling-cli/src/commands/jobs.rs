//! The account's jobs: `status`, `cancel`, and `jobs` (from the API, or the local journal).

use kling::api::JobStatus;
use kling::client::{Client, JobFilter, JobSummary};

use crate::cli::{Cli, JobsArgs};
use crate::fail::Fail;
use crate::journal;
use crate::output::{CancelledView, JobRow, JobView, JournalRow, emit, print_json};
use crate::session::Session;

/// `kling status`: one job's state.
pub async fn status(cli: &Cli, id: &str) -> Result<(), Fail> {
    let s = Session::start(cli).await?;
    let state = s.client.job(id).await?;
    emit(&JobView::from(&state), cli.json)
}

/// `kling cancel`: cancels a pending job, which refunds it.
pub async fn cancel(cli: &Cli, id: &str) -> Result<(), Fail> {
    let s = Session::start(cli).await?;
    let cancelled = s.client.cancel(id).await?;
    emit(&CancelledView::from(&cancelled), cli.json)
}

/// `kling jobs`: the newest jobs, optionally filtered.
pub async fn list(cli: &Cli, args: &JobsArgs) -> Result<(), Fail> {
    if args.local {
        return local(args, cli.json);
    }
    let status = args.status.as_deref().map(JobStatus::from);
    if let Some(JobStatus::Unknown(s)) = &status {
        return Err(Fail::usage(format!(
            "`{s}` is not a status; use pending, processing, completed, failed or cancelled"
        )));
    }
    let s = Session::start(cli).await?;
    let filter = JobFilter {
        status,
        model: args.model.clone(),
        page_size: Some(args.limit.clamp(1, 100) as u32),
    };
    let jobs = first_jobs(&s.client, filter, args.limit).await?;
    let rows: Vec<JobRow> = jobs.iter().map(JobRow::from).collect();
    if cli.json {
        return print_json(&rows);
    }
    for row in &rows {
        println!("{row}");
    }
    if rows.is_empty() {
        println!("no jobs");
    }
    Ok(())
}

/// `kling jobs --local`: the jobs submitted from this machine, newest first.
fn local(args: &JobsArgs, json_out: bool) -> Result<(), Fail> {
    let jobs: Vec<_> = journal::read().into_iter().take(args.limit).collect();
    if json_out {
        return print_json(&jobs);
    }
    for j in &jobs {
        println!("{}", JournalRow(j));
    }
    if jobs.is_empty() {
        println!(
            "no jobs recorded in {}",
            journal::path()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// The first `limit` jobs, page by page.
async fn first_jobs(
    client: &Client,
    filter: JobFilter,
    limit: usize,
) -> Result<Vec<JobSummary>, Fail> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    while out.len() < limit {
        let (page, next) = client.jobs_page(&filter, cursor.as_deref()).await?;
        out.extend(page);
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out.truncate(limit);
    Ok(out)
}
