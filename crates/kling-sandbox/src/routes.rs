//! The API's routes on the sandbox.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use kling_descriptor::input::{quote_input, validate_input};
use rand::RngExt;
use serde_json::{Map, Value, json};

use crate::config::Scope;
use crate::response::{ApiError, success};
use crate::state::{Job, Shared, Status, Upload, timestamp};
use crate::webhook;

type S = State<Arc<Shared>>;
type Body_ = Result<Bytes, BytesRejection>;

/// Largest JSON body accepted by the API routes.
const MAX_JSON_BODY: usize = 1024 * 1024;
/// Largest upload accepted (the video cap).
const MAX_UPLOAD: usize = 100 * 1024 * 1024;

static MP4: &[u8] = include_bytes!("assets/output.mp4");
static JPEG: &[u8] = include_bytes!("assets/thumb.jpg");

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/jobs/submit", post(submit))
        .route("/jobs/estimate", post(estimate))
        .route("/jobs", get(list_jobs))
        .route("/jobs/{id}", get(get_job))
        .route("/jobs/{id}/cancel", post(cancel))
        .route("/uploads/presign", post(presign))
        .route("/uploads/{id}", get(get_upload))
        .route(
            "/uploads/{id}/content",
            put(put_upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/models", get(list_models))
        .route("/models/{*id}", get(get_model))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), faults));
    Router::new()
        .nest("/v1", api)
        .route("/files/outputs/{job}/{name}", get(output_file))
        .route("/files/uploads/{id}/{name}", get(upload_file))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

fn request_id(s: &Shared) -> String {
    s.lock().next_id("req_")
}

fn ok(s: &Shared, status: StatusCode, data: Value, rid: &str) -> Response {
    success(s.envelope(), status, data, rid)
}

async fn not_found(State(s): S, method: Method, uri: axum::http::Uri) -> Response {
    let rid = request_id(&s);
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no route for {method} {}", uri.path()),
    )
    .into_response(&rid)
}

async fn method_not_allowed(State(s): S, method: Method, uri: axum::http::Uri) -> Response {
    let rid = request_id(&s);
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "NOT_FOUND",
        format!("{method} is not allowed on {}", uri.path()),
    )
    .into_response(&rid)
}

/// Latency, injected read errors and dropped connections, around every `/v1` route.
async fn faults(State(s): S, request: Request, next: Next) -> Response {
    let faults = &s.config.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if request.method() == Method::GET && s.roll(faults.read_error) {
        s.counters
            .read_errors_injected
            .fetch_add(1, Ordering::Relaxed);
        let rid = request_id(&s);
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "injected read failure",
        )
        .into_response(&rid);
    }
    let response = next.run(request).await;
    if s.roll(faults.drop_connection) {
        s.counters
            .connections_dropped
            .fetch_add(1, Ordering::Relaxed);
        // Headers go out, then the body fails: the connection is cut mid-response.
        let (parts, _) = response.into_parts();
        let broken = futures_util::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected drop",
            ))
        });
        return Response::from_parts(parts, Body::from_stream(broken));
    }
    response
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    bearer.or_else(|| {
        headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    })
}

/// Equal-time comparison, so the sandbox does not leak key prefixes through timing either.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn authorize(s: &Shared, headers: &HeaderMap, scope: Scope) -> Result<String, ApiError> {
    let Some(presented) = presented_key(headers).filter(|k| !k.is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "no API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`",
        ));
    };
    let Some(key) = s.config.api_keys.iter().find(|k| same(&k.key, presented)) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_API_KEY",
            "the API key is not valid",
        ));
    };
    if !key.allows(scope) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "OPERATION_NOT_ALLOWED",
            format!("this key lacks the `{}` scope", scope.as_str()),
        ));
    }
    Ok(key.key.clone())
}

fn json_body(body: Body_) -> Result<Map<String, Value>, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "VALIDATION_ERROR",
                format!("the body is larger than {MAX_JSON_BODY} bytes"),
            )
        } else {
            ApiError::invalid(format!("cannot read the body: {e}"))
        }
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid("the body must be a JSON object")),
        Err(e) => Err(ApiError::invalid(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

fn string_member<'a>(
    body: &'a Map<String, Value>,
    key: &str,
    required: bool,
) -> Result<Option<&'a str>, ApiError> {
    match body.get(key) {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ApiError::invalid(format!("`{key}` is required"))),
        Some(_) => Err(ApiError::invalid(format!("`{key}` must be a string"))),
    }
}

fn descriptor<'a>(s: &'a Shared, slug: &str) -> Result<&'a kling_descriptor::Descriptor, ApiError> {
    s.catalog.get(slug).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "MODEL_NOT_FOUND",
            format!("no model `{slug}`"),
        )
    })
}

fn check_version(version: Option<&str>) -> Result<(), ApiError> {
    match version {
        None | Some("1") | Some("latest") => Ok(()),
        Some(v) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "MODEL_VERSION_NOT_FOUND",
            format!("no version `{v}`; the sandbox serves version 1"),
        )),
    }
}

/// https anywhere, or http to a loopback host (for local receivers).
pub(crate) fn webhook_url_ok(url: &str) -> bool {
    let Ok(u) = url.parse::<reqwest::Url>() else {
        return false;
    };
    match u.scheme() {
        "https" => u.host().is_some(),
        "http" => match u.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

fn invalid_input(violations: Vec<kling_descriptor::input::Violation>) -> ApiError {
    let count = violations.len();
    let first = violations
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    ApiError::invalid(format!("the input has {count} problem(s); first: {first}"))
        .with_details(json!({ "violations": violations }))
}

async fn submit(State(s): S, headers: HeaderMap, body: Body_) -> Response {
    let rid = request_id(&s);
    s.counters.submit_requests.fetch_add(1, Ordering::Relaxed);
    match submit_inner(&s, &headers, body, &rid) {
        Ok(data) => ok(&s, StatusCode::ACCEPTED, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}

fn submit_inner(
    s: &Arc<Shared>,
    headers: &HeaderMap,
    body: Body_,
    rid: &str,
) -> Result<Value, ApiError> {
    let key = authorize(s, headers, Scope::SubmitJob)?;
    let body = json_body(body)?;
    let slug = string_member(&body, "model", true)?.unwrap_or_default();
    check_version(string_member(&body, "version", false)?)?;
    let d = descriptor(s, slug)?;
    let webhook_url = string_member(&body, "webhookUrl", false)?;
    if let Some(url) = webhook_url
        && !webhook_url_ok(url)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_WEBHOOK_URL",
            "the webhook URL must be https (http is accepted for loopback receivers only)",
        ));
    }
    let input = match body.get("input") {
        Some(Value::Object(map)) => Value::Object(map.clone()),
        None => return Err(ApiError::invalid("`input` is required")),
        Some(_) => return Err(ApiError::invalid("`input` must be an object")),
    };
    let violations = validate_input(d, &input);
    if !violations.is_empty() {
        return Err(invalid_input(violations));
    }
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

    let now = Instant::now();
    let eta = s.scaled(Duration::from_secs(u64::from(d.processing_time_seconds)));
    let job = {
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
        let actual = eta.mul_f64(factor);
        inner.seq += 1;
        let job = Job {
            id: inner.next_id("job_"),
            request_id: rid.to_string(),
            seq: inner.seq,
            key,
            model: slug.to_string(),
            cost,
            created_wall: SystemTime::now(),
            created: now,
            processing_at: now + actual.mul_f64(0.1).min(actual),
            done_at: now + actual,
            fails,
            cancelled_at: None,
            settled: false,
            webhook_url: webhook_url.map(str::to_owned),
        };
        if let Some(balance) = inner.balance.as_mut() {
            *balance = kling_descriptor::MicroCents::new(balance.get() - cost.get());
        }
        if job.fails {
            inner.unsettled.push(job.id.clone());
        }
        inner.order.push_back(job.id.clone());
        inner.jobs.insert(job.id.clone(), job.clone());
        job
    };
    s.counters.jobs_created.fetch_add(1, Ordering::Relaxed);
    if job.webhook_url.is_some() {
        webhook::spawn_delivery(s.clone(), job.id.clone());
    }
    Ok(json!({
        "jobId": job.id,
        "requestId": rid,
        "status": "pending",
        "estimatedCompletionTime": timestamp(job.created_wall + eta),
        "costMicroCents": cost.get(),
    }))
}

fn files_base(s: &Shared) -> String {
    format!("{}/files", s.origin())
}

fn owned_job(s: &Shared, key: &str, id: &str) -> Result<Job, ApiError> {
    let inner = s.lock();
    match inner.jobs.get(id) {
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
        Some(job) => Ok(job.clone()),
    }
}

async fn get_job(State(s): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let rid = request_id(&s);
    s.counters.status_requests.fetch_add(1, Ordering::Relaxed);
    let result =
        authorize(&s, &headers, Scope::CheckStatus).and_then(|key| owned_job(&s, &key, &id));
    match result {
        Ok(job) => ok(
            &s,
            StatusCode::OK,
            job.view(Instant::now(), &files_base(&s)),
            &rid,
        ),
        Err(e) => e.into_response(&rid),
    }
}

async fn list_jobs(
    State(s): S,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let rid = request_id(&s);
    s.counters.list_requests.fetch_add(1, Ordering::Relaxed);
    match list_inner(&s, &headers, &query) {
        Ok(data) => ok(&s, StatusCode::OK, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}

fn list_inner(
    s: &Shared,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<Value, ApiError> {
    let key = authorize(s, headers, Scope::CheckStatus)?;
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match param("limit") {
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
    let status = match param("status") {
        None => None,
        Some(text) => Some(Status::parse(text).ok_or_else(|| {
            ApiError::invalid(format!("`status` must be one of pending, processing, completed, failed, cancelled; got `{text}`"))
        })?),
    };
    let model = param("modelId");
    let before = match param("cursor") {
        None => u64::MAX,
        Some(text) => text
            .strip_prefix("cur_")
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::invalid(format!("`cursor` `{text}` was not issued by this server"))
            })?,
    };
    let now = Instant::now();
    let inner = s.lock();
    let mut matching = inner
        .order
        .iter()
        .rev()
        .filter_map(|id| inner.jobs.get(id))
        .filter(|j| j.key == key && j.seq < before)
        .filter(|j| status.is_none_or(|st| j.status(now) == st))
        .filter(|j| model.is_none_or(|m| j.model == m));
    let page: Vec<&Job> = matching.by_ref().take(limit).collect();
    let has_more = matching.next().is_some();
    let next_cursor = if has_more {
        page.last().map(|j| format!("cur_{}", j.seq))
    } else {
        None
    };
    Ok(json!({
        "jobs": page.iter().map(|j| j.summary(now)).collect::<Vec<_>>(),
        "nextCursor": next_cursor,
        "hasMore": has_more,
    }))
}

async fn cancel(State(s): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let rid = request_id(&s);
    let result = authorize(&s, &headers, Scope::SubmitJob).and_then(|key| {
        owned_job(&s, &key, &id)?;
        let now = Instant::now();
        let mut inner = s.lock();
        let job = inner.jobs.get_mut(&id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "JOB_NOT_FOUND",
                format!("no job `{id}`"),
            )
        })?;
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
        Ok(json!({"jobId": id, "status": "cancelled", "refundedMicroCents": refund.get()}))
    });
    match result {
        Ok(data) => ok(&s, StatusCode::OK, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}

async fn estimate(State(s): S, headers: HeaderMap, body: Body_) -> Response {
    let rid = request_id(&s);
    let result: Result<Value, ApiError> = (|| {
        authorize(&s, &headers, Scope::CheckStatus)?;
        let body = json_body(body)?;
        let slug = string_member(&body, "model", true)?.unwrap_or_default();
        check_version(string_member(&body, "version", false)?)?;
        let d = descriptor(&s, slug)?;
        let quote = match body.get("input") {
            None | Some(Value::Null) => d
                .price_with(|_| None)
                .map_err(|e| ApiError::invalid(e.to_string()))?,
            Some(input @ Value::Object(_)) => {
                // Prices need only the factors: missing required fields do not block an estimate.
                let violations: Vec<_> = validate_input(d, input)
                    .into_iter()
                    .filter(|v| v.code != kling_descriptor::input::ViolationCode::MissingField)
                    .collect();
                if !violations.is_empty() {
                    return Err(invalid_input(violations));
                }
                d.price_with(|f| input.get(f).map(kling_descriptor::model::wire_text))
                    .map_err(|e| ApiError::invalid(e.to_string()))?
            }
            Some(_) => return Err(ApiError::invalid("`input` must be an object")),
        };
        let mut running = u128::from(quote.base.get());
        let mut breakdown = vec![json!({"component": "base", "costMicroCents": quote.base.get()})];
        for line in &quote.lines {
            let m = line.multiplier;
            running = running * u128::from(m.mantissa()) / 10u128.pow(u32::from(m.scale()));
            breakdown.push(json!({
                "component": format!("{} {}={} ×{}", line.label, line.field, line.option, line.multiplier),
                "costMicroCents": u64::try_from(running).unwrap_or(u64::MAX),
            }));
        }
        Ok(json!({
            "baseCostMicroCents": quote.base.get(),
            "estimatedCostMicroCents": quote.total.get(),
            "breakdown": breakdown,
            "hasDiscount": false,
            "discounted": false,
        }))
    })();
    match result {
        Ok(data) => ok(&s, StatusCode::OK, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}

/// Accepted upload types and their size caps.
fn upload_cap(content_type: &str) -> Option<usize> {
    const MB: usize = 1024 * 1024;
    match content_type {
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" => Some(10 * MB),
        "video/mp4" | "video/webm" => Some(100 * MB),
        "audio/mpeg" | "audio/wav" | "audio/x-wav" => Some(50 * MB),
        _ => None,
    }
}

async fn presign(State(s): S, headers: HeaderMap, body: Body_) -> Response {
    let rid = request_id(&s);
    let result: Result<Value, ApiError> = (|| {
        let key = authorize(&s, &headers, Scope::SubmitJob)?;
        let body = json_body(body)?;
        let filename = string_member(&body, "filename", true)?.unwrap_or_default();
        let content_type = string_member(&body, "contentType", true)?.unwrap_or_default();
        let clean = filename.rsplit(['/', '\\']).next().unwrap_or_default();
        if clean.is_empty() || clean.len() > 200 || clean.contains(|c: char| c.is_control()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                "`filename` must be a plain file name",
            ));
        }
        let Some(max_size) = upload_cap(content_type) else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_CONTENT_TYPE",
                format!(
                    "`{content_type}` is not accepted; use image/jpeg, image/png, image/webp, image/gif, video/mp4, video/webm, audio/mpeg or audio/wav"
                ),
            ));
        };
        let now = Instant::now();
        let mut inner = s.lock();
        let id = inner.next_id("file_");
        let token = inner.next_id("tok_");
        let upload = Upload {
            id: id.clone(),
            key,
            filename: clean.to_string(),
            content_type: content_type.to_string(),
            created_wall: SystemTime::now(),
            put_deadline: now + s.scaled(Duration::from_secs(15 * 60)),
            expires: now + s.scaled(Duration::from_secs(60 * 60)),
            max_size,
            bytes: None,
        };
        let origin = s.origin();
        let data = json!({
            "uploadUrl": format!("{origin}/v1/uploads/{id}/content?token={token}"),
            "fileUrl": format!("{origin}/files/uploads/{id}/{}", upload.filename),
            "fileId": id,
            "expiresAt": timestamp(upload.created_wall + s.scaled(Duration::from_secs(60 * 60))),
            "maxSize": max_size,
        });
        inner.uploads.insert(format!("{id}:{token}"), upload);
        Ok(data)
    })();
    match result {
        Ok(data) => ok(&s, StatusCode::OK, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}

async fn put_upload(
    State(s): S,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    body: Body_,
) -> Response {
    let rid = request_id(&s);
    let result: Result<Value, ApiError> = (|| {
        let token = query
            .iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let bytes = body.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "VALIDATION_ERROR",
                "the file is too large",
            )
        })?;
        let now = Instant::now();
        let mut inner = s.lock();
        let slot = format!("{id}:{token}");
        let Some(upload) = inner.uploads.get(&slot) else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "this upload URL is not valid",
            ));
        };
        if now > upload.put_deadline {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "this upload URL has expired",
            ));
        }
        if bytes.len() > upload.max_size {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "VALIDATION_ERROR",
                format!("the file is larger than {} bytes", upload.max_size),
            ));
        }
        let previous = upload.bytes.as_ref().map_or(0, Bytes::len);
        if inner.upload_bytes - previous + bytes.len() > s.config.max_upload_bytes {
            return Err(ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "VALIDATION_ERROR",
                "the sandbox's upload store is full",
            ));
        }
        inner.upload_bytes = inner.upload_bytes - previous + bytes.len();
        let size = bytes.len();
        if let Some(upload) = inner.uploads.get_mut(&slot) {
            upload.bytes = Some(bytes);
        }
        Ok(json!({"fileId": id, "size": size}))
    })();
    match result {
        Ok(data) => ok(&s, StatusCode::OK, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}

fn find_upload(s: &Shared, id: &str) -> Option<Upload> {
    let prefix = format!("{id}:");
    s.lock()
        .uploads
        .iter()
        .find(|(k, _)| k.starts_with(&prefix))
        .map(|(_, u)| u.clone())
}

async fn get_upload(State(s): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let rid = request_id(&s);
    let result: Result<Value, ApiError> = (|| {
        let key = authorize(&s, &headers, Scope::CheckStatus)?;
        let upload = find_upload(&s, &id)
            .filter(|u| u.key == key)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    format!("no upload `{id}`"),
                )
            })?;
        let status = if Instant::now() > upload.expires {
            "expired"
        } else {
            "pending"
        };
        Ok(json!({
            "id": upload.id,
            "filename": upload.filename,
            "contentType": upload.content_type,
            "fileUrl": format!("{}/files/uploads/{}/{}", s.origin(), upload.id, upload.filename),
            "status": status,
            "createdAt": timestamp(upload.created_wall),
            "expiresAt": timestamp(upload.created_wall + s.scaled(Duration::from_secs(60 * 60))),
        }))
    })();
    match result {
        Ok(data) => ok(&s, StatusCode::OK, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}

async fn upload_file(State(s): S, Path((id, _name)): Path<(String, String)>) -> Response {
    match find_upload(&s, &id) {
        Some(Upload {
            bytes: Some(bytes),
            content_type,
            expires,
            ..
        }) if Instant::now() <= expires => {
            ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        _ => {
            let rid = request_id(&s);
            ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such file").into_response(&rid)
        }
    }
}

async fn output_file(State(s): S, Path((job, name)): Path<(String, String)>) -> Response {
    let completed = s
        .lock()
        .jobs
        .get(&job)
        .is_some_and(|j| j.status(Instant::now()) == Status::Completed);
    let file = match name.as_str() {
        "output_0.mp4" => Some(("video/mp4", MP4)),
        "thumb_0.jpg" | "poster_0.jpg" => Some(("image/jpeg", JPEG)),
        _ => None,
    };
    match (completed, file) {
        (true, Some((content_type, bytes))) => {
            ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        _ => {
            let rid = request_id(&s);
            ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such file").into_response(&rid)
        }
    }
}

fn model_view(d: &kling_descriptor::Descriptor) -> Value {
    let factors: Vec<Value> = d
        .pricing
        .factors
        .iter()
        .map(|f| json!({"field": f.field, "label": f.label, "multipliers": f.multipliers}))
        .collect();
    json!({
        "id": d.slug,
        "name": format!("{} — {}", d.model, d.capability),
        "provider": d.provider,
        "model": d.model,
        "capability": d.capability,
        "description": d.summary,
        "processingTimeSeconds": d.processing_time_seconds,
        "versions": [{
            "version": "1",
            "active": true,
            "inputSchema": d.input_json_schema(),
            "pricing": {
                "baseCostMicroCents": d.pricing.base_micro_cents.get(),
                "formula": d.pricing.formula,
                "flat": d.pricing.flat,
                "factors": factors,
            },
            "rateLimits": {"requestsPerMinute": 600, "requestsPerDay": 100_000},
        }],
    })
}

async fn list_models(State(s): S, headers: HeaderMap) -> Response {
    let rid = request_id(&s);
    match authorize(&s, &headers, Scope::ListModels) {
        Ok(_) => {
            let models: Vec<Value> = s.catalog.values().map(model_view).collect();
            ok(&s, StatusCode::OK, json!({ "models": models }), &rid)
        }
        Err(e) => e.into_response(&rid),
    }
}

async fn get_model(State(s): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let rid = request_id(&s);
    let result = authorize(&s, &headers, Scope::ListModels)
        .and_then(|_| descriptor(&s, &id).map(model_view));
    match result {
        Ok(data) => ok(&s, StatusCode::OK, data, &rid),
        Err(e) => e.into_response(&rid),
    }
}
