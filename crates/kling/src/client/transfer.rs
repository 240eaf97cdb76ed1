//! What uploads and downloads share: a time limit that grows with the size, and progress reports.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::Error;
use super::http::read_retryable;
use super::wire::api_error;

/// How long one upload or download attempt may take: a floor, plus the time the bytes need at
/// a minimum throughput. A 100 MB video takes about 7 minutes at the default 256 KiB/s, where
/// the per-request timeout of a status call would cut it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferTimeout {
    /// Time allowed whatever the size (connecting, the server's answer).
    pub floor: Duration,
    /// The slowest throughput still accepted, in bytes per second (0 is read as 1).
    pub min_bytes_per_second: u64,
}

impl Default for TransferTimeout {
    /// 60 s plus the size at 256 KiB/s (about 2 Mbit/s).
    fn default() -> Self {
        Self {
            floor: Duration::from_secs(60),
            min_bytes_per_second: 256 * 1024,
        }
    }
}

impl TransferTimeout {
    /// The time allowed to move `bytes` bytes.
    pub fn for_size(&self, bytes: u64) -> Duration {
        let rate = self.min_bytes_per_second.max(1);
        self.floor
            .saturating_add(Duration::from_secs(bytes / rate))
            .saturating_add(Duration::from_nanos(
                (bytes % rate).saturating_mul(1_000_000_000) / rate,
            ))
    }
}

/// How far an upload or a download has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferProgress<'a> {
    /// The local file: the one uploaded, or the final path of a download.
    pub path: &'a Path,
    /// Bytes sent or kept so far (a retried upload starts again from 0; a resumed download
    /// goes on from what it kept).
    pub done: u64,
    /// The whole size, when known.
    pub total: Option<u64>,
}

/// A progress callback that can travel with a streamed body.
pub(super) type OnProgress = Arc<dyn Fn(&TransferProgress<'_>) + Send + Sync>;

/// How one attempt of an upload or a download failed.
pub(super) enum Failed {
    /// Worth another attempt: a dropped connection, a timeout, 429 or 5xx.
    Again(Error),
    /// Not worth one: a refusal, a local file that cannot be read or written.
    Final(Error),
}

/// An error answer of a storage or file host: the API's envelope when it has one, else the
/// status and the first bytes; 429 and 5xx are worth another attempt.
pub(super) async fn refusal(response: reqwest::Response) -> Failed {
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let raw = response.text().await.unwrap_or_default();
    let (error, _) = api_error(status, &raw, request_id);
    let again = read_retryable(&error);
    let error = Error::Api(Box::new(error));
    if again {
        Failed::Again(error)
    } else {
        Failed::Final(error)
    }
}

/// A transfer that failed without an HTTP answer. The URL is left out: a presigned one carries
/// its token.
pub(super) fn transport(operation: &'static str, e: reqwest::Error) -> Error {
    let e = e.without_url();
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        message = format!("{message}: {c}");
        cause = c.source();
    }
    Error::Transport {
        operation,
        message,
        source: Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_grows_with_the_size() {
        let t = TransferTimeout {
            floor: Duration::from_secs(10),
            min_bytes_per_second: 1000,
        };
        assert_eq!(t.for_size(0), Duration::from_secs(10));
        assert_eq!(t.for_size(1500), Duration::from_millis(11_500));
        let hundred_mb = TransferTimeout::default().for_size(100_000_000);
        assert_eq!(hundred_mb.as_secs(), 60 + 381);
        let zero_rate = TransferTimeout {
            min_bytes_per_second: 0,
            ..t
        };
        assert_eq!(zero_rate.for_size(5), Duration::from_secs(15));
    }
}
