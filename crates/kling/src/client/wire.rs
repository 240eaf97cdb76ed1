//! Bodies as they travel: the request bodies the client writes, both success envelopes, the
//! error envelope, and reading an answer's data into one of the private answer structs of
//! [`super::answers`]. Everything the server says is read here, through serde; nothing is
//! walked out of a `Value` by hand.

use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, Error};
use crate::api::ErrorCode;

/// `{model, input, webhookUrl?}`: the body of a submit and of an estimate.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JobRequest<'a> {
    pub model: &'a str,
    pub input: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<&'a str>,
}

/// `{filename, contentType}`: the body of a presign.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PresignRequest<'a> {
    pub filename: &'a str,
    pub content_type: &'a str,
}

/// A value as JSON, or the [`Error::Encode`] that says nothing was sent.
pub(super) fn to_json(operation: &'static str, value: &impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Encode {
        operation,
        message: format!("the input does not serialize to JSON: {e}"),
    })
}

/// A request body as JSON bytes.
pub(super) fn to_body(operation: &'static str, value: &impl Serialize) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::Encode {
        operation,
        message: format!("the request body does not serialize to JSON: {e}"),
    })
}

/// `true` or `false`, and nothing else: what tells the envelopes apart.
struct Is<const B: bool>;

impl<'de, const B: bool> Deserialize<'de> for Is<B> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if bool::deserialize(d)? == B {
            Ok(Is)
        } else {
            Err(serde::de::Error::custom(format_args!("expected `{B}`")))
        }
    }
}

/// A 2xx body. The introduction of the API's docs wraps every answer, its reference pages do
/// not: both are read.
#[derive(Deserialize)]
#[serde(untagged)]
enum SuccessBody {
    /// `{"success": true, "data": {…}, "requestId": "req_…"}`.
    Wrapped {
        #[allow(dead_code)] // matched, never read: it tells this shape from the others
        success: Is<true>,
        data: Value,
        #[serde(rename = "requestId")]
        request_id: Option<String>,
    },
    /// `{"success": false, …}` with a 2xx status: not an answer to read.
    Refused {
        #[allow(dead_code)]
        success: Is<false>,
    },
    /// The data's members at the top level (`requestId` among them).
    Bare(Value),
}

/// A successful answer, envelope removed.
#[derive(Debug)]
pub(super) struct Reply {
    /// The data: `data` of the wrapped envelope, or the whole bare body (null when empty).
    pub data: Value,
    /// The wrapped envelope's `requestId`, else the `x-request-id` header.
    pub request_id: Option<String>,
    pub status: u16,
    /// The body exactly as received.
    pub raw: String,
    /// When the request that got this answer left (client clock, stamped just before sending).
    pub sent_at: SystemTime,
}

/// A 2xx body that cannot be read at all (not JSON, or `success: false`).
#[derive(Debug)]
pub(super) struct Unreadable {
    /// Why.
    pub message: String,
    /// The body exactly as received.
    pub raw: String,
}

impl Reply {
    /// Reads a 2xx body in either envelope: its data (null for an empty body) and the wrapped
    /// envelope's `requestId`, else the header's.
    pub(super) fn read(
        status: u16,
        raw: String,
        header_request_id: Option<String>,
        sent_at: SystemTime,
    ) -> Result<Self, Unreadable> {
        let read = if raw.trim().is_empty() {
            Ok((Value::Null, None))
        } else {
            match serde_json::from_str(&raw) {
                Ok(SuccessBody::Wrapped {
                    data, request_id, ..
                }) => Ok((data, request_id)),
                Ok(SuccessBody::Bare(data)) => Ok((data, None)),
                Ok(SuccessBody::Refused { .. }) => {
                    Err(format!("HTTP {status} with `success: false`"))
                }
                Err(e) => Err(format!("not JSON: {e}")),
            }
        };
        match read {
            Ok((data, request_id)) => Ok(Self {
                data,
                request_id: request_id.or(header_request_id),
                status,
                raw,
                sent_at,
            }),
            Err(message) => Err(Unreadable { message, raw }),
        }
    }

    /// The data as `T`, or what does not fit: the JSON path and serde's words, e.g.
    /// ``missing field `jobId` `` or ``outputs[0]: an output: a URL, …``.
    pub(super) fn try_decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        if self.raw.trim().is_empty() {
            return Err("the body is empty".into());
        }
        serde_path_to_error::deserialize(&self.data).map_err(|e| e.to_string())
    }

    /// The data as `T`, or an [`Error::Decode`] with the raw body.
    pub(super) fn decode<T: DeserializeOwned>(&self, operation: &'static str) -> Result<T, Error> {
        self.try_decode()
            .map_err(|message| self.undecodable(operation, message))
    }

    /// An [`Error::Decode`] for this answer.
    pub(super) fn undecodable(&self, operation: &'static str, message: String) -> Error {
        Error::Decode {
            operation,
            status: self.status,
            message,
            body: self.raw.clone(),
        }
    }
}

/// The API's error envelope: `{"success": false, "error": {"code", "message", "details"}, "requestId"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorEnvelope {
    success: Option<bool>,
    error: ErrorBody,
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: ErrorCode,
    message: Option<String>,
    details: Option<Value>,
}

/// An error answer as an [`ApiError`], and whether it came in the API's own envelope (a proxy's
/// page does not): only an answer in the envelope proves what the API decided.
pub(super) fn api_error(
    status: u16,
    raw: &str,
    header_request_id: Option<String>,
) -> (ApiError, bool) {
    let envelope = serde_json::from_str::<ErrorEnvelope>(raw)
        .ok()
        .filter(|e| e.success != Some(true));
    match envelope {
        Some(e) => (
            ApiError {
                status,
                code: e.error.code,
                message: e
                    .error
                    .message
                    .unwrap_or_else(|| format!("HTTP {status} without a message")),
                details: e.error.details,
                request_id: e.request_id.or(header_request_id),
            },
            true,
        ),
        None => (
            ApiError {
                status,
                code: ErrorCode::Unknown(format!("HTTP_{status}")),
                message: excerpt(status, raw),
                details: None,
                request_id: header_request_id,
            },
            false,
        ),
    }
}

/// The first bytes of a body that is not the API's, for messages.
pub(super) fn excerpt(status: u16, raw: &str) -> String {
    let excerpt: String = raw.trim().chars().take(300).collect();
    if excerpt.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        excerpt
    }
}

/// Decodes an answer the way the client does, for fuzzing: never panics, whatever the bytes.
#[doc(hidden)]
pub fn decode_for_fuzzing(status: u16, raw: &str) -> usize {
    use super::answers::{
        CancelAnswer, EstimateAnswer, JobAnswer, ListAnswer, PresignAnswer, SubmitAnswer,
    };
    if !(200..300).contains(&status) {
        let (e, _) = api_error(status, raw, None);
        return e.message.len() + usize::from(e.retry_after().is_some());
    }
    let reply = match Reply::read(status, raw.to_string(), None, SystemTime::UNIX_EPOCH) {
        Ok(reply) => reply,
        Err(unreadable) => return unreadable.message.len(),
    };
    let state = reply
        .decode::<JobAnswer>("job")
        .map_or(0, |a| a.into_state(reply.data.clone()).outputs.len());
    let listed = reply
        .decode::<ListAnswer>("jobs")
        .and_then(|page| page.into_page(&reply, None))
        .map_or(0, |(jobs, _)| jobs.len());
    let read = [
        SubmitAnswer::read(&reply).is_ok(),
        reply.decode::<CancelAnswer>("cancel").is_ok(),
        reply
            .decode::<EstimateAnswer>("estimate")
            .is_ok_and(|e| e.into_estimate(Value::Null).estimated.get() > 0),
        reply.decode::<PresignAnswer>("presign").is_ok(),
    ];
    state + listed + read.into_iter().filter(|ok| *ok).count()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn read(raw: &str) -> Result<Reply, String> {
        Reply::read(
            200,
            raw.to_string(),
            Some("req_header".into()),
            SystemTime::UNIX_EPOCH,
        )
        .map_err(|u| u.message)
    }

    #[test]
    fn envelopes_are_unwrapped_either_way() {
        let wrapped = read(r#"{"success": true, "data": {"jobId": "j"}, "requestId": "req_1"}"#);
        let wrapped = wrapped.unwrap();
        assert_eq!(
            (
                wrapped.data["jobId"].as_str(),
                wrapped.request_id.as_deref()
            ),
            (Some("j"), Some("req_1"))
        );
        // Bare: the data is the body, `requestId` one of its members; the header names the request.
        let bare = read(r#"{"jobId": "j", "requestId": "req_2"}"#).unwrap();
        assert_eq!(
            (bare.data["requestId"].as_str(), bare.request_id.as_deref()),
            (Some("req_2"), Some("req_header"))
        );
        // `success: true` without `data` is not the wrapped envelope.
        let odd = read(r#"{"success": true, "jobId": "j"}"#).unwrap();
        assert_eq!(odd.data["jobId"].as_str(), Some("j"));
        assert!(read("").unwrap().data.is_null());
        assert!(read("<html>").unwrap_err().starts_with("not JSON"));
        assert_eq!(
            read(r#"{"success": false}"#).unwrap_err(),
            "HTTP 200 with `success: false`"
        );
    }

    #[test]
    fn an_unreadable_answer_keeps_its_body() {
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        struct Needs {
            job_id: String,
        }
        let raw = r#"{"success":true,"data":{"status":"pending"},"requestId":"r"}"#;
        let reply = read(raw).unwrap();
        let Err(Error::Decode {
            operation,
            status,
            message,
            body,
        }) = reply.decode::<Needs>("job")
        else {
            panic!()
        };
        assert_eq!(
            (operation, status, message.as_str(), body.as_str()),
            ("job", 200, "missing field `jobId`", raw)
        );
        assert_eq!(
            read("  ").unwrap().try_decode::<Needs>().unwrap_err(),
            "the body is empty"
        );
    }

    #[test]
    fn request_bodies_leave_out_what_is_not_set() {
        let input = serde_json::json!({"prompt": "x"});
        let body = JobRequest {
            model: "m",
            input: &input,
            webhook_url: None,
        };
        assert_eq!(
            to_body("submit", &body).unwrap(),
            br#"{"model":"m","input":{"prompt":"x"}}"#
        );
        let presign = PresignRequest {
            filename: "a.png",
            content_type: "image/png",
        };
        assert_eq!(
            to_json("presign", &presign).unwrap(),
            serde_json::json!({"filename": "a.png", "contentType": "image/png"})
        );
        let mut unserializable = std::collections::HashMap::new();
        unserializable.insert((1, 2), 3);
        let Err(Error::Encode { operation, message }) = to_json("estimate", &unserializable) else {
            panic!()
        };
        assert_eq!(operation, "estimate");
        assert!(message.contains("does not serialize"), "{message}");
    }

    #[test]
    fn error_bodies_become_typed_api_errors() {
        let (e, enveloped) = api_error(
            429,
            r#"{"success":false,"error":{"code":"CONCURRENT_JOBS_EXCEEDED","message":"busy","details":{"retryAfter":30}},"requestId":"req_9"}"#,
            None,
        );
        assert!(enveloped);
        assert_eq!(e.code, ErrorCode::ConcurrentJobsExceeded);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(e.request_id.as_deref(), Some("req_9"));
        let (e, enveloped) = api_error(502, "Bad Gateway", Some("req_h".into()));
        assert!(!enveloped);
        assert_eq!(e.code, ErrorCode::Unknown("HTTP_502".into()));
        assert_eq!(
            (e.message.as_str(), e.request_id.as_deref()),
            ("Bad Gateway", Some("req_h"))
        );
        let (e, enveloped) = api_error(504, "  ", None);
        assert_eq!(
            (e.message.as_str(), enveloped),
            ("HTTP 504 with an empty body", false)
        );
        // A JSON body is not the envelope unless it has `error.code`.
        assert!(!api_error(413, r#"{"message":"too large"}"#, None).1);
        assert!(!api_error(400, r#"{"success":true,"error":{"code":"X"}}"#, None).1);
    }
}
