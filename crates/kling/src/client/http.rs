//! One request with its retries: what may be retried, what an answer proves, backoff and
//! deadlines. Bodies are read by [`super::wire`].

use std::time::{Duration, SystemTime};

use rand::RngExt;
use reqwest::Url;
use serde::Serialize;
use tokio::time::Instant;
use tracing::Instrument;

use super::error::{ApiError, Error};
use super::wire::{Reply, Unreadable, api_error, excerpt, to_body};
use super::{Client, RetryPolicy};
use crate::api::ErrorCode;

/// What may be retried, by what a retry could cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    /// Reads and requests without side effects: connection errors, 429 and 5xx.
    Safe,
    /// Submits: only where no job can exist (429 CONCURRENT_JOBS_EXCEEDED, 503
    /// PUBSUB_PUBLISH_FAILED, connection refused before anything was sent).
    Submit,
    /// Requests with side effects that are harmless to repeat only if nothing was sent.
    ConnectOnly,
}

pub(super) struct Call<'a> {
    pub operation: &'static str,
    pub method: reqwest::Method,
    /// Under the base URL ([`Client::endpoint`]), or a presigned upload URL.
    pub url: Url,
    pub body: Option<(Vec<u8>, &'a str)>,
    pub retry: Retry,
    /// Send the API key (not for presigned upload URLs).
    pub auth: bool,
    /// For submits: the model and list price, to describe an unknown outcome.
    pub submit: Option<(String, crate::MicroCents)>,
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

/// `sent_at` is when the attempt left (stamped just before sending), not when its failure was
/// seen: reconciling looks for the job from that time on.
fn unknown_outcome(
    call: &Call<'_>,
    sent_at: SystemTime,
    status: Option<u16>,
    reason: impl Into<String>,
) -> Error {
    let (model, estimated_cost) = call.submit.clone().unwrap_or_default();
    Error::SubmitOutcomeUnknown {
        model,
        estimated_cost,
        status,
        reason: reason.into(),
        sent_at,
    }
}

/// Whether a read (or another request without side effects) may be tried again after this answer.
pub(super) fn read_retryable(e: &ApiError) -> bool {
    e.status == 429 || e.status >= 500
}

/// The wait before the attempt after `attempt` (1 for the first): the policy's step doubled
/// for each attempt, capped, with jitter between half and all of it.
pub(super) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exp = policy
        .initial_backoff
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exp.min(policy.max_backoff)
        .mul_f64(rand::rng().random_range(0.5..=1.0))
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
    /// A URL under the base URL, each segment percent-encoded: a job id may hold anything, but
    /// one that would change the path (empty, `.` or `..`) is refused before anything is sent.
    pub(super) fn endpoint(
        &self,
        operation: &'static str,
        segments: &[&str],
    ) -> Result<Url, Error> {
        if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
            return Err(Error::Encode {
                operation,
                message: format!("`{bad}` cannot be a job id (it would change the URL's path)"),
            });
        }
        let mut url = self.inner.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Config("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A GET with the key: reads retry whatever went wrong.
    pub(super) async fn get(&self, operation: &'static str, url: Url) -> Result<Reply, Error> {
        self.call(Call {
            operation,
            method: reqwest::Method::GET,
            url,
            body: None,
            retry: Retry::Safe,
            auth: true,
            submit: None,
        })
        .await
    }

    /// A JSON POST with the key.
    pub(super) async fn post_json(
        &self,
        operation: &'static str,
        url: Url,
        body: &impl Serialize,
        retry: Retry,
    ) -> Result<Reply, Error> {
        self.call(Call {
            operation,
            method: reqwest::Method::POST,
            url,
            body: Some((to_body(operation, body)?, "application/json")),
            retry,
            auth: true,
            submit: None,
        })
        .await
    }

    pub(super) async fn call(&self, call: Call<'_>) -> Result<Reply, Error> {
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
            // Taken before the attempt starts, so it is at or before the moment the request left.
            let sent_at = SystemTime::now();
            let outcome = match tokio::time::timeout_at(
                attempt_deadline,
                self.attempt(&call, sent_at).instrument(span),
            )
            .await
            {
                Ok(outcome) => outcome,
                Err(_) if attempt_deadline < deadline => {
                    let error = if call.retry == Retry::Submit {
                        unknown_outcome(
                            &call,
                            sent_at,
                            None,
                            "the request timed out after it was sent",
                        )
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
                            sent_at,
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
            let backoff = backoff(policy, attempt);
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

    async fn attempt(&self, call: &Call<'_>, sent_at: SystemTime) -> Attempt {
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
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
            Err(e) => return self.transport_failure(call, sent_at, e, false),
        };
        let status = response.status().as_u16();
        let header_request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return self.transport_failure(call, sent_at, e, true),
        };
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        if (200..300).contains(&status) {
            match Reply::read(status, raw, header_request_id, sent_at) {
                Ok(reply) => Attempt::Done(reply),
                Err(Unreadable { message, raw }) if call.retry == Retry::Submit => {
                    Attempt::Fail(unknown_outcome(
                        call,
                        sent_at,
                        Some(status),
                        format!(
                            "HTTP {status} arrived but could not be read ({message}); body: {}",
                            excerpt(status, &raw)
                        ),
                    ))
                }
                Err(Unreadable { message, raw }) => Attempt::Fail(Error::Decode {
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
                            sent_at,
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
    fn transport_failure(
        &self,
        call: &Call<'_>,
        sent_at: SystemTime,
        e: reqwest::Error,
        sent: bool,
    ) -> Attempt {
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
                sent_at,
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
