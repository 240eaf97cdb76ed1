//! Semantic validation of descriptors: every problem at once, each with a stable code, a JSON
//! pointer and a hint.
//!
//! One private module per part of a descriptor: `identity` (slug, `$schema`, published names),
//! `fields` (names, shapes, options, defaults), `rules` and `pricing` (factors, the documented
//! cost, every combination).

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::{Code, Diagnostic, Pointer};
use crate::load::Loaded;
use crate::model::{Descriptor, NoteTopic};
use crate::naming;

mod fields;
mod identity;
mod pricing;
mod rules;

/// Most option combinations a descriptor may have; the checks visit each of them.
pub const MAX_COMBINATIONS: u64 = 1_000_000;

/// Checks every descriptor and the catalog as a whole (duplicate slugs, colliding module paths
/// and model ids).
pub fn check_catalog(descriptors: &[Loaded]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut slugs: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut modules: BTreeMap<String, (&str, &Path)> = BTreeMap::new();
    let mut variants: BTreeMap<String, (&str, &Path)> = BTreeMap::new();
    for loaded in descriptors {
        out.extend(check_loaded(loaded));
        let d = &loaded.descriptor;
        let at = Pointer::root().key("slug");
        let problem = |code, message: String, hint: &str| {
            Diagnostic::new(code, &loaded.file, at.as_str(), message).with_hint(hint)
        };
        if let Some(first) = slugs.insert(&d.slug, &loaded.file) {
            out.push(problem(
                Code::DuplicateSlug,
                format!("slug `{}` is already used by {}", d.slug, first.display()),
                "every slug must be described once",
            ));
            continue;
        }
        let segments: Vec<&str> = d.slug.split('/').collect();
        let variant = naming::type_ident(&segments);
        if let Some((other, file)) = variants.insert(variant.clone(), (&d.slug, &loaded.file)) {
            out.push(problem(
                Code::NameCollision,
                format!(
                    "slug `{}` and `{other}` ({}) both become the model id `{variant}`",
                    d.slug,
                    file.display()
                ),
                "slugs must differ in more than punctuation",
            ));
        }
        let module_path = segments
            .iter()
            .map(|s| naming::module_ident(s))
            .collect::<Vec<_>>()
            .join("::");
        if let Some((other, file)) = modules.insert(module_path.clone(), (&d.slug, &loaded.file)) {
            out.push(problem(
                Code::NameCollision,
                format!(
                    "slug `{}` and `{other}` ({}) both become the Rust module `{module_path}`",
                    d.slug,
                    file.display()
                ),
                "slugs must differ in more than punctuation",
            ));
        }
    }
    out
}

/// Checks one loaded descriptor, including that its slug and `$schema` match its path.
pub fn check_loaded(loaded: &Loaded) -> Vec<Diagnostic> {
    check_descriptor(
        &loaded.file,
        Some(&loaded.relative_path),
        &loaded.descriptor,
    )
}

/// Checks one descriptor. With `relative_path` (its path under the schemas root) the slug and
/// `$schema` are checked against it too.
pub fn check_descriptor(
    file: &Path,
    relative_path: Option<&str>,
    d: &Descriptor,
) -> Vec<Diagnostic> {
    let mut c = Checker {
        file,
        out: Vec::new(),
    };
    let root = Pointer::root();
    c.identity(relative_path, d, &root);
    let mut types = BTreeMap::new();
    c.fields(&d.fields, &root.key("fields"), &[], &mut types);
    c.rules(d, &root.key("rules"));
    c.pricing(d, &root.key("pricing"));
    for (i, note) in d.notes.iter().enumerate() {
        if note.text.trim().is_empty() {
            c.report(
                Code::MissingText,
                &root.key("notes").index(i).key("text"),
                "the note is empty",
                "say what was decided, or remove the note",
            );
        }
    }
    c.out
}

/// Collects the diagnostics of one descriptor file.
struct Checker<'a> {
    file: &'a Path,
    out: Vec<Diagnostic>,
}

/// `a, b, c`.
fn list<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Checker<'_> {
    fn report(
        &mut self,
        code: Code,
        at: &Pointer,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.out
            .push(Diagnostic::new(code, self.file, at.as_str(), message).with_hint(hint));
    }

    /// A published contradiction is a warning, and must be recorded in a note.
    fn contradiction(&mut self, d: &Descriptor, at: &Pointer, message: String, topic: NoteTopic) {
        self.report(
            Code::PublishedInconsistency,
            at,
            message,
            "kept as published; the descriptor's notes say how it is resolved",
        );
        if !d.notes.iter().any(|n| n.topic == topic) {
            self.report(
                Code::UnrecordedInconsistency,
                &Pointer::root().key("notes"),
                format!("the published inconsistency at {at} is not recorded"),
                format!(
                    "add a note with topic `{}` saying how the descriptor resolves it",
                    topic.as_str()
                ),
            );
        }
    }
}
