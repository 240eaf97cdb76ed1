//! Embeds every descriptor under `schemas/` so the sandbox runs without the repository.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=schemas");
    let root = Path::new("schemas");
    let files = match kling_descriptor::load::descriptor_paths(root) {
        Ok(files) => files,
        Err(e) => {
            println!("cargo::error=cannot list the descriptors under schemas/: {e}");
            return;
        }
    };
    let mut code = String::from(
        "/// Every embedded descriptor: (path under schemas/, contents).\npub static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for rel in &files {
        let path = root.join(rel);
        let abs = std::fs::canonicalize(&path).unwrap_or(path);
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.to_string_lossy()
        );
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    if let Err(e) = std::fs::write(Path::new(&out).join("embedded.rs"), code) {
        println!("cargo::error=cannot write the embedded catalog: {e}");
    }
}
