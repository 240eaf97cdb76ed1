//! What the command prints, as views. Each JSON output is a `#[derive(Serialize)]` struct whose
//! field order is the key order scripts see; a text form that shows the same data is the view's
//! `Display`. Times are written by [`timestamp`] alone.

use std::fmt;
use std::time::SystemTime;

use kling::api::{JobError, Output};
use kling::client::{Cancelled, Job, JobState, JobSummary, Uploaded, UploadedFile};
use kling::webhook::Event;
use kling::{ChoiceSource, MicroCents, Multiplier, PriceLine, Quote};
use kling_descriptor::Descriptor;
use serde::Serialize;
use serde_json::Value;

use crate::fail::Fail;

/// Prints a view as pretty JSON on stdout.
pub fn print_json(view: &impl Serialize) -> Result<(), Fail> {
    let text = serde_json::to_string_pretty(view)
        .map_err(|e| Fail::Other(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Prints a view: as JSON with `--json`, else its text form.
pub fn emit<V: Serialize + fmt::Display>(view: &V, json_out: bool) -> Result<(), Fail> {
    if json_out {
        return print_json(view);
    }
    println!("{view}");
    Ok(())
}

/// A time as RFC 3339 in UTC, to the second (`2025-01-31T12:00:00Z`).
pub fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// One model of `kling models --json`.
#[derive(Serialize)]
pub struct ModelView<'a> {
    slug: &'a str,
    provider: &'a str,
    model: &'a str,
    capability: &'a str,
    base_cost_micro_cents: u64,
    flat: bool,
    processing_time_seconds: u32,
    summary: &'a str,
}

impl<'a> From<&'a Descriptor> for ModelView<'a> {
    fn from(d: &'a Descriptor) -> Self {
        ModelView {
            slug: &d.slug,
            provider: &d.provider,
            model: &d.model,
            capability: &d.capability,
            base_cost_micro_cents: d.pricing.base_micro_cents.get(),
            flat: d.pricing.flat,
            processing_time_seconds: d.processing_time_seconds,
            summary: &d.summary,
        }
    }
}

/// `kling price --json`: the price with its breakdown.
#[derive(Serialize)]
pub struct QuoteView<'a> {
    slug: &'a str,
    cost_micro_cents: u64,
    usd: String,
    base_micro_cents: u64,
    breakdown: Vec<PriceLineView<'a>>,
}

impl<'a> QuoteView<'a> {
    /// The view of `quote`, a price of the model `slug`.
    pub fn new(slug: &'a str, quote: &'a Quote) -> Self {
        QuoteView {
            slug,
            cost_micro_cents: quote.total.get(),
            usd: quote.total.usd_decimal(),
            base_micro_cents: quote.base.get(),
            breakdown: quote.lines.iter().map(PriceLineView::from).collect(),
        }
    }
}

/// One factor of a price.
#[derive(Serialize)]
struct PriceLineView<'a> {
    label: &'a str,
    field: &'a str,
    option: &'a str,
    /// Written as a decimal string, never a float.
    multiplier: &'a Multiplier,
    source: ChoiceSource,
}

impl<'a> From<&'a PriceLine> for PriceLineView<'a> {
    fn from(l: &'a PriceLine) -> Self {
        PriceLineView {
            label: &l.label,
            field: &l.field,
            option: &l.option,
            multiplier: &l.multiplier,
            source: l.source,
        }
    }
}

/// A job's state (`kling status`, `kling wait`); its text form is `kling status`'s.
#[derive(Serialize)]
pub struct JobView<'a> {
    job_id: &'a str,
    status: &'a str,
    progress: Option<u8>,
    model: Option<&'a str>,
    outputs: Vec<OutputView<'a>>,
    error: Option<JobErrorView<'a>>,
    created_at: Option<String>,
    completed_at: Option<String>,
}

impl<'a> From<&'a JobState> for JobView<'a> {
    fn from(state: &'a JobState) -> Self {
        JobView {
            job_id: &state.id,
            status: state.status.as_str(),
            progress: state.progress,
            model: state.model.as_deref(),
            outputs: state.outputs.iter().map(OutputView::from).collect(),
            error: state.error.as_ref().map(JobErrorView::from),
            created_at: state.created_at.map(timestamp),
            completed_at: state.completed_at.map(timestamp),
        }
    }
}

impl fmt::Display for JobView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.job_id, self.status)?;
        if let Some(p) = self.progress {
            write!(f, " ({p}%)")?;
        }
        for o in &self.outputs {
            write!(f, "\n{}", o.url)?;
        }
        if let Some(e) = &self.error {
            write!(f, "\nerror: {} {}", e.code, e.message)?;
        }
        Ok(())
    }
}

/// One output file of a job.
#[derive(Serialize)]
struct OutputView<'a> {
    url: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    thumbnail: Option<&'a str>,
    poster_image: Option<&'a str>,
}

impl<'a> From<&'a Output> for OutputView<'a> {
    fn from(o: &'a Output) -> Self {
        OutputView {
            url: &o.url,
            kind: o.kind.as_str(),
            thumbnail: o.thumbnail.as_deref(),
            poster_image: o.poster_image.as_deref(),
        }
    }
}

/// Why a job failed.
#[derive(Serialize)]
struct JobErrorView<'a> {
    code: &'a str,
    message: &'a str,
}

impl<'a> From<&'a JobError> for JobErrorView<'a> {
    fn from(e: &'a JobError) -> Self {
        JobErrorView {
            code: e.code.as_str(),
            message: &e.message,
        }
    }
}

/// `kling submit --json`: the submitted job, and with `--wait` how it ended.
#[derive(Serialize)]
pub struct SubmittedView<'a> {
    job_id: &'a str,
    model: &'a str,
    status: &'a str,
    cost_micro_cents: u64,
    estimated_cost_micro_cents: u64,
    request_id: Option<&'a str>,
    estimated_completion: Option<String>,
    uploaded: Vec<UploadedInputView>,
    #[serde(flatten)]
    ended: Option<EndedView<'a>>,
    /// With `-o`: the files written.
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Vec<SavedFileView>>,
}

/// The members a wait adds to [`SubmittedView`], after its own.
#[derive(Serialize)]
struct EndedView<'a> {
    outputs: Vec<OutputView<'a>>,
    error: Option<JobErrorView<'a>>,
    completed_at: Option<String>,
}

impl<'a> SubmittedView<'a> {
    /// The view of `job`, submitted for the model `slug` with the local files of `uploaded`.
    pub fn new(slug: &'a str, job: &'a Job, uploaded: &[Uploaded]) -> Self {
        SubmittedView {
            job_id: &job.id,
            model: slug,
            status: job.status.as_str(),
            cost_micro_cents: job.cost.get(),
            estimated_cost_micro_cents: job.estimated_cost.get(),
            request_id: job.request_id.as_deref(),
            estimated_completion: job.estimated_completion.map(timestamp),
            uploaded: uploaded.iter().flat_map(UploadedInputView::of).collect(),
            ended: None,
            files: None,
        }
    }

    /// The same, with the files `-o` wrote.
    pub fn saved(self, files: Option<Vec<SavedFileView>>) -> Self {
        SubmittedView { files, ..self }
    }

    /// The same job, ended in `last`.
    pub fn ended(self, last: &'a JobState) -> Self {
        SubmittedView {
            status: last.status.as_str(),
            ended: Some(EndedView {
                outputs: last.outputs.iter().map(OutputView::from).collect(),
                error: last.error.as_ref().map(JobErrorView::from),
                completed_at: last.completed_at.map(timestamp),
            }),
            ..self
        }
    }
}

/// A local file uploaded for an input (`field=@path`): one per field it went to.
#[derive(Serialize)]
pub struct UploadedInputView {
    /// Where in the input, as a JSON pointer without its first `/` (`images/1`).
    field: String,
    path: String,
    url: String,
    bytes: u64,
}

impl UploadedInputView {
    fn of(u: &Uploaded) -> impl Iterator<Item = UploadedInputView> + '_ {
        u.fields.iter().map(|field| UploadedInputView {
            field: field.trim_start_matches('/').to_string(),
            path: u.path.display().to_string(),
            url: u.file.url.clone(),
            bytes: u.bytes,
        })
    }
}

/// One job of `kling jobs`.
#[derive(Serialize)]
pub struct JobRow<'a> {
    job_id: &'a str,
    status: &'a str,
    progress: Option<u8>,
    model: Option<&'a str>,
    created_at: Option<String>,
}

impl<'a> From<&'a JobSummary> for JobRow<'a> {
    fn from(j: &'a JobSummary) -> Self {
        JobRow {
            job_id: &j.id,
            status: j.status.as_str(),
            progress: j.progress,
            model: j.model.as_deref(),
            created_at: j.created_at.map(timestamp),
        }
    }
}

impl fmt::Display for JobRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}  {}  {}  {}",
            self.job_id,
            self.status,
            self.created_at.as_deref().unwrap_or_default(),
            self.model.unwrap_or_default()
        )
    }
}

/// One line of the local journal in `kling jobs --local` (the JSON form prints each line as
/// it was written, whichever version wrote it).
pub struct JournalRow<'a>(pub &'a Value);

impl fmt::Display for JournalRow<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let j = self.0;
        write!(
            f,
            "{}  {}  {}  {}",
            j["job_id"].as_str().unwrap_or("(maybe: outcome unknown)"),
            j["submitted_at"].as_str().unwrap_or("?"),
            j["model"].as_str().unwrap_or("?"),
            MicroCents::new(j["cost_micro_cents"].as_u64().unwrap_or(0))
        )
    }
}

/// `kling cancel`.
#[derive(Serialize)]
pub struct CancelledView<'a> {
    job_id: &'a str,
    status: &'static str,
    refunded_micro_cents: u64,
}

impl<'a> From<&'a Cancelled> for CancelledView<'a> {
    fn from(c: &'a Cancelled) -> Self {
        CancelledView {
            job_id: &c.id,
            status: "cancelled",
            refunded_micro_cents: c.refunded.get(),
        }
    }
}

impl fmt::Display for CancelledView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let refunded = MicroCents::new(self.refunded_micro_cents);
        write!(f, "{} cancelled; refunded {refunded}", self.job_id)
    }
}

/// `kling upload`; the text form is the URL alone, ready to paste into an input.
#[derive(Serialize)]
pub struct UploadedView<'a> {
    url: &'a str,
    file_id: Option<&'a str>,
}

impl<'a> From<&'a UploadedFile> for UploadedView<'a> {
    fn from(u: &'a UploadedFile) -> Self {
        UploadedView {
            url: &u.url,
            file_id: u.id.as_deref(),
        }
    }
}

impl fmt::Display for UploadedView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url)
    }
}

/// The line `kling webhook listen` prints for a verified delivery: the job, its status, and its
/// first output's URL or its error.
pub struct EventLine<'a>(pub &'a Event);

impl fmt::Display for EventLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let event = self.0;
        write!(f, "{} {} ", event.job_id, event.status)?;
        match (event.outputs.first(), &event.error) {
            (Some(o), _) => f.write_str(&o.url),
            (None, Some(e)) => write!(f, "{} {}", e.code, e.message),
            _ => Ok(()),
        }
    }
}

/// A file a command wrote: `kling download`, and `-o` of `submit --wait` and `wait`. The text
/// form is the path.
#[derive(Serialize)]
pub struct SavedFileView {
    path: String,
    url: String,
    bytes: u64,
    /// The file's SHA-256, in hex.
    sha256: String,
    /// Whether a complete copy was already there (text only).
    #[serde(skip)]
    kept: bool,
}

impl SavedFileView {
    /// The view of a file at `path` from `url`; `kept` when it was there already.
    pub fn new(path: String, url: String, bytes: u64, sha256: String, kept: bool) -> Self {
        SavedFileView {
            path,
            url,
            bytes,
            sha256,
            kept,
        }
    }
}

impl fmt::Display for SavedFileView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if self.kept {
            f.write_str(" (already complete)")?;
        }
        Ok(())
    }
}

/// `kling download`; the text form is one path per line.
#[derive(Serialize)]
pub struct DownloadView<'a> {
    job_id: &'a str,
    files: &'a [SavedFileView],
}

impl<'a> DownloadView<'a> {
    /// The files written for job `job_id`.
    pub fn new(job_id: &'a str, files: &'a [SavedFileView]) -> Self {
        DownloadView { job_id, files }
    }
}

impl fmt::Display for DownloadView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.files.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// `kling wait -o DIR --json`: the job, then the files written.
#[derive(Serialize)]
pub struct WaitedView<'a> {
    #[serde(flatten)]
    job: JobView<'a>,
    files: &'a [SavedFileView],
}

impl<'a> WaitedView<'a> {
    /// The job in `state` and the files written for it.
    pub fn new(state: &'a JobState, files: &'a [SavedFileView]) -> Self {
        WaitedView {
            job: JobView::from(state),
            files,
        }
    }
}
