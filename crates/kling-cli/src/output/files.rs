//! Views of files written: `kling download` and the `-o DIR` of a wait.

use std::fmt;

use kling::client::JobState;
use serde::Serialize;

use super::JobView;

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
