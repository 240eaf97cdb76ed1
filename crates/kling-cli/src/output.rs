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

use crate::config::{Settings, Sourced};
use crate::fail::Fail;

pub mod batch;

/// Prints a view as pretty JSON on stdout.
pub fn print_json(view: &impl Serialize) -> Result<(), Fail> {
    let text = serde_json::to_string_pretty(view).map_err(unwritable)?;
    println!("{text}");
    Ok(())
}

/// Prints a view as one line of JSON on stdout, for outputs that are a stream of views.
pub fn print_json_line(view: &impl Serialize) -> Result<(), Fail> {
    let text = serde_json::to_string(view)
        .map_err(|e| Fail::other("io", format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn unwritable(e: serde_json::Error) -> Fail {
    Fail::other("io", format!("cannot write JSON: {e}"))
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
    /// The submit's answer was lost and a listing found the job (then `cost_micro_cents` is the
    /// list price, which the listing does not contradict); only present when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    recovered: bool,
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
            recovered: false,
            ended: None,
            files: None,
        }
    }

    /// The view of `job`, the job of a submit of `slug` whose answer was lost, found by listing
    /// the model's jobs; `cost` is what it presumably cost.
    pub fn recovered(
        slug: &'a str,
        job: &'a JobSummary,
        cost: MicroCents,
        list_price: MicroCents,
    ) -> Self {
        SubmittedView {
            job_id: &job.id,
            model: slug,
            status: job.status.as_str(),
            cost_micro_cents: cost.get(),
            estimated_cost_micro_cents: list_price.get(),
            request_id: None,
            estimated_completion: None,
            uploaded: Vec::new(),
            recovered: true,
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

/// What became of a delivery `kling webhook listen` forwarded: `{"status": 202}` or
/// `{"error": "…"}`.
#[derive(Serialize)]
pub enum Forwarded {
    /// The app answered with this HTTP status.
    #[serde(rename = "status")]
    Answered(u16),
    /// The app could not be reached, or did not answer in time.
    #[serde(rename = "error")]
    Failed(String),
}

/// The line `kling webhook listen` prints for a verified delivery: the job, its status, its
/// first output's URL or its error, and what the app answered when forwarding.
#[derive(Serialize)]
pub struct EventView<'a> {
    job_id: &'a str,
    status: &'a str,
    outputs: Vec<OutputView<'a>>,
    error: Option<JobErrorView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forwarded: Option<Forwarded>,
}

impl<'a> EventView<'a> {
    /// The view of `event`, and of its forward when there was one.
    pub fn new(event: &'a Event, forwarded: Option<Forwarded>) -> Self {
        EventView {
            job_id: &event.job_id,
            status: event.status.as_str(),
            outputs: event.outputs.iter().map(OutputView::from).collect(),
            error: event.error.as_ref().map(JobErrorView::from),
            forwarded,
        }
    }
}

impl fmt::Display for EventView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.job_id, self.status)?;
        match (self.outputs.first(), &self.error) {
            (Some(o), _) => write!(f, " {}", o.url)?,
            (None, Some(e)) => write!(f, " {} {}", e.code, e.message)?,
            _ => {}
        }
        match &self.forwarded {
            Some(Forwarded::Answered(status)) => write!(f, " -> forwarded, {status}"),
            Some(Forwarded::Failed(error)) => write!(f, " -> forward failed: {error}"),
            None => Ok(()),
        }
    }
}

/// `kling webhook verify` on a valid delivery: `{"valid": true}`, or `valid`.
#[derive(Serialize)]
pub struct ValidView {
    valid: bool,
}

/// The one value of [`ValidView`].
pub const VALID: ValidView = ValidView { valid: true };

impl fmt::Display for ValidView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("valid")
    }
}

/// `kling config show`: each setting with where it came from; the key masked.
#[derive(Serialize)]
pub struct SettingsView {
    config_file: Option<String>,
    profile: Option<SettingView>,
    base_url: SettingView,
    api_key: Option<SettingView>,
    max_cost: Option<SettingView>,
}

/// One setting and its source.
#[derive(Serialize)]
struct SettingView {
    value: String,
    source: String,
}

impl<T> From<(String, &Sourced<T>)> for SettingView {
    fn from((value, s): (String, &Sourced<T>)) -> Self {
        SettingView {
            value,
            source: s.source.clone(),
        }
    }
}

impl From<&Settings> for SettingsView {
    fn from(s: &Settings) -> Self {
        SettingsView {
            config_file: s.config_file.as_ref().map(|p| p.display().to_string()),
            profile: s.profile.as_ref().map(|p| (p.value.clone(), p).into()),
            base_url: (s.base_url.value.clone(), &s.base_url).into(),
            api_key: s.api_key.as_ref().map(|k| (mask(&k.value), k).into()),
            max_cost: s.max_cost.as_ref().map(|m| (m.value.to_string(), m).into()),
        }
    }
}

/// A secret as `****` and, when it is long enough to spare them, its last four characters.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 16 {
        return "****".into();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

impl fmt::Display for SettingsView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: Option<&SettingView>| {
            s.map_or_else(
                || "(none)".to_string(),
                |s| format!("{}  ({})", s.value, s.source),
            )
        };
        let rows = [
            (
                "config file",
                self.config_file.clone().unwrap_or_else(|| "(none)".into()),
            ),
            ("profile", shown(self.profile.as_ref())),
            ("base_url", shown(Some(&self.base_url))),
            ("api_key", shown(self.api_key.as_ref())),
            ("max_cost", shown(self.max_cost.as_ref())),
        ];
        for (i, (name, value)) in rows.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{name:<12} {value}")?;
        }
        Ok(())
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

impl SavedFileView {
    /// Where the file is.
    pub fn path(&self) -> &str {
        &self.path
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
