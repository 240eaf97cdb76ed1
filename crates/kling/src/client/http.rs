//! One request with its retries: envelopes, error mapping, backoff, deadlines.

use std::time::{Duration, SystemTime};

use rand::RngExt;
use serde_json::Value;
use tokio::time::Instant;
use tracing::Instrument;

use super::Client;
use super::error::{ApiError, Error};
use crate::api::ErrorCode;

/// What may be retried, by what a retry could cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads and requests without side effects: connection errors, 429 and 5xx.
    Safe,
    /// Submits: only where no job can exist (429 CONCURRENT_JOBS_EXCEEDED, 503
    /// PUBSUB_PUBLISH_FAILED, connection refused before anything was sent).
    Submit,
    /// Requests with side effects that are harmless to repeat only if nothing was sent.
    ConnectOnly,
}

pub(crate) struct Call<'a> {
    pub operation: &'static str,
    pub method: reqwest::Method,
    /// Path under the base URL, or an absolute URL (uploads).
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<(Vec<u8>, &'a str)>,
    pub retry: Retry,
    /// Send the API key (not for presigned upload URLs).
    pub auth: bool,
    /// For submits: the model and list price, to describe an unknown outcome.
    pub submit: Option<(String, crate::MicroCents)>,
}

/// A successful answer, envelope removed.
#[derive(Debug)]
pub(crate) struct Reply {
    pub data: Value,
    pub request_id: Option<String>,
    pub status: u16,
    pub raw: String,
}

enum Attempt {
    Done(Reply),
    /// Retry after at least this long (server's retryAfter) or by backoff.
    Again {
        error: Error,
        after: Option<Duration>,
    },
    Fail(Error),
}

fn unwrap_success(status: u16, raw: &str) -> Result<(Value, Option<String>), String> {
    if raw.trim().is_empty() {
        return Ok((Value::Object(Default::default()), None));
    }
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let request_id = value
        .get("requestId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match value.get("success") {
        Some(Value::Bool(true)) if value.get("data").is_some() => {
            let data = value.get("data").cloned().unwrap_or(Value::Null);
            Ok((data, request_id))
        }
        Some(Value::Bool(false)) => Err(format!("HTTP {status} with `success: false`")),
        _ => Ok((value, request_id)),
    }
}

/// The API's error envelope: `{"success": false, "error": {"code", "message", "details"}, "requestId"}`.
#[derive(serde::Deserialize)]
struct ErrorEnvelope {
    success: Option<bool>,
    error: ErrorBody,
    #[serde(rename = "requestId")]
    request_id: Option<String>,
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    code: String,
    message: Option<String>,
    details: Option<Value>,
}

/// An error answer as an [`ApiError`], and whether it came in the API's own envelope (a proxy's
/// page does not): only an answer in the envelope proves what the API decided.
fn api_error(status: u16, raw: &str, header_request_id: Option<String>) -> (ApiError, bool) {
    let envelope = serde_json::from_str::<ErrorEnvelope>(raw)
        .ok()
        .filter(|e| e.success != Some(true));
    match envelope {
        Some(e) => (
            ApiError {
                status,
                code: ErrorCode::from(e.error.code.as_str()),
                message: e
                    .error
                    .message
                    .unwrap_or_else(|| format!("HTTP {status} without a message")),
                details: e.error.details,
                request_id: e.request_id.or(header_request_id),
            },
            true,
        ),
        None => (
            ApiError {
                status,
                code: ErrorCode::Unknown(format!("HTTP_{status}")),
                message: excerpt(status, raw),
                details: None,
                request_id: header_request_id,
            },
            false,
        ),
    }
}

/// The first bytes of a body that is not the API's, for messages.
fn excerpt(status: u16, raw: &str) -> String {
    let excerpt: String = raw.trim().chars().take(200).collect();
    if excerpt.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        excerpt
    }
}

/// What an error answer to a submit proves about the job (the table in [`crate::client`]'s docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubmitProof {
    /// The API refused before creating a job; retrying is safe where the code says so.
    NoJob { retry: bool },
    /// A job may or may not exist: never retried.
    Nothing,
}

fn submit_proof(e: &ApiError, enveloped: bool) -> SubmitProof {
    match e.status {
        400..=499 if enveloped => SubmitProof::NoJob {
            retry: e.status == 429 && e.code == ErrorCode::ConcurrentJobsExceeded,
        },
        503 if enveloped && e.code == ErrorCode::PubsubPublishFailed => {
            SubmitProof::NoJob { retry: true }
        }
        _ => SubmitProof::Nothing,
    }
}

/// Decodes an answer the way the client does, for fuzzing: never panics, whatever the bytes.
#[doc(hidden)]
pub fn decode_for_fuzzing(status: u16, raw: &str) -> usize {
    if (200..300).contains(&status) {
        match unwrap_success(status, raw) {
            Ok((data, _)) => {
                let state =
                    super::types::JobState::from_value(data.clone()).map_or(0, |s| s.outputs.len());
                let listed = data.get("jobs").and_then(Value::as_array).map_or(0, |l| {
                    l.iter()
                        .filter_map(super::types::JobSummary::from_value)
                        .count()
                });
                state + listed
            }
            Err(message) => message.len(),
        }
    } else {
        let (e, _) = api_error(status, raw, None);
        e.message.len() + usize::from(e.retry_after().is_some())
    }
}

fn unknown_outcome(call: &Call<'_>, status: Option<u16>, reason: impl Into<String>) -> Error {
    let (model, estimated_cost) = call.submit.clone().unwrap_or_default();
    Error::SubmitOutcomeUnknown {
        model,
        estimated_cost,
        status,
        reason: reason.into(),
        sent_at: SystemTime::now(),
    }
}

/// Whether a read (or another request without side effects) may be tried again after this answer.
fn read_retryable(e: &ApiError) -> bool {
    e.status == 429 || e.status >= 500
}

/// The error a call ends with after its last attempt: a server error on a read says that
/// nothing was charged, so that it is not mistaken for a refused submit.
fn final_error(call: &Call<'_>, error: Error, attempts: u32) -> Error {
    match error {
        Error::Api(api) if call.retry == Retry::Safe && api.status >= 500 => Error::ServerFailed {
            operation: call.operation,
            attempts,
            error: api,
        },
        other => other,
    }
}

impl Client {
    pub(crate) async fn call(&self, call: Call<'_>) -> Result<Reply, Error> {
        let policy = &self.inner.retry;
        let started = Instant::now();
        let deadline = started + self.inner.operation_timeout;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let span =
                tracing::debug_span!("pixelbyte.request", operation = call.operation, attempt);
            // One timer per attempt: the attempt's own timeout, or the operation's deadline if sooner.
            let attempt_deadline = (Instant::now() + self.inner.request_timeout).min(deadline);
            let outcome = match tokio::time::timeout_at(
                attempt_deadline,
                self.attempt(&call).instrument(span),
            )
            .await
            {
                Ok(outcome) => outcome,
                Err(_) if attempt_deadline < deadline => {
                    let error = if call.retry == Retry::Submit {
                        unknown_outcome(&call, None, "the request timed out after it was sent")
                    } else {
                        Error::Timeout {
                            operation: call.operation,
                            after: self.inner.request_timeout,
                        }
                    };
                    match call.retry {
                        Retry::Safe => Attempt::Again { error, after: None },
                        _ => Attempt::Fail(error),
                    }
                }
                Err(_) => {
                    return Err(if call.retry == Retry::Submit {
                        unknown_outcome(
                            &call,
                            None,
                            "the operation deadline passed after the request was sent",
                        )
                    } else {
                        Error::Timeout {
                            operation: call.operation,
                            after: self.inner.operation_timeout,
                        }
                    });
                }
            };
            let (error, server_after) = match outcome {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Fail(e) => return Err(e),
                Attempt::Again { error, after } => (error, after),
            };
            if attempt >= policy.max_attempts {
                return Err(final_error(&call, error, attempt));
            }
            let backoff = {
                let exp = policy
                    .initial_backoff
                    .saturating_mul(1u32 << (attempt - 1).min(16));
                let capped = exp.min(policy.max_backoff);
                // Full jitter between half and all of the step.
                capped.mul_f64(rand::rng().random_range(0.5..=1.0))
            };
            let delay = match server_after {
                Some(after) => after.min(policy.max_retry_after).max(backoff.min(after)),
                None => backoff,
            };
            if Instant::now() + delay >= deadline {
                // Waiting would cross the user's deadline: report what happened instead.
                return Err(final_error(&call, error, attempt));
            }
            tracing::debug!(operation = call.operation, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, call: &Call<'_>) -> Attempt {
        let url = if call.path.starts_with("http://") || call.path.starts_with("https://") {
            call.path.clone()
        } else {
            format!("{}{}", self.inner.base_url, call.path)
        };
        let mut url = match reqwest::Url::parse(&url) {
            Ok(url) => url,
            Err(e) => {
                return Attempt::Fail(Error::Config(format!(
                    "cannot build the URL for {}: {e}",
                    call.operation
                )));
            }
        };
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .header("user-agent", &self.inner.user_agent);
        if call.auth {
            request = request.bearer_auth(self.inner.api_key.expose());
        }
        if let Some((body, content_type)) = &call.body {
            request = request
                .header("content-type", *content_type)
                .body(body.clone());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return self.transport_failure(call, e, false),
        };
        let status = response.status().as_u16();
        let header_request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return self.transport_failure(call, e, true),
        };
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        if (200..300).contains(&status) {
            match unwrap_success(status, &raw) {
                Ok((data, request_id)) => Attempt::Done(Reply {
                    data,
                    request_id: request_id.or(header_request_id),
                    status,
                    raw,
                }),
                Err(message) if call.retry == Retry::Submit => Attempt::Fail(unknown_outcome(
                    call,
                    Some(status),
                    format!(
                        "HTTP {status} arrived but could not be read ({message}); body: {}",
                        raw.chars().take(300).collect::<String>()
                    ),
                )),
                Err(message) => Attempt::Fail(Error::Decode {
                    operation: call.operation,
                    status,
                    message,
                    body: raw,
                }),
            }
        } else {
            let (error, enveloped) = api_error(status, &raw, header_request_id);
            let retry = match call.retry {
                Retry::Safe => read_retryable(&error),
                Retry::ConnectOnly => false,
                Retry::Submit => match submit_proof(&error, enveloped) {
                    SubmitProof::NoJob { retry } => retry,
                    SubmitProof::Nothing => {
                        let shown = if enveloped {
                            format!("{}: {}", error.code, error.message)
                        } else {
                            excerpt(status, &raw)
                        };
                        return Attempt::Fail(unknown_outcome(
                            call,
                            Some(status),
                            format!(
                                "HTTP {status}, which does not prove the job was refused: {shown}"
                            ),
                        ));
                    }
                },
            };
            let after = error.retry_after();
            let error = Error::Api(Box::new(error));
            if retry {
                Attempt::Again { error, after }
            } else {
                Attempt::Fail(error)
            }
        }
    }

    /// A request that failed without an HTTP answer. `sent` is true when the request surely left.
    fn transport_failure(&self, call: &Call<'_>, e: reqwest::Error, sent: bool) -> Attempt {
        // Connection refused or DNS failure: nothing reached the server.
        let nothing_sent = !sent && e.is_connect();
        let e = e.without_url();
        let message = e.to_string();
        let error = Error::Transport {
            operation: call.operation,
            message: message.clone(),
            source: Some(e),
        };
        match call.retry {
            Retry::Safe => Attempt::Again { error, after: None },
            Retry::Submit | Retry::ConnectOnly if nothing_sent => {
                Attempt::Again { error, after: None }
            }
            Retry::Submit => Attempt::Fail(unknown_outcome(
                call,
                None,
                format!("the connection failed after the request was sent: {message}"),
            )),
            Retry::ConnectOnly => Attempt::Fail(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_unwrapped_either_way() {
        let (data, id) = unwrap_success(
            200,
            r#"{"success": true, "data": {"jobId": "j"}, "requestId": "req_1"}"#,
        )
        .unwrap();
        assert_eq!(
            (data["jobId"].as_str(), id.as_deref()),
            (Some("j"), Some("req_1"))
        );
        let (data, id) = unwrap_success(200, r#"{"jobId": "j", "requestId": "req_2"}"#).unwrap();
        assert_eq!(
            (data["jobId"].as_str(), id.as_deref()),
            (Some("j"), Some("req_2"))
        );
        assert!(unwrap_success(200, "<html>").is_err());
        assert!(unwrap_success(200, r#"{"success": false}"#).is_err());
    }

    #[test]
    fn error_bodies_become_typed_api_errors() {
        let (e, enveloped) = api_error(
            429,
            r#"{"success":false,"error":{"code":"CONCURRENT_JOBS_EXCEEDED","message":"busy","details":{"retryAfter":30}},"requestId":"req_9"}"#,
            None,
        );
        assert!(enveloped);
        assert_eq!(e.code, ErrorCode::ConcurrentJobsExceeded);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(e.request_id.as_deref(), Some("req_9"));
        let (e, enveloped) = api_error(502, "Bad Gateway", Some("req_h".into()));
        assert!(!enveloped);
        assert_eq!(e.code, ErrorCode::Unknown("HTTP_502".into()));
        assert_eq!(
            (e.message.as_str(), e.request_id.as_deref()),
            ("Bad Gateway", Some("req_h"))
        );
        let (e, enveloped) = api_error(504, "  ", None);
        assert_eq!(
            (e.message.as_str(), enveloped),
            ("HTTP 504 with an empty body", false)
        );
        // A JSON body is not the envelope unless it has `error.code`.
        assert!(!api_error(413, r#"{"message":"too large"}"#, None).1);
        assert!(!api_error(400, r#"{"success":true,"error":{"code":"X"}}"#, None).1);
    }

    #[test]
    fn only_the_apis_own_refusals_prove_no_job() {
        let proof = |status, raw: &str| {
            let (e, enveloped) = api_error(status, raw, None);
            submit_proof(&e, enveloped)
        };
        let envelope = |code: &str| {
            format!(r#"{{"success":false,"error":{{"code":"{code}","message":"m"}}}}"#)
        };
        for (status, code) in [
            (400, "INVALID_INPUT"),
            (401, "INVALID_API_KEY"),
            (402, "INSUFFICIENT_BALANCE"),
            (403, "FORBIDDEN"),
            (404, "MODEL_NOT_FOUND"),
        ] {
            assert_eq!(
                proof(status, &envelope(code)),
                SubmitProof::NoJob { retry: false },
                "{status}"
            );
        }
        assert_eq!(
            proof(429, &envelope("CONCURRENT_JOBS_EXCEEDED")),
            SubmitProof::NoJob { retry: true }
        );
        assert_eq!(
            proof(503, &envelope("PUBSUB_PUBLISH_FAILED")),
            SubmitProof::NoJob { retry: true }
        );
        for (status, raw) in [
            (500, envelope("INTERNAL_ERROR")),
            (500, envelope("CONFIG_ERROR")),
            (503, envelope("INTERNAL_ERROR")),
            (502, "<html>Bad Gateway</html>".to_string()),
            (504, String::new()),
            (503, "Service Unavailable".to_string()),
            (408, "<html>Request Timeout</html>".to_string()),
            (413, "<html>Payload Too Large</html>".to_string()),
            (302, String::new()),
        ] {
            assert_eq!(proof(status, &raw), SubmitProof::Nothing, "{status} {raw}");
        }
    }
}
