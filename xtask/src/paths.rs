//! Where the workspace keeps the files the commands read and write.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The schemas directory: `dir` when given (`--dir`), else the workspace's `schemas/`.
pub fn schemas_dir(dir: Option<&Path>) -> PathBuf {
    dir.map_or_else(|| workspace_root().join("schemas"), Path::to_path_buf)
}

/// The generated model catalog, `docs/MODELS.md`.
pub fn catalog_file() -> PathBuf {
    workspace_root().join("docs").join("MODELS.md")
}

/// Where the snapshots of every model's generated code live (see tests/expand.rs).
pub fn snapshots_dir() -> PathBuf {
    workspace_root().join("tests/snapshots/models")
}
