//! Makes cargo rebuild the generated models when a descriptor is edited, added or removed.
//!
//! The generated code `include_str!`s every descriptor (edits are tracked by rustc), and reads
//! `KLING_SCHEMAS_FINGERPRINT`, a hash of the descriptor list set here (additions and removals).

use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=schemas");
    let files = match kling_descriptor::load::descriptor_paths(Path::new("schemas")) {
        Ok(files) => files,
        Err(e) => {
            println!("cargo::error=cannot list the descriptors under schemas/: {e}");
            return;
        }
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut hasher);
    println!(
        "cargo::rustc-env=KLING_SCHEMAS_FINGERPRINT={:016x}",
        hasher.finish()
    );
}
