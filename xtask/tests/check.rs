//! `cargo xtask check` and `cargo xtask schema` on scratch schema directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("kling/demo")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/kling-descriptor/tests/fixtures/valid/kling/demo/text-to-video.json");
    std::fs::copy(fixture, dir.join("kling/demo/text-to-video.json")).unwrap();
    dir
}

fn xtask(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--dir")
        .arg(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_valid_directory_passes_once_its_schema_is_written() {
    let dir = scratch("valid");
    let out = xtask(&["check"], &dir);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("error[E080 stale-meta-schema]:"),
        "{}",
        text(&out.stderr)
    );

    assert!(xtask(&["schema"], &dir).status.success());
    let out = xtask(&["check"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("checked 1 descriptor(s)"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("0 error(s), 0 warning(s)"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_stale_schema_fails_the_check() {
    let dir = scratch("stale");
    assert!(xtask(&["schema"], &dir).status.success());
    std::fs::write(dir.join("descriptor.schema.json"), "{}\n").unwrap();
    let out = xtask(&["check"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error[E080 stale-meta-schema]:"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_broken_descriptor_is_reported_with_file_and_pointer() {
    let dir = scratch("broken");
    assert!(xtask(&["schema"], &dir).status.success());
    let file = dir.join("kling/demo/text-to-video.json");
    let broken = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"default\": \"5\"", "\"default\": \"7\"");
    std::fs::write(&file, broken).unwrap();
    std::fs::create_dir_all(dir.join("kling/other")).unwrap();
    std::fs::write(dir.join("kling/other/text-to-video.json"), "{ not json").unwrap();

    let out = xtask(&["check"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error[E034 default-not-an-option]: ")
            && stderr.contains("kling/demo/text-to-video.json#/fields/1/default: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[E002 invalid-json]: ")
            && stderr.contains("kling/other/text-to-video.json#: "),
        "{stderr}"
    );
    assert!(stderr.contains("2 error(s)"), "{stderr}");
    assert!(stderr.ends_with("check failed\n"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn expand_prints_one_model_or_names_the_unknown_slug() {
    let dir = scratch("expand");
    let out = xtask(&["expand", "kling/demo/text-to-video"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let code = text(&out.stdout);
    assert!(
        code.starts_with("/**Demo — Text to Video (`kling/demo/text-to-video`)."),
        "{code}"
    );
    assert!(code.contains("pub mod text_to_video {"));
    assert!(code.contains("pub enum Duration {"));
    assert!(code.contains("impl ::kling::Model for Input {"));

    let out = xtask(&["expand", "kling/demo/image-to-video"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("error: no model `kling/demo/image-to-video`"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_stale_catalog_or_a_missing_snapshot_fails_the_check() {
    let dir = scratch("gates");
    assert!(xtask(&["schema"], &dir).status.success());
    let catalog = dir.join("MODELS.md");
    let snapshots = dir.join("snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    let gates = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["check", "--dir"])
            .arg(&dir)
            .arg("--catalog-file")
            .arg(out)
            .arg("--snapshots-dir")
            .arg(&snapshots)
            .output()
            .unwrap()
    };
    std::fs::write(&catalog, "# Models\n").unwrap();
    let stderr = text(&gates(&catalog).stderr);
    assert!(stderr.contains("error[E081 stale-catalog]:"), "{stderr}");
    assert!(
        stderr.contains("error[E082 missing-snapshot]: ") && stderr.contains("#/slug: "),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
