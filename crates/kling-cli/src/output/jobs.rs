//! Views of jobs: a job's state, a submit, the job list, the journal, a cancel, an upload.

use std::fmt;

use kling::MicroCents;
use kling::api::{JobError, Output};
use kling::client::{Cancelled, Job, JobState, JobSummary, Uploaded, UploadedFile};
use serde::Serialize;
use serde_json::Value;

use super::{SavedFileView, timestamp};

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
pub(super) struct OutputView<'a> {
    pub(super) url: &'a str,
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
pub(super) struct JobErrorView<'a> {
    pub(super) code: &'a str,
    pub(super) message: &'a str,
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
    /// One view for each field the file went to.
    pub(crate) fn of(u: &Uploaded) -> impl Iterator<Item = UploadedInputView> + '_ {
        u.fields.iter().map(|field| UploadedInputView {
            field: field.trim_start_matches('/').to_string(),
            path: u.path.display().to_string(),
            url: u.file.url.clone(),
            bytes: u.bytes,
        })
    }

    /// `cat.png (11 bytes, images/0), dog.png (…)`: for a line of text.
    pub(crate) fn list(uploaded: &[UploadedInputView]) -> String {
        let each: Vec<String> = uploaded
            .iter()
            .map(|u| format!("{} ({} bytes, {})", u.path, u.bytes, u.field))
            .collect();
        each.join(", ")
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
            "{}  {:<10}  {}  {}",
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

#[cfg(test)]
mod tests {
    use super::JobRow;

    #[test]
    fn job_rows_line_up_whatever_their_status() {
        let row = |status| JobRow {
            job_id: "job_1",
            status,
            progress: None,
            model: Some("kling/a/text-to-video"),
            created_at: Some("2026-12-01T10:00:00Z".into()),
        };
        let lines: Vec<String> = ["processing", "failed", "completed"]
            .into_iter()
            .map(|s| row(s).to_string())
            .collect();
        let at: Vec<Option<usize>> = lines.iter().map(|l| l.find("2026")).collect();
        assert!(at.iter().all(|a| *a == at[0] && a.is_some()), "{lines:#?}");
    }
}
