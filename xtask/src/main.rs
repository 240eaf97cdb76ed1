//! `cargo xtask`: the maintainers' tasks for this workspace.
//!
//! - `cargo xtask check`: validate every descriptor and fail when generated files are stale;
//! - `cargo xtask schema`: regenerate `schemas/descriptor.schema.json` from the Rust types;
//! - `cargo xtask expand SLUG`: print the formatted code generated for one model.

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
    /// Print the formatted Rust generated for one model.
    Expand {
        /// The model slug, e.g. kling-plus/kling-o3-standard/reference-to-video.
        slug: String,
        /// The schemas directory (default: the workspace's `schemas/`).
        #[arg(long)]
        dir: Option<PathBuf>,
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
        Command::Expand { slug, dir } => expand(&schemas_dir(dir), &slug),
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

fn expand(dir: &Path, slug: &str) -> Result<(), String> {
    let catalog = load::load_dir(dir);
    let mut diagnostics = catalog.diagnostics;
    diagnostics.extend(check::check_catalog(&catalog.descriptors));
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    let Some(loaded) = catalog
        .descriptors
        .iter()
        .find(|l| l.descriptor.slug == slug)
    else {
        let known: Vec<&str> = catalog
            .descriptors
            .iter()
            .map(|l| l.descriptor.slug.as_str())
            .collect();
        let near: Vec<&str> = known
            .iter()
            .copied()
            .filter(|k| k.contains(slug) || slug.contains(*k))
            .take(5)
            .collect();
        let mut message = format!("error: no model `{slug}` under {}", dir.display());
        if !near.is_empty() {
            message.push_str(&format!("\n  similar: {}", near.join(", ")));
        }
        message.push_str("\n  hint: `ls schemas/*/*` lists the slugs (without .json)");
        return Err(message);
    };
    if !errors.is_empty() {
        return Err(format!(
            "{}\ncannot expand while descriptors have errors",
            errors.join("\n")
        ));
    }
    let tokens = kling_codegen::model_module(loaded, &kling_codegen::Options::default());
    let text = kling_codegen::pretty(tokens)?;
    print!("{text}");
    Ok(())
}
