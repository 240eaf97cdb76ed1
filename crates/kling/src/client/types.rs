//! What the client sends and gets back.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::MicroCents;
use crate::api::{JobError, JobStatus, Output};

/// A submitted job, as the submit answer describes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Job {
    /// The job id (`job_…`).
    pub id: String,
    /// The request id, for support.
    pub request_id: Option<String>,
    /// The model slug.
    pub model: String,
    /// `pending` right after submit (also when the answer leaves the status out).
    pub status: JobStatus,
    /// When the server expects the job to be done.
    pub estimated_completion: Option<SystemTime>,
    /// What the server charged (the list price when the answer does not say; a warning is
    /// logged then).
    pub cost: MicroCents,
    /// The list price computed before sending.
    pub estimated_cost: MicroCents,
    /// The model's typical processing time.
    pub processing_time: Duration,
    /// When the submit answer arrived (client clock).
    pub submitted_at: SystemTime,
}

impl Job {
    /// How long the server expects the job to take, from submission to completion.
    pub fn expected_duration(&self) -> Duration {
        self.estimated_completion
            .and_then(|eta| eta.duration_since(self.submitted_at).ok())
            .unwrap_or(self.processing_time)
    }
}

/// How the charge compares with the list price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Charged exactly the list price.
    AsEstimated,
    /// Charged less (a discount): legitimate.
    Discounted {
        /// By how much.
        by: MicroCents,
    },
    /// Charged more than the list price: worth a look.
    AboveEstimate {
        /// By how much.
        by: MicroCents,
    },
}

impl Job {
    /// Compares the charged cost with the list price computed before sending.
    pub fn charge(&self) -> Charge {
        let (cost, estimate) = (self.cost.get(), self.estimated_cost.get());
        match cost.cmp(&estimate) {
            std::cmp::Ordering::Equal => Charge::AsEstimated,
            std::cmp::Ordering::Less => Charge::Discounted {
                by: MicroCents::new(estimate - cost),
            },
            std::cmp::Ordering::Greater => Charge::AboveEstimate {
                by: MicroCents::new(cost - estimate),
            },
        }
    }
}

/// A job as `GET /jobs/{id}` describes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobState {
    /// The job id.
    pub id: String,
    /// Where it is.
    pub status: JobStatus,
    /// 0, 50 or 100, when given.
    pub progress: Option<u8>,
    /// The model slug, when given.
    pub model: Option<String>,
    /// Output files of a completed job.
    pub outputs: Vec<Output>,
    /// The error of a failed job.
    pub error: Option<JobError>,
    /// When it was created.
    pub created_at: Option<SystemTime>,
    /// When it ended.
    pub completed_at: Option<SystemTime>,
    /// The answer as received, for fields this version does not model.
    pub raw: Value,
}

/// A job as `GET /jobs` lists it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobSummary {
    /// The job id.
    pub id: String,
    /// Where it is.
    pub status: JobStatus,
    /// 0, 50 or 100, when given.
    pub progress: Option<u8>,
    /// The model slug.
    pub model: Option<String>,
    /// When it was created.
    pub created_at: Option<SystemTime>,
    /// When it ended.
    pub completed_at: Option<SystemTime>,
}

/// Which jobs [`crate::Client::jobs`] lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilter {
    /// Only jobs in this status.
    pub status: Option<JobStatus>,
    /// Only jobs of this model slug.
    pub model: Option<String>,
    /// Jobs per page (1 to 100; default 20).
    pub page_size: Option<u32>,
}

/// A cancelled job.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cancelled {
    /// The job id.
    pub id: String,
    /// What was refunded.
    pub refunded: MicroCents,
}

/// A price estimate from the server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Estimate {
    /// The model's base price.
    pub base: Option<MicroCents>,
    /// The estimated price for this input.
    pub estimated: MicroCents,
    /// Whether an account discount applies.
    pub discounted: bool,
    /// The answer as received (its breakdown shape varies between documentation pages).
    pub raw: Value,
}

/// A file uploaded through presign + PUT.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedFile {
    /// The URL to put in a model input.
    pub url: String,
    /// The upload's id.
    pub id: Option<String>,
    /// When the file will be deleted.
    pub expires_at: Option<SystemTime>,
}

/// Per-submit options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmitOptions {
    /// Where to send the completion webhook (must be https, or http to a loopback host).
    pub webhook_url: Option<String>,
    /// Refuse to send when the list price is above this (overrides the client's budget).
    pub budget: Option<MicroCents>,
}
