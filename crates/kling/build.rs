//! Makes cargo rebuild the generated models when a descriptor is edited, added or removed.
//!
//! The generated code `include_str!`s every descriptor (edits are tracked by rustc), and reads
//! `KLING_SCHEMAS_FINGERPRINT`, a hash of the directory listing set here (additions and removals).

use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    let dir = Path::new("schemas");
    println!("cargo::rerun-if-changed=schemas");
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut hasher);
    println!(
        "cargo::rustc-env=KLING_SCHEMAS_FINGERPRINT={:016x}",
        hasher.finish()
    );
}

fn collect(dir: &Path, out: &mut Vec<(String, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            out.push((path.to_string_lossy().into_owned(), len));
        }
    }
}
