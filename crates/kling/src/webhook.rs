//! Verifying and reading PixelByte webhooks.
//!
//! Each delivery carries `X-PixelByte-Timestamp` (Unix seconds) and
//! `X-PixelByte-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body>` under the
//! account's webhook secret. Verify on the raw bytes, before parsing; deliveries may repeat, so
//! de-duplicate on the job id.
//!
//! A [`Verifier`] holds one secret or several: while a secret is being rotated, a delivery signed
//! with any of them verifies. [`Verifier::verify_headers`] takes the request's headers as they
//! arrive; with the `axum` feature, `webhook::axum::VerifiedEvent` is an extractor that does it all.
//!
//! ```
//! use kling::webhook::{Verifier, sign};
//!
//! let body = br#"{"jobId":"job_1","requestId":"req_1","status":"completed","output":"https://cdn/x.mp4","completedAt":"2026-01-01T00:00:00Z"}"#;
//! let now = std::time::SystemTime::now();
//! let ts = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
//! let signature = sign("whsec_new", ts, body); // what a test sender would send
//!
//! // The new secret, and the old one until every sender has switched.
//! let verifier = Verifier::new("whsec_new").with_secret("whsec_old");
//! let event = verifier.verify_and_parse(&ts.to_string(), &signature, body)?;
//! assert_eq!(event.job_id, "job_1");
//! assert_eq!(event.outputs[0].url, "https://cdn/x.mp4");
//! # Ok::<(), kling::webhook::WebhookError>(())
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::api::{JobError, JobErrorWire, JobStatus, Output, OutputWire, Timestamp, outputs};

#[cfg(feature = "axum")]
pub mod axum;

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
    /// A signature header is absent.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
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
    /// The signature matches the body and timestamp under none of the verifier's secrets.
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

/// Checks signatures with one or more secrets and a two-sided timestamp tolerance.
///
/// Cloning is cheap (the secrets are shared), so a verifier can sit in a server's state. An
/// empty secret matches nothing: a verifier built from an unset variable refuses every
/// delivery instead of accepting forgeries signed with an empty key.
#[derive(Clone)]
pub struct Verifier {
    /// Never empty.
    secrets: Arc<[Box<[u8]>]>,
    tolerance: Duration,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[derive(Clone)]
        struct Redacted;
        impl std::fmt::Debug for Redacted {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("<redacted>")
            }
        }
        f.debug_struct("Verifier")
            .field("secrets", &vec![Redacted; self.secrets.len()])
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    if secret.is_empty() {
        return None;
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// Signs a body as PixelByte does; for tests and local senders. An empty secret signs nothing
/// (the result is empty).
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
            secrets: Arc::from([secret.into().into_bytes().into_boxed_slice()]),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// A verifier accepting any of `secrets`, or `None` when there are none.
    pub fn from_secrets<S: Into<String>>(secrets: impl IntoIterator<Item = S>) -> Option<Self> {
        let mut secrets = secrets.into_iter();
        let first = Verifier::new(secrets.next()?);
        Some(secrets.fold(first, Verifier::with_secret))
    }

    /// Also accepts deliveries signed with `secret`: during a rotation, keep the old secret
    /// until every sender signs with the new one.
    #[must_use]
    pub fn with_secret(self, secret: impl Into<String>) -> Self {
        let mut secrets = self.secrets.to_vec();
        secrets.push(secret.into().into_bytes().into_boxed_slice());
        Self {
            secrets: secrets.into(),
            ..self
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
        // Each comparison is constant-time, and every secret is tried (no early exit), so the
        // time taken does not tell which secret matched.
        let matched = self.secrets.iter().fold(false, |matched, secret| {
            let ok = mac(secret, timestamp.trim(), body)
                .is_some_and(|mac| mac.verify_slice(&expected).is_ok());
            matched | ok
        });
        if matched {
            Ok(())
        } else {
            Err(WebhookError::Mismatch)
        }
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

    /// Verifies a delivery from its request headers (names in any case) and raw body, then reads
    /// the event.
    pub fn verify_headers(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Event, WebhookError> {
        self.verify_headers_at(headers, body, SystemTime::now())
    }

    /// [`Verifier::verify_headers`] against `now`.
    pub fn verify_headers_at(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Event, WebhookError> {
        let timestamp = header(headers, TIMESTAMP_HEADER, WebhookError::MalformedTimestamp)?;
        let signature = header(headers, SIGNATURE_HEADER, WebhookError::MalformedSignature)?;
        self.verify_at(timestamp, signature, body, now)?;
        parse_event(body)
    }
}

/// A header's text; `malformed` when it is not visible ASCII. `HeaderMap` lookups ignore case.
fn header<'h>(
    headers: &'h http::HeaderMap,
    name: &'static str,
    malformed: WebhookError,
) -> Result<&'h str, WebhookError> {
    let value = headers.get(name).ok_or(WebhookError::MissingHeader(name))?;
    value.to_str().map_err(|_| malformed)
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

    #[test]
    fn any_of_several_secrets_may_match() {
        let rotating = Verifier::new("new").with_secret("old");
        for secret in ["new", "old"] {
            let sig = sign(secret, 1_000, BODY);
            assert_eq!(rotating.verify_at("1000", &sig, BODY, at(1_000)), Ok(()));
        }
        let sig = sign("older", 1_000, BODY);
        assert_eq!(
            rotating.verify_at("1000", &sig, BODY, at(1_000)),
            Err(WebhookError::Mismatch),
            "the error does not say which secrets were tried"
        );
        let listed = Verifier::from_secrets(["a", "b", "older"]).unwrap();
        assert_eq!(listed.verify_at("1000", &sig, BODY, at(1_000)), Ok(()));
        assert!(Verifier::from_secrets(Vec::<String>::new()).is_none());
        let shown = format!("{listed:?}");
        assert!(!shown.contains("older"), "{shown}");
        assert_eq!(shown.matches("<redacted>").count(), 3, "{shown}");
    }

    #[test]
    fn an_empty_secret_matches_nothing() {
        assert_eq!(sign("", 1_000, BODY), "");
        let forged = {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"").unwrap();
            mac.update(b"1000.");
            mac.update(BODY);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        };
        assert_eq!(
            Verifier::new("").verify_at("1000", &forged, BODY, at(1_000)),
            Err(WebhookError::Mismatch)
        );
    }

    #[test]
    fn headers_are_read_in_any_case() {
        let sig = sign("s", 1_000, BODY);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-pixelbyte-timestamp", "1000".parse().unwrap());
        headers.insert("X-PIXELBYTE-SIGNATURE", sig.parse().unwrap());
        let v = Verifier::new("s");
        let event = v.verify_headers_at(&headers, BODY, at(1_000)).unwrap();
        assert_eq!(event.job_id, "job_1");

        let mut missing = headers.clone();
        missing.remove(SIGNATURE_HEADER);
        assert_eq!(
            v.verify_headers_at(&missing, BODY, at(1_000)),
            Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
        );
        let mut binary = headers.clone();
        binary.insert(
            TIMESTAMP_HEADER,
            http::HeaderValue::from_bytes(b"10\xff").unwrap(),
        );
        assert_eq!(
            v.verify_headers_at(&binary, BODY, at(1_000)),
            Err(WebhookError::MalformedTimestamp)
        );
        let not_an_event = br#"{"status":"completed"}"#;
        headers.insert(
            SIGNATURE_HEADER,
            sign("s", 1_000, not_an_event).parse().unwrap(),
        );
        assert!(matches!(
            v.verify_headers_at(&headers, not_an_event, at(1_000)),
            Err(WebhookError::Body(_))
        ));
    }
}
