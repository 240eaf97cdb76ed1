//! `/jobs`: submit, get, list, cancel and estimate.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kling_descriptor::input::{Violation, ViolationCode, quote_input, validate_input};
use kling_descriptor::model::wire_text;
use kling_descriptor::{MicroCents, money};
use rand::RngExt;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::S;
use super::models::requested;
use crate::extract::{Authorized, JsonBody, QueryParams, scope};
use crate::response::{ApiError, ApiResult, RequestId, Success};
use crate::state::{Job, Shared, Status, timestamp};
use crate::webhook;

/// `POST /jobs/submit`.
#[derive(Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "an object {model, version?, input, webhookUrl?}"
)]
pub(super) struct SubmitBody {
    model: String,
    version: Option<String>,
    input: Map<String, Value>,
    webhook_url: Option<String>,
}

/// `POST /jobs/estimate`.
#[derive(Deserialize)]
#[serde(expecting = "an object {model, version?, input?}")]
pub(super) struct EstimateBody {
    model: String,
    version: Option<String>,
    input: Option<Map<String, Value>>,
}

/// `GET /jobs?limit=&cursor=&status=&modelId=`, read as text so each refusal can quote it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
    status: Option<String>,
    model_id: Option<String>,
}

fn invalid_input(violations: Vec<Violation>) -> ApiError {
    let count = violations.len();
    let first = violations
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    ApiError::invalid(format!("the input has {count} problem(s); first: {first}"))
        .with_details(json!({ "violations": violations }))
}

pub(super) async fn submit(
    State(s): S,
    RequestId(rid): RequestId,
    caller: Authorized<scope::SubmitJob>,
    JsonBody(body): JsonBody<SubmitBody>,
) -> ApiResult {
    let d = requested(&s, &body.model, body.version.as_deref())?;
    if body
        .webhook_url
        .as_deref()
        .is_some_and(|url| !webhook::url_allowed(url))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_WEBHOOK_URL",
            "the webhook URL must be https (http is accepted for loopback receivers only)",
        ));
    }
    let input = Value::Object(body.input);
    let cost = quote_input(d, &input).map_err(invalid_input)?.total;
    if s.roll(s.config.faults.submit_unavailable) {
        s.counters
            .submits_refused_unavailable
            .fetch_add(1, Ordering::Relaxed);
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "PUBSUB_PUBLISH_FAILED",
            "the job could not be queued; retry",
        ));
    }
    let eta = s.scaled(Duration::from_secs(u64::from(d.processing_time_seconds)));
    let job = admit(
        &s,
        caller.key,
        body.model,
        cost,
        eta,
        &rid,
        body.webhook_url,
    )?;
    s.counters.jobs_created.fetch_add(1, Ordering::Relaxed);
    if let Some(stored) = s.lock().jobs.get_mut(&job.id) {
        stored.input = input;
    }
    if job.webhook_url.is_some() {
        webhook::spawn_delivery(s.clone(), job.id.clone());
    }
    Ok(Success::accepted(json!({
        "jobId": job.id,
        "requestId": rid,
        "status": "pending",
        "estimatedCompletionTime": timestamp(job.created_wall + eta),
        "costMicroCents": cost.get(),
    })))
}

/// Creates the job if the concurrency cap, the balance and the job store allow it, and charges it.
fn admit(
    s: &Arc<Shared>,
    key: String,
    model: String,
    cost: MicroCents,
    eta: Duration,
    rid: &str,
    webhook_url: Option<String>,
) -> Result<Job, ApiError> {
    let now = Instant::now();
    let mut inner = s.lock();
    inner.settle(now);
    if let Some(cap) = s.config.max_concurrent {
        let active: Vec<Instant> = inner.active(now).map(|j| j.done_at).collect();
        if active.len() >= cap {
            let soonest = active
                .iter()
                .min()
                .map_or(Duration::ZERO, |t| t.saturating_duration_since(now));
            let retry_after = soonest.as_secs_f64().ceil().max(1.0) as u64;
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "CONCURRENT_JOBS_EXCEEDED",
                format!("{cap} jobs are already running; try again later"),
            )
            .with_details(json!({"retryAfter": retry_after, "limit": cap})));
        }
    }
    if let Some(balance) = inner.balance
        && balance < cost
    {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "INSUFFICIENT_BALANCE",
            "the balance does not cover this job",
        )
        .with_details(
            json!({"requiredMicroCents": cost.get(), "availableMicroCents": balance.get()}),
        ));
    }
    if !inner.make_room(s.config.max_jobs, now) {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "the sandbox's job store is full of running jobs",
        ));
    }
    let (lo, hi) = s.config.completion_factor;
    let factor = if hi > lo {
        inner.rng.random_range(lo..=hi)
    } else {
        lo
    };
    let fails = s.config.faults.failed_generation > 0.0
        && inner.rng.random::<f64>() < s.config.faults.failed_generation;
    let actual = match s.config.faults.fail_after {
        Some((lo, hi)) if fails => eta.mul_f64(if hi > lo {
            inner.rng.random_range(lo..=hi)
        } else {
            lo
        }),
        _ => eta.mul_f64(factor),
    };
    inner.seq += 1;
    let job = Job {
        id: inner.next_id("job_"),
        request_id: rid.to_string(),
        seq: inner.seq,
        key,
        model,
        cost,
        created_wall: SystemTime::now(),
        created: now,
        processing_at: now + actual.mul_f64(0.1).min(actual),
        done_at: now + actual,
        fails,
        cancelled_at: None,
        settled: false,
        webhook_url,
        input: Value::Null,
    };
    if let Some(balance) = inner.balance.as_mut() {
        *balance = MicroCents::new(balance.get() - cost.get());
    }
    if job.fails {
        inner.unsettled.push(job.id.clone());
    }
    inner.order.push_back(job.id.clone());
    inner.jobs.insert(job.id.clone(), job.clone());
    Ok(job)
}

/// The caller's job with this id: 404 when there is none, 403 when it is another key's.
fn owned<'a>(
    jobs: &'a mut BTreeMap<String, Job>,
    key: &str,
    id: &str,
) -> Result<&'a mut Job, ApiError> {
    match jobs.get_mut(id) {
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "JOB_NOT_FOUND",
            format!("no job `{id}`"),
        )),
        Some(job) if job.key != key => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "UNAUTHORIZED_ACCESS",
            "this job belongs to another key",
        )),
        Some(job) => Ok(job),
    }
}

pub(super) async fn get(
    State(s): S,
    caller: Authorized<scope::CheckStatus>,
    Path(id): Path<String>,
) -> ApiResult {
    let mut inner = s.lock();
    let job = owned(&mut inner.jobs, &caller.key, &id)?;
    Ok(Success::ok(job.view(Instant::now(), s.origin())))
}

pub(super) async fn list(
    State(s): S,
    caller: Authorized<scope::CheckStatus>,
    QueryParams(query): QueryParams<ListQuery>,
) -> ApiResult {
    let limit = match query.limit.as_deref() {
        None => 20,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(format!(
                    "`limit` must be a whole number from 1 to 100, got `{text}`"
                )));
            }
        },
    };
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(Status::parse(text).ok_or_else(|| {
            ApiError::invalid(format!("`status` must be one of pending, processing, completed, failed, cancelled; got `{text}`"))
        })?),
    };
    let before = match query.cursor.as_deref() {
        None => u64::MAX,
        Some(text) => text
            .strip_prefix("cur_")
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::invalid(format!("`cursor` `{text}` was not issued by this server"))
            })?,
    };
    let model = query.model_id.as_deref();
    let now = Instant::now();
    let inner = s.lock();
    let mut matching = inner
        .order
        .iter()
        .rev()
        .filter_map(|id| inner.jobs.get(id))
        .filter(|j| j.key == caller.key && j.seq < before)
        .filter(|j| status.is_none_or(|st| j.status(now) == st))
        .filter(|j| model.is_none_or(|m| j.model == m));
    let page: Vec<&Job> = matching.by_ref().take(limit).collect();
    let has_more = matching.next().is_some();
    let next_cursor = if has_more {
        page.last().map(|j| format!("cur_{}", j.seq))
    } else {
        None
    };
    Ok(Success::ok(json!({
        "jobs": page.iter().map(|j| j.summary(now)).collect::<Vec<_>>(),
        "nextCursor": next_cursor,
        "hasMore": has_more,
    })))
}

pub(super) async fn cancel(
    State(s): S,
    caller: Authorized<scope::SubmitJob>,
    Path(id): Path<String>,
) -> ApiResult {
    let now = Instant::now();
    let mut guard = s.lock();
    let inner = &mut *guard;
    let job = owned(&mut inner.jobs, &caller.key, &id)?;
    let status = job.status(now);
    if status != Status::Pending {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "JOB_CANNOT_BE_CANCELLED",
            format!(
                "only pending jobs can be cancelled; this one is {}",
                status.as_str()
            ),
        ));
    }
    job.cancelled_at = Some(now);
    job.settled = true;
    let refund = job.cost;
    if let Some(balance) = inner.balance.as_mut() {
        *balance = balance.checked_add(refund).unwrap_or(*balance);
    }
    Ok(Success::ok(
        json!({"jobId": id, "status": "cancelled", "refundedMicroCents": refund.get()}),
    ))
}

pub(super) async fn estimate(
    State(s): S,
    _: Authorized<scope::CheckStatus>,
    JsonBody(body): JsonBody<EstimateBody>,
) -> ApiResult {
    let d = requested(&s, &body.model, body.version.as_deref())?;
    let quote = match body.input {
        None => d.price_with(|_| None),
        Some(input) => {
            let input = Value::Object(input);
            // Prices need only the factors: missing required fields do not block an estimate.
            let violations: Vec<_> = validate_input(d, &input)
                .into_iter()
                .filter(|v| v.code != ViolationCode::MissingField)
                .collect();
            if !violations.is_empty() {
                return Err(invalid_input(violations));
            }
            d.price_with(|f| input.get(f).map(wire_text))
        }
    }
    .map_err(|e| ApiError::invalid(e.to_string()))?;
    // Each line shows the price so far: the base times the multipliers up to that line.
    let mut breakdown = vec![json!({"component": "base", "costMicroCents": quote.base.get()})];
    for (i, line) in quote.lines.iter().enumerate() {
        let so_far = money::price(quote.base, quote.lines[..=i].iter().map(|l| l.multiplier))
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        breakdown.push(json!({
            "component": format!("{} {}={} ×{}", line.label, line.field, line.option, line.multiplier),
            "costMicroCents": so_far.rounded_up.get(),
        }));
    }
    Ok(Success::ok(json!({
        "baseCostMicroCents": quote.base.get(),
        "estimatedCostMicroCents": quote.total.get(),
        "breakdown": breakdown,
        "hasDiscount": false,
        "discounted": false,
    })))
}
