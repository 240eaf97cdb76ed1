//! Reading descriptor files: syntax and structure, with every structural problem reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostic, Pointer};
use crate::model::Descriptor;

/// The file name of the descriptor format's JSON Schema, at the root of the schemas directory.
pub const META_SCHEMA_FILE: &str = "descriptor.schema.json";

/// A descriptor read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The path relative to the schemas root, with `/` separators (`kling/x/text-to-video.json`).
    pub relative_path: String,
    /// The file as opened (root joined with the relative path).
    pub file: PathBuf,
    /// The parsed descriptor.
    pub descriptor: Descriptor,
}

/// Everything found under a schemas directory.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Descriptors that parsed, sorted by path.
    pub descriptors: Vec<Loaded>,
    /// Problems found while reading (files that did not parse are listed here only).
    pub diagnostics: Vec<Diagnostic>,
}

/// Most structural problems reported for one file before giving up on it.
const MAX_STRUCTURAL_PROBLEMS: usize = 50;

/// Parses one descriptor from its text, reporting every structural problem found.
///
/// Structure errors are collected by retrying after dropping the array item that held the
/// previous error (a broken field, factor or rule), so one bad field does not hide the others;
/// pointers always refer to the original document. A problem outside any array item ends the
/// search.
pub fn parse(file: &Path, text: &str) -> Result<Descriptor, Vec<Diagnostic>> {
    let syntax = |e: serde_json::Error| {
        vec![
            Diagnostic::new(
                Code::InvalidJson,
                file,
                "",
                format!(
                    "invalid JSON at line {}, column {}: {}",
                    e.line(),
                    e.column(),
                    without_location(&e)
                ),
            )
            .with_hint("fix the JSON syntax first; every descriptor is one JSON object"),
        ]
    };
    // Straight from the text first: this also catches duplicate keys, which a `Value` would hide.
    let mut de = serde_json::Deserializer::from_str(text);
    let first = match serde_path_to_error::deserialize::<_, Descriptor>(&mut de) {
        Ok(descriptor) => return de.end().map(|()| descriptor).map_err(syntax),
        Err(err) => err,
    };
    let value: Value = serde_json::from_str(text).map_err(syntax)?;
    let first_pointer = to_pointer(&first.path().iter().map(Segment::from).collect::<Vec<_>>());
    let mut problems = structural_problems(file, value);
    if !problems.iter().any(|p| p.pointer == first_pointer) {
        problems.insert(
            0,
            structural_diagnostic(file, first_pointer, first.into_inner().to_string()),
        );
    }
    Err(problems)
}

/// serde_json's message without its trailing " at line L column C" (the location comes first).
fn without_location(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix)
        .map(str::to_owned)
        .unwrap_or(text)
}

/// Every structural problem of a parsed document (empty when it deserializes).
fn structural_problems(file: &Path, mut value: Value) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    // Array items dropped so far: original pointer of the array -> original indexes, sorted.
    let mut dropped: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    loop {
        let err = match serde_path_to_error::deserialize::<_, Descriptor>(&value) {
            Ok(_) => return problems,
            Err(err) => err,
        };
        let current: Vec<Segment> = err.path().iter().map(Segment::from).collect();
        let original = to_original(&current, &dropped);
        let message = err.into_inner().to_string();
        problems.push(structural_diagnostic(file, to_pointer(&original), message));
        // Drop the innermost array item that contains the error and look for more.
        let Some(cut) = current.iter().rposition(|s| matches!(s, Segment::Index(_))) else {
            return problems;
        };
        if problems.len() >= MAX_STRUCTURAL_PROBLEMS || !remove_at(&mut value, &current[..=cut]) {
            return problems;
        }
        if let Segment::Index(index) = original[cut] {
            let removed = dropped.entry(to_pointer(&original[..cut])).or_default();
            removed.push(index);
            removed.sort_unstable();
        }
    }
}

/// Maps a path in the pruned document back to the original document's indexes.
fn to_original(current: &[Segment], dropped: &BTreeMap<String, Vec<usize>>) -> Vec<Segment> {
    let mut original: Vec<Segment> = Vec::with_capacity(current.len());
    for segment in current {
        let mapped = match segment {
            Segment::Index(i) => {
                let mut index = *i;
                if let Some(removed) = dropped.get(&to_pointer(&original)) {
                    for r in removed {
                        if *r <= index {
                            index += 1;
                        }
                    }
                }
                Segment::Index(index)
            }
            other => other.clone(),
        };
        original.push(mapped);
    }
    original
}

fn structural_diagnostic(file: &Path, pointer: String, message: String) -> Diagnostic {
    // serde's messages are the only account of what went wrong; their openings are stable.
    let (code, hint) = if message.starts_with("unknown variant") {
        (Code::UnknownValue, "use one of the values listed")
    } else if message.starts_with("unknown field") {
        (
            Code::UnknownKey,
            "remove the key or correct its spelling; the accepted keys are listed",
        )
    } else if message.starts_with("missing field") {
        (
            Code::MissingKey,
            "add the key; schemas/descriptor.schema.json lists what each object needs",
        )
    } else {
        (
            Code::WrongShape,
            "see schemas/descriptor.schema.json for the expected shape",
        )
    };
    Diagnostic::new(code, file, pointer, message).with_hint(hint)
}

#[derive(Debug, Clone)]
enum Segment {
    Key(String),
    Index(usize),
    Other,
}

impl From<&serde_path_to_error::Segment> for Segment {
    fn from(s: &serde_path_to_error::Segment) -> Self {
        match s {
            serde_path_to_error::Segment::Seq { index } => Self::Index(*index),
            serde_path_to_error::Segment::Map { key } => Self::Key(key.clone()),
            _ => Self::Other,
        }
    }
}

fn to_pointer(segments: &[Segment]) -> String {
    segments
        .iter()
        .fold(Pointer::root(), |p, s| match s {
            Segment::Key(k) => p.key(k),
            Segment::Index(i) => p.index(*i),
            Segment::Other => p,
        })
        .into()
}

/// Removes the array item the path points at; false when the path does not lead to one.
fn remove_at(value: &mut Value, path: &[Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut current = value;
    for segment in parents {
        current = match (segment, current) {
            (Segment::Key(k), Value::Object(map)) => match map.get_mut(k) {
                Some(v) => v,
                None => return false,
            },
            (Segment::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            (Segment::Other, v) => v,
            _ => return false,
        };
    }
    match (last, current) {
        (Segment::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
            true
        }
        _ => false,
    }
}

/// Reads and parses one file. `relative_path` is its path under the schemas root.
pub fn load_file(root: &Path, relative_path: &str) -> Result<Loaded, Vec<Diagnostic>> {
    let file = root.join(relative_path);
    let text = std::fs::read_to_string(&file).map_err(|e| {
        vec![Diagnostic::new(
            Code::Unreadable,
            &file,
            "",
            format!("cannot read the file: {e}"),
        )]
    })?;
    let descriptor = parse(&file, &text)?;
    Ok(Loaded {
        relative_path: relative_path.to_owned(),
        file,
        descriptor,
    })
}

/// Every `*.json` descriptor path under `root` (relative, `/`-separated, sorted), excluding the
/// meta-schema.
pub fn descriptor_paths(root: &Path) -> std::io::Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let rel = rel.join("/");
                if rel != META_SCHEMA_FILE {
                    out.push(rel);
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

/// Loads every descriptor under `root`. Files that fail to read or parse are reported in the
/// catalog's diagnostics; the others are returned, so one broken file hides nothing else.
pub fn load_dir(root: &Path) -> Catalog {
    let mut catalog = Catalog::default();
    let paths = match descriptor_paths(root) {
        Ok(paths) => paths,
        Err(e) => {
            catalog.diagnostics.push(Diagnostic::new(
                Code::Unreadable,
                root,
                "",
                format!("cannot list the descriptors: {e}"),
            ));
            return catalog;
        }
    };
    for rel in paths {
        match load_file(root, &rel) {
            Ok(loaded) => catalog.descriptors.push(loaded),
            Err(mut problems) => catalog.diagnostics.append(&mut problems),
        }
    }
    catalog
}
