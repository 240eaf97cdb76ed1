//! `/uploads`: presign a slot, PUT the bytes, read the slot back.

use std::time::{Duration, Instant, SystemTime};

use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use super::S;
use crate::extract::{Authorized, JsonBody, QueryParams, scope};
use crate::response::{ApiError, ApiResult, Success};
use crate::state::{Shared, Upload, timestamp};

/// Largest upload accepted (the video cap).
pub(super) const MAX_UPLOAD: usize = 100 * 1024 * 1024;
/// How long a presigned URL takes a PUT.
const PUT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long an uploaded file is kept.
const KEPT_FOR: Duration = Duration::from_secs(60 * 60);

/// `POST /uploads/presign`.
#[derive(Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "an object {filename, contentType}"
)]
pub(super) struct PresignBody {
    filename: String,
    content_type: String,
}

/// The presigned URL's query string.
#[derive(Deserialize)]
pub(super) struct PutQuery {
    #[serde(default)]
    token: String,
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

/// Where an uploaded file is served.
fn file_url(s: &Shared, upload: &Upload) -> String {
    format!(
        "{}/files/uploads/{}/{}",
        s.origin(),
        upload.id,
        upload.filename
    )
}

fn expires_at(s: &Shared, upload: &Upload) -> String {
    timestamp(upload.created_wall + s.scaled(KEPT_FOR))
}

/// The upload with this id, whichever token it was presigned with.
pub(super) fn find(s: &Shared, id: &str) -> Option<Upload> {
    let prefix = format!("{id}:");
    s.lock()
        .uploads
        .iter()
        .find(|(k, _)| k.starts_with(&prefix))
        .map(|(_, u)| u.clone())
}

pub(super) async fn presign(
    State(s): S,
    caller: Authorized<scope::SubmitJob>,
    JsonBody(body): JsonBody<PresignBody>,
) -> ApiResult {
    let content_type = body.content_type;
    let clean = body.filename.rsplit(['/', '\\']).next().unwrap_or_default();
    if clean.is_empty() || clean.len() > 200 || clean.contains(|c: char| c.is_control()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "`filename` must be a plain file name",
        ));
    }
    let Some(max_size) = upload_cap(&content_type) else {
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
        key: caller.key,
        filename: clean.to_string(),
        content_type,
        created_wall: SystemTime::now(),
        put_deadline: now + s.scaled(PUT_WINDOW),
        expires: now + s.scaled(KEPT_FOR),
        max_size,
        bytes: None,
    };
    let data = json!({
        "uploadUrl": format!("{}/v1/uploads/{id}/content?token={token}", s.origin()),
        "fileUrl": file_url(&s, &upload),
        "fileId": id,
        "expiresAt": expires_at(&s, &upload),
        "maxSize": max_size,
    });
    inner.uploads.insert(format!("{id}:{token}"), upload);
    Ok(Success::ok(data))
}

pub(super) async fn put(
    State(s): S,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<PutQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let bytes = body.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "VALIDATION_ERROR",
            "the file is too large",
        )
    })?;
    let now = Instant::now();
    let mut inner = s.lock();
    let slot = format!("{id}:{}", query.token);
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
    Ok(Success::ok(json!({"fileId": id, "size": size})))
}

pub(super) async fn get(
    State(s): S,
    caller: Authorized<scope::CheckStatus>,
    Path(id): Path<String>,
) -> ApiResult {
    let upload = find(&s, &id)
        .filter(|u| u.key == caller.key)
        .ok_or_else(|| ApiError::not_found(format!("no upload `{id}`")))?;
    let status = if Instant::now() > upload.expires {
        "expired"
    } else {
        "pending"
    };
    Ok(Success::ok(json!({
        "id": upload.id,
        "filename": upload.filename,
        "contentType": upload.content_type,
        "fileUrl": file_url(&s, &upload),
        "status": status,
        "createdAt": timestamp(upload.created_wall),
        "expiresAt": expires_at(&s, &upload),
    })))
}
