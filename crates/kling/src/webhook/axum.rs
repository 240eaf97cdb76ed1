//! An axum extractor for verified webhooks (feature `axum`).
//!
//! [`VerifiedEvent`] reads the raw body (within axum's body limit), verifies it with the
//! [`Verifier`] in the router's state (directly, or a field of it through [`FromRef`]) and
//! yields the typed [`Event`]. A refused delivery never reaches the handler: it is answered by
//! [`WebhookRejection`], with plain text saying what was wrong:
//!
//! | what was wrong | status |
//! |---|---|
//! | a header missing or malformed, or a verified body that is not an event | 400 Bad Request |
//! | the signature matches none of the secrets | 401 Unauthorized |
//! | the timestamp is outside the tolerance (a replay, or a clock far off) | 401 Unauthorized |
//! | the body could not be read (too large, connection lost) | axum's own status (413, 400…) |
//!
//! A stale timestamp is an authentication failure like a wrong signature, not a malformed
//! request and not a server timeout (408), so it gets the same 401: a replayed delivery learns
//! nothing more than a forged one. Any non-2xx answer makes PixelByte retry, on its schedule.
//!
//! ```
//! use axum::Router;
//! use axum::routing::post;
//! use kling::webhook::Verifier;
//! use kling::webhook::axum::VerifiedEvent;
//!
//! async fn receive(VerifiedEvent(event): VerifiedEvent) -> &'static str {
//!     println!("{} {}", event.job_id, event.status);
//!     "ok"
//! }
//!
//! let verifier = Verifier::new("whsec_new").with_secret("whsec_old");
//! let app: Router = Router::new()
//!     .route("/webhooks/pixelbyte", post(receive))
//!     .with_state(verifier);
//! ```

use axum_core::extract::{FromRef, FromRequest, Request};
use axum_core::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;

use super::{Event, Verifier, WebhookError};

/// A webhook event whose signature was verified, from a request's headers and raw body.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent(pub Event);

/// Why [`VerifiedEvent`] refused a request; answers with the status in the module's table.
#[derive(Debug)]
pub struct WebhookRejection {
    status: StatusCode,
    error: Option<WebhookError>,
    message: String,
}

impl WebhookRejection {
    /// The HTTP status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The verification error, unless the body could not even be read.
    pub fn error(&self) -> Option<&WebhookError> {
        self.error.as_ref()
    }
}

impl std::fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WebhookRejection {}

impl From<WebhookError> for WebhookRejection {
    fn from(error: WebhookError) -> Self {
        let status = match &error {
            WebhookError::Mismatch | WebhookError::Stale { .. } | WebhookError::Future { .. } => {
                StatusCode::UNAUTHORIZED
            }
            _ => StatusCode::BAD_REQUEST,
        };
        WebhookRejection {
            status,
            message: error.to_string(),
            error: Some(error),
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        (self.status, self.message).into_response()
    }
}

impl<S> FromRequest<S> for VerifiedEvent
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| WebhookRejection {
                status: e.status(),
                error: None,
                message: e.body_text(),
            })?;
        let event = Verifier::from_ref(state).verify_headers(&headers, &body)?;
        Ok(VerifiedEvent(event))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use axum::Router;
    use axum::body::Body;
    use axum::extract::FromRef;
    use axum::routing::post;
    use tower::ServiceExt;

    use super::*;
    use crate::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};

    const BODY: &str = r#"{"jobId":"job_9","status":"completed","output":"https://cdn/v.mp4"}"#;

    /// A server state with the verifier as one of its parts.
    #[derive(Clone)]
    struct AppState {
        verifier: Verifier,
    }

    impl FromRef<AppState> for Verifier {
        fn from_ref(state: &AppState) -> Verifier {
            state.verifier.clone()
        }
    }

    async fn receive(VerifiedEvent(event): VerifiedEvent) -> String {
        format!("{} {}", event.job_id, event.status)
    }

    fn app() -> Router {
        let verifier = Verifier::new("whsec_new").with_secret("whsec_old");
        Router::new()
            .route("/hook", post(receive))
            .with_state(AppState { verifier })
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// Posts `body` with the given headers; answers the status and the body's text.
    async fn post_hook(headers: &[(&str, String)], body: &str) -> (StatusCode, String) {
        let mut request = Request::post("/hook");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = app()
            .oneshot(request.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    fn signed(secret: &str, ts: u64, body: &str) -> Vec<(&'static str, String)> {
        vec![
            (TIMESTAMP_HEADER, ts.to_string()),
            (SIGNATURE_HEADER, sign(secret, ts, body.as_bytes())),
        ]
    }

    #[tokio::test]
    async fn a_delivery_signed_with_either_secret_reaches_the_handler() {
        for secret in ["whsec_new", "whsec_old"] {
            let (status, text) = post_hook(&signed(secret, now(), BODY), BODY).await;
            assert_eq!((status, text.as_str()), (StatusCode::OK, "job_9 completed"));
        }
    }

    #[tokio::test]
    async fn refused_deliveries_get_their_4xx() {
        let ts = now();
        let (status, text) = post_hook(&signed("whsec_other", ts, BODY), BODY).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(text.contains("does not match"), "{text}");
        assert!(!text.contains("whsec"), "{text}");

        let old = ts - 3_600;
        let (status, text) = post_hook(&signed("whsec_new", old, BODY), BODY).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(text.contains("s old"), "{text}");

        let (status, text) = post_hook(&signed("whsec_new", ts, BODY)[..1], BODY).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(text, "the X-PixelByte-Signature header is missing");

        let bad_sig = [
            (TIMESTAMP_HEADER, ts.to_string()),
            (SIGNATURE_HEADER, "md5=00".to_string()),
        ];
        let (status, _) = post_hook(&bad_sig, BODY).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let array = "[]";
        let (status, text) = post_hook(&signed("whsec_new", ts, array), array).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            text.starts_with("the body is not a webhook event"),
            "{text}"
        );
    }

    #[test]
    fn rejections_say_why() {
        let r = WebhookRejection::from(WebhookError::Mismatch);
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.error(), Some(&WebhookError::Mismatch));
        let r = WebhookRejection::from(WebhookError::MalformedTimestamp);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.to_string(), "the timestamp header is not Unix seconds");
    }
}
