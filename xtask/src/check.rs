//! `cargo xtask check`: load, check and price-check the catalog, and fail when a generated file
//! (the meta-schema, `docs/MODELS.md`) is stale or a model has no snapshot of its generated code.

use std::path::{Path, PathBuf};

use kling_descriptor::load::Loaded;
use kling_descriptor::{Code, Diagnostic, check, load};

use crate::paths;

/// The flags of `cargo xtask check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schemas directory (default: the workspace's `schemas/`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print only errors and the summary, not warnings.
    #[arg(long)]
    pub quiet: bool,
    /// The generated catalog to check for freshness (default: docs/MODELS.md, unless --dir is given).
    #[arg(long = "catalog-file")]
    pub catalog_file: Option<PathBuf>,
    /// Where the snapshots of generated code live (default: tests/snapshots/models, unless --dir is given).
    #[arg(long = "snapshots-dir")]
    pub snapshots_dir: Option<PathBuf>,
}

/// Runs every check and prints the diagnostics; fails on any error.
pub fn run(args: Args) -> Result<(), String> {
    // The generated files belong to the workspace's own catalog, not to a scratch directory.
    let workspace = args.dir.is_none();
    let catalog_file = args
        .catalog_file
        .or_else(|| workspace.then(paths::catalog_file));
    let snapshots = args
        .snapshots_dir
        .or_else(|| workspace.then(paths::snapshots_dir));
    let dir = paths::schemas_dir(args.dir.as_deref());

    let catalog = load::load_dir(&dir);
    let mut diagnostics: Vec<Diagnostic> = catalog.diagnostics;
    diagnostics.extend(check::check_catalog(&catalog.descriptors));
    if let Some(path) = &catalog_file {
        diagnostics.extend(stale_catalog(path, &catalog.descriptors));
    }
    if let Some(root) = &snapshots {
        diagnostics.extend(missing_snapshots(root, &catalog.descriptors));
    }
    diagnostics.extend(stale_meta_schema(&dir.join(load::META_SCHEMA_FILE)));
    report(&dir, catalog.descriptors.len(), diagnostics, args.quiet)
}

fn stale_catalog(path: &Path, models: &[Loaded]) -> Option<Diagnostic> {
    let fresh = crate::catalog::render(models);
    match std::fs::read_to_string(path) {
        Ok(text) if text == fresh => None,
        _ => Some(
            Diagnostic::new(
                Code::StaleCatalog,
                path,
                "",
                "the model catalog (docs/MODELS.md) is missing or stale",
            )
            .with_hint("run `cargo xtask catalog` and commit the result"),
        ),
    }
}

fn missing_snapshots(root: &Path, models: &[Loaded]) -> Vec<Diagnostic> {
    models
        .iter()
        .filter_map(|loaded| {
            let snap = root.join(format!(
                "{}.snap",
                loaded.descriptor.slug.replace('/', "__")
            ));
            (!snap.exists()).then(|| {
                Diagnostic::new(Code::MissingSnapshot, &loaded.file, "/slug", format!("no snapshot of the generated code ({})", snap.display()))
                    .with_hint("run `INSTA_UPDATE=always cargo test -p kling-workspace-tests --test expand`, review and commit it")
            })
        })
        .collect()
}

fn stale_meta_schema(schema_path: &Path) -> Option<Diagnostic> {
    match std::fs::read_to_string(schema_path) {
        Ok(text) if text == crate::schema::meta_schema_text() => None,
        Ok(_) => Some(
            Diagnostic::new(
                Code::StaleMetaSchema,
                schema_path,
                "",
                "the descriptor format's schema is stale",
            )
            .with_hint("run `cargo xtask schema` and commit the result"),
        ),
        Err(e) => Some(
            Diagnostic::new(
                Code::StaleMetaSchema,
                schema_path,
                "",
                format!("cannot read the descriptor format's schema: {e}"),
            )
            .with_hint("run `cargo xtask schema`"),
        ),
    }
}

/// Prints the diagnostics (paths relative to the current directory) and the summary line.
fn report(
    dir: &Path,
    files: usize,
    mut diagnostics: Vec<Diagnostic>,
    quiet: bool,
) -> Result<(), String> {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let cwd = std::env::current_dir().unwrap_or_default();
    for d in diagnostics.iter_mut().filter(|d| !quiet || d.is_error()) {
        if let Ok(relative) = d.file.strip_prefix(&cwd) {
            d.file = relative.to_path_buf();
        }
        eprintln!("{d}");
    }
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
