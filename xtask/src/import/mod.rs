//! `cargo xtask import`: drafts descriptors from PixelByte model pages, in both shapes they come in:
//! the MDX source of the docs site ([`mdx`]), and the text a browser copy of a rendered page gives
//! ([`rendered`]). Both fill one [`page::Page`]; [`price_table`] reads the pricing section of either,
//! and [`draft`] turns the page into a descriptor.
//!
//! Facts are extracted (slug, names, types, options, defaults, limits, prices); the page's
//! sentences are not copied: field descriptions are neutral drafts for a maintainer to write,
//! and everything the importer could not determine is listed for review.

use std::path::PathBuf;

pub mod draft;
mod mdx;
mod page;
mod price_table;
mod rendered;

pub use draft::{Draft, draft};

/// The flags of `cargo xtask import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page files.
    #[arg(required = true)]
    pub pages: Vec<PathBuf>,
    /// The model page URL (for a single page).
    #[arg(long = "docs-url")]
    pub docs_url: Option<String>,
    /// The schemas directory (default: the workspace's `schemas/`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Overwrite existing descriptors.
    #[arg(long)]
    pub force: bool,
}

/// Drafts and writes a descriptor per page, printing what needs review; fails if any page failed.
pub fn run(args: &Args) -> Result<(), String> {
    let dir = crate::paths::schemas_dir(args.dir.as_deref());
    let mut failed = false;
    for page in &args.pages {
        let text = std::fs::read_to_string(page)
            .map_err(|e| format!("error: cannot read {}: {e}", page.display()))?;
        let draft = match draft(&text, args.docs_url.as_deref()) {
            Ok(draft) => draft,
            Err(e) => {
                eprintln!("error: {}: {e}", page.display());
                failed = true;
                continue;
            }
        };
        match crate::descriptor_file::write(&dir, &draft.descriptor, args.force) {
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
