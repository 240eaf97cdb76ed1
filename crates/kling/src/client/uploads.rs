//! Uploads: a file checked against the API's limits before anything is sent, a presigned slot,
//! then a PUT streamed from disk (never held in memory), retried from the start while the
//! presigned URL is valid, and the URL to put in an input.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::TryStreamExt;
use reqwest::header;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;
use tokio_util::io::ReaderStream;
use tracing::Instrument;

use super::answers::PresignAnswer;
use super::http::{Retry, backoff};
use super::transfer::{Failed, OnProgress, TransferProgress, refusal, transport};
use super::wire::PresignRequest;
use super::{Client, Error, UploadedFile};

/// One "MB" of the API's caps. The pages do not say which megabyte they mean: the larger reading
/// never refuses a file the API accepts, and the presign answer's `maxSize` then decides exactly,
/// before any byte of the file is sent.
const MB: u64 = 1024 * 1024;

/// How long a presigned URL takes a PUT: the API's 15 minutes.
const PUT_WINDOW: Duration = Duration::from_secs(15 * 60);

/// How much of a file is read and handed to the connection at a time.
const CHUNK: usize = 256 * 1024;

/// The API's size cap for a content type it accepts (10 MB images, 100 MB videos, 50 MB
/// audio); `None` for a type it refuses.
fn size_cap(content_type: &str) -> Option<u64> {
    Some(match content_type {
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" => 10 * MB,
        "video/mp4" | "video/webm" => 100 * MB,
        "audio/mpeg" | "audio/wav" => 50 * MB,
        _ => return None,
    })
}

/// The content type the API accepts for a file extension.
pub fn content_type_of(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" | "mpeg" => "audio/mpeg",
        "wav" => "audio/wav",
        _ => return None,
    })
}

/// Refuses a size above the cap of `content_type`, or a type the API does not take.
fn check_size(shown: &str, content_type: &str, len: u64) -> Result<(), Error> {
    let refuse = |reason: String| Error::FileNotAccepted {
        path: shown.to_string(),
        reason,
    };
    let cap = size_cap(content_type).ok_or_else(|| {
        refuse(format!(
            "`{content_type}` is not a type the API accepts (jpeg, png, webp, gif, mp4, webm, mpeg, wav)"
        ))
    })?;
    if len > cap {
        return Err(refuse(format!(
            "it is {len} bytes, more than the {} MiB ({cap} bytes) the API accepts for {content_type}",
            cap / MB
        )));
    }
    Ok(())
}

/// A local file that passed the checks: what it is and how large.
#[derive(Debug, Clone)]
pub(super) struct CheckedFile {
    pub path: PathBuf,
    pub content_type: &'static str,
    pub len: u64,
}

/// Checks a file before anything is sent: a type the API accepts (by its extension), a regular
/// file that can be read, a size within the cap of its kind.
pub(super) async fn check_file(path: &Path) -> Result<CheckedFile, Error> {
    let shown = path.display().to_string();
    let content_type = content_type_of(path).ok_or_else(|| Error::FileNotAccepted {
        path: shown.clone(),
        reason: "unknown file type; use jpg, png, webp, gif, mp4, webm, mp3 or wav".into(),
    })?;
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|source| Error::Io {
            path: shown.clone(),
            source,
        })?;
    if !meta.is_file() {
        return Err(Error::FileNotAccepted {
            path: shown,
            reason: "it is not a regular file".into(),
        });
    }
    check_size(&shown, content_type, meta.len())?;
    Ok(CheckedFile {
        path: path.to_path_buf(),
        content_type,
        len: meta.len(),
    })
}

/// What a PUT sends: a file, opened and read anew by each attempt, or bytes in memory.
enum Source {
    File(CheckedFile),
    Memory(bytes::Bytes),
}

impl Source {
    fn len(&self) -> u64 {
        match self {
            Source::File(file) => file.len,
            Source::Memory(bytes) => bytes.len() as u64,
        }
    }

    /// The body of one attempt: the file streamed a chunk at a time, with progress reports.
    async fn body(&self, progress: Option<&OnProgress>) -> Result<reqwest::Body, Error> {
        let file = match self {
            Source::Memory(bytes) => return Ok(bytes.clone().into()),
            Source::File(file) => file,
        };
        let io = |source| Error::Io {
            path: file.path.display().to_string(),
            source,
        };
        let opened = tokio::fs::File::open(&file.path).await.map_err(io)?;
        let len = opened.metadata().await.map_err(io)?.len();
        if len != file.len {
            // The Content-Length is promised: a file that changed would send something else.
            return Err(io(std::io::Error::other(format!(
                "it changed from {} to {len} bytes during the upload",
                file.len
            ))));
        }
        let (path, total) = (file.path.clone(), file.len);
        let progress = progress.cloned();
        let report = move |done| {
            if let Some(report) = &progress {
                report(&TransferProgress {
                    path: &path,
                    done,
                    total: Some(total),
                });
            }
        };
        report(0);
        let mut done = 0;
        let stream =
            ReaderStream::with_capacity(opened.take(total), CHUNK).inspect_ok(move |chunk| {
                done += chunk.len() as u64;
                report(done);
            });
        Ok(reqwest::Body::wrap_stream(stream))
    }
}

/// When the presigned URL stops taking PUTs: 15 minutes after it was given, or the server's
/// `expiresAt` if that comes first.
fn put_deadline(presigned_at: Instant, expires_at: Option<SystemTime>) -> Instant {
    let window = match expires_at {
        Some(at) => at
            .duration_since(SystemTime::now())
            .unwrap_or_default()
            .min(PUT_WINDOW),
        None => PUT_WINDOW,
    };
    presigned_at + window
}

impl Client {
    /// Uploads a file from disk and returns the URL to put in an input.
    ///
    /// The content type comes from the extension (jpg, png, webp, gif, mp4, webm, mp3, wav).
    /// Before anything is sent, the file is refused ([`Error::FileNotAccepted`]) when its type
    /// is not one the API takes or it is larger than the API's cap for its kind: 10 MB for
    /// images, 100 MB for videos, 50 MB for audio, each MB read as a MiB (2^20 bytes; the
    /// pages do not say, and the server's own `maxSize` is checked too before the PUT). The
    /// bytes are streamed from the file, never held in memory, within a time limit that grows
    /// with the size ([`TransferTimeout`](super::TransferTimeout), not the per-request
    /// timeout). A PUT that fails is retried from the start, reading the file again, while the
    /// presigned URL is valid (15 minutes) and the retry policy allows.
    pub async fn upload_path(&self, path: impl AsRef<Path>) -> Result<UploadedFile, Error> {
        let file = check_file(path.as_ref()).await?;
        self.upload_file(file, None).await
    }

    /// [`Client::upload_path`], reporting progress as the bytes leave (from 0 again on a retry).
    pub async fn upload_path_with_progress(
        &self,
        path: impl AsRef<Path>,
        on_progress: impl Fn(&TransferProgress<'_>) + Send + Sync + 'static,
    ) -> Result<UploadedFile, Error> {
        let file = check_file(path.as_ref()).await?;
        self.upload_file(file, Some(Arc::new(on_progress))).await
    }

    /// Uploads bytes already in memory (presign, then PUT) and returns the URL to put in an
    /// input. The type and size are checked as [`Client::upload_path`] does.
    pub async fn upload_bytes(
        &self,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<UploadedFile, Error> {
        check_size(filename, content_type, bytes.len() as u64)?;
        self.upload(filename, content_type, Source::Memory(bytes.into()), None)
            .await
    }

    /// Uploads a checked file.
    pub(super) async fn upload_file(
        &self,
        file: CheckedFile,
        progress: Option<OnProgress>,
    ) -> Result<UploadedFile, Error> {
        let filename = file
            .path
            .file_name()
            .map_or_else(|| "upload".into(), |n| n.to_string_lossy().into_owned());
        let content_type = file.content_type;
        self.upload(&filename, content_type, Source::File(file), progress)
            .await
    }

    async fn upload(
        &self,
        filename: &str,
        content_type: &str,
        source: Source,
        progress: Option<OnProgress>,
    ) -> Result<UploadedFile, Error> {
        let body = PresignRequest {
            filename,
            content_type,
        };
        let url = self.endpoint("presign", &["uploads", "presign"])?;
        let slot = self.post_json("presign", url, &body, Retry::Safe).await?;
        let presigned_at = Instant::now();
        let answer: PresignAnswer = slot.decode("presign")?;
        let upload_url = reqwest::Url::parse(&answer.upload_url).map_err(|e| {
            slot.undecodable(
                "presign",
                format!("`uploadUrl` `{}` is not a URL: {e}", answer.upload_url),
            )
        })?;
        if let Some(max) = answer.max_size
            && source.len() > max
        {
            return Err(Error::FileNotAccepted {
                path: filename.to_string(),
                reason: format!(
                    "it is {} bytes, more than the {max} the server allows for {content_type}",
                    source.len()
                ),
            });
        }
        let uploaded = answer.into_uploaded();
        let valid_until = put_deadline(presigned_at, uploaded.expires_at);
        let span = tracing::debug_span!("pixelbyte.upload", bytes = source.len(), content_type);
        self.put(&upload_url, content_type, &source, valid_until, progress)
            .instrument(span)
            .await?;
        Ok(uploaded)
    }

    /// PUTs the source, retrying from the start while the URL is valid.
    async fn put(
        &self,
        url: &reqwest::Url,
        content_type: &str,
        source: &Source,
        valid_until: Instant,
        progress: Option<OnProgress>,
    ) -> Result<(), Error> {
        let policy = self.inner.retry;
        let limit = self.inner.transfer_timeout.for_size(source.len());
        let mut attempt = 0;
        loop {
            attempt += 1;
            let once = self.put_once(url, content_type, source, progress.as_ref());
            let error = match tokio::time::timeout(limit, once).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(Failed::Final(e))) => return Err(e),
                Ok(Err(Failed::Again(e))) => e,
                Err(_) => Error::Timeout {
                    operation: "upload",
                    after: limit,
                },
            };
            let delay = backoff(&policy, attempt);
            if attempt >= policy.max_attempts || Instant::now() + delay >= valid_until {
                return Err(error);
            }
            tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying the upload from the start");
            tokio::time::sleep(delay).await;
        }
    }

    /// One PUT to the presigned URL: without the API key (the URL carries its own token).
    async fn put_once(
        &self,
        url: &reqwest::Url,
        content_type: &str,
        source: &Source,
        progress: Option<&OnProgress>,
    ) -> Result<(), Failed> {
        let body = source.body(progress).await.map_err(Failed::Final)?;
        let response = self
            .inner
            .http
            .put(url.clone())
            .header(header::USER_AGENT, &self.inner.user_agent)
            .header(header::CONTENT_TYPE, content_type)
            // Presigned URLs need the length up front; a stream alone would go chunked.
            .header(header::CONTENT_LENGTH, source.len())
            .body(body)
            .send()
            .await
            .map_err(|e| Failed::Again(transport("upload", e)))?;
        if !response.status().is_success() {
            return Err(refusal(response).await);
        }
        // Read to the end, so that the connection can be reused.
        let _ = response.bytes().await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        let of = |name: &str| content_type_of(Path::new(name));
        assert_eq!(of("a/b/Clip.MP4"), Some("video/mp4"));
        assert_eq!(of("cat.jpeg"), Some("image/jpeg"));
        assert_eq!(of("song.mp3"), Some("audio/mpeg"));
        assert_eq!(of("notes.txt"), None);
        assert_eq!(of("no_extension"), None);
    }

    #[test]
    fn each_kind_has_its_cap() {
        let ok = |ct: &str, len: u64| check_size("f", ct, len).is_ok();
        assert!(ok("image/png", 10 * MB) && !ok("image/png", 10 * MB + 1));
        assert!(ok("video/mp4", 100 * MB) && !ok("video/webm", 100 * MB + 1));
        assert!(ok("audio/wav", 50 * MB) && !ok("audio/mpeg", 50 * MB + 1));
        let Err(Error::FileNotAccepted { reason, .. }) = check_size("f", "text/plain", 1) else {
            panic!()
        };
        assert!(reason.contains("`text/plain` is not a type"), "{reason}");
    }

    #[test]
    fn the_put_window_is_fifteen_minutes_or_less() {
        let now = Instant::now();
        assert_eq!(put_deadline(now, None), now + PUT_WINDOW);
        let soon = SystemTime::now() + Duration::from_secs(60);
        assert!(put_deadline(now, Some(soon)) <= now + Duration::from_secs(60));
        let later = SystemTime::now() + Duration::from_secs(3600);
        assert_eq!(put_deadline(now, Some(later)), now + PUT_WINDOW);
        let past = SystemTime::now() - Duration::from_secs(1);
        assert_eq!(put_deadline(now, Some(past)), now);
    }
}
