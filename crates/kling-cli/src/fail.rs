//! The one place a failure becomes an exit code and an error code.
//!
//! Exit codes: 0 ok; 1 other error; 2 invalid input or usage (nothing sent); 3 API error; 4 timed
//! out (job id printed); 5 the job failed (for a batch: some rows failed or were cancelled); 6 a
//! submit's outcome is unknown, a job may exist (for a batch: some rows are unknown or pending).
//! Scripts rely on these numbers, and README.md documents them.
//!
//! Each failure also has a stable `code` for `--json` (the API's error code when the API gave
//! one, else one of the snake_case codes below), the input `field` it is about when there is
//! one, and the API's request id.

use std::borrow::Cow;

use kling_batch::RowProblem;
use kling_cli::fields::field_of;
use serde::Serialize;

/// The process exit code of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Other = 1,
    Usage = 2,
    Api = 3,
    TimedOut = 4,
    JobFailed = 5,
    MaybeSubmitted = 6,
}

/// A failure with the exit code scripts rely on and what `--json` says about it.
#[derive(Debug)]
pub struct Fail {
    exit: Exit,
    code: Cow<'static, str>,
    message: String,
    field: Option<String>,
    request_id: Option<String>,
    /// For a refused batch input: every bad row (boxed: a `Fail` stays small).
    problems: Box<[RowProblem]>,
}

impl Fail {
    fn new(exit: Exit, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Fail {
            exit,
            code: code.into(),
            message: message.into(),
            field: None,
            request_id: None,
            problems: Box::default(),
        }
    }

    /// 1: anything else; `code` names it (`io`, `transport`, `invalid_signature`, …).
    pub fn other(code: &'static str, message: impl Into<String>) -> Self {
        Fail::new(Exit::Other, code, message)
    }

    /// 2: a usage mistake; nothing was sent. The code is `usage` unless [`Fail::with_code`]
    /// names a more precise one (`unknown_model`, `over_budget`, `no_api_key`, `config`).
    pub fn usage(message: impl Into<String>) -> Self {
        Fail::new(Exit::Usage, "usage", message)
    }

    /// 2: an input that breaks a model's fields (`invalid_input`), about `field` when one is
    /// known; nothing was sent.
    pub fn invalid_input(message: impl Into<String>, field: Option<String>) -> Self {
        Fail {
            field,
            ..Fail::new(Exit::Usage, "invalid_input", message)
        }
    }

    /// 2: a batch input with bad rows (`invalid_batch`), each listed; nothing was sent.
    pub fn invalid_batch(problems: Vec<RowProblem>) -> Self {
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        Fail {
            problems: problems.into_boxed_slice(),
            ..Fail::new(
                Exit::Usage,
                "invalid_batch",
                format!(
                    "{} problem(s) in the batch input; nothing was sent:\n{}",
                    list.len(),
                    list.join("\n")
                ),
            )
        }
    }

    /// 2: the configuration (a config file, a profile, a key file) is wrong (`config`).
    pub fn config(message: impl Into<String>) -> Self {
        Fail::new(Exit::Usage, "config", message)
    }

    /// 4: the wait timed out (`timed_out`).
    pub fn timed_out(message: impl Into<String>) -> Self {
        Fail::new(Exit::TimedOut, "timed_out", message)
    }

    /// 5: the job failed or was cancelled; `code` is the job's error code when it has one.
    pub fn job_failed(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Fail::new(Exit::JobFailed, code, message)
    }

    /// 6: a submit's outcome is unknown: a paid job may exist (`submit_outcome_unknown`).
    pub fn maybe_submitted(message: impl Into<String>) -> Self {
        Fail::new(Exit::MaybeSubmitted, "submit_outcome_unknown", message)
    }

    /// 6: a batch ended with rows unknown or pending (`batch_unfinished`): run it again.
    pub fn unfinished(message: impl Into<String>) -> Self {
        Fail::new(Exit::MaybeSubmitted, "batch_unfinished", message)
    }

    /// The same failure with a more precise code.
    #[must_use]
    pub fn with_code(self, code: &'static str) -> Self {
        Fail {
            code: code.into(),
            ..self
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        self.exit as u8
    }

    /// The stable error code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// What to print after `error: `.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The input field the failure is about.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The API's request id, for support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl From<kling::client::Error> for Fail {
    fn from(e: kling::client::Error) -> Self {
        use kling::client::Error as E;
        match &e {
            E::InvalidInput(violations) => {
                let field = violations.first().and_then(|v| field_of(&v.path));
                Fail::invalid_input(e.to_string(), field)
            }
            E::OverBudget { .. } => Fail::usage(e.to_string()).with_code("over_budget"),
            E::Config(_) => Fail::config(e.to_string()),
            E::Encode { .. } => Fail::usage(e.to_string()).with_code("invalid_input"),
            E::FileNotAccepted { .. } => Fail::usage(e.to_string()).with_code("file_not_accepted"),
            E::Api(api) | E::ServerFailed { error: api, .. } => {
                // Say what to do next for the refusals a user can act on.
                let next = match api.status {
                    401 => "; check --api-key, PIXELBYTE_API_KEY or the profile's key",
                    402 => "; top up the account balance",
                    403 => "; the key lacks a scope or access to this model",
                    429 => "; too many jobs running, try again later",
                    _ => "",
                };
                Fail {
                    request_id: api.request_id.clone(),
                    ..Fail::new(
                        Exit::Api,
                        api.code.as_str().to_string(),
                        format!("{e}{next}"),
                    )
                }
            }
            E::Transport { .. } => Fail::other("transport", e.to_string()),
            E::Timeout { .. } => Fail::other("timeout", e.to_string()),
            E::Decode { .. } => Fail::other("bad_response", e.to_string()),
            E::Io { .. } => Fail::other("io", e.to_string()),
            E::SubmitOutcomeUnknown { .. } => Fail::maybe_submitted(e.to_string()),
            _ => Fail::other("error", e.to_string()),
        }
    }
}

/// An error as `--json` prints it on stderr: `{"error": {"code", "message", "field"?,
/// "request_id"?, "problems"?}}`.
#[derive(Serialize)]
pub struct ErrorView<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    /// The bad rows of a refused batch input.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    problems: &'a [RowProblem],
}

impl<'a> From<&'a Fail> for ErrorView<'a> {
    fn from(fail: &'a Fail) -> Self {
        ErrorView {
            error: ErrorBody {
                code: fail.code(),
                message: fail.message(),
                field: fail.field(),
                request_id: fail.request_id(),
                problems: &fail.problems,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_error_codes() {
        let usage = Fail::usage("x");
        assert_eq!((usage.exit_code(), usage.code()), (2, "usage"));
        let unknown = Fail::usage("x").with_code("unknown_model");
        assert_eq!((unknown.exit_code(), unknown.code()), (2, "unknown_model"));
        let input = Fail::invalid_input("x", Some("duration".into()));
        assert_eq!(
            (input.exit_code(), input.code(), input.field()),
            (2, "invalid_input", Some("duration"))
        );
        assert_eq!(Fail::timed_out("x").exit_code(), 4);
        let failed = Fail::job_failed("GENERATION_FAILED", "x");
        assert_eq!(
            (failed.exit_code(), failed.code()),
            (5, "GENERATION_FAILED")
        );
        let maybe = Fail::maybe_submitted("x");
        assert_eq!(
            (maybe.exit_code(), maybe.code()),
            (6, "submit_outcome_unknown")
        );
        assert_eq!(Fail::other("io", "x").exit_code(), 1);
        let batch = Fail::invalid_batch(vec![RowProblem::new(
            3,
            Some("a"),
            "/input/duration",
            "`16` is not one of 5, 10",
        )]);
        assert_eq!((batch.exit_code(), batch.code()), (2, "invalid_batch"));
        assert!(
            batch
                .message()
                .ends_with("\n  line 3 (row `a`) /input/duration: `16` is not one of 5, 10"),
            "{}",
            batch.message()
        );
        let unfinished = Fail::unfinished("x");
        assert_eq!(
            (unfinished.exit_code(), unfinished.code()),
            (6, "batch_unfinished")
        );
    }
}
