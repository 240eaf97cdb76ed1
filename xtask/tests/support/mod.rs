//! What the xtask integration tests share: scratch directories, running the binary, fixtures.
#![allow(dead_code)] // each test crate uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An empty scratch directory of this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `cargo xtask ARGS` in `cwd`.
pub fn xtask_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

/// Runs `cargo xtask ARGS` in the crate directory.
pub fn xtask(args: &[&str]) -> Output {
    xtask_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// A path under `tests/fixtures`.
pub fn fixture(rel: &str) -> String {
    fixtures().join(rel).to_string_lossy().into_owned()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
