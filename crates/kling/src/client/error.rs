//! The client's one error type.

use std::time::Duration;

use serde_json::Value;

use crate::api::ErrorCode;
use crate::{MicroCents, Violations};

/// An error answered by the API, with everything it said.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The error code (open: unknown codes are kept).
    pub code: ErrorCode,
    /// What the server said.
    pub message: String,
    /// Extra data, e.g. `{"retryAfter": 30}` or the list of violations.
    pub details: Option<Value>,
    /// The request id, for support.
    pub request_id: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl ApiError {
    /// `details.retryAfter` in seconds, when the server gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        let secs = self.details.as_ref()?.get("retryAfter")?.as_f64()?;
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
    }
}

/// Everything that can go wrong, in one enum.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks the model's limits or rules; nothing was sent.
    #[error("invalid input; nothing was sent:\n{0}")]
    InvalidInput(Violations),
    /// The price is above the budget; nothing was sent.
    #[error("the job costs {cost} ({} micro-cents), above the budget of {budget}; nothing was sent", cost.get())]
    OverBudget {
        /// The list price (for an unchecked submit, the server's estimate).
        cost: MicroCents,
        /// The budget.
        budget: MicroCents,
    },
    /// The API answered with an error. For a submit, only answers that prove no job was
    /// created end here (see the table in [`crate::client`]); the rest are
    /// [`Error::SubmitOutcomeUnknown`].
    #[error("the API refused the request: {0}")]
    Api(Box<ApiError>),
    /// A request without side effects (a read, an estimate, a presign) kept getting server
    /// errors (5xx) until its retries ran out. Nothing was charged by it.
    #[error(
        "{operation} failed after {attempts} attempt(s): the server answered {error}; nothing was charged by \
         reading, so it is safe to try again later"
    )]
    ServerFailed {
        /// What was being done.
        operation: &'static str,
        /// How many attempts were made.
        attempts: u32,
        /// The last answer.
        error: Box<ApiError>,
    },
    /// The request could not be completed (connection refused, reset, TLS, …).
    #[error("transport error during {operation}: {message}")]
    Transport {
        /// What was being done.
        operation: &'static str,
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The operation's deadline passed (user deadlines are never retried).
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// What was being done.
        operation: &'static str,
        /// The deadline that passed.
        after: Duration,
    },
    /// The server answered something that is not the documented shape (a required member
    /// missing, a member of the wrong type, not JSON); the raw body is kept.
    #[error("cannot read the server's answer to {operation} (HTTP {status}): {message}")]
    Decode {
        /// What was being done.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// What did not fit.
        message: String,
        /// The body exactly as received.
        body: String,
    },
    /// A submit was sent but its answer does not prove what happened (it was lost, cut short,
    /// unreadable, or a server error such as a gateway's 502): a paid job may or may not exist.
    /// Never retried. Settle it with [`crate::client::Client::reconcile`] (through
    /// [`crate::client::UnknownSubmit::from_error`]) before submitting again.
    #[error(
        "the outcome of the submit for {model} is unknown ({reason}); a job may have been created and charged \
         (list price {estimated_cost}); list your recent jobs for this model before retrying"
    )]
    SubmitOutcomeUnknown {
        /// The model slug.
        model: String,
        /// The price the job would have.
        estimated_cost: MicroCents,
        /// The HTTP status, when an answer arrived.
        status: Option<u16>,
        /// What happened after the request was sent, with the first bytes of any answer.
        reason: String,
        /// When the request left: stamped on the client's clock just before the attempt was
        /// sent (not when its failure was seen), so a job it created is not older than this.
        sent_at: std::time::SystemTime,
    },
    /// A request could not be written: an input that does not serialize to JSON, or a job id
    /// that cannot be a URL path segment (empty, `.` or `..`). Nothing was sent.
    #[error("cannot write the {operation} request: {message}; nothing was sent")]
    Encode {
        /// What was being done.
        operation: &'static str,
        /// What could not be written.
        message: String,
    },
    /// The client is misconfigured (missing key, non-https base URL, …).
    #[error("client configuration: {0}")]
    Config(String),
    /// A local file cannot be uploaded: its type is not one the API accepts, or it is larger
    /// than the API's cap for its kind. None of its bytes were sent (nothing at all, except
    /// when only the size the server gave in the presign answer refuses it).
    #[error("{path} cannot be uploaded: {reason}")]
    FileNotAccepted {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A local file could not be read (an upload) or written (a download).
    #[error("local file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The API error, when the server answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::ServerFailed { error: e, .. } => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The API error code, when the server answered with one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.api().map(|e| &e.code)
    }
}
