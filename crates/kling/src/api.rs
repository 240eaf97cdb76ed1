//! The API's server-side vocabulary: job statuses, error codes, outputs. Every enum here is
//! open: a value this version does not know is kept as `Unknown(text)`, never an error.

use std::fmt;

use std::time::SystemTime;

use serde::Deserialize;

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
    /// What it is: the server's `type`, else the top-level type of `contentType`, else a video
    /// (an `{imageUrl, …}` output is an image).
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
    /// What the server said (empty when it gave no message).
    pub message: String,
}

/// One output as the wire carries it, in every shape the API documents: a bare URL,
/// `{url, type, thumbnail, posterImage}` (the `outputs` entries), `{url, contentType,
/// durationSeconds}` or `{imageUrl, metadata}`. Without a URL it is not an output.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "an output: a URL, an object with `url`, or an object with `imageUrl`"
)]
pub(crate) enum OutputWire {
    Url(String),
    File(FileWire),
    Image(ImageWire),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileWire {
    url: String,
    #[serde(rename = "type")]
    kind: Option<OutputType>,
    thumbnail: Option<String>,
    poster_image: Option<String>,
    content_type: Option<String>,
    duration_seconds: Option<f64>,
}

/// `{imageUrl, metadata}`: `metadata` stays in the answer's `raw`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageWire {
    image_url: String,
    content_type: Option<String>,
}

impl From<OutputWire> for Output {
    fn from(wire: OutputWire) -> Self {
        let bare = |url: String, kind: OutputType| Output {
            url,
            kind,
            thumbnail: None,
            poster_image: None,
            content_type: None,
            duration_seconds: None,
        };
        match wire {
            OutputWire::Url(url) => bare(url, OutputType::Video),
            OutputWire::Image(image) => Output {
                content_type: image.content_type,
                ..bare(image.image_url, OutputType::Image)
            },
            OutputWire::File(file) => Output {
                kind: file
                    .kind
                    .or_else(|| file.content_type.as_deref().and_then(kind_of_content_type))
                    .unwrap_or(OutputType::Video),
                url: file.url,
                thumbnail: file.thumbnail,
                poster_image: file.poster_image,
                content_type: file.content_type,
                duration_seconds: file.duration_seconds,
            },
        }
    }
}

/// `video/mp4` is a video, `image/png` an image; other top-level types say nothing.
fn kind_of_content_type(content_type: &str) -> Option<OutputType> {
    let top = content_type.split('/').next()?.trim();
    OutputType::KNOWN
        .iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(top))
        .cloned()
}

/// The outputs of a job or event from its `outputs` list and its `output` member: the list
/// when it has entries (it carries thumbnails and types), otherwise `output`.
pub(crate) fn outputs(output: Option<OutputWire>, outputs: Option<Vec<OutputWire>>) -> Vec<Output> {
    match outputs {
        Some(list) if !list.is_empty() => list.into_iter().map(Output::from).collect(),
        _ => output.into_iter().map(Output::from).collect(),
    }
}

/// A failed job's `error`: the code is what makes it an error; a missing message is empty.
#[derive(Deserialize)]
pub(crate) struct JobErrorWire {
    code: ErrorCode,
    #[serde(default)]
    message: String,
}

impl From<JobErrorWire> for JobError {
    fn from(wire: JobErrorWire) -> Self {
        Self {
            code: wire.code,
            message: wire.message,
        }
    }
}

/// An RFC 3339 timestamp in UTC, as the API writes them (`2026-11-22T00:30:46.783Z`); anything
/// else is a decoding error that quotes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp(pub(crate) SystemTime);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        humantime::parse_rfc3339_weak(text.trim_end_matches('Z'))
            .or_else(|_| humantime::parse_rfc3339(&text))
            .map(Timestamp)
            .map_err(|e| {
                serde::de::Error::custom(format!("`{text}` is not an RFC 3339 UTC timestamp ({e})"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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

    fn outputs_of(answer: Value) -> Result<Vec<Output>, String> {
        #[derive(Deserialize)]
        struct Job {
            output: Option<OutputWire>,
            outputs: Option<Vec<OutputWire>>,
        }
        let job = Job::deserialize(&answer).map_err(|e| e.to_string())?;
        Ok(outputs(job.output, job.outputs))
    }

    #[test]
    fn every_documented_output_shape_is_read() {
        let list = outputs_of(json!({
            "outputs": [{"url": "u", "type": "video", "thumbnail": "t", "posterImage": "p"}],
            "output": "u"
        }))
        .unwrap();
        let o = &list[0];
        assert_eq!(
            (
                o.url.as_str(),
                &o.kind,
                o.thumbnail.as_deref(),
                o.poster_image.as_deref()
            ),
            ("u", &OutputType::Video, Some("t"), Some("p"))
        );
        let url = outputs_of(json!({"output": "https://x/v.mp4", "outputs": null})).unwrap();
        assert_eq!(
            (url[0].url.as_str(), &url[0].kind),
            ("https://x/v.mp4", &OutputType::Video)
        );
        // An empty list says nothing: `output` is read instead.
        let url = outputs_of(json!({"output": "https://x/v.mp4", "outputs": []})).unwrap();
        assert_eq!(url.len(), 1);
        let file = outputs_of(
            json!({"output": {"url": "v", "contentType": "video/mp4", "durationSeconds": 5.0}}),
        )
        .unwrap();
        assert_eq!(
            (
                file[0].content_type.as_deref(),
                file[0].duration_seconds,
                &file[0].kind
            ),
            (Some("video/mp4"), Some(5.0), &OutputType::Video)
        );
        let audio =
            outputs_of(json!({"output": {"url": "a", "contentType": "audio/mpeg"}})).unwrap();
        assert_eq!(audio[0].kind, OutputType::Audio);
        let image = outputs_of(json!({"output": {"imageUrl": "i", "metadata": {"w": 1}}})).unwrap();
        assert_eq!(
            (image[0].url.as_str(), &image[0].kind),
            ("i", &OutputType::Image)
        );
        assert!(
            outputs_of(json!({"output": null, "outputs": null}))
                .unwrap()
                .is_empty()
        );
        assert!(outputs_of(json!({})).unwrap().is_empty());
        let strange = outputs_of(json!({"outputs": [{"url": "a", "type": "hologram"}]})).unwrap();
        assert_eq!(strange[0].kind, OutputType::Unknown("hologram".into()));
    }

    #[test]
    fn an_output_without_a_url_is_refused() {
        for bad in [
            json!({"output": {"contentType": "video/mp4"}}),
            json!({"output": 5}),
            json!({"outputs": [{"type": "video", "thumbnail": "t"}]}),
            json!({"outputs": [{"url": 7}]}),
        ] {
            let err = outputs_of(bad.clone()).unwrap_err();
            assert!(err.contains("an output: a URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn job_errors_need_a_code() {
        let error: JobError = serde_json::from_value::<JobErrorWire>(
            json!({"code": "GENERATION_FAILED", "message": "no", "retryable": false}),
        )
        .unwrap()
        .into();
        assert_eq!(
            (error.code, error.message.as_str()),
            (ErrorCode::GenerationFailed, "no")
        );
        let quiet: JobError = serde_json::from_value::<JobErrorWire>(json!({"code": "X"}))
            .unwrap()
            .into();
        assert_eq!(
            (quiet.code, quiet.message.as_str()),
            (ErrorCode::Unknown("X".into()), "")
        );
        let err = serde_json::from_value::<JobErrorWire>(json!({"message": "no"})).err();
        assert!(err.is_some_and(|e| e.to_string().contains("missing field `code`")));
    }

    #[test]
    fn timestamps_parse_with_and_without_fractions() {
        let at = |v: Value| serde_json::from_value::<Timestamp>(v).map_err(|e| e.to_string());
        assert!(at(json!("2026-11-22T00:30:46.783Z")).is_ok());
        assert!(at(json!("2026-11-22T00:30:46Z")).is_ok());
        let err = at(json!("yesterday")).unwrap_err();
        assert!(err.contains("`yesterday` is not an RFC 3339"), "{err}");
        assert!(at(json!(1_700_000_000)).is_err());
    }
}
