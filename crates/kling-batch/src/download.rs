//! The hook for storing a completed row's outputs.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use kling::client::JobState;

/// Why a download failed (kept as text in the ledger).
pub type DownloadError = Box<dyn std::error::Error + Send + Sync>;

/// What [`Downloader::download`] returns.
pub type DownloadFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<PathBuf>, DownloadError>> + Send + 'a>>;

/// Stores the outputs of completed rows, e.g. as `DIR/<row id>/…` (row ids are path-safe: see
/// [`crate::Plan::from_jsonl`]). The files it returns are recorded in the ledger. A failure is
/// recorded too and the row stays completed; a later run with a downloader tries again.
///
/// ```
/// use kling_batch::{DownloadFuture, Downloader};
/// use kling::client::JobState;
///
/// struct ListUrls;
///
/// impl Downloader for ListUrls {
///     fn download<'a>(&'a self, row: &'a str, job: &'a JobState) -> DownloadFuture<'a> {
///         Box::pin(async move {
///             for output in &job.outputs {
///                 println!("{row}: {}", output.url);
///             }
///             Ok(Vec::new())
///         })
///     }
/// }
/// ```
pub trait Downloader: Send + Sync {
    /// Stores the outputs of row `row`'s completed `job` and returns the files written.
    fn download<'a>(&'a self, row: &'a str, job: &'a JobState) -> DownloadFuture<'a>;
}
