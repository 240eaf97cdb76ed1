//! The job operations: submit (typed, JSON, any model, or unchecked), look up, list, cancel,
//! estimate.

use std::time::{Duration, SystemTime};

use futures_util::Stream;
use serde_json::Value;
use tracing::Instrument;

use super::answers::{CancelAnswer, EstimateAnswer, JobAnswer, ListAnswer, SubmitAnswer};
use super::http::{Call, Retry};
use super::wire::{JobRequest, Reply, to_body, to_json};
use super::{
    Cancelled, Charge, Client, Error, Estimate, Job, JobFilter, JobState, JobSummary,
    SubmitOptions, is_loopback,
};
use crate::api::JobStatus;
use crate::{AnyInput, MicroCents, Model, ModelId};

impl Client {
    /// Validates, prices and submits a typed input.
    pub async fn submit<M: Model>(&self, input: &M) -> Result<Job, Error> {
        self.submit_with(input, SubmitOptions::default()).await
    }

    /// [`Client::submit`] with a webhook URL or a budget.
    pub async fn submit_with<M: Model>(
        &self,
        input: &M,
        options: SubmitOptions,
    ) -> Result<Job, Error> {
        input.validate().map_err(Error::InvalidInput)?;
        let json = to_json("submit", input)?;
        let processing_time = M::INFO.processing_time();
        self.send_submit(M::SLUG, processing_time, json, input.cost(), options)
            .await
    }

    /// Decodes, validates, prices and submits a wire-format JSON input for a model given by slug.
    pub async fn submit_json(
        &self,
        model: ModelId,
        input: Value,
        options: SubmitOptions,
    ) -> Result<Job, Error> {
        let typed = model.decode_input(input).map_err(|e| {
            Error::InvalidInput(crate::Violations(vec![crate::Violation {
                path: e.path.clone(),
                code: crate::ViolationCode::WrongType,
                message: e.message,
            }]))
        })?;
        self.submit_any(&typed, options).await
    }

    /// Validates, prices and submits an input of any model.
    pub async fn submit_any(&self, input: &AnyInput, options: SubmitOptions) -> Result<Job, Error> {
        input.validate().map_err(Error::InvalidInput)?;
        let json = input.to_json().map_err(|e| Error::Encode {
            operation: "submit",
            message: format!("the input does not serialize to JSON: {e}"),
        })?;
        let model = input.model();
        let processing_time = model.info().processing_time();
        self.send_submit(model.slug(), processing_time, json, input.cost(), options)
            .await
    }

    /// Submits a wire-format input for any model slug **without checking anything locally**.
    ///
    /// Nothing in this crate looks at the slug, the input's fields, types, options or limits, or
    /// computes its price: the input goes to the server as given, and the server alone decides
    /// whether it is valid. This is for a model or an option this version does not know yet;
    /// for everything else [`Client::submit`] and [`Client::submit_json`] refuse bad inputs
    /// before sending and price them exactly.
    ///
    /// The price is the server's estimate: the input is first sent to `POST /jobs/estimate`, the
    /// budget (`options.budget`, else the client's) is applied to that estimate, and only then is
    /// the job submitted. **When the estimate fails** (a refusal such as `INVALID_INPUT` or
    /// `MODEL_NOT_FOUND`, server errors until the retries run out, a transport error, an answer
    /// that does not decode) its error is returned and nothing is submitted: a job is never sent
    /// unpriced. A refusal of the submit itself is [`Error::Api`] as for any submit, and what its
    /// other answers prove is the table in the [module docs](crate::client).
    ///
    /// The [`Job`]'s `estimated_cost` is the server's estimate; its `processing_time` is the
    /// model's typical time when this crate knows the slug, zero otherwise (waiting then goes by
    /// the server's ETA, or backs off from `min_interval` when there is none).
    pub async fn submit_raw(
        &self,
        slug: &str,
        input: Value,
        options: SubmitOptions,
    ) -> Result<Job, Error> {
        if let Some(url) = &options.webhook_url {
            check_webhook_url(url)?;
        }
        let estimate = self.estimate_json(slug, input.clone()).await?;
        tracing::debug!(
            model = slug,
            estimated_micro_cents = estimate.estimated.get(),
            "unchecked submit, priced by the server's estimate"
        );
        let processing_time = slug
            .parse::<ModelId>()
            .map_or(Duration::ZERO, |model| model.info().processing_time());
        self.send_submit(slug, processing_time, input, estimate.estimated, options)
            .await
    }

    async fn send_submit(
        &self,
        slug: &str,
        processing_time: Duration,
        input: Value,
        cost: MicroCents,
        options: SubmitOptions,
    ) -> Result<Job, Error> {
        if let Some(budget) = options.budget.or(self.inner.budget)
            && cost > budget
        {
            return Err(Error::OverBudget { cost, budget });
        }
        if let Some(url) = &options.webhook_url {
            check_webhook_url(url)?;
        }
        let body = JobRequest {
            model: slug,
            input: &input,
            webhook_url: options.webhook_url.as_deref(),
        };
        let span = tracing::info_span!(
            "pixelbyte.submit",
            model = slug,
            cost_micro_cents = cost.get()
        );
        let reply = self
            .call(Call {
                operation: "submit",
                method: reqwest::Method::POST,
                url: self.endpoint("submit", &["jobs", "submit"])?,
                body: Some((to_body("submit", &body)?, "application/json")),
                retry: Retry::Submit,
                auth: true,
                submit: Some((slug.to_string(), cost)),
            })
            .instrument(span)
            .await?;
        let job = submitted(&reply, slug, cost, processing_time)?;
        tracing::info!(job_id = %job.id, model = slug, "job submitted");
        Ok(job)
    }

    /// The current state of a job.
    pub async fn job(&self, id: &str) -> Result<JobState, Error> {
        let span = tracing::debug_span!("pixelbyte.job", job_id = id);
        let url = self.endpoint("job", &["jobs", id])?;
        let reply = self.get("job", url).instrument(span).await?;
        let answer: JobAnswer = reply.decode("job")?;
        Ok(answer.into_state(reply.data))
    }

    /// One page of jobs: the jobs, and the cursor of the next page.
    pub async fn jobs_page(
        &self,
        filter: &JobFilter,
        cursor: Option<&str>,
    ) -> Result<(Vec<JobSummary>, Option<String>), Error> {
        let mut query = Vec::new();
        if let Some(size) = filter.page_size {
            query.push(("limit", size.clamp(1, 100).to_string()));
        }
        if let Some(status) = &filter.status {
            query.push(("status", status.as_str().to_string()));
        }
        if let Some(model) = &filter.model {
            query.push(("modelId", model.clone()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_string()));
        }
        let mut url = self.endpoint("jobs", &["jobs"])?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        let reply = self.get("jobs", url).await?;
        let page: ListAnswer = reply.decode("jobs")?;
        page.into_page(&reply, cursor)
    }

    /// Every job matching `filter`, newest first, fetched page by page as the stream is read.
    pub fn jobs(&self, filter: JobFilter) -> impl Stream<Item = Result<JobSummary, Error>> + '_ {
        use futures_util::StreamExt;
        // State: None = done; Some(cursor) = fetch next (the first fetch has no cursor).
        let pages = futures_util::stream::try_unfold(Some(None::<String>), move |state| {
            let filter = filter.clone();
            async move {
                let Some(cursor) = state else { return Ok(None) };
                let (jobs, next) = self.jobs_page(&filter, cursor.as_deref()).await?;
                let state = next.map(Some);
                Ok(Some((
                    futures_util::stream::iter(jobs.into_iter().map(Ok)),
                    state,
                )))
            }
        });
        pages
            .map(|page| match page {
                Ok(items) => items.left_stream(),
                Err(e) => futures_util::stream::iter(vec![Err(e)]).right_stream(),
            })
            .flatten()
    }

    /// Cancels a pending job; the cost is refunded.
    pub async fn cancel(&self, id: &str) -> Result<Cancelled, Error> {
        let url = self.endpoint("cancel", &["jobs", id, "cancel"])?;
        let reply = self
            .post_json("cancel", url, &serde_json::Map::new(), Retry::ConnectOnly)
            .await?;
        let answer: CancelAnswer = reply.decode("cancel")?;
        Ok(answer.into_cancelled(id))
    }

    /// The server's price estimate for an input.
    pub async fn estimate<M: Model>(&self, input: &M) -> Result<Estimate, Error> {
        self.estimate_json(M::SLUG, to_json("estimate", input)?)
            .await
    }

    /// The server's price estimate for a wire-format input of a model slug.
    pub async fn estimate_json(&self, slug: &str, input: Value) -> Result<Estimate, Error> {
        let body = JobRequest {
            model: slug,
            input: &input,
            webhook_url: None,
        };
        let url = self.endpoint("estimate", &["jobs", "estimate"])?;
        let reply = self.post_json("estimate", url, &body, Retry::Safe).await?;
        let answer: EstimateAnswer = reply.decode("estimate")?;
        Ok(answer.into_estimate(reply.data))
    }
}

/// The [`Job`] a 2xx answer to a submit describes: any answer with a readable `jobId`. One
/// without proves nothing (the table in [`crate::client`]'s docs): a job may exist, so it is an
/// [`Error::SubmitOutcomeUnknown`], never an `Error::Decode` that would invite a retry.
fn submitted(
    reply: &Reply,
    slug: &str,
    estimated: MicroCents,
    processing_time: Duration,
) -> Result<Job, Error> {
    let answer = SubmitAnswer::read(reply).map_err(|reason| Error::SubmitOutcomeUnknown {
        model: slug.to_string(),
        estimated_cost: estimated,
        status: Some(reply.status),
        reason,
        sent_at: reply.sent_at,
    })?;
    let cost = answer.cost_micro_cents.unwrap_or_else(|| {
        tracing::warn!(job_id = %answer.job_id, "the submit answer does not say what was charged; taking the list price");
        estimated
    });
    let job = Job {
        request_id: reply.request_id.clone().or(answer.request_id),
        id: answer.job_id,
        model: slug.to_string(),
        status: answer.status.unwrap_or(JobStatus::Pending),
        estimated_completion: answer.estimated_completion_time.map(|t| t.0),
        cost,
        estimated_cost: estimated,
        processing_time,
        submitted_at: SystemTime::now(),
    };
    match job.charge() {
        Charge::AboveEstimate { by } => {
            tracing::warn!(job_id = %job.id, charged = cost.get(), estimated = estimated.get(), above = by.get(), "charged more than the list price");
        }
        Charge::Discounted { by } => {
            tracing::info!(job_id = %job.id, discount = by.get(), "charged less than the list price")
        }
        Charge::AsEstimated => {}
    }
    Ok(job)
}

pub(super) fn check_webhook_url(url: &str) -> Result<(), Error> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("the webhook URL `{url}` is not a URL: {e}")))?;
    let loopback = is_loopback(&parsed);
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(Error::Config(format!(
            "the webhook URL `{url}` must be https (http only for loopback receivers)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_must_be_https_or_loopback() {
        assert!(check_webhook_url("http://example.com/hook").is_err());
        assert!(check_webhook_url("https://example.com/hook").is_ok());
        assert!(check_webhook_url("http://127.0.0.1:9/hook").is_ok());
        assert!(check_webhook_url("not a url").is_err());
    }

    #[test]
    fn a_submit_answer_becomes_a_job_or_an_unknown_outcome() {
        let list = MicroCents::new(420_000);
        let sent_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let read = |raw: &str, header: Option<&str>| {
            let reply =
                Reply::read(200, raw.to_string(), header.map(str::to_owned), sent_at).unwrap();
            submitted(&reply, "m/o/c", list, Duration::from_secs(240))
        };
        let job = read(
            r#"{"success":true,"data":{"jobId":"job_1","status":"processing","costMicroCents":400000},"requestId":"req_w"}"#,
            Some("req_h"),
        )
        .unwrap();
        assert_eq!(
            (job.id.as_str(), job.request_id.as_deref(), &job.status),
            ("job_1", Some("req_w"), &JobStatus::Processing)
        );
        assert_eq!(
            job.charge(),
            Charge::Discounted {
                by: MicroCents::new(20_000)
            }
        );
        // Only the id is required: a just-created job is pending, and charged the list price
        // unless the answer says otherwise.
        let job = read(r#"{"jobId":"job_2","requestId":"req_b"}"#, None).unwrap();
        assert_eq!(
            (job.request_id.as_deref(), &job.status, job.cost),
            (Some("req_b"), &JobStatus::Pending, list)
        );
        assert!(job.estimated_completion.is_none());
        // A named job exists, whatever else its answer holds.
        let job = read(
            r#"{"jobId":"job_3","estimatedCompletionTime":"soon","status":5}"#,
            None,
        )
        .unwrap();
        assert_eq!(
            (
                job.id.as_str(),
                &job.status,
                job.estimated_completion,
                job.cost
            ),
            ("job_3", &JobStatus::Pending, None, list)
        );
        let Err(Error::SubmitOutcomeUnknown {
            model,
            estimated_cost,
            status,
            reason,
            sent_at: unknown_sent_at,
        }) = read(r#"{"job":"job_4"}"#, None)
        else {
            panic!()
        };
        assert_eq!(
            (model.as_str(), estimated_cost, status),
            ("m/o/c", list, Some(200))
        );
        // When the request left, not when its answer was read.
        assert_eq!(unknown_sent_at, sent_at);
        assert!(reason.contains("without a readable jobId"), "{reason}");
    }

    #[test]
    fn job_ids_are_one_percent_encoded_path_segment() {
        let client = Client::builder()
            .api_key("pb_x")
            .base_url("https://api.muvi.video/v1/")
            .build()
            .unwrap();
        let url = client
            .endpoint("cancel", &["jobs", "job_1/../x?y#z", "cancel"])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.muvi.video/v1/jobs/job_1%2F..%2Fx%3Fy%23z/cancel"
        );
        for bad in ["", ".", ".."] {
            let Err(Error::Encode { operation, message }) = client.endpoint("job", &["jobs", bad])
            else {
                panic!("{bad:?}")
            };
            assert_eq!(operation, "job");
            assert!(message.contains("cannot be a job id"), "{message}");
        }
    }
}
