//! The API's envelopes: successes (bare or wrapped) and the error envelope.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::config::Envelope;

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

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", message)
    }

    pub fn into_response(self, request_id: &str) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(details) = self.details {
            error["details"] = details;
        }
        let body = json!({"success": false, "error": error, "requestId": request_id});
        with_request_id((self.status, axum::Json(body)).into_response(), request_id)
    }
}

/// A success: `data`'s fields at the top level (bare) or under `data` (wrapped).
pub(crate) fn success(
    envelope: Envelope,
    status: StatusCode,
    data: Value,
    request_id: &str,
) -> Response {
    let body = match envelope {
        Envelope::Bare => {
            let mut data = data;
            if let Value::Object(map) = &mut data {
                map.entry("requestId").or_insert_with(|| json!(request_id));
            }
            data
        }
        Envelope::Wrapped => json!({"success": true, "data": data, "requestId": request_id}),
    };
    with_request_id((status, axum::Json(body)).into_response(), request_id)
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
