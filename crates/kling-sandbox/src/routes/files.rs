//! The files the sandbox serves itself: uploads and the outputs of completed jobs.

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::S;
use super::uploads;
use crate::response::ApiError;
use crate::state::{Status, Upload};

static MP4: &[u8] = include_bytes!("../assets/output.mp4");
static JPEG: &[u8] = include_bytes!("../assets/thumb.jpg");

pub(super) async fn upload(
    State(s): S,
    Path((id, _name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    match uploads::find(&s, &id) {
        Some(Upload {
            bytes: Some(bytes),
            content_type,
            expires,
            ..
        }) if Instant::now() <= expires => {
            Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
        }
        _ => Err(ApiError::not_found("no such file")),
    }
}

pub(super) async fn output(
    State(s): S,
    Path((job, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
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
            Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
        }
        _ => Err(ApiError::not_found("no such file")),
    }
}
