//! The committed catalog is valid as a whole, and its generated meta-schema is fresh.

use kling_descriptor::{check, load};
use kling_workspace_tests::{catalog, schemas_dir};

#[test]
fn the_catalog_has_no_errors() {
    let catalog = catalog();
    let errors: Vec<String> = check::check_catalog(&catalog)
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(catalog.len(), 66);
}

#[test]
fn every_descriptor_points_at_the_meta_schema() {
    for loaded in catalog() {
        let depth = loaded.relative_path.matches('/').count();
        assert_eq!(
            loaded.descriptor.schema,
            format!("{}{}", "../".repeat(depth), load::META_SCHEMA_FILE)
        );
        let text = std::fs::read_to_string(&loaded.file).expect("readable");
        assert!(
            text.trim_start().starts_with("{\n  \"$schema\""),
            "{}: `$schema` comes first",
            loaded.relative_path
        );
    }
}

#[test]
fn the_committed_meta_schema_is_fresh() {
    let committed =
        std::fs::read_to_string(schemas_dir().join(load::META_SCHEMA_FILE)).expect("committed");
    let generated: serde_json::Value = kling_descriptor::descriptor_json_schema();
    let committed: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    assert_eq!(committed, generated, "run `cargo xtask schema`");
}

#[test]
fn the_readme_pricing_example_holds() {
    let loaded = catalog()
        .into_iter()
        .find(|l| l.descriptor.slug == "kling-plus/kling-o3-standard/reference-to-video")
        .expect("descriptor");
    let job = serde_json::json!({ "prompt": "a paper boat on a rainy street", "duration": "10", "has_sound": "true" });
    let quote = kling_descriptor::input::quote_input(&loaded.descriptor, &job).expect("valid");
    assert_eq!(quote.total.get(), 1_260_000);
    assert_eq!(quote.total.to_string(), "$1.26");
}

#[test]
fn kling_without_default_features_is_types_only() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "kling",
            "--no-default-features",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.starts_with("kling v"), "{tree}");
    for heavy in ["reqwest", "tokio", "hyper"] {
        assert!(
            !tree.lines().any(|l| l.starts_with(&format!("{heavy} "))),
            "{heavy} in:\n{tree}"
        );
    }
}
