//! Verifying and reading PixelByte webhooks.
//!
//! Each delivery carries `X-PixelByte-Timestamp` (Unix seconds) and
//! `X-PixelByte-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body>` under the
//! account's webhook secret. Verify on the raw bytes, before parsing; deliveries may repeat, so
//! de-duplicate on the job id.
//!
//! ```
//! use kling::webhook::{Verifier, sign};
//!
//! let body = br#"{"jobId":"job_1","requestId":"req_1","status":"completed","output":"https://cdn/x.mp4","completedAt":"2026-01-01T00:00:00Z"}"#;
//! let now = std::time::SystemTime::now();
//! let ts = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
//! let signature = sign("whsec_test", ts, body); // what a test sender would send
//!
//! let verifier = Verifier::new("whsec_test");
//! let event = verifier.verify_and_parse(&ts.to_string(), &signature, body)?;
//! assert_eq!(event.job_id, "job_1");
//! assert_eq!(event.outputs[0].url, "https://cdn/x.mp4");
//! # Ok::<(), kling::webhook::WebhookError>(())
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::api::{JobError, JobErrorWire, JobStatus, Output, OutputWire, Timestamp, outputs};

/// The timestamp header's name.
pub const TIMESTAMP_HEADER: &str = "X-PixelByte-Timestamp";
/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "X-PixelByte-Signature";
/// How far a timestamp may be from now, either way, by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The timestamp header is not a number of seconds.
    #[error("the timestamp header is not Unix seconds")]
    MalformedTimestamp,
    /// The signature header is not `sha256=<64 hex digits>`.
    #[error("the signature header is not `sha256=<hex>`")]
    MalformedSignature,
    /// The timestamp is older than the tolerance (a replay, or a very late retry).
    #[error("the timestamp is {age_secs} s old, more than the {tolerance_secs} s allowed")]
    Stale {
        /// How old it is.
        age_secs: u64,
        /// The tolerance.
        tolerance_secs: u64,
    },
    /// The timestamp is further in the future than the tolerance.
    #[error(
        "the timestamp is {ahead_secs} s in the future, more than the {tolerance_secs} s allowed"
    )]
    Future {
        /// How far ahead it is.
        ahead_secs: u64,
        /// The tolerance.
        tolerance_secs: u64,
    },
    /// The signature does not match the body and timestamp under this secret.
    #[error("the signature does not match (wrong secret, or a changed body or timestamp)")]
    Mismatch,
    /// The body verified but is not a webhook event.
    #[error("the body is not a webhook event: {0}")]
    Body(String),
}

/// A verified webhook event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The job this event is about; de-duplicate on it.
    pub job_id: String,
    /// The request that created the job.
    pub request_id: Option<String>,
    /// `completed` or `failed` (other values are kept as sent).
    pub status: JobStatus,
    /// The outputs of a completed job.
    pub outputs: Vec<Output>,
    /// The error of a failed job.
    pub error: Option<JobError>,
    /// When the job ended.
    pub completed_at: Option<SystemTime>,
    /// The whole body, for fields this version does not model.
    pub raw: Value,
}

/// Checks signatures with one secret and a two-sided timestamp tolerance.
#[derive(Clone)]
pub struct Verifier {
    secret: Vec<u8>,
    tolerance: Duration,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"<redacted>")
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// Signs a body as PixelByte does; for tests and local senders.
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    match mac(secret.as_bytes(), &timestamp.to_string(), body) {
        Some(m) => format!("sha256={}", hex::encode(m.finalize().into_bytes())),
        None => String::new(),
    }
}

impl Verifier {
    /// A verifier for this secret with the default ±300 s tolerance.
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secret: secret.into().into_bytes(),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Changes the tolerance.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks a delivery against the current time.
    pub fn verify(
        &self,
        timestamp: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        self.verify_at(timestamp, signature, body, SystemTime::now())
    }

    /// Checks a delivery against `now`.
    pub fn verify_at(
        &self,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let ts: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| WebhookError::MalformedTimestamp)?;
        let hex_sig = signature
            .trim()
            .strip_prefix("sha256=")
            .ok_or(WebhookError::MalformedSignature)?;
        let expected = hex::decode(hex_sig).map_err(|_| WebhookError::MalformedSignature)?;
        if expected.len() != 32 {
            return Err(WebhookError::MalformedSignature);
        }
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let tolerance_secs = self.tolerance.as_secs();
        if now > ts && now - ts > tolerance_secs {
            return Err(WebhookError::Stale {
                age_secs: now - ts,
                tolerance_secs,
            });
        }
        if ts > now && ts - now > tolerance_secs {
            return Err(WebhookError::Future {
                ahead_secs: ts - now,
                tolerance_secs,
            });
        }
        let mac = mac(&self.secret, timestamp.trim(), body).ok_or(WebhookError::Mismatch)?;
        // Constant-time comparison.
        mac.verify_slice(&expected)
            .map_err(|_| WebhookError::Mismatch)
    }

    /// Verifies, then reads the event.
    pub fn verify_and_parse(
        &self,
        timestamp: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<Event, WebhookError> {
        self.verify(timestamp, signature, body)?;
        parse_event(body)
    }
}

/// An event as the wire carries it: `jobId` and `status` are what make it an event.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventWire {
    job_id: String,
    request_id: Option<String>,
    status: JobStatus,
    output: Option<OutputWire>,
    outputs: Option<Vec<OutputWire>>,
    error: Option<JobErrorWire>,
    completed_at: Option<Timestamp>,
}

/// Reads an event body (without verifying it: call [`Verifier::verify`] first).
pub fn parse_event(body: &[u8]) -> Result<Event, WebhookError> {
    let raw: Value = serde_json::from_slice(body).map_err(|e| WebhookError::Body(e.to_string()))?;
    let event: EventWire =
        serde_path_to_error::deserialize(&raw).map_err(|e| WebhookError::Body(e.to_string()))?;
    Ok(Event {
        job_id: event.job_id,
        request_id: event.request_id,
        status: event.status,
        outputs: outputs(event.output, event.outputs),
        error: event.error.map(JobError::from),
        completed_at: event.completed_at.map(|t| t.0),
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"jobId":"job_1","status":"failed","error":{"code":"GENERATION_FAILED","message":"no"}}"#;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn valid_signatures_verify_and_parse() {
        let sig = sign("s", 1_000, BODY);
        let v = Verifier::new("s");
        assert_eq!(v.verify_at("1000", &sig, BODY, at(1_000)), Ok(()));
        let event = parse_event(BODY).unwrap();
        assert_eq!(event.status, JobStatus::Failed);
        assert_eq!(
            event.error.unwrap().code,
            crate::api::ErrorCode::GenerationFailed
        );
    }

    #[test]
    fn every_kind_of_bad_delivery_is_refused() {
        let v = Verifier::new("s");
        let sig = sign("s", 1_000, BODY);
        let tampered = br#"{"jobId":"job_2","status":"failed"}"#;
        assert_eq!(
            v.verify_at("1000", &sig, tampered, at(1_000)),
            Err(WebhookError::Mismatch)
        );
        assert_eq!(
            Verifier::new("other").verify_at("1000", &sig, BODY, at(1_000)),
            Err(WebhookError::Mismatch)
        );
        assert_eq!(
            v.verify_at("1001", &sig, BODY, at(1_000)),
            Err(WebhookError::Mismatch),
            "the timestamp is signed"
        );
        assert_eq!(
            v.verify_at("1000", &sig, BODY, at(1_301)),
            Err(WebhookError::Stale {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert_eq!(
            v.verify_at("1000", &sig, BODY, at(699)),
            Err(WebhookError::Future {
                ahead_secs: 301,
                tolerance_secs: 300
            })
        );
        assert_eq!(v.verify_at("1000", &sig, BODY, at(1_300)), Ok(()));
        assert_eq!(v.verify_at("1000", &sig, BODY, at(700)), Ok(()));
        assert_eq!(
            v.verify_at("soon", &sig, BODY, at(1_000)),
            Err(WebhookError::MalformedTimestamp)
        );
        for bad in [
            "",
            "sha256=",
            "sha1=abcd",
            "sha256=zz",
            "sha256=abcd",
            &sig[7..],
        ] {
            assert_eq!(
                v.verify_at("1000", bad, BODY, at(1_000)),
                Err(WebhookError::MalformedSignature),
                "{bad}"
            );
        }
        let narrow = Verifier::new("s").tolerance(Duration::from_secs(10));
        assert!(matches!(
            narrow.verify_at("1000", &sig, BODY, at(1_011)),
            Err(WebhookError::Stale { .. })
        ));
        assert!(format!("{v:?}").contains("<redacted>"));
        assert!(matches!(parse_event(b"[]"), Err(WebhookError::Body(_))));
        let Err(WebhookError::Body(no_status)) = parse_event(br#"{"jobId":"job_1"}"#) else {
            panic!()
        };
        assert!(no_status.contains("missing field `status`"), "{no_status}");
    }
}
