//! Downloads of output files: streamed into a temporary file beside the target and renamed into
//! place only when complete, resumed by range after a cut, and never sent the API key (outputs
//! are public files on a CDN, another host).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use reqwest::{Url, header};

use super::http::backoff;
use super::partial::{Partial, Start};
use super::transfer::{Failed, TransferProgress, refusal, transport};
use super::{Client, Error, JobState};
use crate::api::Output;

/// Most resumes of one download that each kept more than any attempt before, so that a server
/// that cuts every answer short still ends; attempts that keep nothing follow the retry policy.
const MAX_RESUMES: u32 = 64;

/// A file that a download left complete under its final name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// Where it is.
    pub path: PathBuf,
    /// Where it came from.
    pub url: String,
    /// Its length.
    pub bytes: u64,
    /// `false` when a complete copy was already there (its length is the server's) and was
    /// kept without fetching it again.
    pub fetched: bool,
    /// How many times the transfer went on after a cut.
    pub resumes: u32,
}

/// One file of a job's outputs, with a name to save it under.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputFile {
    /// A plain file name (no directories), unique within the job.
    pub name: String,
    /// Where to download it.
    pub url: String,
}

impl JobState {
    /// Every file of the job's outputs: each output, then its thumbnail and poster where given,
    /// each URL once. Names come from the URLs' last segments (`output_0.mp4`), reduced to
    /// letters, digits, `.`, `-` and `_` and never hidden, so they are safe in any directory;
    /// a repeated name gets a numbered prefix.
    pub fn output_files(&self) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = Vec::new();
        let mut names = HashSet::new();
        for (i, output) in self.outputs.iter().enumerate() {
            let urls = [
                (Some(&output.url), "output"),
                (output.thumbnail.as_ref(), "thumb"),
                (output.poster_image.as_ref(), "poster"),
            ];
            for (url, stem) in urls {
                let Some(url) = url.filter(|u| files.iter().all(|f| &f.url != *u)) else {
                    continue;
                };
                let base = file_name(url).unwrap_or_else(|| format!("{stem}_{i}"));
                let mut name = base.clone();
                let mut n = files.len();
                while !names.insert(name.clone()) {
                    name = format!("{n}_{base}");
                    n += 1;
                }
                files.push(OutputFile {
                    name,
                    url: url.clone(),
                });
            }
        }
        files
    }
}

/// The last non-empty segment of a URL's path, made a safe file name.
fn file_name(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    let last = url.path_segments()?.rev().find(|s| !s.is_empty())?;
    let safe: String = last
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => c,
            _ => '_',
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    (!safe.is_empty()).then(|| safe.to_string())
}

impl Output {
    /// Downloads this output's file to `path`, as [`Client::download_to`] does.
    pub async fn download_to(
        &self,
        client: &Client,
        path: impl AsRef<Path>,
    ) -> Result<Downloaded, Error> {
        client.download_to(&self.url, path).await
    }
}

/// What a download holds so far.
struct Held {
    file: Partial,
    /// The whole length, once an answer said it.
    total: Option<u64>,
    /// A strong `ETag`, else `Last-Modified`: what a resumed request must still match.
    validator: Option<String>,
}

impl Held {
    /// Forgets what was kept (and the validator), to start again without a range.
    async fn restart(&mut self) -> Result<(), Failed> {
        self.validator = None;
        self.file.restart().await.map_err(Failed::Final)
    }
}

/// The validator a resumed request can send in `If-Range`: a strong entity tag, else the date.
fn validator(headers: &header::HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    match text(header::ETAG) {
        Some(tag) if tag.starts_with('"') => Some(tag.to_string()),
        _ => text(header::LAST_MODIFIED).map(str::to_string),
    }
}

fn content_length(headers: &header::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// `Content-Range: bytes START-END/TOTAL` as (START, TOTAL).
fn content_range(headers: &header::HeaderMap) -> Option<(u64, u64)> {
    let text = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = text.strip_prefix("bytes ")?.split_once('/')?;
    let (start, _) = range.split_once('-')?;
    Some((start.parse().ok()?, total.parse().ok()?))
}

impl Client {
    /// Downloads `url` to the file `path` (its directory is created when missing).
    ///
    /// The bytes stream into a temporary file beside `path` (`.NAME.part`), which is renamed to
    /// `path` only once its length is the announced `Content-Length`, so a partial file never
    /// has the final name; it is removed when the download fails. A connection cut half-way is
    /// resumed with `Range` and `If-Range` (the strong `ETag`, else `Last-Modified`) when the
    /// server gave a validator, else started again; attempts that keep nothing follow the
    /// retry policy. When `path` already holds a complete copy (the length of a `HEAD` answer),
    /// it is kept and nothing is fetched. The API key is never sent: outputs are public files
    /// on another host. The time limit grows with the size
    /// ([`TransferTimeout`](super::TransferTimeout)). The file is not synced to disk; after a
    /// power loss, the length check of the next download finds a short copy.
    pub async fn download_to(
        &self,
        url: &str,
        path: impl AsRef<Path>,
    ) -> Result<Downloaded, Error> {
        self.download_to_with_progress(url, path, |_| {}).await
    }

    /// [`Client::download_to`], reporting progress after each chunk written.
    pub async fn download_to_with_progress(
        &self,
        url: &str,
        path: impl AsRef<Path>,
        mut on_progress: impl FnMut(&TransferProgress<'_>),
    ) -> Result<Downloaded, Error> {
        let path = path.as_ref();
        let parsed = Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| Error::Encode {
                operation: "download",
                message: format!("`{url}` is not an http(s) URL"),
            })?;
        if path.file_name().is_none() {
            return Err(Error::Io {
                path: path.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"),
            });
        }
        let done = |bytes, fetched, resumes| Downloaded {
            path: path.to_path_buf(),
            url: url.to_string(),
            bytes,
            fetched,
            resumes,
        };
        let file = match Partial::start(path).await? {
            Start::Fresh(file) => file,
            Start::Existing(len) => match self.complete_copy(&parsed, len).await {
                Some(bytes) => return Ok(done(bytes, false, 0)),
                None => Partial::create(path).await?,
            },
        };
        let mut held = Held {
            file,
            total: None,
            validator: None,
        };
        let mut report = |kept, total| {
            on_progress(&TransferProgress {
                path,
                done: kept,
                total,
            })
        };
        let resumes = self.fetch(&parsed, &mut held, &mut report).await?;
        let bytes = held.file.kept();
        held.file.finish(path).await?;
        Ok(done(bytes, true, resumes))
    }

    /// `local`, when a file of that length is a complete copy of `url`: as long as a `HEAD`
    /// answer says. Anything else (no answer, no length) means fetching it.
    async fn complete_copy(&self, url: &Url, local: u64) -> Option<u64> {
        let head = self
            .inner
            .http
            .head(url.clone())
            .header(header::USER_AGENT, &self.inner.user_agent)
            .send();
        let response = tokio::time::timeout(self.inner.request_timeout, head)
            .await
            .ok()?
            .ok()?;
        let remote = content_length(response.headers())?;
        (response.status().is_success() && remote == local).then_some(remote)
    }

    /// Fills `held` from `url`, resuming after cuts; returns how many times it resumed.
    /// `report` is generic rather than `dyn`, so that the download's future is `Send` whenever
    /// the caller's progress callback is (a download can then run in a spawned task).
    async fn fetch(
        &self,
        url: &Url,
        held: &mut Held,
        report: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<u32, Error> {
        let policy = self.inner.retry;
        let (mut failures, mut resumes, mut best) = (0, 0, 0);
        loop {
            let error = match self.fetch_once(url, held, report).await {
                Ok(()) => return Ok(resumes),
                Err(Failed::Final(e)) => return Err(e),
                Err(Failed::Again(e)) => e,
            };
            if held.file.kept() > best && resumes < MAX_RESUMES {
                // A cut, not an overloaded server: go on at once from what arrived.
                best = held.file.kept();
                resumes += 1;
                tracing::debug!(kept = held.file.kept(), total = held.total, error = %error, "resuming the download");
                continue;
            }
            failures += 1;
            if failures >= policy.max_attempts {
                return Err(error);
            }
            let delay = backoff(&policy, failures);
            tracing::debug!(failures, delay_ms = delay.as_millis() as u64, error = %error, "retrying the download");
            tokio::time::sleep(delay).await;
        }
    }

    /// One GET: from the start, or from what `held` holds when it has a validator to check.
    async fn fetch_once(
        &self,
        url: &Url,
        held: &mut Held,
        report: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<(), Failed> {
        let mut request = self
            .inner
            .http
            .get(url.clone())
            .header(header::USER_AGENT, &self.inner.user_agent);
        let resuming = match &held.validator {
            Some(validator) if held.file.kept() > 0 => {
                request = request
                    .header(header::RANGE, format!("bytes={}-", held.file.kept()))
                    .header(header::IF_RANGE, validator);
                true
            }
            _ => false,
        };
        let limit = self.inner.request_timeout;
        let response = match tokio::time::timeout(limit, request.send()).await {
            Err(_) => {
                return Err(Failed::Again(Error::Timeout {
                    operation: "download",
                    after: limit,
                }));
            }
            Ok(Err(e)) => return Err(Failed::Again(transport("download", e))),
            Ok(Ok(response)) => response,
        };
        let status = response.status().as_u16();
        match status {
            206 => match content_range(response.headers()) {
                Some((start, total))
                    if resuming
                        && start == held.file.kept()
                        && held.total.is_none_or(|t| t == total) =>
                {
                    held.total = Some(total);
                }
                _ => {
                    // Not the rest of what we hold: start again, without a range.
                    held.restart().await?;
                    return Err(Failed::Again(mismatch(
                        "a range that does not continue the file",
                    )));
                }
            },
            416 if held.total == Some(held.file.kept()) => return Ok(()),
            416 => {
                held.restart().await?;
                return Err(Failed::Again(mismatch("416 to a range inside the file")));
            }
            200..=299 => {
                // The whole file: a first request, or a validator that no longer holds.
                if held.file.kept() > 0 {
                    held.file.restart().await.map_err(Failed::Final)?;
                }
                held.total = content_length(response.headers());
                held.validator = validator(response.headers());
            }
            _ => return Err(refusal(response).await),
        }
        self.receive(response, held, report).await
    }

    /// Writes a response's body to `held`, within the time its size allows.
    async fn receive(
        &self,
        mut response: reqwest::Response,
        held: &mut Held,
        report: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<(), Failed> {
        let left = held.total.map_or(0, |t| t.saturating_sub(held.file.kept()));
        let limit = self.inner.transfer_timeout.for_size(left);
        report(held.file.kept(), held.total);
        // One timer for the whole body; what arrived before it fires is kept in `held`.
        let body = async {
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| Failed::Again(transport("download", e)))?
            {
                held.file.write(&chunk).await.map_err(Failed::Final)?;
                report(held.file.kept(), held.total);
            }
            Ok(())
        };
        match tokio::time::timeout(limit, body).await {
            Ok(received) => received?,
            Err(_) => {
                return Err(Failed::Again(Error::Timeout {
                    operation: "download",
                    after: limit,
                }));
            }
        }
        match held.total {
            Some(total) if total != held.file.kept() => Err(Failed::Again(mismatch(&format!(
                "the body ended after {} of {total} bytes",
                held.file.kept()
            )))),
            _ => Ok(()),
        }
    }
}

/// An answer that does not fit what the download holds.
fn mismatch(what: &str) -> Error {
    Error::Transport {
        operation: "download",
        message: format!("the file server answered {what}"),
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{JobStatus, OutputType};

    fn output(url: &str, thumbnail: Option<&str>, poster: Option<&str>) -> Output {
        Output {
            url: url.into(),
            kind: OutputType::Video,
            thumbnail: thumbnail.map(Into::into),
            poster_image: poster.map(Into::into),
            content_type: None,
            duration_seconds: None,
        }
    }

    #[test]
    fn output_files_have_safe_unique_names() {
        let state = JobState {
            id: "job_1".into(),
            status: JobStatus::Completed,
            progress: Some(100),
            model: None,
            outputs: vec![
                output(
                    "https://cdn.example/outputs/job_1/output_0.mp4",
                    Some("https://cdn.example/outputs/job_1/thumb_0.jpg"),
                    Some("https://cdn.example/outputs/job_1/thumb_0.jpg"),
                ),
                output("https://cdn.example/b/output_0.mp4?sig=x", None, None),
                output("https://cdn.example/a/..%2F..%2Fetc%2Fpasswd", None, None),
                output(
                    "https://cdn.example/",
                    None,
                    Some("https://cdn.example/.hidden"),
                ),
            ],
            error: None,
            created_at: None,
            completed_at: None,
            raw: serde_json::Value::Null,
        };
        let names: Vec<String> = state.output_files().into_iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "output_0.mp4",
                "thumb_0.jpg",
                "2_output_0.mp4",
                "_2F.._2Fetc_2Fpasswd",
                "output_3",
                "hidden"
            ]
        );
    }

    #[test]
    fn ranges_and_validators_are_read_from_headers() {
        let mut h = header::HeaderMap::new();
        h.insert(header::CONTENT_RANGE, "bytes 100-199/1000".parse().unwrap());
        h.insert(header::ETAG, "W/\"weak\"".parse().unwrap());
        h.insert(
            header::LAST_MODIFIED,
            "Tue, 01 Jan 2030 00:00:00 GMT".parse().unwrap(),
        );
        assert_eq!(content_range(&h), Some((100, 1000)));
        assert_eq!(
            validator(&h).as_deref(),
            Some("Tue, 01 Jan 2030 00:00:00 GMT")
        );
        h.insert(header::ETAG, "\"strong\"".parse().unwrap());
        assert_eq!(validator(&h).as_deref(), Some("\"strong\""));
        h.insert(header::CONTENT_RANGE, "bytes */1000".parse().unwrap());
        assert_eq!(content_range(&h), None);
    }

    /// A download can run in a spawned task (a batch stores each row's files from one).
    #[test]
    fn downloads_are_send_when_their_callback_is() {
        fn send<T: Send>(_: &T) {}
        let client = Client::builder()
            .api_key("pb_x")
            .base_url("https://api.muvi.video/v1")
            .build()
            .unwrap();
        send(&client.download_to("https://cdn.example/x.mp4", "x.mp4"));
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        send(
            &client.download_to_with_progress("https://cdn.example/x.mp4", "x.mp4", move |p| {
                seen.store(p.done, std::sync::atomic::Ordering::Relaxed)
            }),
        );
    }
}
