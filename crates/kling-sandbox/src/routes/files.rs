//! The files the sandbox serves itself, as a CDN would: uploads and the outputs of completed jobs,
//! with `Content-Length`, single-range `Range` requests and, for outputs, `ETag`,
//! `Last-Modified` and `If-Range`, so an interrupted download can be resumed safely.

use std::convert::Infallible;
use std::ops::{Range, RangeInclusive};
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream;
use http_range_header::RangeUnsatisfiableError;

use super::S;
use super::faults::cut_after;
use super::uploads;
use crate::outputs::OutputFile;
use crate::response::ApiError;
use crate::state::Upload;

/// How much of a file is produced and sent at a time.
const CHUNK: u64 = 64 * 1024;

/// Bytes that can be read by range.
trait Source: Send + 'static {
    fn len(&self) -> u64;
    fn read(&self, range: Range<u64>) -> Bytes;
}

impl Source for Bytes {
    fn len(&self) -> u64 {
        Bytes::len(self) as u64
    }

    fn read(&self, range: Range<u64>) -> Bytes {
        let at = |i: u64| usize::try_from(i).unwrap_or(usize::MAX);
        self.slice(at(range.start)..at(range.end))
    }
}

impl Source for OutputFile {
    fn len(&self) -> u64 {
        OutputFile::len(self)
    }

    fn read(&self, range: Range<u64>) -> Bytes {
        OutputFile::read(self, range)
    }
}

/// A file about to be served, with its validators when it has them.
struct Served<T> {
    source: T,
    content_type: String,
    etag: Option<String>,
    last_modified: Option<SystemTime>,
}

/// What a request's `Range` (and `If-Range`) select.
#[derive(Debug, PartialEq)]
enum Selection {
    Whole,
    Part(RangeInclusive<u64>),
    Unsatisfiable,
}

/// One range is served as asked; a malformed header, several ranges (no multipart answers) or a
/// stale `If-Range` get the whole file, as RFC 9110 allows.
fn select(
    headers: &HeaderMap,
    len: u64,
    etag: Option<&str>,
    modified: Option<SystemTime>,
) -> Selection {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Selection::Whole;
    };
    if let Some(condition) = headers.get(header::IF_RANGE)
        && !if_range_holds(condition.to_str().unwrap_or_default(), etag, modified)
    {
        return Selection::Whole;
    }
    match http_range_header::parse_range_header(range).and_then(|r| r.validate(len)) {
        Ok(ranges) => match <[_; 1]>::try_from(ranges) {
            Ok([one]) => Selection::Part(one),
            Err(_) => Selection::Whole,
        },
        Err(RangeUnsatisfiableError::Invalid(_)) => Selection::Whole,
        Err(_) => Selection::Unsatisfiable,
    }
}

/// `If-Range` holds for the current entity tag (strong comparison) or the exact `Last-Modified`.
fn if_range_holds(condition: &str, etag: Option<&str>, modified: Option<SystemTime>) -> bool {
    if condition.starts_with('"') {
        return etag == Some(condition);
    }
    match (httpdate::parse_http_date(condition), modified) {
        (Ok(date), Some(modified)) => {
            httpdate::fmt_http_date(date) == httpdate::fmt_http_date(modified)
        }
        _ => false,
    }
}

fn set(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// The response for `request` and the length of its body.
fn serve<T: Source>(file: Served<T>, request: &HeaderMap) -> (Response, u64) {
    let len = file.source.len();
    let etag = file.etag.as_deref();
    let mut headers = HeaderMap::new();
    set(&mut headers, header::ACCEPT_RANGES, "bytes");
    if let Some(etag) = etag {
        set(&mut headers, header::ETAG, etag);
    }
    if let Some(modified) = file.last_modified {
        set(
            &mut headers,
            header::LAST_MODIFIED,
            &httpdate::fmt_http_date(modified),
        );
    }
    let (status, range) = match select(request, len, etag, file.last_modified) {
        Selection::Whole => (StatusCode::OK, 0..len),
        Selection::Part(part) => {
            let content_range = format!("bytes {}-{}/{len}", part.start(), part.end());
            set(&mut headers, header::CONTENT_RANGE, &content_range);
            (StatusCode::PARTIAL_CONTENT, *part.start()..part.end() + 1)
        }
        Selection::Unsatisfiable => {
            set(
                &mut headers,
                header::CONTENT_RANGE,
                &format!("bytes */{len}"),
            );
            let refused = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "RANGE_NOT_SATISFIABLE",
                format!("the range lies outside the file's {len} bytes"),
            );
            return ((headers, refused).into_response(), 0);
        }
    };
    set(&mut headers, header::CONTENT_TYPE, &file.content_type);
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(range.end - range.start),
    );
    let sent = range.end - range.start;
    let body = stream_of(file.source, range);
    ((status, headers, body).into_response(), sent)
}

/// The bytes of `range`, produced a chunk at a time as the client reads them.
fn stream_of<T: Source>(source: T, range: Range<u64>) -> Body {
    let end = range.end;
    Body::from_stream(stream::unfold(
        (source, range.start),
        move |(source, at)| async move {
            if at >= end {
                return None;
            }
            let next = (at + CHUNK).min(end);
            let chunk = source.read(at..next);
            Some((Ok::<_, Infallible>(chunk), (source, next)))
        },
    ))
}

pub(super) async fn upload(
    State(s): S,
    headers: HeaderMap,
    Path((id, _name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    match uploads::find(&s, &id) {
        Some(Upload {
            bytes: Some(bytes),
            content_type,
            expires,
            ..
        }) if Instant::now() <= expires => {
            let served = Served {
                source: bytes,
                content_type,
                etag: None,
                last_modified: None,
            };
            Ok(serve(served, &headers).0)
        }
        _ => Err(ApiError::not_found("no such file")),
    }
}

pub(super) async fn output(
    State(s): S,
    method: Method,
    headers: HeaderMap,
    Path((job, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let counters = &s.counters;
    counters.output_requests.fetch_add(1, Ordering::Relaxed);
    // Outputs are public CDN files: a client that sends its key here leaks it to another host.
    if headers.contains_key(header::AUTHORIZATION) || headers.contains_key("x-api-key") {
        counters
            .output_requests_with_credentials
            .fetch_add(1, Ordering::Relaxed);
    }
    let (Some(modified), Some(file)) = (s.completed_at(&job), OutputFile::new(&job, &name)) else {
        return Err(ApiError::not_found("no such file"));
    };
    let served = Served {
        content_type: file.content_type().to_string(),
        etag: Some(file.etag().to_string()),
        last_modified: Some(modified),
        source: file,
    };
    let (response, sent) = serve(served, &headers);
    if method == Method::GET && sent >= 2 && s.roll(s.config.faults.cut_download) {
        counters.downloads_cut.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = response.into_parts();
        return Ok(Response::from_parts(parts, cut_after(body, sent / 2)));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn asking(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn ranges_are_selected_as_rfc_9110_allows() {
        let etag = Some("\"abc\"");
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let pick = |pairs: &[(header::HeaderName, &str)]| {
            select(&asking(pairs), 100, etag, Some(modified))
        };
        assert_eq!(pick(&[]), Selection::Whole);
        for (asked, selected) in [
            ("bytes=10-19", Selection::Part(10..=19)),
            ("bytes=90-", Selection::Part(90..=99)),
            ("bytes=-5", Selection::Part(95..=99)),
            ("bytes=50-500", Selection::Part(50..=99)),
            ("bytes=100-", Selection::Unsatisfiable),
            ("bytes=0-1,5-6", Selection::Whole),
            ("lines=1-2", Selection::Whole),
            ("bytes=9-3", Selection::Whole),
        ] {
            assert_eq!(pick(&[(header::RANGE, asked)]), selected, "Range: {asked}");
        }
        let date = httpdate::fmt_http_date(modified);
        for (condition, holds) in [
            ("\"abc\"", true),
            ("\"old\"", false),
            ("W/\"abc\"", false),
            (date.as_str(), true),
            ("Tue, 01 Jan 2002 00:00:00 GMT", false),
            ("nonsense", false),
        ] {
            let got = pick(&[
                (header::RANGE, "bytes=10-19"),
                (header::IF_RANGE, condition),
            ]);
            let want = if holds {
                Selection::Part(10..=19)
            } else {
                Selection::Whole
            };
            assert_eq!(got, want, "If-Range: {condition}");
        }
    }
}
