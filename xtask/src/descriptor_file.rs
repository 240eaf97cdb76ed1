//! Writing a drafted descriptor into a schemas directory, then checking it where it lies.

use std::path::{Path, PathBuf};

use kling_descriptor::{Descriptor, Diagnostic, check, load};

/// Writes `descriptor` to `dir/<slug>.json` (refusing to overwrite without `force`), then checks it;
/// the problems are printed, and any error fails the write after the file is in place.
pub fn write(dir: &Path, descriptor: &Descriptor, force: bool) -> Result<PathBuf, String> {
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
