//! The descriptor's identity: slug, `$schema`, published names, processing time and page.

use super::Checker;
use crate::diagnostics::{Code, Pointer};
use crate::load::META_SCHEMA_FILE;
use crate::model::Descriptor;

impl Checker<'_> {
    pub(super) fn identity(&mut self, relative_path: Option<&str>, d: &Descriptor, root: &Pointer) {
        let segments: Vec<&str> = d.slug.split('/').collect();
        let segment_ok = |s: &&str| {
            !s.is_empty()
                && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        };
        if segments.len() != 3 || !segments.iter().all(segment_ok) {
            self.report(
                Code::BadSlug,
                &root.key("slug"),
                format!("slug `{}` is not of the form provider/model/capability", d.slug),
                "use three lowercase segments of letters, digits, `-` and `.`, e.g. kling/kling-3.0-pro/text-to-video",
            );
        }
        if let Some(rel) = relative_path {
            self.path(rel, d, root);
        }
        for (key, value) in [
            ("provider", &d.provider),
            ("model", &d.model),
            ("capability", &d.capability),
            ("summary", &d.summary),
        ] {
            if value.trim().is_empty() {
                self.report(
                    Code::MissingText,
                    &root.key(key),
                    format!("`{key}` is empty"),
                    "fill it in from the model page",
                );
            } else if value.contains('\n') {
                self.report(
                    Code::MultiLineText,
                    &root.key(key),
                    format!("`{key}` spans several lines"),
                    "keep it to one line",
                );
            }
        }
        if d.processing_time_seconds == 0 {
            self.report(
                Code::ZeroProcessingTime,
                &root.key("processing_time_seconds"),
                "processing time is 0",
                "use the typical processing time the page states, in seconds",
            );
        }
        match url::Url::parse(&d.docs_url) {
            Ok(u) if u.scheme() == "https" => {}
            _ => self.report(
                Code::BadDocsUrl,
                &root.key("docs_url"),
                format!("`{}` is not an https URL", d.docs_url),
                "link the model's documentation page",
            ),
        }
    }

    /// The slug and `$schema` agree with the file's path under the schemas root.
    fn path(&mut self, rel: &str, d: &Descriptor, root: &Pointer) {
        let expected_slug = rel.strip_suffix(".json").unwrap_or(rel);
        if d.slug != expected_slug {
            self.report(
                Code::SlugPathMismatch,
                &root.key("slug"),
                format!("slug `{}` does not match the file path `{rel}`", d.slug),
                format!(
                    "move the file to schemas/{}.json, or correct the slug",
                    d.slug
                ),
            );
        }
        let expected_schema = format!(
            "{}{META_SCHEMA_FILE}",
            "../".repeat(rel.matches('/').count())
        );
        if d.schema != expected_schema {
            self.report(
                Code::WrongSchemaPath,
                &root.key("$schema"),
                format!("`$schema` is `{}`", d.schema),
                format!("point it at the format's schema: \"{expected_schema}\""),
            );
        }
    }
}
