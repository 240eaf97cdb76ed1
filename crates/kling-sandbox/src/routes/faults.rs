//! Injected faults: latency, read errors and dropped connections around the API routes, and the
//! cut body that dropped connections and cut downloads share.

use std::sync::atomic::Ordering;

use axum::BoxError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{StreamExt, stream};

use super::S;
use crate::response::{ApiError, RequestId, render};

/// Latency, injected read errors and dropped connections, around every `/v1` route.
pub(super) async fn api_faults(
    State(s): S,
    id: RequestId,
    request: Request,
    next: Next,
) -> Response {
    let faults = &s.config.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if request.method() == Method::GET && s.roll(faults.read_error) {
        s.counters
            .read_errors_injected
            .fetch_add(1, Ordering::Relaxed);
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "injected read failure",
        )
        .into_response();
    }
    let response = next.run(request).await;
    if s.roll(faults.drop_connection) {
        s.counters
            .connections_dropped
            .fetch_add(1, Ordering::Relaxed);
        // The body is written here, so that it is the written body that never arrives.
        let (parts, body) = render(response, s.envelope(), &id).into_parts();
        return Response::from_parts(parts, cut_after(body, 0));
    }
    response
}

/// How long a cut body waits before it breaks.
const FLUSH_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// `body` cut after `limit` bytes: what came before arrives, then the connection breaks. The
/// headers, `Content-Length` included, are already out, so the client sees a short body.
pub(super) fn cut_after(body: Body, limit: u64) -> Body {
    let kept = stream::unfold(
        (body.into_data_stream(), limit),
        |(mut data, left)| async move {
            if left == 0 {
                return None;
            }
            let chunk: Result<Bytes, BoxError> = match data.next().await? {
                Ok(chunk) => {
                    let take = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    Ok(chunk.slice(..take))
                }
                Err(e) => Err(e.into()),
            };
            let sent = chunk.as_ref().map_or(left, |c| c.len() as u64);
            Some((chunk, (data, left - sent)))
        },
    );
    let broken = stream::once(async move {
        if limit > 0 {
            // hyper drops what it still buffers when a body fails: give it a moment to flush
            // what was sent, so that the cut falls where it was meant to (or a little before).
            tokio::time::sleep(FLUSH_PAUSE).await;
        }
        Err::<Bytes, BoxError>(
            std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected cut").into(),
        )
    });
    Body::from_stream(kept.chain(broken))
}
