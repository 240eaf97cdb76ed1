//! `cargo xtask import`: drafts descriptors from PixelByte model pages, in both shapes they come in:
//! the MDX source of the docs site (`mdx`, over the component tree of `markup` and the prose
//! facts of `field_text`), and the text a browser copy of a rendered page gives (`rendered`).
//! Both fill one `page::Page`, with `price_table` reading the pricing facts of either;
//! `factors` matches the price table to the fields it prices, and `draft` builds the descriptor.
//!
//! Facts are extracted (slug, names, types, options, defaults, limits, prices); the page's
//! sentences are not copied: descriptions are neutral drafts for a maintainer to write, and
//! everything the importer could not determine or place is listed for review with its line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kling_descriptor::load;

mod draft;
mod example;
mod factors;
mod field_text;
mod markup;
mod mdx;
mod page;
mod price_table;
mod rendered;
mod text;
pub mod walk;

pub use draft::{Draft, draft, draft_as};
pub use page::{Form, Review};

/// The flags of `cargo xtask import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Page files (MDX or rendered text), or docs trees whose `models/**/*.mdx` pages are drafted
    /// when their slug is not in the catalog yet.
    #[arg(required = true)]
    pub pages: Vec<PathBuf>,
    /// The model page's URL, for a single page outside a `models/` tree.
    #[arg(long = "docs-url")]
    pub docs_url: Option<String>,
    /// Only pages of these providers (the slug's first segment), e.g. `kling-plus,kling`.
    #[arg(long, value_delimiter = ',')]
    pub provider: Vec<String>,
    /// The schemas directory (default: the workspace's `schemas/`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Overwrite descriptors that are already in the catalog.
    #[arg(long)]
    pub force: bool,
}

/// What became of one page.
enum Outcome {
    Imported(PathBuf, Vec<Review>),
    Skipped(String),
    Failed(String, Vec<Review>),
    Filtered,
}

/// Drafts and writes a descriptor per page, one line each, then the totals; fails if any failed.
pub fn run(args: &Args) -> Result<(), String> {
    let pages = walk::collect(&args.pages)?;
    if args.docs_url.is_some() && pages.len() != 1 {
        return Err("error: --docs-url is one page's address; give exactly one page".into());
    }
    let dir = crate::paths::schemas_dir(args.dir.as_deref());
    let present: BTreeSet<String> = load::load_dir(&dir)
        .descriptors
        .into_iter()
        .map(|l| l.descriptor.slug)
        .collect();
    let (mut imported, mut skipped, mut failed, mut filtered) = (0, 0, 0, 0);
    for page in &pages {
        let shown = page.path.display();
        match import_one(&page.path, page.named, args, &dir, &present) {
            Outcome::Imported(path, review) => {
                imported += 1;
                println!("imported {shown} -> {}", path.display());
                print_review(&review);
            }
            Outcome::Skipped(slug) => {
                skipped += 1;
                println!("skipped  {shown}: {slug} is already in the catalog");
            }
            Outcome::Failed(reason, review) => {
                failed += 1;
                println!("failed   {shown}: {reason}");
                print_review(&review);
            }
            Outcome::Filtered => filtered += 1,
        }
    }
    let mut totals =
        format!("{imported} imported, {skipped} skipped (already present), {failed} failed");
    if filtered > 0 {
        totals.push_str(&format!(", {filtered} of other providers"));
    }
    println!("{totals}");
    if failed > 0 {
        Err(format!("error: {failed} page(s) failed"))
    } else {
        Ok(())
    }
}

fn print_review(review: &[Review]) {
    for item in review {
        println!("  review: {item}");
    }
}

fn import_one(
    path: &Path,
    named: bool,
    args: &Args,
    dir: &Path,
    present: &BTreeSet<String>,
) -> Outcome {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return Outcome::Failed(format!("cannot read it: {e}"), Vec::new()),
    };
    let docs_url = args.docs_url.clone().or_else(|| walk::docs_url(path));
    let drafted = draft(&text, docs_url.as_deref());
    if !args.provider.is_empty() {
        let wanted = |p: &str| args.provider.iter().any(|w| w == p);
        let keep = match &drafted {
            Ok(d) => d.descriptor.slug.split('/').next().is_some_and(wanted),
            // Without a slug, the tree's `<provider>/` directory decides.
            Err(_) => path
                .components()
                .any(|c| wanted(&c.as_os_str().to_string_lossy())),
        };
        if !keep {
            return Outcome::Filtered;
        }
    }
    let draft = match drafted {
        Ok(draft) => draft,
        Err(e) => return Outcome::Failed(e, Vec::new()),
    };
    let slug = &draft.descriptor.slug;
    if present.contains(slug) && !args.force {
        return if named {
            Outcome::Failed(
                format!("{slug} is already in the catalog; pass --force to overwrite it"),
                Vec::new(),
            )
        } else {
            Outcome::Skipped(slug.clone())
        };
    }
    match crate::descriptor_file::write(dir, &draft.descriptor, args.force) {
        Ok(path) => Outcome::Imported(path, draft.review),
        Err(e) => Outcome::Failed(e.trim_start_matches("error: ").to_string(), draft.review),
    }
}
