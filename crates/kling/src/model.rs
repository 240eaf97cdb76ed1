//! What every generated model has in common.

use std::time::Duration;

use crate::{MicroCents, Quote, Violations};

/// A Kling model's typed input. Every generated `Input` implements it.
///
/// ```
/// use kling::Model;
/// use kling::models::kling_plus::kling_o3_standard::text_to_video::{Duration, Input};
///
/// let input = Input::new("a paper boat on a rainy street").duration(Duration::Seconds10).has_sound(true);
/// assert!(input.validate().is_ok());
/// assert_eq!(input.cost().get(), 84_000 * 10 * 3 / 2);
/// assert_eq!(Input::SLUG, "kling-plus/kling-o3-standard/text-to-video");
/// ```
pub trait Model:
    serde::Serialize
    + serde::de::DeserializeOwned
    + schemars::JsonSchema
    + Clone
    + std::fmt::Debug
    + PartialEq
    + Send
    + Sync
    + 'static
{
    /// The model slug, `provider/model/capability`.
    const SLUG: &'static str;
    /// Everything the catalog knows about the model.
    const INFO: ModelInfo;

    /// Every violation of the model's limits and cross-field rules, each with its JSON pointer.
    /// What the types already rule out (missing required fields, unknown options) cannot occur.
    fn validate(&self) -> Result<(), Violations>;

    /// The list price in micro-cents: plain integer arithmetic on constants.
    fn cost(&self) -> MicroCents;

    /// The list price with one line per pricing factor, for display.
    fn cost_breakdown(&self) -> Quote;
}

/// Facts about one model, from its descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ModelInfo {
    /// `provider/model/capability`.
    pub slug: &'static str,
    /// Provider as published (`Kling Plus`).
    pub provider: &'static str,
    /// Model as published (`Kling O3 Standard`).
    pub model: &'static str,
    /// Capability as published (`Text to Video`).
    pub capability: &'static str,
    /// One line saying what the model does.
    pub summary: &'static str,
    /// The model's documentation page.
    pub docs_url: &'static str,
    /// The base price before multipliers.
    pub base_cost: MicroCents,
    /// Whether the price is flat (charged once per job, no factors).
    pub flat: bool,
    /// Typical processing time, in seconds.
    pub processing_time_secs: u32,
}

impl ModelInfo {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        slug: &'static str,
        provider: &'static str,
        model: &'static str,
        capability: &'static str,
        summary: &'static str,
        docs_url: &'static str,
        base_cost: u64,
        flat: bool,
        processing_time_secs: u32,
    ) -> Self {
        Self {
            slug,
            provider,
            model,
            capability,
            summary,
            docs_url,
            base_cost: MicroCents::new(base_cost),
            flat,
            processing_time_secs,
        }
    }

    /// Typical processing time.
    pub const fn processing_time(&self) -> Duration {
        Duration::from_secs(self.processing_time_secs as u64)
    }
}

/// A JSON input that does not fit a model's typed input (wrong type, unknown option or field,
/// missing required field). Only the first such problem is known: decoding stops there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", if path.is_empty() { "input" } else { path.as_str() })]
pub struct DecodeError {
    /// JSON pointer to the offending value.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Why a JSON input was refused on the dynamic path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The slug names no known model.
    #[error(transparent)]
    UnknownModel(#[from] UnknownModel),
    /// The JSON does not fit the model's typed input.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The input decoded but breaks the model's limits or rules.
    #[error("{0}")]
    Invalid(#[from] Violations),
}

/// A slug that names no model of the catalog ([`crate::ModelId::SLUGS`] lists them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model `{slug}`{}", suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
#[non_exhaustive]
pub struct UnknownModel {
    /// The slug given.
    pub slug: String,
    /// The known slug closest to it, when it looks like a typo of one.
    pub suggestion: Option<&'static str>,
}

impl UnknownModel {
    /// The error for `slug`, with the nearest of `known` as its suggestion.
    pub(crate) fn new(slug: &str, known: &[&'static str]) -> Self {
        UnknownModel {
            slug: slug.to_string(),
            suggestion: kling_descriptor::naming::nearest(slug, known.iter().copied()),
        }
    }
}

/// A value that is not one of a field's options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not one of {}", options.join(", "))]
pub struct UnknownOption {
    /// The value given.
    pub value: String,
    /// The accepted values.
    pub options: &'static [&'static str],
}
