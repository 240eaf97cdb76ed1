//! `cargo xtask`: the maintainers' tasks for this workspace.
//!
//! - `cargo xtask check`: validate every descriptor and fail when generated files are stale;
//! - `cargo xtask schema`: regenerate `schemas/descriptor.schema.json` from the Rust types.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kling_descriptor::{Diagnostic, check, load};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer tasks for the kling workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate every descriptor; fail on errors or on a stale descriptor.schema.json.
    Check {
        /// The schemas directory (default: the workspace's `schemas/`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print only errors and the summary, not warnings.
        #[arg(long)]
        quiet: bool,
    },
    /// Regenerate descriptor.schema.json from the descriptor types.
    Schema {
        /// The schemas directory (default: the workspace's `schemas/`).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { dir, quiet } => run_check(&schemas_dir(dir), quiet),
        Command::Schema { dir } => write_schema(&schemas_dir(dir)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn schemas_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| workspace_root().join("schemas"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The meta-schema exactly as it is written to disk.
fn meta_schema_text() -> String {
    let schema = kling_descriptor::descriptor_json_schema();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

fn write_schema(dir: &Path) -> Result<(), String> {
    let path = dir.join(load::META_SCHEMA_FILE);
    std::fs::write(&path, meta_schema_text())
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn run_check(dir: &Path, quiet: bool) -> Result<(), String> {
    let catalog = load::load_dir(dir);
    let mut diagnostics: Vec<Diagnostic> = catalog.diagnostics;
    diagnostics.extend(check::check_catalog(&catalog.descriptors));

    let schema_path = dir.join(load::META_SCHEMA_FILE);
    match std::fs::read_to_string(&schema_path) {
        Ok(text) if text == meta_schema_text() => {}
        Ok(_) => diagnostics.push(
            Diagnostic::error(&schema_path, "", "the descriptor format's schema is stale")
                .with_hint("run `cargo xtask schema` and commit the result"),
        ),
        Err(e) => diagnostics.push(
            Diagnostic::error(
                &schema_path,
                "",
                format!("cannot read the descriptor format's schema: {e}"),
            )
            .with_hint("run `cargo xtask schema`"),
        ),
    }

    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let cwd = std::env::current_dir().unwrap_or_default();
    for d in diagnostics.iter_mut().filter(|d| !quiet || d.is_error()) {
        if let Ok(relative) = d.file.strip_prefix(&cwd) {
            d.file = relative.to_path_buf();
        }
        eprintln!("{d}");
    }
    let files = catalog.descriptors.len();
    let summary = format!(
        "checked {files} descriptor(s) in {}: {errors} error(s), {warnings} warning(s)",
        dir.display()
    );
    if errors > 0 {
        Err(format!("{summary}\ncheck failed"))
    } else {
        println!("{summary}");
        Ok(())
    }
}
