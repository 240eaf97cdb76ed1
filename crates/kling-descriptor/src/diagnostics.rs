//! Problems found in descriptors, each with a stable code, the file, a JSON pointer and a hint.

use std::fmt;
use std::path::PathBuf;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The descriptor is unusable until this is fixed.
    Error,
    /// A published inconsistency or doubtful choice; the descriptor stays usable.
    Warning,
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $id:literal $name:literal $severity:ident,)*) => {
        /// The kind of a [`Diagnostic`]: stable, so tools and tests can match on it while the
        /// wording of messages improves. Shown as `error[E021 duplicate-field]`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in numbering order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The number, `E…` for errors and `W…` for warnings.
            pub const fn id(self) -> &'static str {
                match self { $(Code::$variant => $id,)* }
            }

            /// The short kebab-case name.
            pub const fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// Whether a problem of this kind is an error or a warning.
            pub const fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    /// A file or directory cannot be read.
    Unreadable = "E001" "unreadable" Error,
    /// The text is not JSON.
    InvalidJson = "E002" "invalid-json" Error,
    /// A value outside the listed ones (an unknown `type`, `value_type`, `rule`, `topic`).
    UnknownValue = "E003" "unknown-value" Error,
    /// A key the format does not have.
    UnknownKey = "E004" "unknown-key" Error,
    /// A key the format requires is absent.
    MissingKey = "E005" "missing-key" Error,
    /// A value of the wrong JSON type or form.
    WrongShape = "E006" "wrong-shape" Error,
    /// A directory holds no descriptor at all.
    NoDescriptors = "E007" "no-descriptors" Error,
    /// The slug is not `provider/model/capability`.
    BadSlug = "E010" "bad-slug" Error,
    /// The slug differs from the file's path.
    SlugPathMismatch = "E011" "slug-path-mismatch" Error,
    /// `$schema` does not point at the format's schema.
    WrongSchemaPath = "E012" "wrong-schema-path" Error,
    /// A text that must say something is empty.
    MissingText = "E013" "missing-text" Error,
    /// A one-line text spans several lines.
    MultiLineText = "E014" "multi-line-text" Error,
    /// The processing time is 0.
    ZeroProcessingTime = "E015" "zero-processing-time" Error,
    /// The documentation link is not an https URL.
    BadDocsUrl = "E016" "bad-docs-url" Error,
    /// Two descriptors have the same slug.
    DuplicateSlug = "E017" "duplicate-slug" Error,
    /// Two names become the same Rust name (module, model id, field, type or variant).
    NameCollision = "E018" "name-collision" Error,
    /// A wire name that cannot be a field name.
    BadFieldName = "E020" "bad-field-name" Error,
    /// A field is described twice.
    DuplicateField = "E021" "duplicate-field" Error,
    /// A `rust_name` that is not a snake_case Rust name.
    BadRustName = "E022" "bad-rust-name" Error,
    /// A key that does not apply to the field's type.
    KeyNotApplicable = "E023" "key-not-applicable" Error,
    /// A lower bound above the upper one.
    InvertedBounds = "E024" "inverted-bounds" Error,
    /// `max_length` is 0.
    ZeroMaxLength = "E025" "zero-max-length" Error,
    /// An array that does not say what its items are.
    MissingItems = "E026" "missing-items" Error,
    /// An object (or object items) without members.
    NoMembers = "E027" "no-members" Error,
    /// Arrays of arrays.
    NestedArray = "E028" "nested-array" Error,
    /// An empty list of options.
    EmptyOptions = "E029" "empty-options" Error,
    /// An option listed twice.
    DuplicateOption = "E030" "duplicate-option" Error,
    /// An option that is not a value of the field's type.
    BadOption = "E031" "bad-option" Error,
    /// A default on an array or object field.
    UnsupportedDefault = "E032" "unsupported-default" Error,
    /// A default of the wrong JSON type.
    DefaultWrongType = "E033" "default-wrong-type" Error,
    /// A default that is not one of the options.
    DefaultNotAnOption = "E034" "default-not-an-option" Error,
    /// A default that is not a value of the field's type.
    BadDefault = "E035" "bad-default" Error,
    /// A default outside the field's range or length.
    DefaultOutOfRange = "E036" "default-out-of-range" Error,
    /// A rule names a field that does not exist.
    RuleUnknownField = "E040" "rule-unknown-field" Error,
    /// A rule names a field of the wrong kind.
    RuleWrongField = "E041" "rule-wrong-field" Error,
    /// A rule that does not tighten the field's own limit.
    RuleLooseLimit = "E042" "rule-loose-limit" Error,
    /// A flat price with factors.
    FlatWithFactors = "E050" "flat-with-factors" Error,
    /// A price that is neither flat nor has factors.
    NoFactors = "E051" "no-factors" Error,
    /// A pricing parameter named like an input field.
    ParameterIsField = "E052" "parameter-is-field" Error,
    /// A pricing parameter declared twice.
    DuplicateParameter = "E053" "duplicate-parameter" Error,
    /// A pricing parameter without options.
    ParameterWithoutOptions = "E054" "parameter-without-options" Error,
    /// Two factors price the same field.
    DuplicateFactor = "E055" "duplicate-factor" Error,
    /// A factor on an optional field without a default.
    FactorWithoutDefault = "E056" "factor-without-default" Error,
    /// A factor on a field or parameter that does not exist.
    FactorUnknownField = "E057" "factor-unknown-field" Error,
    /// A factor on a field without options.
    FactorWithoutOptions = "E058" "factor-without-options" Error,
    /// An option without a multiplier.
    MissingMultiplier = "E059" "missing-multiplier" Error,
    /// A multiplier for something that is not an option.
    ExtraMultiplier = "E060" "extra-multiplier" Error,
    /// The documented cost assumes a value of something that is not a factor.
    AssumesNonFactor = "E061" "assumes-non-factor" Error,
    /// The documented cost assumes an option without a multiplier.
    AssumesUnpricedOption = "E062" "assumes-unpriced-option" Error,
    /// The documented cost differs from the computed one.
    DocumentedCostMismatch = "E063" "documented-cost-mismatch" Error,
    /// The documented cost cannot be recomputed.
    DocumentedCostUndefined = "E064" "documented-cost-undefined" Error,
    /// More option combinations than can be verified.
    TooManyCombinations = "E065" "too-many-combinations" Error,
    /// A price that overflows 64-bit micro-cents.
    PriceOverflow = "E066" "price-overflow" Error,
    /// A price that is not a whole number of micro-cents.
    InexactPrice = "E067" "inexact-price" Error,
    /// A published inconsistency that no note records.
    UnrecordedInconsistency = "E068" "unrecorded-inconsistency" Error,
    /// A factor the code generator cannot price.
    UnsupportedFactor = "E070" "unsupported-factor" Error,
    /// `descriptor.schema.json` is missing or differs from the Rust types.
    StaleMetaSchema = "E080" "stale-meta-schema" Error,
    /// `docs/MODELS.md` is missing or stale.
    StaleCatalog = "E081" "stale-catalog" Error,
    /// A model has no snapshot of its generated code.
    MissingSnapshot = "E082" "missing-snapshot" Error,
    /// A published inconsistency, kept as published.
    PublishedInconsistency = "W001" "published-inconsistency" Warning,
    /// A pricing parameter no factor uses.
    UnusedParameter = "W002" "unused-parameter" Warning,
}

impl fmt::Display for Code {
    /// `E021 duplicate-field`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id(), self.name())
    }
}

/// One problem in one descriptor file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The kind of problem; its severity comes with it.
    pub code: Code,
    /// The descriptor file, as given to the loader.
    pub file: PathBuf,
    /// JSON pointer (RFC 6901) to the offending value; empty for the whole document.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem of kind `code` at `pointer` in `file`.
    pub fn new(
        code: Code,
        file: impl Into<PathBuf>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            file: file.into(),
            pointer: pointer.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Error or warning, as the code says.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `error[E034 default-not-an-option]: schemas/a/b/c.json#/fields/2/default: message`, then
    /// `  hint: …` when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{level}[{}]: {}#{}: {}",
            self.code,
            self.file.display(),
            self.pointer,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Builds JSON pointers segment by segment, escaping `~` and `/` as RFC 6901 requires.
///
/// ```
/// use kling_descriptor::diagnostics::Pointer;
/// let p = Pointer::root().key("pricing").key("a/b").index(2);
/// assert_eq!(p.as_str(), "/pricing/a~1b/2");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    /// The pointer to the whole document (the empty string).
    pub fn root() -> Self {
        Self(String::new())
    }

    /// The pointer to member `key` of this value.
    pub fn key(&self, key: &str) -> Self {
        Self(format!(
            "{}/{}",
            self.0,
            key.replace('~', "~0").replace('/', "~1")
        ))
    }

    /// The pointer to item `index` of this array.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}/{index}", self.0))
    }

    /// `relative` (a pointer from this value) as a pointer from the document.
    pub fn join(&self, relative: &Pointer) -> Self {
        Self(format!("{}{}", self.0, relative.0))
    }

    /// The pointer text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Pointer> for String {
    fn from(p: Pointer) -> Self {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_numbered_by_severity() {
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(ids.insert(code.id()), "{code} is numbered twice");
            assert!(names.insert(code.name()), "{code} is named twice");
            let prefix = match code.severity() {
                Severity::Error => 'E',
                Severity::Warning => 'W',
            };
            assert!(code.id().starts_with(prefix), "{code}");
        }
    }
}
