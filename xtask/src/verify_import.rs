//! `cargo xtask verify-import PAGE|DIR… [--json]`: compares every page whose slug is in the catalog
//! with its descriptor and reports, per model, what changed upstream (`crate::drift`); fails on
//! any drift. This is how the catalog's prices stay true when PixelByte edits its pages (CI runs
//! it on the original seed pages).

use std::path::PathBuf;

use kling_descriptor::load;
use serde::Serialize;

use crate::drift::{self, Drift};
use crate::import::{self, walk};

/// The flags of `cargo xtask verify-import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Page files (MDX or rendered text), or docs trees searched for `models/**/*.mdx`.
    #[arg(required = true)]
    pub pages: Vec<PathBuf>,
    /// The schemas directory (default: the workspace's `schemas/`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The whole comparison.
#[derive(Debug, Default, Serialize)]
struct Report {
    /// Pages whose slug is in the catalog, with what changed.
    models: Vec<Model>,
    /// Pages whose slug is not in the catalog (new upstream, or a typo in a named page).
    not_in_catalog: Vec<Unmatched>,
    /// Pages that could not be read or drafted.
    failed: Vec<Failure>,
}

#[derive(Debug, Serialize)]
struct Model {
    slug: String,
    page: String,
    drift: Vec<Drift>,
    /// Price combinations that agree, when no price drifted.
    agreeing_combinations: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Unmatched {
    slug: String,
    page: String,
    /// Named on the command line (an error) rather than found in a tree.
    named: bool,
}

#[derive(Debug, Serialize)]
struct Failure {
    page: String,
    error: String,
}

/// Compares the pages with the catalog; fails on drift, on a page that fails, and on a named page
/// whose slug is not in the catalog.
pub fn run(args: &Args) -> Result<(), String> {
    let pages = walk::collect(&args.pages)?;
    let committed = load::load_dir(&crate::paths::schemas_dir(args.dir.as_deref()));
    let mut report = Report::default();
    for page in &pages {
        let shown = page.path.display().to_string();
        let drafted = std::fs::read_to_string(&page.path)
            .map_err(|e| format!("cannot read it: {e}"))
            .and_then(|text| import::draft(&text, walk::docs_url(&page.path).as_deref()));
        let draft = match drafted {
            Ok(draft) => draft,
            Err(error) => {
                report.failed.push(Failure { page: shown, error });
                continue;
            }
        };
        let slug = draft.descriptor.slug.clone();
        match committed
            .descriptors
            .iter()
            .find(|l| l.descriptor.slug == slug)
        {
            Some(ours) => {
                let drift = drift::compare(&draft, &ours.descriptor);
                let priced = drift.iter().any(|d| {
                    matches!(
                        d,
                        Drift::BasePrice { .. }
                            | Drift::FactorAdded { .. }
                            | Drift::FactorRemoved { .. }
                            | Drift::Multiplier { .. }
                            | Drift::PricedOptionAdded { .. }
                            | Drift::PricedOptionRemoved { .. }
                    )
                });
                let agreeing_combinations = (!priced)
                    .then(|| ours.descriptor.combination_count())
                    .flatten();
                report.models.push(Model {
                    slug,
                    page: shown,
                    drift,
                    agreeing_combinations,
                });
            }
            None => report.not_in_catalog.push(Unmatched {
                slug,
                page: shown,
                named: page.named,
            }),
        }
    }
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| format!("error: {e}"))?;
        println!("{text}");
    } else {
        print_text(&report);
    }
    let drifted = report.models.iter().filter(|m| !m.drift.is_empty()).count();
    let unmatched = report.not_in_catalog.iter().filter(|u| u.named).count();
    if drifted + report.failed.len() + unmatched > 0 {
        return Err(format!(
            "error: {drifted} model(s) drifted, {} page(s) failed, {unmatched} named page(s) not in the catalog",
            report.failed.len()
        ));
    }
    Ok(())
}

fn print_text(report: &Report) {
    for m in &report.models {
        if m.drift.is_empty() {
            let agree = m
                .agreeing_combinations
                .map_or_else(String::new, |n| format!("; {n} price combination(s) agree"));
            println!("{}: no drift ({}{agree})", m.slug, m.page);
        } else {
            println!(
                "{}: {} change(s) upstream ({})",
                m.slug,
                m.drift.len(),
                m.page
            );
            for d in &m.drift {
                println!("  {d}");
            }
        }
    }
    for u in &report.not_in_catalog {
        println!(
            "{}: not in the catalog ({}); `cargo xtask import` drafts it",
            u.slug, u.page
        );
    }
    for f in &report.failed {
        println!("{}: failed: {}", f.page, f.error);
    }
    let drifted = report.models.iter().filter(|m| !m.drift.is_empty()).count();
    println!(
        "checked {} page(s): {drifted} with drift, {} unchanged, {} not in the catalog, {} failed",
        report.models.len() + report.not_in_catalog.len() + report.failed.len(),
        report.models.len() - drifted,
        report.not_in_catalog.len(),
        report.failed.len()
    );
}
