//! Signed webhook delivery on the API's retry schedule, scaled by the sandbox clock.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::state::{Shared, Status, WebhookAttempt, timestamp};

/// Seconds between attempts: the first right away, then 1, 4, 16, 64 and 256 s later.
pub const RETRY_SCHEDULE_SECS: [u64; 6] = [0, 1, 4, 16, 64, 256];

/// The `X-PixelByte-Signature` value for a body sent at `timestamp` (Unix seconds):
/// `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the account's secret.
///
/// ```
/// let sig = kling_sandbox::sign_webhook("whsec_test", 1_700_000_000, br#"{"jobId":"job_1"}"#);
/// assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
/// ```
pub fn sign_webhook(secret: &str, timestamp: u64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails; an empty signature would never verify.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether webhooks may be sent to `url`: https anywhere, or http to a loopback host (for local
/// receivers).
pub(crate) fn url_allowed(url: &str) -> bool {
    let Ok(u) = url.parse::<reqwest::Url>() else {
        return false;
    };
    match u.scheme() {
        "https" => u.host().is_some(),
        "http" => match u.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Waits for the job's end, then delivers its webhook until a 2xx or the schedule runs out.
pub(crate) fn spawn_delivery(s: Arc<Shared>, job_id: String) {
    let mut shutdown = s.shutdown.subscribe();
    tokio::spawn(async move {
        let Some(done_at) = s.lock().jobs.get(&job_id).map(|j| j.done_at) else {
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep_until(done_at.into()) => {}
            _ = shutdown.changed() => return,
        }
        let Some((url, body)) = payload(&s, &job_id) else {
            return;
        };
        for (i, delay) in RETRY_SCHEDULE_SECS.iter().enumerate() {
            if *delay > 0 {
                tokio::select! {
                    _ = tokio::time::sleep(s.scaled(Duration::from_secs(*delay))) => {}
                    _ = shutdown.changed() => return,
                }
            }
            let ts = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let signature = sign_webhook(&s.config.webhook_secret, ts, body.as_bytes());
            s.counters.webhook_attempts.fetch_add(1, Ordering::Relaxed);
            let sent = s
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-pixelbyte-timestamp", ts.to_string())
                .header("x-pixelbyte-signature", signature)
                .body(body.clone())
                .send()
                .await;
            let status = sent.as_ref().ok().map(|r| r.status().as_u16());
            s.lock().webhook_log.push(WebhookAttempt {
                job_id: job_id.clone(),
                url: url.clone(),
                attempt: i as u32 + 1,
                status,
            });
            if status.is_some_and(|c| (200..300).contains(&c)) {
                s.counters
                    .webhooks_delivered
                    .fetch_add(1, Ordering::Relaxed);
                return;
            }
            tracing::debug!(job_id, attempt = i + 1, ?status, "webhook delivery failed");
        }
    });
}

/// The webhook URL and body of a finished job; `None` when it was cancelled or forgotten.
fn payload(s: &Shared, job_id: &str) -> Option<(String, String)> {
    let inner = s.lock();
    let job = inner.jobs.get(job_id)?;
    let url = job.webhook_url.clone()?;
    let now = Instant::now().max(job.done_at);
    let status = job.status(now);
    let mut body = json!({
        "jobId": job.id,
        "requestId": job.request_id,
        "status": status.as_str(),
        "completedAt": job.completed_wall(now).map(timestamp),
    });
    match status {
        Status::Completed => {
            let view = job.view(now, s.origin());
            body["output"] = view["output"].clone();
            body["outputs"] = view["outputs"].clone();
        }
        Status::Failed => body["error"] = job.view(now, "")["error"].clone(),
        _ => return None,
    }
    Some((url, body.to_string()))
}
