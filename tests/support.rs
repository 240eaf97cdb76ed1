//! Helpers shared by the workspace-level tests: where the catalog lives and how to load it.

use std::path::PathBuf;

use kling_descriptor::load::{self, Loaded};

/// The workspace's `schemas/` directory.
pub fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// A file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Loads every descriptor of the catalog, failing with every diagnostic when one does not load.
pub fn catalog() -> Vec<Loaded> {
    let catalog = load::load_dir(&schemas_dir());
    let errors: Vec<String> = catalog
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        errors.is_empty(),
        "the catalog does not load:\n{}",
        errors.join("\n")
    );
    catalog.descriptors
}
