//! The API's envelopes: request ids, successes (bare or wrapped) and the error envelope.
//!
//! Handlers answer `Result<Success, ApiError>`. Both turn into a bodiless response that carries
//! them as an extension; the [`envelope`] middleware, which gave the request its id, writes the
//! body on the way out. Rendering at the edge is what lets an error raised anywhere (an extractor,
//! a handler, a fault layer, a fallback) carry the request's id without passing it around.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::config::Envelope;
use crate::state::Shared;

/// The id of the request being handled (`req_…`), drawn by [`envelope`].
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "the request was not given an id",
            )
        })
    }
}

/// Gives every request an id, then writes the envelope of the answer.
pub(crate) async fn envelope(
    State(s): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = RequestId(s.lock().next_id("req_"));
    request.extensions_mut().insert(id.clone());
    render(next.run(request).await, s.envelope(), &id)
}

/// Writes the body of a response that carries a [`Success`] or an [`ApiError`] and tags every
/// response with `x-request-id`. Rendering twice is harmless: the first render consumes the value.
pub(crate) fn render(response: Response, envelope: Envelope, id: &RequestId) -> Response {
    let (mut parts, body) = response.into_parts();
    let json = if let Some(error) = parts.extensions.remove::<ApiError>() {
        Some(error.body(id))
    } else {
        parts
            .extensions
            .remove::<Success>()
            .map(|success| success.body(envelope, id))
    };
    let body = match json {
        Some(json) => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Body::from(json.to_string())
        }
        None => body,
    };
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        parts.headers.insert("x-request-id", value);
    }
    Response::from_parts(parts, body)
}

/// A success: `data`'s fields at the top level (bare) or under `data` (wrapped).
#[derive(Debug, Clone)]
pub(crate) struct Success {
    status: StatusCode,
    data: Value,
}

impl Success {
    /// 200 with these fields.
    pub fn ok(data: Value) -> Self {
        Self {
            status: StatusCode::OK,
            data,
        }
    }

    /// 202 with these fields.
    pub fn accepted(data: Value) -> Self {
        Self {
            status: StatusCode::ACCEPTED,
            data,
        }
    }

    fn body(self, envelope: Envelope, id: &RequestId) -> Value {
        match envelope {
            Envelope::Bare => {
                let mut data = self.data;
                if let Value::Object(map) = &mut data {
                    map.entry("requestId").or_insert_with(|| json!(id.0));
                }
                data
            }
            Envelope::Wrapped => json!({"success": true, "data": self.data, "requestId": id.0}),
        }
    }
}

impl IntoResponse for Success {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// What an API handler answers.
pub(crate) type ApiResult = Result<Success, ApiError>;

/// An error answered with the API's error envelope.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 400 INVALID_INPUT.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", message)
    }

    /// 404 NOT_FOUND.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    fn body(self, id: &RequestId) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(details) = self.details {
            error["details"] = details;
        }
        json!({"success": false, "error": error, "requestId": id.0})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
