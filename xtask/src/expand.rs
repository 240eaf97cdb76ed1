//! `cargo xtask expand SLUG`: print the formatted code generated for one model.

use std::path::{Path, PathBuf};

use kling_descriptor::{check, load};

/// The flags of `cargo xtask expand`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model slug, e.g. kling-plus/kling-o3-standard/reference-to-video.
    pub slug: String,
    /// The schemas directory (default: the workspace's `schemas/`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Prints the model's generated module; fails on an unknown slug or a catalog with errors.
pub fn run(args: &Args) -> Result<(), String> {
    let dir = crate::paths::schemas_dir(args.dir.as_deref());
    let slug = args.slug.as_str();
    let catalog = load::load_dir(&dir);
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
        return Err(unknown_slug(&dir, slug, &known));
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
            format!("{}\ncannot expand this model", errors.join("\n"))
        },
    )?;
    let text = kling_codegen::pretty(tokens)?;
    print!("{text}");
    Ok(())
}

fn unknown_slug(dir: &Path, slug: &str, known: &[&str]) -> String {
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
    message
}
