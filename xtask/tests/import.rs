//! The maintainers' workflow: import (both page shapes, single pages and docs trees) or scaffold →
//! check → generate → price. This is what CONTRIBUTING.md walks through, on fictional pages: two
//! in the older test shape, and a `docs/models/…` tree written in the shape PixelByte's MDX really
//! has (`../shared/pixelbyte/PAGES.md`): bold keys, slugs in attributes, nested `<ParamField>`s,
//! prose options and limits, blank continuation cells, `<Tip>` costs, components anywhere.

mod support;

use std::path::Path;

use kling_descriptor::{Descriptor, check, load};
use support::{fixture, fixtures, scratch, text, xtask, xtask_in};

/// Imports one page into a scratch directory, then checks, generates and prices the result;
/// returns the descriptor and the import's output (the scratch path written `<dir>`).
fn import_check_generate(page: &str, slug: &str) -> (Descriptor, String) {
    let dir = scratch(&format!("import-{}", slug.replace('/', "-")));
    let d = dir.to_str().unwrap();
    let out = xtask(&["import", &fixture(page), "--dir", d]);
    let stdout = text(&out.stdout).replace(d, "<dir>");
    assert!(out.status.success(), "{}{stdout}", text(&out.stderr));
    assert!(
        stdout.contains("review: write each field's description"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("1 imported, 0 skipped (already present), 0 failed\n"),
        "{stdout}"
    );

    let rel = format!("{slug}.json");
    let json = std::fs::read_to_string(dir.join(&rel)).unwrap();
    insta::assert_snapshot!(slug.replace('/', "__"), json);
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

    // A page named on the command line is not overwritten without --force.
    let again = xtask(&["import", &fixture(page), "--dir", d]);
    assert!(!again.status.success());
    assert!(
        text(&again.stdout).contains("is already in the catalog; pass --force to overwrite it"),
        "{}",
        text(&again.stdout)
    );
    assert!(
        xtask(&["import", &fixture(page), "--dir", d, "--force"])
            .status
            .success()
    );
    std::fs::remove_dir_all(dir).unwrap();
    (loaded.descriptor, stdout)
}

fn price(d: &Descriptor, choices: &[(&str, &str)]) -> u64 {
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

/// A page's price table: per factor field, `(option, numerator, denominator)` of each multiplier.
type Table<'a> = [(&'a str, &'a [(&'a str, u64, u64)])];

/// Every combination of `(field, [(option, numerator, denominator)])`, priced independently of
/// kling-descriptor: `base × Π n / Π d`, which must divide exactly.
fn expected_prices(base: u64, factors: &Table) -> Vec<(Vec<(String, String)>, u64)> {
    let mut out = vec![(Vec::new(), u128::from(base), 1u128)];
    for (field, options) in factors {
        out = out
            .into_iter()
            .flat_map(|(choice, num, den)| {
                options.iter().map(move |(o, n, d)| {
                    let mut choice = choice.clone();
                    choice.push((field.to_string(), o.to_string()));
                    (choice, num * u128::from(*n), den * u128::from(*d))
                })
            })
            .collect();
    }
    out.into_iter()
        .map(|(choice, num, den)| {
            assert_eq!(
                num % den,
                0,
                "{choice:?} is not a whole number of micro-cents"
            );
            (choice, u64::try_from(num / den).unwrap())
        })
        .collect()
}

/// Every combination of the descriptor prices exactly as the page's table says.
fn prices_every_combination(d: &Descriptor, base: u64, factors: &Table) {
    let expected = expected_prices(base, factors);
    assert_eq!(d.combination_count(), Some(expected.len() as u64));
    let mut visited = 0;
    d.for_each_combination(|_| visited += 1);
    assert_eq!(visited, expected.len());
    for (choice, total) in expected {
        let quote = d
            .price_with(|f| choice.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone()))
            .unwrap();
        assert_eq!(
            (quote.total.get(), quote.exact),
            (total, true),
            "{choice:?}"
        );
    }
}

fn reviews(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| l.starts_with("  review: "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_mdx_page_imports_with_every_fact() {
    let (d, _) = import_check_generate(
        "pages/nimbus-reel-hd.mdx",
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
    let variants = [("1", 1, 1), ("2", 2, 1), ("4", 4, 1)];
    prices_every_combination(
        &d,
        20_000,
        &[
            (
                "resolution",
                &[("720p", 1, 1), ("1080p", 3, 2), ("4k", 3, 1)],
            ),
            ("fps", &[("24", 1, 1), ("30", 5, 4), ("60", 2, 1)]),
            ("variants", &variants),
        ],
    );
}

#[test]
fn a_rendered_page_imports_with_run_together_cells() {
    let (d, _) = import_check_generate(
        "pages/nimbus-reel-lite.txt",
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
    prices_every_combination(
        &d,
        9_000,
        &[
            (
                "resolution",
                &[("480p", 1, 1), ("720p", 3, 2), ("1080p", 5, 2)],
            ),
            ("loop", &[("false", 1, 1), ("true", 6, 5)]),
        ],
    );
}

const ORBIT_PRO: &str = "docs/models/video/orbit-works/orbit-one-pro-text-to-video.mdx";

#[test]
fn a_real_shape_page_with_three_factors_per_second() {
    let (d, stdout) = import_check_generate(ORBIT_PRO, "orbit-works/orbit-one-pro/text-to-video");
    // Bold summary keys, the front-matter title and the slug from `default=`.
    assert_eq!(
        (
            d.provider.as_str(),
            d.model.as_str(),
            d.capability.as_str(),
            d.processing_time_seconds
        ),
        ("Orbit Works", "Orbit One Pro", "Text to Video", 150)
    );
    assert_eq!(
        d.docs_url,
        "https://developer.pixelbyte.app/docs/models/video/orbit-works/orbit-one-pro-text-to-video"
    );
    // Nested <ParamField>s in <Expandable>; `webhookUrl` and `version` are not inputs.
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "scene",
            "avoid",
            "duration",
            "mode",
            "has_sound",
            "frame",
            "adherence",
            "reference_images",
            "reference_video_url",
            "shots",
            "keyframes",
            "loop"
        ]
    );
    // Limits in words and parentheses, through links, emphasis and entities.
    assert_eq!(
        (
            d.field("scene").unwrap().required,
            d.field("scene").unwrap().max_length
        ),
        (true, Some(1_800))
    );
    let adherence = d.field("adherence").unwrap();
    assert_eq!(
        (
            adherence.minimum,
            adherence.maximum,
            adherence.default.clone()
        ),
        (Some(0.0), Some(1.0), Some(0.4.into()))
    );
    assert_eq!(
        d.field("frame").unwrap().default,
        Some("16:9".into()),
        "default= on a field"
    );
    assert_eq!(
        d.field("reference_images").unwrap().max_items,
        Some(6),
        "(≤3 with…, ≤6 without)"
    );
    let keyframes = d.field("keyframes").unwrap();
    let items = keyframes.items.as_ref().unwrap();
    assert_eq!(
        (
            keyframes.max_items,
            items.fields.len(),
            items.fields[0].minimum
        ),
        (Some(4), 2, Some(0.0))
    );
    // The table (in another order than the formula) prices the fields the formula names.
    let factors: Vec<(&str, &str)> = d
        .pricing
        .factors
        .iter()
        .map(|f| (f.label.as_str(), f.field.as_str()))
        .collect();
    assert_eq!(
        factors,
        [
            ("Duration", "duration"),
            ("Mode", "mode"),
            ("Sound", "has_sound")
        ]
    );
    assert_eq!(d.pricing.documented.micro_cents.get(), 216_000);
    prices_every_combination(
        &d,
        36_000,
        &[
            ("duration", &[("4", 4, 1), ("6", 6, 1), ("8", 8, 1)]),
            ("mode", &[("std", 1, 1), ("plus", 5, 4)]),
            ("has_sound", &[("false", 1, 1), ("true", 3, 2)]),
        ],
    );
    insta::assert_snapshot!("orbit_one_pro_review", reviews(&stdout));
}

#[test]
fn a_real_shape_page_priced_per_image() {
    let (d, stdout) = import_check_generate(
        "docs/models/image/lumen-forge/lumen-still-2-text-to-image.mdx",
        "lumen-forge/lumen-still-2/text-to-image",
    );
    assert_eq!(d.pricing.base_unit_stated.as_deref(), Some("per image"));
    // The prose range 1 to 4 and the price table's options agree: the options are the values.
    let images = d.field("num_images").unwrap();
    assert_eq!(
        (images.minimum, images.maximum, images.default.clone()),
        (None, None, Some(1.into()))
    );
    assert_eq!(images.options.as_deref().unwrap(), ["1", "2", "3", "4"]);
    assert!(!stdout.contains("outside the range"), "{stdout}");
    let palette = d.field("palette").unwrap();
    assert_eq!(
        (palette.max_items, palette.items.as_ref().unwrap().format),
        (Some(5), None)
    );
    // "Images" prices `num_images`, "Resolution" prices `size`: through the formula and the options.
    let factors: Vec<(&str, &str)> = d
        .pricing
        .factors
        .iter()
        .map(|f| (f.label.as_str(), f.field.as_str()))
        .collect();
    assert_eq!(factors, [("Images", "num_images"), ("Resolution", "size")]);
    prices_every_combination(
        &d,
        12_500,
        &[
            (
                "num_images",
                &[("1", 1, 1), ("2", 2, 1), ("3", 3, 1), ("4", 4, 1)],
            ),
            ("size", &[("1k", 1, 1), ("2k", 3, 2), ("4k", 9, 4)]),
        ],
    );
    insta::assert_snapshot!("lumen_still_2_review", reviews(&stdout));
}

#[test]
fn a_flat_page_priced_per_request() {
    let (d, stdout) = import_check_generate(
        "docs/models/audio/tidal-sound/tidal-voice-text-to-speech.mdx",
        "tidal-sound/tidal-voice/text-to-speech",
    );
    assert!(d.pricing.flat && d.pricing.factors.is_empty() && d.notes.is_empty());
    assert_eq!(d.pricing.base_unit_stated.as_deref(), Some("per request"));
    let speed = d.field("speed").unwrap();
    assert_eq!((speed.minimum, speed.maximum), (Some(0.5), Some(2.0)));
    prices_every_combination(&d, 60_000, &[]);
    assert_eq!(
        reviews(&stdout),
        "  review: write each field's description and the summary in your own words"
    );
}

#[test]
fn a_factor_on_a_field_the_request_body_does_not_list() {
    let (d, stdout) = import_check_generate(
        "docs/models/video/orbit-works/orbit-one-motion-transfer.mdx",
        "orbit-works/orbit-one/motion-transfer",
    );
    assert!(d.field("duration").is_none());
    let param = d.parameter("duration").expect("a pricing parameter");
    assert_eq!(
        (param.options.as_slice(), param.default.as_str()),
        (&["5".to_string(), "10".to_string()][..], "5")
    );
    prices_every_combination(
        &d,
        20_000,
        &[
            ("duration", &[("5", 5, 1), ("10", 10, 1)]),
            ("quality", &[("std", 1, 1), ("pro", 3, 2)]),
        ],
    );
    assert!(
        stdout.contains("which the request body does not list: drafted as a pricing parameter"),
        "{stdout}"
    );
}

#[test]
fn a_flat_page_that_states_its_price_per_second() {
    let (d, stdout) = import_check_generate(
        "docs/models/video/orbit-works/orbit-one-restyle.mdx",
        "orbit-works/orbit-one/restyle",
    );
    assert_eq!((d.pricing.flat, d.notes.len()), (true, 1));
    prices_every_combination(&d, 45_000, &[]);
    insta::assert_snapshot!("orbit_one_restyle_review", reviews(&stdout));
}

/// Every fixture page, in both line-ending styles, drafts the same.
#[test]
fn crlf_pages_draft_the_same() {
    for page in tree_pages()
        .iter()
        .chain(&[fixtures().join("pages/nimbus-reel-lite.txt")])
    {
        let lf = std::fs::read_to_string(page).unwrap();
        let crlf = lf.replace('\n', "\r\n");
        let (a, b) = (
            xtask::import::draft(&lf, None).unwrap(),
            xtask::import::draft(&crlf, None).unwrap(),
        );
        assert_eq!(a.descriptor, b.descriptor, "{}", page.display());
        assert_eq!(a.review, b.review);
    }
}

fn tree_pages() -> Vec<std::path::PathBuf> {
    xtask::import::walk::collect(&[fixtures().join("docs")])
        .unwrap()
        .into_iter()
        .map(|p| p.path)
        .collect()
}

#[test]
fn a_default_cost_the_draft_does_not_reproduce_is_an_error_naming_both() {
    let dir = scratch("import-tip");
    let page = std::fs::read_to_string(fixture(ORBIT_PRO))
        .unwrap()
        .replace(
            "**216,000 micro-cents ($0.216)**",
            "**226,000 micro-cents ($0.226)**",
        );
    std::fs::write(dir.join("page.mdx"), page).unwrap();
    let out = xtask_in(&dir, &["import", "page.mdx", "--dir", "schemas"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout).lines().next().unwrap(),
        "failed   page.mdx: line 118: the page's default cost is 226,000 micro-cents, but the draft prices its default options at 216,000 micro-cents (36,000 × 6 (duration=6) × 1 (mode=std) × 1 (has_sound=false) = 216,000 micro-cents ($0.216))"
    );
    assert!(!dir.join("schemas").exists(), "nothing is written");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_table_that_prices_options_the_field_does_not_list_is_reported() {
    let dir = scratch("import-options");
    let page = std::fs::read_to_string(fixture(
        "docs/models/image/lumen-forge/lumen-still-2-text-to-image.mdx",
    ))
    .unwrap()
    .replace("Options: `1k`, `2k`, `4k`.", "Options: `1k`, `2k`.");
    std::fs::write(dir.join("page.mdx"), page).unwrap();
    let out = xtask_in(&dir, &["import", "page.mdx", "--dir", "schemas"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("review: line 58: factor `Resolution` prices `4k`, which `size` does not list as an option"), "{stdout}");
    assert!(stdout.contains("failed   page.mdx: schemas/lumen-forge/lumen-still-2/text-to-image.json was written but does not check yet"), "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Copies the fixture tree into `dir/docs` and adds a page that cannot be drafted.
fn scratch_tree(dir: &Path) {
    for page in tree_pages() {
        let rel = page.strip_prefix(fixtures()).unwrap();
        std::fs::create_dir_all(dir.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&page, dir.join(rel)).unwrap();
    }
    let broken = dir.join("docs/models/video/murk/murk-one-text-to-video.mdx");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(broken, "---\ntitle: \"Murk One — Text to Video\"\n---\n\n<ParamField body=\"model\" default=\"murk/murk-one/text-to-video\">\n").unwrap();
}

#[test]
fn a_docs_tree_imports_what_the_catalog_lacks_one_line_per_page() {
    let dir = scratch("import-tree");
    scratch_tree(&dir);
    let first = xtask_in(
        &dir,
        &[
            "import",
            "docs/models/image/lumen-forge/lumen-still-2-text-to-image.mdx",
            "--dir",
            "schemas",
        ],
    );
    assert!(first.status.success(), "{}", text(&first.stdout));

    let out = xtask_in(&dir, &["import", "docs", "--dir", "schemas"]);
    assert_eq!(out.status.code(), Some(1), "a page failed");
    let lines: Vec<String> = text(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("  review:"))
        .map(str::to_owned)
        .collect();
    insta::assert_snapshot!("tree_import", lines.join("\n"));
    assert!(text(&out.stderr).ends_with("error: 1 page(s) failed\n"));

    // Only the chosen providers; nothing is overwritten without --force.
    let out = xtask_in(
        &dir,
        &[
            "import",
            "docs",
            "--dir",
            "schemas",
            "--provider",
            "tidal-sound,lumen-forge",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stdout),
        "skipped  docs/models/audio/tidal-sound/tidal-voice-text-to-speech.mdx: tidal-sound/tidal-voice/text-to-speech is already in the catalog\n\
         skipped  docs/models/image/lumen-forge/lumen-still-2-text-to-image.mdx: lumen-forge/lumen-still-2/text-to-image is already in the catalog\n\
         0 imported, 2 skipped (already present), 0 failed, 4 of other providers\n"
    );
    let out = xtask_in(
        &dir,
        &[
            "import",
            "docs",
            "--dir",
            "schemas",
            "--provider",
            "lumen-forge",
            "--force",
        ],
    );
    assert!(
        text(&out.stdout)
            .ends_with("1 imported, 0 skipped (already present), 0 failed, 5 of other providers\n"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Untrusted text: cut pages, shuffled pages and pages read in the wrong form draft or fail with a
/// message, never panic (the `importer` fuzz target goes much further).
#[test]
fn mangled_pages_never_panic() {
    use xtask::import::{Form, draft_as};
    for page in tree_pages()
        .iter()
        .chain(&[fixtures().join("pages/nimbus-reel-lite.txt")])
    {
        let text = std::fs::read_to_string(page).unwrap();
        let mut variants: Vec<String> = (0..text.len())
            .step_by(37)
            .filter(|i| text.is_char_boundary(*i))
            .map(|i| text[..i].to_string())
            .collect();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.reverse();
        variants.push(lines.join("\n"));
        variants.push(text.replace('>', ""));
        variants.push(text.replace('|', "||"));
        for v in &variants {
            for form in [Form::Mdx, Form::Rendered] {
                let _ = draft_as(v, form, None);
            }
        }
    }
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
