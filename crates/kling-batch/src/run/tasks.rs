//! The network work of a run, each piece a task that reports back what happened; the ledger is
//! written only by the coordinator, from these reports.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kling::api::{ErrorCode, JobStatus};
use kling::client::{
    Client, Error, Job, LocalFiles, Outcome, ReconcileOptions, Reconciled, SubmitOptions,
    UnknownSubmit, Uploaded, WaitOptions,
};
use kling::{AnyInput, MicroCents};

use crate::download::Downloader;

/// What a task found.
pub(crate) enum Done {
    Upload {
        row: usize,
        result: Result<(AnyInput, Vec<Uploaded>), Error>,
    },
    Submit {
        row: usize,
        result: Result<Job, Error>,
    },
    Reconcile {
        row: usize,
        result: Result<Reconciled, Error>,
    },
    Wait {
        row: usize,
        end: WaitEnd,
    },
    Cancel {
        row: usize,
        cancelled: bool,
    },
    Download {
        row: usize,
        result: Result<Vec<PathBuf>, String>,
    },
}

/// How a job ended.
pub(crate) enum WaitEnd {
    Completed {
        /// The stored files, when a downloader ran and succeeded.
        files: Option<Vec<PathBuf>>,
        download_error: Option<String>,
    },
    Failed {
        code: String,
        message: String,
    },
    Cancelled,
}

/// What an error answer to a submit means for the row (the client has already retried what it
/// may; see the table in `kling::client`).
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    /// A job may exist: reconcile before anything else of the model is sent.
    Unknown(String),
    /// No job exists.
    Refused(Refusal),
}

/// A row that was refused, or not sent at all: no job exists.
#[derive(Debug, PartialEq)]
pub(crate) enum Refusal {
    /// Proven refused, for now: send again later. `busy` for a 429, with the plan's cap when
    /// the answer gives it.
    Requeue {
        code: String,
        message: String,
        after: Option<Duration>,
        busy: bool,
        cap: Option<usize>,
    },
    /// Proven refused, and no other submit can succeed either (401, 402, 403, configuration).
    Halt(String),
    /// Proven refused for good: the row fails, nothing was charged.
    Fail { code: String, message: String },
}

pub(crate) fn classify(error: &Error) -> Verdict {
    let refusal = match error {
        Error::SubmitOutcomeUnknown { reason, .. } => return Verdict::Unknown(reason.clone()),
        Error::Api(api) => {
            let code = api.code.to_string();
            let message = api.message.clone();
            match api.status {
                429 => Refusal::Requeue {
                    cap: api
                        .details
                        .as_ref()
                        .and_then(|d| d.get("limit"))
                        .and_then(serde_json::Value::as_u64)
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|&n| n > 0),
                    after: api.retry_after(),
                    busy: true,
                    code,
                    message,
                },
                401..=403 => Refusal::Halt(format!("{code}: {message}")),
                // The client reports a 5xx as a refusal only when it proves no job (503
                // PUBSUB_PUBLISH_FAILED).
                500.. => Refusal::Requeue {
                    code,
                    message,
                    after: None,
                    busy: false,
                    cap: None,
                },
                _ => Refusal::Fail { code, message },
            }
        }
        // For a submit the client reports a transport error only when nothing was sent.
        Error::Transport { message, .. } => Refusal::Requeue {
            code: "TRANSPORT".into(),
            message: message.clone(),
            after: None,
            busy: false,
            cap: None,
        },
        Error::InvalidInput(violations) => Refusal::Fail {
            code: "INVALID_INPUT".into(),
            message: violations.to_string(),
        },
        Error::OverBudget { .. } => Refusal::Fail {
            code: "OVER_BUDGET".into(),
            message: error.to_string(),
        },
        Error::Config(message) => Refusal::Halt(message.clone()),
        // Anything else does not prove that no job exists.
        other => return Verdict::Unknown(other.to_string()),
    };
    Verdict::Refused(refusal)
}

/// What a failed upload means for the row. No submit was sent, so no job can exist: the row
/// never becomes unknown. A file that cannot be uploaded fails it; a passing failure sends it
/// again later.
pub(crate) fn classify_upload(error: &Error) -> Refusal {
    let file = |message: String| Refusal::Fail {
        code: "LOCAL_FILE".into(),
        message,
    };
    let again = |code: String, message: String, after| Refusal::Requeue {
        code,
        message,
        after,
        busy: false,
        cap: None,
    };
    match error {
        Error::FileNotAccepted { .. } | Error::Io { .. } | Error::Encode { .. } => {
            file(error.to_string())
        }
        Error::Api(api) => match api.status {
            // A presign 429 is a rate limit, not the plan's cap on jobs in flight.
            429 => again(api.code.to_string(), api.message.clone(), api.retry_after()),
            401..=403 => Refusal::Halt(format!("upload refused: {api}")),
            500.. => again(api.code.to_string(), api.message.clone(), None),
            _ => file(format!("upload refused: {api}")),
        },
        Error::Config(message) => Refusal::Halt(message.clone()),
        Error::InvalidInput(_) => Refusal::Fail {
            code: "INVALID_INPUT".into(),
            message: error.to_string(),
        },
        // The connection, a timeout, server errors, an unreadable presign answer: another
        // try may work.
        other => again("UPLOAD".into(), other.to_string(), None),
    }
}

pub(crate) async fn upload(client: Client, row: usize, files: LocalFiles, input: AnyInput) -> Done {
    let result = files.upload_any(&client, &input).await;
    Done::Upload { row, result }
}

pub(crate) async fn submit(client: Client, row: usize, input: AnyInput) -> Done {
    let result = client.submit_any(&input, SubmitOptions::default()).await;
    Done::Submit { row, result }
}

pub(crate) struct ReconcileTask {
    pub row: usize,
    pub model: String,
    pub sent_at: SystemTime,
    pub price: MicroCents,
    pub claimed: HashSet<String>,
    pub options: ReconcileOptions,
}

pub(crate) async fn reconcile(client: Client, task: ReconcileTask) -> Done {
    let submit = UnknownSubmit::new(task.model, task.sent_at).list_price(task.price);
    let claimed = task.claimed;
    let result = client
        .reconcile(&submit, |id| claimed.contains(id), task.options)
        .await;
    Done::Reconcile {
        row: task.row,
        result,
    }
}

pub(crate) struct WaitTask {
    pub row: usize,
    pub row_id: String,
    pub job_id: String,
    /// The submit's answer, for its ETA (absent when resuming or adopting).
    pub job: Option<Job>,
    pub options: WaitOptions,
    pub pause: Duration,
    pub downloader: Option<Arc<dyn Downloader>>,
}

/// Waits until the job ends, however long: a failed read is tried again (reading is never
/// charged), a wait that times out waits again.
pub(crate) async fn wait(client: Client, task: WaitTask) -> Done {
    let mut job = task.job;
    let mut pause = task.pause;
    loop {
        let result = match job.take() {
            Some(job) => client.wait(&job, task.options).await,
            None => client.wait_id(&task.job_id, task.options, |_| {}).await,
        };
        let end = match result {
            Ok(Outcome::Completed(state)) => {
                let (files, download_error) = match &task.downloader {
                    None => (None, None),
                    Some(d) => match d.download(&task.row_id, &state).await {
                        Ok(files) => (Some(files), None),
                        Err(e) => (None, Some(e.to_string())),
                    },
                };
                WaitEnd::Completed {
                    files,
                    download_error,
                }
            }
            Ok(Outcome::Failed { error, .. }) => WaitEnd::Failed {
                code: error.code.to_string(),
                message: error.message,
            },
            Ok(Outcome::Cancelled(_)) => WaitEnd::Cancelled,
            Ok(_) => continue,
            Err(e) if e.code() == Some(&ErrorCode::JobNotFound) => WaitEnd::Failed {
                code: ErrorCode::JobNotFound.to_string(),
                message: e.to_string(),
            },
            Err(e) => {
                tracing::debug!(job_id = %task.job_id, error = %e, "waiting again after a failed read");
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2).min(Duration::from_secs(60));
                continue;
            }
        };
        return Done::Wait { row: task.row, end };
    }
}

pub(crate) async fn cancel(client: Client, row: usize, job_id: String) -> Done {
    let cancelled = client.cancel(&job_id).await.is_ok();
    Done::Cancel { row, cancelled }
}

/// Downloads the outputs of a job that completed in an earlier run.
pub(crate) async fn download(
    client: Client,
    row: usize,
    row_id: String,
    job_id: String,
    downloader: Arc<dyn Downloader>,
) -> Done {
    let result = match client.job(&job_id).await {
        Ok(state) if state.status == JobStatus::Completed => downloader
            .download(&row_id, &state)
            .await
            .map_err(|e| e.to_string()),
        Ok(state) => Err(format!("job {job_id} is {}, not completed", state.status)),
        Err(e) => Err(e.to_string()),
    };
    Done::Download { row, result }
}
