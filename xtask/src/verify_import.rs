//! `cargo xtask verify-import PAGE…`: import pages in memory and check that every price equals the
//! committed descriptor of the same slug (CI runs it on the original seed pages).

use std::path::PathBuf;

use kling_descriptor::{Descriptor, load};

/// The flags of `cargo xtask verify-import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page files.
    #[arg(required = true)]
    pub pages: Vec<PathBuf>,
}

/// Compares every page's prices with the committed descriptor; fails on any difference.
pub fn run(args: &Args) -> Result<(), String> {
    let committed = load::load_dir(&crate::paths::schemas_dir(None));
    let mut failures = Vec::new();
    for page in &args.pages {
        let text = std::fs::read_to_string(page)
            .map_err(|e| format!("error: cannot read {}: {e}", page.display()))?;
        let draft = crate::import::draft(&text, None)
            .map_err(|e| format!("error: {}: {e}", page.display()))?;
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
        let checked = compare(imported, &ours.descriptor, &mut failures);
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

/// Prices every combination of the imported table with both descriptors; returns how many.
fn compare(imported: &Descriptor, ours: &Descriptor, failures: &mut Vec<String>) -> usize {
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
    checked
}
