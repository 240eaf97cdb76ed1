//! `cargo xtask schema`: regenerate `descriptor.schema.json` from the descriptor types.

use std::path::{Path, PathBuf};

use kling_descriptor::load;

/// The flags of `cargo xtask schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schemas directory (default: the workspace's `schemas/`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The meta-schema exactly as it is written to disk.
pub fn meta_schema_text() -> String {
    let schema = kling_descriptor::descriptor_json_schema();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes the meta-schema into the schemas directory.
pub fn run(args: Args) -> Result<(), String> {
    let path = crate::paths::schemas_dir(args.dir.as_deref()).join(load::META_SCHEMA_FILE);
    write(&path)
}

fn write(path: &Path) -> Result<(), String> {
    std::fs::write(path, meta_schema_text())
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
