//! `cargo xtask verify-import`: a fictional page and its hand-finished descriptor (our descriptions,
//! summary and note, which are never drift), then the page as PixelByte might edit it.

mod support;

use support::{fixture, fixtures, scratch, text, xtask_in};

fn verify(args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["verify-import"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--dir", "schemas"]);
    let out = xtask_in(&fixtures().join("drift"), &all);
    (out.status.code(), text(&out.stdout))
}

#[test]
fn an_unchanged_page_has_no_drift() {
    let (code, stdout) = verify(&["page.mdx"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(
        stdout,
        "kestrel-labs/kestrel-cine/image-to-video: no drift (page.mdx; 4 price combination(s) agree)\n\
         checked 1 page(s): 0 with drift, 1 unchanged, 0 not in the catalog, 0 failed\n"
    );
}

#[test]
fn an_edited_page_reports_the_price_the_option_and_the_field() {
    let (code, stdout) = verify(&["page-edited.mdx"]);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("edited_page", stdout);
    let (code, json) = verify(&["page-edited.mdx", "--json"]);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("edited_page_json", json);
}

/// The other kinds of drift, on a copy edited further.
#[test]
fn every_kind_of_change_is_named() {
    let dir = scratch("drift-kinds");
    let page = std::fs::read_to_string(fixture("drift/page.mdx")).unwrap();
    let edited = page
        .replace("| **Base Cost** | 15,000", "| **Base Cost** | 16,000")
        .replace("**Base cost:** 15,000", "**Base cost:** 16,000")
        .replace(
            "15,000 × 5 × 1 = **75,000 micro-cents ($0.075)**",
            "16,000 × 10 × 1 = **160,000 micro-cents ($0.160)**",
        )
        .replace(
            "Options: `5`, `10`. Default: `5`.",
            "Options: `10`. Default: `10`.",
        )
        .replace("|  | `10` | 10x |\n", "")
        .replace(
            "| **Duration** | `5` | 5x |",
            "| **Duration** | `10` | 10x |",
        )
        .replace(
            "<ParamField body=\"prompt\" type=\"string\">",
            "<ParamField body=\"prompt\" type=\"string\" required>",
        )
        .replace(
            "How it should move (max 1,000 characters).",
            "How it should move (max 800 characters).",
        );
    std::fs::write(dir.join("page.mdx"), edited).unwrap();
    let out = xtask_in(
        &dir,
        &[
            "verify-import",
            "page.mdx",
            "--dir",
            &fixture("drift/schemas"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("every_kind", text(&out.stdout));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A tree: pages in the catalog are compared, the others are listed (not an error), and a
/// rendered page is compared only on what a rendered page states.
#[test]
fn a_tree_and_a_rendered_page() {
    let dir = scratch("drift-tree");
    for page in [
        fixture("drift/page.mdx"),
        fixture("pages/nimbus-reel-lite.txt"),
    ] {
        let out = xtask_in(&dir, &["import", &page, "--dir", "schemas"]);
        assert!(out.status.success(), "{}", text(&out.stdout));
    }
    let tree = dir.join("docs/models/video/kestrel-labs");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::copy(
        fixture("drift/page.mdx"),
        tree.join("kestrel-cine-image-to-video.mdx"),
    )
    .unwrap();
    std::fs::copy(
        fixture("docs/models/video/orbit-works/orbit-one-restyle.mdx"),
        tree.join("orbit-one-restyle.mdx"),
    )
    .unwrap();
    std::fs::copy(fixture("pages/nimbus-reel-lite.txt"), dir.join("lite.txt")).unwrap();

    let out = xtask_in(
        &dir,
        &["verify-import", "docs", "lite.txt", "--dir", "schemas"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stdout),
        "kestrel-labs/kestrel-cine/image-to-video: no drift (docs/models/video/kestrel-labs/kestrel-cine-image-to-video.mdx; 4 price combination(s) agree)\n\
         nimbus-labs/nimbus-reel-lite/image-to-video: no drift (lite.txt; 6 price combination(s) agree)\n\
         orbit-works/orbit-one/restyle: not in the catalog (docs/models/video/kestrel-labs/orbit-one-restyle.mdx); `cargo xtask import` drafts it\n\
         checked 3 page(s): 0 with drift, 2 unchanged, 1 not in the catalog, 0 failed\n"
    );
    // Named on the command line, a page the catalog lacks is an error.
    let out = xtask_in(
        &dir,
        &[
            "verify-import",
            "docs/models/video/kestrel-labs/orbit-one-restyle.mdx",
            "--dir",
            "schemas",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("1 named page(s) not in the catalog"));
    std::fs::remove_dir_all(dir).unwrap();
}
