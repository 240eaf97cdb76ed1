//! The maintainers' workflow: import (both page shapes) or scaffold → check → generate → price.
//! This is what CONTRIBUTING.md walks through, on fictional pages with factor kinds Kling does
//! not use (resolution, frame rate as a JSON integer, take count, a boolean loop).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kling_descriptor::{check, load};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pages")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Imports one page into a scratch directory, then checks, generates and prices the result.
fn import_check_generate(page: &str, slug: &str) -> kling_descriptor::Descriptor {
    let dir = scratch(slug.split('/').nth(1).unwrap());
    let out = xtask(&["import", &fixture(page), "--dir", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("review: write each field's description"),
        "{stdout}"
    );

    let rel = format!("{slug}.json");
    let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
    insta::assert_snapshot!(slug.replace('/', "__"), text);

    let loaded = load::load_file(&dir, &rel).unwrap();
    let errors: Vec<String> = check::check_loaded(&loaded)
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let tokens = kling_codegen::expand_dir(&dir, "scratch", &kling_codegen::Options::default())
        .expect("generates");
    kling_codegen::pretty(tokens).expect("the generated code parses");

    // Refuses to overwrite without --force.
    let again = xtask(&["import", &fixture(page), "--dir", dir.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists; pass --force"));
    assert!(
        xtask(&[
            "import",
            &fixture(page),
            "--dir",
            dir.to_str().unwrap(),
            "--force"
        ])
        .status
        .success()
    );
    std::fs::remove_dir_all(dir).unwrap();
    loaded.descriptor
}

fn price(d: &kling_descriptor::Descriptor, choices: &[(&str, &str)]) -> u64 {
    d.price_with(|f| {
        choices
            .iter()
            .find(|(k, _)| *k == f)
            .map(|(_, v)| v.to_string())
    })
    .unwrap()
    .total
    .get()
}

#[test]
fn an_mdx_page_imports_with_every_fact() {
    let d = import_check_generate(
        "nimbus-reel-hd.mdx",
        "nimbus-labs/nimbus-reel-hd/text-to-video",
    );
    assert_eq!(
        (
            d.provider.as_str(),
            d.model.as_str(),
            d.processing_time_seconds
        ),
        ("Nimbus Labs", "Nimbus Reel HD", 90)
    );
    assert_eq!(d.field("scene").unwrap().max_length, Some(1200));
    assert_eq!(d.field("storyboard").unwrap().max_items, Some(6));
    assert_eq!(d.field("style_strength").unwrap().maximum, Some(2.0));
    assert_eq!(d.pricing.documented.micro_cents.get(), 30_000);
    assert_eq!(price(&d, &[]), 30_000);
    assert_eq!(
        price(
            &d,
            &[("resolution", "4k"), ("fps", "60"), ("variants", "4")]
        ),
        20_000 * 3 * 2 * 4
    );
    assert_eq!(
        price(
            &d,
            &[("resolution", "720p"), ("fps", "30"), ("variants", "2")]
        ),
        50_000
    );
    assert_eq!(d.combination_count(), Some(27));
}

#[test]
fn a_rendered_page_imports_with_run_together_cells() {
    let d = import_check_generate(
        "nimbus-reel-lite.txt",
        "nimbus-labs/nimbus-reel-lite/image-to-video",
    );
    assert_eq!(
        (d.capability.as_str(), d.pricing.base_micro_cents.get()),
        ("Image to Video", 9_000)
    );
    assert_eq!(
        d.field("loop").unwrap().options.as_deref(),
        Some(&["false".to_string(), "true".to_string()][..])
    );
    assert_eq!(price(&d, &[]), 13_500);
    assert_eq!(
        price(&d, &[("resolution", "1080p"), ("loop", "true")]),
        27_000
    );
}

#[test]
fn new_model_scaffolds_a_descriptor_that_checks() {
    let dir = scratch("new-model");
    let d = dir.to_str().unwrap();
    let out = xtask(&[
        "new-model",
        "acme/acme-v2/text-to-video",
        "--base-cost",
        "10000",
        "--processing-time",
        "120",
        "--field",
        "prompt:string",
        "--required",
        "prompt",
        "--field",
        "fps:integer",
        "--options",
        "fps=24,30",
        "--default",
        "fps=24",
        "--factor",
        "fps=24:1,30:1.5",
        "--dir",
        d,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loaded = load::load_file(&dir, "acme/acme-v2/text-to-video.json").unwrap();
    assert!(check::check_loaded(&loaded).is_empty());
    assert_eq!(price(&loaded.descriptor, &[("fps", "30")]), 15_000);
    let again = xtask(&[
        "new-model",
        "acme/acme-v2/text-to-video",
        "--base-cost",
        "1",
        "--dir",
        d,
    ]);
    assert!(!again.status.success(), "no overwrite without --force");
    let bad = xtask(&[
        "new-model",
        "acme/acme-v3/text-to-video",
        "--base-cost",
        "1",
        "--field",
        "x:colour",
        "--dir",
        d,
    ]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown type `colour`"));
    std::fs::remove_dir_all(dir).unwrap();
}
