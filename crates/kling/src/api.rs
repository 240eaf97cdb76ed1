//! The API's server-side vocabulary: job statuses, error codes, outputs. Every enum here is
//! open: a value this version does not know is kept as `Unknown(text)`, never an error.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the SDK does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Unknown(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)*
                    other => $name::Unknown(other.to_string()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<str>::deserialize(d)?;
                Ok(Self::from(&*text))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

open_enum! {
    /// Where a job is in its life.
    JobStatus {
        /// Queued.
        Pending = "pending",
        /// Being generated.
        Processing = "processing",
        /// Done; outputs are set.
        Completed = "completed",
        /// Ended with an error; refunded.
        Failed = "failed",
        /// Cancelled while pending; refunded.
        Cancelled = "cancelled",
    }
}

impl JobStatus {
    /// Whether the job will not change any more. Unknown statuses are treated as not final.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

open_enum! {
    /// The kind of an output file.
    OutputType {
        /// A video.
        Video = "video",
        /// An image.
        Image = "image",
        /// An audio file.
        Audio = "audio",
        /// Text.
        Text = "text",
    }
}

open_enum! {
    /// Every error code the API documents.
    ErrorCode {
        /// 400: the input breaks the model's rules.
        InvalidInput = "INVALID_INPUT",
        /// 400: the model slug is malformed.
        InvalidModelSlug = "INVALID_MODEL_SLUG",
        /// 400: the requested version is not active.
        ModelVersionNotActive = "MODEL_VERSION_NOT_ACTIVE",
        /// 400: only pending jobs can be cancelled.
        JobCannotBeCancelled = "JOB_CANNOT_BE_CANCELLED",
        /// 400: the webhook URL is not https.
        InvalidWebhookUrl = "INVALID_WEBHOOK_URL",
        /// 401: no credentials.
        Unauthorized = "UNAUTHORIZED",
        /// 401: the key is not valid.
        InvalidApiKey = "INVALID_API_KEY",
        /// 401: the key is inactive.
        ApiKeyInactive = "API_KEY_INACTIVE",
        /// 401: the key has expired.
        ApiKeyExpired = "API_KEY_EXPIRED",
        /// 401: internal worker authentication failed.
        InvalidWorkerSecret = "INVALID_WORKER_SECRET",
        /// 401: the session is not valid.
        InvalidSession = "INVALID_SESSION",
        /// 402: the balance does not cover the job.
        InsufficientBalance = "INSUFFICIENT_BALANCE",
        /// 403: the account may not use this model.
        ModelAccessDenied = "MODEL_ACCESS_DENIED",
        /// 403: the caller's IP is not allowed.
        IpNotWhitelisted = "IP_NOT_WHITELISTED",
        /// 403: the key lacks a scope.
        OperationNotAllowed = "OPERATION_NOT_ALLOWED",
        /// 403: the job belongs to someone else.
        UnauthorizedAccess = "UNAUTHORIZED_ACCESS",
        /// 403: the user is banned.
        UserBanned = "USER_BANNED",
        /// 403: the user is inactive.
        UserInactive = "USER_INACTIVE",
        /// 403: forbidden.
        Forbidden = "FORBIDDEN",
        /// 404: no such model.
        ModelNotFound = "MODEL_NOT_FOUND",
        /// 404: no such model version.
        ModelVersionNotFound = "MODEL_VERSION_NOT_FOUND",
        /// 404: no such job.
        JobNotFound = "JOB_NOT_FOUND",
        /// 404: no such user.
        UserNotFound = "USER_NOT_FOUND",
        /// 429: too many jobs running; see `details.retryAfter`.
        ConcurrentJobsExceeded = "CONCURRENT_JOBS_EXCEEDED",
        /// 500: the server failed.
        InternalError = "INTERNAL_ERROR",
        /// 500: the server is misconfigured.
        ConfigError = "CONFIG_ERROR",
        /// 503: the job could not be queued (no job exists); retry.
        PubsubPublishFailed = "PUBSUB_PUBLISH_FAILED",
        /// Uploads: the request is not valid.
        ValidationError = "VALIDATION_ERROR",
        /// Uploads: the content type is not accepted.
        InvalidContentType = "INVALID_CONTENT_TYPE",
        /// Uploads: not found.
        NotFound = "NOT_FOUND",
        /// A failed job's error: the generation failed.
        GenerationFailed = "GENERATION_FAILED",
    }
}

/// One output file of a completed job.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Output {
    /// Where to download it.
    pub url: String,
    /// What it is (video unless the server says otherwise).
    #[serde(rename = "type")]
    pub kind: OutputType,
    /// A thumbnail image, when the server provides one.
    pub thumbnail: Option<String>,
    /// A poster image, when the server provides one.
    pub poster_image: Option<String>,
    /// The file's content type, when given.
    pub content_type: Option<String>,
    /// The file's duration in seconds, when given.
    pub duration_seconds: Option<f64>,
}

/// Why a job failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct JobError {
    /// The error code (`GENERATION_FAILED`, …).
    pub code: ErrorCode,
    /// What the server said.
    pub message: String,
}

fn string_of(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

impl Output {
    /// One entry of `outputs`: `{url, type, thumbnail, posterImage}`.
    pub(crate) fn from_entry(entry: &Value) -> Option<Self> {
        let url = string_of(entry.get("url")).or_else(|| string_of(entry.get("imageUrl")))?;
        Some(Self {
            kind: entry
                .get("type")
                .and_then(Value::as_str)
                .map_or(OutputType::Video, OutputType::from),
            thumbnail: string_of(entry.get("thumbnail")),
            poster_image: string_of(entry.get("posterImage")),
            content_type: string_of(entry.get("contentType")),
            duration_seconds: entry.get("durationSeconds").and_then(Value::as_f64),
            url,
        })
    }

    /// Every output shape the API documents: an `outputs` array, or an `output` that is a URL,
    /// `{url, contentType, durationSeconds}` or `{imageUrl, metadata}`.
    pub(crate) fn all_from(object: &Value) -> Vec<Self> {
        if let Some(list) = object.get("outputs").and_then(Value::as_array) {
            let outputs: Vec<Self> = list.iter().filter_map(Self::from_entry).collect();
            if !outputs.is_empty() {
                return outputs;
            }
        }
        match object.get("output") {
            Some(Value::String(url)) => vec![Self {
                url: url.clone(),
                kind: OutputType::Video,
                thumbnail: None,
                poster_image: None,
                content_type: None,
                duration_seconds: None,
            }],
            Some(entry @ Value::Object(map)) => {
                let mut output = Self::from_entry(entry);
                if let Some(o) = output.as_mut()
                    && map.contains_key("imageUrl")
                    && !map.contains_key("type")
                {
                    o.kind = OutputType::Image;
                }
                output.into_iter().collect()
            }
            _ => Vec::new(),
        }
    }
}

impl JobError {
    pub(crate) fn from_value(value: Option<&Value>) -> Option<Self> {
        let error = value.filter(|v| v.is_object())?;
        Some(Self {
            code: error
                .get("code")
                .and_then(Value::as_str)
                .map_or(ErrorCode::Unknown(String::new()), ErrorCode::from),
            message: string_of(error.get("message")).unwrap_or_default(),
        })
    }
}

/// Parses an RFC 3339 timestamp, `None` when absent or unreadable.
pub(crate) fn parse_time(value: Option<&Value>) -> Option<std::time::SystemTime> {
    value.and_then(Value::as_str).and_then(|t| {
        humantime::parse_rfc3339_weak(t.trim_end_matches('Z'))
            .ok()
            .or_else(|| humantime::parse_rfc3339(t).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn open_enums_keep_unknown_values() {
        assert_eq!(JobStatus::from("processing"), JobStatus::Processing);
        assert_eq!(
            JobStatus::from("paused"),
            JobStatus::Unknown("paused".into())
        );
        assert!(!JobStatus::from("paused").is_terminal());
        assert_eq!(ErrorCode::from("RATE_LIMITED").as_str(), "RATE_LIMITED");
        assert_eq!(ErrorCode::KNOWN.len(), 31);
        let code: ErrorCode = serde_json::from_value(json!("INSUFFICIENT_BALANCE")).unwrap();
        assert_eq!(code, ErrorCode::InsufficientBalance);
    }

    #[test]
    fn every_documented_output_shape_is_read() {
        let list = json!({"outputs": [{"url": "u", "type": "video", "thumbnail": "t", "posterImage": "p"}], "output": "u"});
        let o = &Output::all_from(&list)[0];
        assert_eq!(
            (
                o.url.as_str(),
                o.thumbnail.as_deref(),
                o.poster_image.as_deref()
            ),
            ("u", Some("t"), Some("p"))
        );
        assert_eq!(
            Output::all_from(&json!({"output": "https://x/v.mp4", "outputs": null}))[0].url,
            "https://x/v.mp4"
        );
        let object = Output::all_from(
            &json!({"output": {"url": "v", "contentType": "video/mp4", "durationSeconds": 5.0}}),
        );
        assert_eq!(
            (
                object[0].content_type.as_deref(),
                object[0].duration_seconds
            ),
            (Some("video/mp4"), Some(5.0))
        );
        let image = Output::all_from(&json!({"output": {"imageUrl": "i", "metadata": {}}}));
        assert_eq!(
            (image[0].url.as_str(), &image[0].kind),
            ("i", &OutputType::Image)
        );
        assert!(Output::all_from(&json!({"output": null, "outputs": null})).is_empty());
        let strange = Output::all_from(&json!({"outputs": [{"url": "a", "type": "hologram"}]}));
        assert_eq!(strange[0].kind, OutputType::Unknown("hologram".into()));
    }

    #[test]
    fn timestamps_parse_with_and_without_fractions() {
        assert!(parse_time(Some(&json!("2026-11-22T00:30:46.783Z"))).is_some());
        assert!(parse_time(Some(&json!("2026-11-22T00:30:46Z"))).is_some());
        assert!(parse_time(Some(&json!("yesterday"))).is_none());
    }
}
