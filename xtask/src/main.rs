//! `cargo xtask`: the maintainers' tasks for this workspace.
//!
//! - `cargo xtask check`: validate every descriptor and fail when generated files are stale;
//! - `cargo xtask schema`: regenerate `schemas/descriptor.schema.json` from the Rust types;
//! - `cargo xtask expand SLUG`: print the formatted code generated for one model;
//! - `cargo xtask new-model SLUG --base-cost N …`: scaffold a valid descriptor from flags;
//! - `cargo xtask import PAGE…`: draft descriptors from PixelByte model pages (MDX or rendered text);
//! - `cargo xtask catalog`: regenerate `docs/MODELS.md`;
//! - `cargo xtask bench [--quick] [--json]`: the benchmarks (see BENCHMARKS.md);
//! - `cargo xtask chaos [--jobs N] [--seed S] [--json]`: the fault campaign (see SECURITY.md);
//! - `cargo xtask fuzz [--seconds N] [--target T]`: the fuzz targets under `fuzz/` (nightly, cargo-fuzz).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod catalog;
mod import;
mod new_model;
use kling_descriptor::{Code, Diagnostic, check, load};

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
        /// The generated catalog to check for freshness (default: docs/MODELS.md, unless --dir is given).
        #[arg(long = "catalog-file")]
        catalog_file: Option<PathBuf>,
        /// Where the snapshots of generated code live (default: tests/snapshots/models, unless --dir is given).
        #[arg(long = "snapshots-dir")]
        snapshots_dir: Option<PathBuf>,
    },
    /// Print the formatted Rust generated for one model.
    Expand {
        /// The model slug, e.g. kling-plus/kling-o3-standard/reference-to-video.
        slug: String,
        /// The schemas directory (default: the workspace's `schemas/`).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Scaffold a valid descriptor from flags.
    NewModel {
        #[command(flatten)]
        args: Box<new_model::Scaffold>,
        /// The schemas directory (default: the workspace's `schemas/`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Overwrite an existing descriptor.
        #[arg(long)]
        force: bool,
    },
    /// Draft descriptors from PixelByte model pages (MDX source or rendered text).
    Import {
        /// The page files.
        #[arg(required = true)]
        pages: Vec<PathBuf>,
        /// The model page URL (for a single page).
        #[arg(long = "docs-url")]
        docs_url: Option<String>,
        /// The schemas directory (default: the workspace's `schemas/`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Overwrite existing descriptors.
        #[arg(long)]
        force: bool,
    },
    /// Regenerate docs/MODELS.md from the descriptors.
    Catalog,
    /// Drive many jobs through the client against a sandbox injecting every fault; prove none is
    /// duplicated or lost.
    Chaos {
        /// How many jobs.
        #[arg(long, default_value_t = 200)]
        jobs: usize,
        /// The fault generator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print only the JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Run the fuzz targets (needs a nightly toolchain and cargo-fuzz).
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Only this target.
        #[arg(long)]
        target: Option<String>,
    },
    /// Run the benchmarks; every figure is a ratio or per-unit cost measured in this one run.
    Bench {
        /// A shorter run (under 15 minutes on 2 cores).
        #[arg(long)]
        quick: bool,
        /// Print one JSON object on the last line.
        #[arg(long)]
        json: bool,
    },
    /// Import pages into a scratch directory and check that every price equals the committed
    /// descriptor of the same slug (CI runs it on the original seed pages).
    VerifyImport {
        /// The page files.
        #[arg(required = true)]
        pages: Vec<PathBuf>,
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
        Command::Check {
            dir,
            quiet,
            catalog_file,
            snapshots_dir,
        } => {
            let workspace = dir.is_none();
            let catalog_file = catalog_file.or_else(|| workspace.then(catalog_path));
            let snapshots_dir = snapshots_dir.or_else(|| workspace.then(snapshots_root));
            run_check(
                &schemas_dir(dir),
                quiet,
                catalog_file.as_deref(),
                snapshots_dir.as_deref(),
            )
        }
        Command::NewModel { args, dir, force } => new_model(&schemas_dir(dir), &args, force),
        Command::Import {
            pages,
            docs_url,
            dir,
            force,
        } => import(&schemas_dir(dir), &pages, docs_url.as_deref(), force),
        Command::Catalog => write_catalog(),
        Command::Bench { quick, json } => bench::run(&workspace_root(), quick, json),
        Command::Chaos { jobs, seed, json } => bench::chaos(&workspace_root(), jobs, seed, json),
        Command::Fuzz { seconds, target } => {
            bench::fuzz(&workspace_root(), seconds, target.as_deref())
        }
        Command::VerifyImport { pages } => verify_import(&pages),
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

fn catalog_path() -> PathBuf {
    workspace_root().join("docs").join("MODELS.md")
}

/// Where the snapshots of every model's generated code live (see tests/expand.rs).
fn snapshots_root() -> PathBuf {
    workspace_root().join("tests/snapshots/models")
}

fn write_catalog() -> Result<(), String> {
    let dir = schemas_dir(None);
    let catalog = load::load_dir(&dir);
    let errors: Vec<String> = catalog
        .diagnostics
        .iter()
        .chain(check::check_catalog(&catalog.descriptors).iter())
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "{}\nfix the descriptors first (cargo xtask check)",
            errors.join("\n")
        ));
    }
    let path = catalog_path();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("error: cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, catalog::render(&catalog.descriptors))
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    println!(
        "wrote {} ({} models)",
        path.display(),
        catalog.descriptors.len()
    );
    Ok(())
}

/// Writes a descriptor (refusing to overwrite without `force`), then checks it.
fn write_descriptor(
    dir: &Path,
    descriptor: &kling_descriptor::Descriptor,
    force: bool,
) -> Result<PathBuf, String> {
    let rel = format!("{}.json", descriptor.slug);
    let path = dir.join(&rel);
    if path.exists() && !force {
        return Err(format!(
            "error: {} exists; pass --force to overwrite it",
            path.display()
        ));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("error: cannot create {}: {e}", parent.display()))?;
    }
    let mut text = serde_json::to_string_pretty(descriptor).map_err(|e| format!("error: {e}"))?;
    text.push('\n');
    std::fs::write(&path, text)
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    let loaded = load::load_file(dir, &rel).map_err(|d| {
        d.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let problems = check::check_loaded(&loaded);
    for p in &problems {
        eprintln!("{p}");
    }
    if problems.iter().any(Diagnostic::is_error) {
        return Err(format!(
            "error: {} was written but does not check yet; fix the errors above",
            path.display()
        ));
    }
    Ok(path)
}

fn new_model(dir: &Path, args: &new_model::Scaffold, force: bool) -> Result<(), String> {
    let descriptor = new_model::scaffold(args).map_err(|e| format!("error: {e}"))?;
    let path = write_descriptor(dir, &descriptor, force)?;
    println!(
        "wrote {}; it checks. Next: facts and descriptions, `cargo xtask check`, the snapshot (see CONTRIBUTING.md).",
        path.display()
    );
    Ok(())
}

fn import(
    dir: &Path,
    pages: &[PathBuf],
    docs_url: Option<&str>,
    force: bool,
) -> Result<(), String> {
    let mut failed = false;
    for page in pages {
        let text = std::fs::read_to_string(page)
            .map_err(|e| format!("error: cannot read {}: {e}", page.display()))?;
        let draft = match import::draft(&text, docs_url) {
            Ok(draft) => draft,
            Err(e) => {
                eprintln!("error: {}: {e}", page.display());
                failed = true;
                continue;
            }
        };
        match write_descriptor(dir, &draft.descriptor, force) {
            Ok(path) => {
                println!("{} -> {}", page.display(), path.display());
                for item in &draft.review {
                    println!("  review: {item}");
                }
            }
            Err(e) => {
                eprintln!("{e}");
                for item in &draft.review {
                    eprintln!("  review: {item}");
                }
                failed = true;
            }
        }
    }
    if failed {
        Err("import failed for some pages".into())
    } else {
        Ok(())
    }
}

fn run_check(
    dir: &Path,
    quiet: bool,
    catalog_file: Option<&Path>,
    snapshots: Option<&Path>,
) -> Result<(), String> {
    let catalog = load::load_dir(dir);
    let mut diagnostics: Vec<Diagnostic> = catalog.diagnostics;
    diagnostics.extend(check::check_catalog(&catalog.descriptors));
    // The generated catalog and the snapshots follow the descriptors.
    if let Some(path) = catalog_file {
        let fresh = catalog::render(&catalog.descriptors);
        match std::fs::read_to_string(path) {
            Ok(text) if text == fresh => {}
            _ => diagnostics.push(
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
    if let Some(root) = snapshots {
        for loaded in &catalog.descriptors {
            let snap = root.join(format!(
                "{}.snap",
                loaded.descriptor.slug.replace('/', "__")
            ));
            if !snap.exists() {
                diagnostics.push(
                    Diagnostic::new(Code::MissingSnapshot, &loaded.file, "/slug", format!("no snapshot of the generated code ({})", snap.display()))
                        .with_hint("run `INSTA_UPDATE=always cargo test -p kling-workspace-tests --test expand`, review and commit it"),
                );
            }
        }
    }

    let schema_path = dir.join(load::META_SCHEMA_FILE);
    match std::fs::read_to_string(&schema_path) {
        Ok(text) if text == meta_schema_text() => {}
        Ok(_) => diagnostics.push(
            Diagnostic::new(
                Code::StaleMetaSchema,
                &schema_path,
                "",
                "the descriptor format's schema is stale",
            )
            .with_hint("run `cargo xtask schema` and commit the result"),
        ),
        Err(e) => diagnostics.push(
            Diagnostic::new(
                Code::StaleMetaSchema,
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
    let tokens = kling_codegen::model_module(loaded, &kling_codegen::Options::default()).map_err(
        |errors| {
            let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
            format!(
                "{}
cannot expand this model",
                errors.join(
                    "
"
                )
            )
        },
    )?;
    let text = kling_codegen::pretty(tokens)?;
    print!("{text}");
    Ok(())
}

fn verify_import(pages: &[PathBuf]) -> Result<(), String> {
    let committed = load::load_dir(&schemas_dir(None));
    let mut failures = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(page)
            .map_err(|e| format!("error: cannot read {}: {e}", page.display()))?;
        let draft =
            import::draft(&text, None).map_err(|e| format!("error: {}: {e}", page.display()))?;
        let imported = &draft.descriptor;
        let Some(ours) = committed
            .descriptors
            .iter()
            .find(|l| l.descriptor.slug == imported.slug)
        else {
            failures.push(format!(
                "{}: no committed descriptor for {}",
                page.display(),
                imported.slug
            ));
            continue;
        };
        let ours = &ours.descriptor;
        let mut checked = 0;
        imported.for_each_combination(|combo| {
            let pick = |field: &str| {
                combo
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, o)| o.to_string())
            };
            let theirs = imported.price_with(pick).map(|q| q.total);
            let mine = ours.price_with(pick).map(|q| q.total);
            if theirs != mine {
                failures.push(format!(
                    "{}: {combo:?}: imported {theirs:?}, committed {mine:?}",
                    imported.slug
                ));
            }
            checked += 1;
        });
        if imported.combination_count() != ours.combination_count() {
            failures.push(format!(
                "{}: the imported table has {:?} combinations, the committed one {:?}",
                imported.slug,
                imported.combination_count(),
                ours.combination_count()
            ));
        }
        if imported.pricing.documented.micro_cents != ours.pricing.documented.micro_cents {
            failures.push(format!("{}: documented cost differs", imported.slug));
        }
        println!(
            "{}: {} ({checked} price combination(s) equal to the committed descriptor)",
            page.display(),
            imported.slug
        );
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "error: imported prices differ:\n{}",
            failures.join("\n")
        ))
    }
}
