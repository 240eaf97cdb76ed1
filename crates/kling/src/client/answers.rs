//! What each operation's answer must and may hold, as private serde structs, and how each
//! becomes a public type.
//!
//! The rule: a member without which the answer means nothing is a plain field, so that its
//! absence is an [`Error::Decode`] keeping the raw body; a member the client can do without is an
//! `Option` (absent and `null` alike); a member that is present must have its documented type;
//! members this version does not know are ignored (and kept in `raw` where the public type has
//! one). Server-side enums stay open: an unknown status, code or output type is kept as text.

use serde::Deserialize;
use serde_json::Value;

use super::error::Error;
use super::types::{Cancelled, Estimate, JobState, JobSummary, UploadedFile};
use super::wire::{Reply, excerpt};
use crate::MicroCents;
use crate::api::{JobErrorWire, JobStatus, OutputWire, Timestamp, outputs};

/// Whether a submit's answer names a job: the one member that proves a job exists.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Named {
    job_id: String,
}

/// `POST /jobs/submit`: `{jobId, requestId, status, estimatedCompletionTime, costMicroCents}`.
/// Only `jobId` is required: it is what proves a job exists. Without `status` a just-created job
/// is `pending`; without `costMicroCents` the charge is taken to be the list price (with a
/// warning). A member of the wrong type makes the answer unreadable, and its reason names the job.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SubmitAnswer {
    pub job_id: String,
    pub request_id: Option<String>,
    pub status: Option<JobStatus>,
    pub estimated_completion_time: Option<Timestamp>,
    pub cost_micro_cents: Option<MicroCents>,
}

impl SubmitAnswer {
    /// The answer to a submit, or why it proves nothing (the reason of an unknown outcome).
    pub(super) fn read(reply: &Reply) -> Result<Self, String> {
        let status = reply.status;
        let shown = excerpt(status, &reply.raw);
        let Named { job_id } = reply.try_decode().map_err(|message| {
            format!("HTTP {status} arrived with no jobId ({message}): {shown}")
        })?;
        reply.try_decode().map_err(|message| {
            format!(
                "HTTP {status} names job {job_id} but does not decode ({message}); look that job \
                 up before submitting again: {shown}"
            )
        })
    }
}

/// `GET /jobs/{id}`, and each entry of `GET /jobs`: `jobId` (or `id`) and `status` are
/// required; `progress`, `model`, `output`, `outputs`, `error` and the times may be absent or
/// null. An output present in any documented shape must have its URL.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JobAnswer {
    #[serde(alias = "id")]
    job_id: String,
    status: JobStatus,
    progress: Option<u8>,
    model: Option<String>,
    output: Option<OutputWire>,
    outputs: Option<Vec<OutputWire>>,
    error: Option<JobErrorWire>,
    created_at: Option<Timestamp>,
    completed_at: Option<Timestamp>,
}

impl JobAnswer {
    /// The public state, with the answer's data as `raw`.
    pub(super) fn into_state(self, raw: Value) -> JobState {
        JobState {
            id: self.job_id,
            status: self.status,
            progress: self.progress,
            model: self.model,
            outputs: outputs(self.output, self.outputs),
            error: self.error.map(Into::into),
            created_at: self.created_at.map(|t| t.0),
            completed_at: self.completed_at.map(|t| t.0),
            raw,
        }
    }
}

impl From<JobAnswer> for JobSummary {
    fn from(answer: JobAnswer) -> Self {
        Self {
            id: answer.job_id,
            status: answer.status,
            progress: answer.progress,
            model: answer.model,
            created_at: answer.created_at.map(|t| t.0),
            completed_at: answer.completed_at.map(|t| t.0),
        }
    }
}

/// `GET /jobs`: `{jobs, nextCursor, hasMore}`. `jobs` is required; without `hasMore` the
/// presence of `nextCursor` decides.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListAnswer {
    jobs: Vec<JobAnswer>,
    next_cursor: Option<String>,
    has_more: Option<bool>,
}

impl ListAnswer {
    /// The page's jobs and the cursor of the next page. A page that says there is more but gives
    /// no cursor, or gives back the cursor it was fetched with, cannot be followed: that is an
    /// [`Error::Decode`] rather than a listing silently cut short or never ending.
    pub(super) fn into_page(
        self,
        reply: &Reply,
        cursor: Option<&str>,
    ) -> Result<(Vec<JobSummary>, Option<String>), Error> {
        let next = match (self.has_more, self.next_cursor) {
            (Some(false), _) => None,
            (Some(true), None) => {
                return Err(reply.undecodable(
                    "jobs",
                    "`hasMore` is true but there is no `nextCursor`".into(),
                ));
            }
            (_, next) => next,
        };
        if next.is_some() && next.as_deref() == cursor {
            return Err(reply.undecodable(
                "jobs",
                "`nextCursor` is the cursor this page was fetched with".into(),
            ));
        }
        Ok((self.jobs.into_iter().map(JobSummary::from).collect(), next))
    }
}

/// `POST /jobs/{id}/cancel`: `{jobId, status, refundedMicroCents}`. The refund is required (it
/// is what the answer is for); the job id, when absent, is the one that was cancelled.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CancelAnswer {
    job_id: Option<String>,
    refunded_micro_cents: MicroCents,
}

impl CancelAnswer {
    pub(super) fn into_cancelled(self, asked: &str) -> Cancelled {
        Cancelled {
            id: self.job_id.unwrap_or_else(|| asked.to_string()),
            refunded: self.refunded_micro_cents,
        }
    }
}

/// `POST /jobs/estimate`, in the two shapes the docs show: itemised
/// (`{baseCostMicroCents, estimatedCostMicroCents, breakdown, hasDiscount, discounted}`) or a
/// total (`costMicroCents` or `totalMicroCents`). The estimated cost is required either way.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EstimateAnswer {
    #[serde(flatten)]
    estimated: EstimatedCost,
    base_cost_micro_cents: Option<MicroCents>,
    has_discount: Option<bool>,
    discounted: Option<Flag>,
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "an estimated cost: `estimatedCostMicroCents`, `costMicroCents` or `totalMicroCents` in integer micro-cents"
)]
enum EstimatedCost {
    #[serde(rename_all = "camelCase")]
    Itemised {
        estimated_cost_micro_cents: MicroCents,
    },
    #[serde(rename_all = "camelCase")]
    Total {
        #[serde(alias = "totalMicroCents")]
        cost_micro_cents: MicroCents,
    },
}

/// `discounted`: a flag where a page shows one; its type is not documented, so anything else is
/// left to `raw`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Flag {
    Set(bool),
    Other(serde::de::IgnoredAny),
}

impl EstimateAnswer {
    pub(super) fn into_estimate(self, raw: Value) -> Estimate {
        let flag = match self.discounted {
            Some(Flag::Set(set)) => Some(set),
            Some(Flag::Other(_)) | None => None,
        };
        Estimate {
            base: self.base_cost_micro_cents,
            estimated: match self.estimated {
                EstimatedCost::Itemised {
                    estimated_cost_micro_cents: cost,
                }
                | EstimatedCost::Total {
                    cost_micro_cents: cost,
                } => cost,
            },
            discounted: self.has_discount.or(flag).unwrap_or(false),
            raw,
        }
    }
}

/// `POST /uploads/presign`: `{uploadUrl, fileUrl, fileId, expiresAt, maxSize}`. The two URLs are
/// required (one to PUT to, one to hand to a model); the rest is optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PresignAnswer {
    pub upload_url: String,
    file_url: String,
    file_id: Option<String>,
    expires_at: Option<Timestamp>,
    pub max_size: Option<u64>,
}

impl PresignAnswer {
    pub(super) fn into_uploaded(self) -> UploadedFile {
        UploadedFile {
            url: self.file_url,
            id: self.file_id,
            expires_at: self.expires_at.map(|t| t.0),
        }
    }
}

#[cfg(test)]
mod tests;
