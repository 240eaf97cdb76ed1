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

fn api_error(status: u16, raw: &str, header_request_id: Option<String>) -> ApiError {
    let value: Option<Value> = serde_json::from_str(raw).ok();
    let error = value.as_ref().and_then(|v| v.get("error"));
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map_or_else(
            || ErrorCode::Unknown(format!("HTTP_{status}")),
            ErrorCode::from,
        );
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let excerpt: String = raw.chars().take(200).collect();
            if excerpt.is_empty() {
                format!("HTTP {status} without a body")
            } else {
                excerpt
            }
        });
    ApiError {
        status,
        code,
        message,
        details: error.and_then(|e| e.get("details")).cloned(),
        request_id: value
            .as_ref()
            .and_then(|v| v.get("requestId"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or(header_request_id),
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
        let e = api_error(status, raw, None);
        e.message.len() + usize::from(e.retry_after().is_some())
    }
}

fn unknown_outcome(call: &Call<'_>, reason: impl Into<String>) -> Error {
    let (model, estimated_cost) = call.submit.clone().unwrap_or_default();
    Error::SubmitOutcomeUnknown {
        model,
        estimated_cost,
        reason: reason.into(),
        sent_at: SystemTime::now(),
    }
}

fn retryable(retry: Retry, e: &ApiError) -> bool {
    match retry {
        Retry::Safe => e.status == 429 || e.status >= 500,
        Retry::Submit => {
            (e.status == 429 && e.code == ErrorCode::ConcurrentJobsExceeded)
                || (e.status == 503 && e.code == ErrorCode::PubsubPublishFailed)
        }
        Retry::ConnectOnly => false,
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
                        unknown_outcome(&call, "the request timed out after it was sent")
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
                return Err(error);
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
                return Err(error);
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
            let error = api_error(status, &raw, header_request_id);
            if retryable(call.retry, &error) {
                let after = error.retry_after();
                Attempt::Again {
                    error: Error::Api(Box::new(error)),
                    after,
                }
            } else {
                Attempt::Fail(Error::Api(Box::new(error)))
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
        let e = api_error(
            429,
            r#"{"success":false,"error":{"code":"CONCURRENT_JOBS_EXCEEDED","message":"busy","details":{"retryAfter":30}},"requestId":"req_9"}"#,
            None,
        );
        assert_eq!(e.code, ErrorCode::ConcurrentJobsExceeded);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(e.request_id.as_deref(), Some("req_9"));
        let e = api_error(502, "Bad Gateway", Some("req_h".into()));
        assert_eq!(e.code, ErrorCode::Unknown("HTTP_502".into()));
        assert_eq!(
            (e.message.as_str(), e.request_id.as_deref()),
            ("Bad Gateway", Some("req_h"))
        );
        assert!(retryable(Retry::Safe, &e));
        assert!(
            !retryable(Retry::Submit, &e),
            "a 502 on submit may hide a created job"
        );
        let busy = api_error(
            503,
            r#"{"error":{"code":"PUBSUB_PUBLISH_FAILED","message":"x"}}"#,
            None,
        );
        assert!(retryable(Retry::Submit, &busy));
        let other = api_error(
            503,
            r#"{"error":{"code":"INTERNAL_ERROR","message":"x"}}"#,
            None,
        );
        assert!(!retryable(Retry::Submit, &other));
    }
}
