//! Finding pages: files named on the command line, and the pages of a docs tree
//! (`models/**/*.mdx`, sorted), each with the docs URL its place in the tree gives it.

use std::path::{Path, PathBuf};

/// Where the docs site publishes the tree's `models/…` pages.
const DOCS_BASE: &str = "https://developer.pixelbyte.app/docs/";

/// A page to read, and whether it was named on the command line (rather than found in a tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFile {
    /// The file.
    pub path: PathBuf,
    /// Named on the command line.
    pub named: bool,
}

/// The files named, and every `.mdx` page under each directory named (under its `models/`
/// directory when it has one).
pub fn collect(args: &[PathBuf]) -> Result<Vec<PageFile>, String> {
    let mut pages = Vec::new();
    for arg in args {
        let meta = std::fs::metadata(arg).map_err(|e| format!("error: {}: {e}", arg.display()))?;
        if !meta.is_dir() {
            pages.push(PageFile {
                path: arg.clone(),
                named: true,
            });
            continue;
        }
        let models = arg.join("models");
        let root = if models.is_dir() { models } else { arg.clone() };
        let mut found = Vec::new();
        walk(&root, &mut found).map_err(|e| format!("error: {}: {e}", root.display()))?;
        if found.is_empty() {
            return Err(format!("error: no `.mdx` pages under {}", root.display()));
        }
        found.sort();
        pages.extend(
            found
                .into_iter()
                .map(|path| PageFile { path, named: false }),
        );
    }
    Ok(pages)
}

/// Collects `.mdx` files; symbolic links to directories are not followed (no cycles).
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "mdx") {
            found.push(path);
        }
    }
    Ok(())
}

/// The published address of a page that sits in a `models/` tree
/// (`…/models/video/acme/acme-one-text-to-video.mdx` → `…/docs/models/video/acme/acme-one-text-to-video`).
pub fn docs_url(path: &Path) -> Option<String> {
    let parts: Vec<String> = path
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let start = parts.iter().rposition(|p| p == "models")?;
    (path.extension().is_some_and(|e| e == "mdx") && parts.len() > start + 1)
        .then(|| format!("{DOCS_BASE}{}", parts[start..].join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_path_gives_the_published_address() {
        assert_eq!(
            docs_url(Path::new(
                "/tmp/docs/models/video/acme/acme-one-text-to-video.mdx"
            ))
            .as_deref(),
            Some("https://developer.pixelbyte.app/docs/models/video/acme/acme-one-text-to-video")
        );
        assert_eq!(docs_url(Path::new("page.mdx")), None);
        assert_eq!(docs_url(Path::new("models/page.txt")), None);
    }
}
