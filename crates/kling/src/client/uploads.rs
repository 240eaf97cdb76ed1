//! Uploads: a presigned slot, then a PUT of the bytes, and the URL to put in an input.

use super::answers::PresignAnswer;
use super::http::{Call, Retry};
use super::wire::PresignRequest;
use super::{Client, Error, UploadedFile};

impl Client {
    /// Uploads bytes (presign, then PUT) and returns the URL to put in an input.
    pub async fn upload_bytes(
        &self,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<UploadedFile, Error> {
        let body = PresignRequest {
            filename,
            content_type,
        };
        let url = self.endpoint("presign", &["uploads", "presign"])?;
        let slot = self.post_json("presign", url, &body, Retry::Safe).await?;
        let answer: PresignAnswer = slot.decode("presign")?;
        let upload_url = reqwest::Url::parse(&answer.upload_url).map_err(|e| {
            slot.undecodable(
                "presign",
                format!("`uploadUrl` `{}` is not a URL: {e}", answer.upload_url),
            )
        })?;
        if let Some(max) = answer.max_size
            && bytes.len() as u64 > max
        {
            return Err(Error::Config(format!(
                "{filename} is {} bytes, more than the {max} allowed for {content_type}",
                bytes.len()
            )));
        }
        self.call(Call {
            operation: "upload",
            method: reqwest::Method::PUT,
            url: upload_url,
            body: Some((bytes, content_type)),
            retry: Retry::Safe,
            auth: false,
            submit: None,
        })
        .await?;
        Ok(answer.into_uploaded())
    }

    /// Uploads a file from disk; the content type comes from its extension.
    pub async fn upload_path(
        &self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<UploadedFile, Error> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let content_type = content_type_of(path).ok_or_else(|| {
            Error::Config(format!(
                "{shown}: unknown file type; use jpg, png, webp, gif, mp4, webm, mp3 or wav"
            ))
        })?;
        let bytes = tokio::task::spawn_blocking({
            let path = path.to_path_buf();
            move || std::fs::read(path)
        })
        .await
        .map_err(|e| Error::Io {
            path: shown.clone(),
            source: std::io::Error::other(e),
        })?
        .map_err(|source| Error::Io {
            path: shown.clone(),
            source,
        })?;
        let filename = path
            .file_name()
            .map_or_else(|| "upload".into(), |n| n.to_string_lossy().into_owned());
        self.upload_bytes(&filename, content_type, bytes).await
    }
}

/// The content type the API accepts for a file extension.
pub fn content_type_of(path: &std::path::Path) -> Option<&'static str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        let of = |name: &str| content_type_of(std::path::Path::new(name));
        assert_eq!(of("a/b/Clip.MP4"), Some("video/mp4"));
        assert_eq!(of("cat.jpeg"), Some("image/jpeg"));
        assert_eq!(of("song.mp3"), Some("audio/mpeg"));
        assert_eq!(of("notes.txt"), None);
        assert_eq!(of("no_extension"), None);
    }
}
