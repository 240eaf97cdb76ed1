//! Views of `kling webhook`: a verified delivery and what forwarding it gave.

use std::fmt;

use kling::webhook::Event;
use serde::Serialize;

use super::jobs::{JobErrorView, OutputView};

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
